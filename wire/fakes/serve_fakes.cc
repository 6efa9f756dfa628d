#include "wire/fakes/serve_fakes.h"

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>

#include "orchestrator/action_catalog.h"
#include "protocol/input_error.h"
#include "simulator/simulation.h"

namespace checkride {

int run_serve_fakes(const ServeFakesOptions& options, std::ostream& out, std::ostream& err) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // every thread started below inherits it
  signal(SIGPIPE, SIG_IGN);                       // a client that hangs up is not fatal

  std::unique_ptr<FakeServers> servers;
  try {
    Scenario scenario =
        options.scenario.empty() ? default_scenario() : load_scenario(options.scenario);
    if (options.scenario.empty()) scenario.name = "wire";
    ActionCatalog owned;
    const ActionCatalog* actions = &ActionCatalog::default_catalog();
    if (scenario.actions != "default") {
      owned = ActionCatalog::from_file(scenario.actions);
      actions = &owned;
    }
    std::vector<CompiledTemplate> templates = compile_templates(scenario, *actions);
    Cassette script;
    std::string script_path = options.cassette;
    if (script_path.empty() && !scenario.mix.empty()) script_path = scenario.mix.front().cassette;
    if (!script_path.empty()) script = load_cassette(script_path);
    servers = std::make_unique<FakeServers>(std::move(scenario), std::move(templates),
                                            std::move(script), options.serve);
    servers->start();
  } catch (const InputError& e) {
    err << "checkride: " << e.what() << "\n";
    return 2;
  } catch (const std::runtime_error& e) {
    err << "checkride serve fakes: " << e.what() << "\n";
    return 2;
  }
  nlohmann::json urls = nlohmann::json::object();
  for (const auto& face : servers->faces()) {
    urls[face.name] = face.url;
    out << face.name << " " << face.url << "\n";
  }
  if (!options.urls_file.empty()) {
    std::ofstream f(options.urls_file + ".tmp");
    f << urls.dump(2) << "\n";
    f.close();
    std::rename((options.urls_file + ".tmp").c_str(), options.urls_file.c_str());
  }
  out << "fakes serving; Ctrl-C stops\n" << std::flush;
  int sig = 0;
  sigwait(&signals, &sig);
  servers->stop();
  out << "stopped\n";
  return 0;
}

}  // namespace checkride
