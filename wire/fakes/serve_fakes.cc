#include "wire/fakes/serve_fakes.h"

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>

#include "orchestrator/action_catalog.h"
#include "protocol/crypto.h"
#include "protocol/input_error.h"
#include "protocol/output_file.h"
#include "scenario/compile_templates.h"

namespace checkride {

namespace {

// --webhook URLs: every event, signed with $CHECKRIDE_WEBHOOK_SECRET or a fresh secret.
std::vector<WebhookEndpoint> cli_webhooks(const std::vector<std::string>& urls) {
  std::vector<WebhookEndpoint> out;
  const char* env = std::getenv("CHECKRIDE_WEBHOOK_SECRET");
  for (const std::string& url : urls) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      throw InputError("--webhook", 0, url, "expected an absolute http(s) URL");
    }
    WebhookEndpoint e;
    e.url = url;
    e.enabled = {"*"};
    e.secret = env != nullptr && *env != '\0' ? env : "whsec_" + random_token_hex(24);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

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
    FakeServeOptions serve = options.serve;
    serve.webhooks = cli_webhooks(options.webhooks);
    servers = std::make_unique<FakeServers>(std::move(scenario), std::move(templates),
                                            std::move(script), std::move(serve));
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
  // The secrets go to the file only: never to a log.
  nlohmann::json webhooks = nlohmann::json::array();
  for (const WebhookEndpoint& e : servers->state().events.endpoints())
    webhooks.push_back({{"url", e.url}, {"secret", e.secret}});
  if (!webhooks.empty()) urls["webhooks"] = webhooks;
  if (!options.urls_file.empty()) {
    // 0600: it holds the webhook secrets.
    write_output_file(options.urls_file, urls.dump(2) + "\n", "--urls-file", 0600);
  }
  out << "fakes serving; Ctrl-C stops\n" << std::flush;
  int sig = 0;
  sigwait(&signals, &sig);
  servers->stop();
  out << "stopped\n";
  return 0;
}

}  // namespace checkride
