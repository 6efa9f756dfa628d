// `checkride serve orchestrator`: options in, the service up, signals out.
#include <csignal>

#include "protocol/input_error.h"
#include "wire/orchestrator/orchestrator_service.h"

namespace checkride {

int run_serve_orchestrator(const ServeOrchestratorOptions& options, std::ostream& out,
                           std::ostream& err) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<OrchestratorService> service;
  ActionCatalog owned;
  const ActionCatalog* catalog = &ActionCatalog::default_catalog();
  int port = 0;
  try {
    ServiceOptions o = options.service;
    if (!options.actions.empty()) {
      owned = ActionCatalog::from_file(options.actions);
      catalog = &owned;
    }
    service = std::make_unique<OrchestratorService>(*catalog, std::move(o));
    port = service->bind();
  } catch (const InputError& e) {
    err << "checkride: " << e.what() << "\n";
    return 2;
  } catch (const std::runtime_error& e) {
    err << "checkride serve orchestrator: " << e.what() << "\n";
    return 2;
  }
  std::thread server([&] { service->serve(); });
  out << "orchestrator http://" << options.service.bind << ":" << port << "\n"
      << "store " << options.service.store_path << "\n"
      << "orchestrator serving; Ctrl-C stops\n"
      << std::flush;
  int sig = 0;
  sigwait(&signals, &sig);
  service->stop();
  server.join();
  out << "stopped\n";
  return 0;
}

}  // namespace checkride
