#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "orchestrator/action_catalog.h"
#include "orchestrator/orchestrator.h"
#include "protocol/action_signature.h"
#include "protocol/connection_limit.h"
#include "wire/held_mutex.h"
#include "wire/orchestrator/http_providers.h"
#include "wire/orchestrator/service_metrics.h"
#include "wire/orchestrator/sqlite_store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace checkride {

class GuardedServer;

struct ServiceOptions {
  std::string bind = "127.0.0.1";
  int port = 12100;  // 0: any free port
  std::string store_path = "checkride-orchestrator.db";
  std::string secret;  // HMAC-SHA256 key for signed requests; required
  int64_t replay_window_seconds = 300;
  ProviderEndpoints endpoints;
  int workers = 32;                        // threads performing provider calls
  Duration action_timeout = 30 * kSecond;  // how long POST /v1/actions waits for the outcome
  OrchestratorConfig config;
  // The webhook endpoint's signing secret (whsec_...): POST /webhooks/stripe verifies each
  // Stripe-Signature with it. Empty: that route answers 404.
  std::string webhook_secret;
  int64_t webhook_tolerance_seconds = 300;  // stripe-node's default
  // Reads (GET /v1/sessions/{id}, /v1/audit, /metrics) take a signature over
  // read_signed_text(), or this token as "Authorization: Bearer" (for a Prometheus scraper).
  std::string read_token;
  std::size_t max_connections_per_client = kDefaultConnectionsPerClient;
};

// The orchestrator core behind HTTP (docs/wire.md). The host owns the I/O the core does not:
// it feeds requests, provider answers and timers into the core under one lock, performs
// the calls the core asks for on a worker pool, and keeps the state in SQLite, so a
// process killed at any moment resumes every in-flight saga when it starts again.
class OrchestratorService {
 public:
  OrchestratorService(const ActionCatalog& catalog, ServiceOptions options);
  ~OrchestratorService();

  int bind();    // returns the port
  void serve();  // blocks until stop()
  void stop();
  // Installs the HTTP API on `server`; the constructor mounts it on the service's own.
  // Without serve() no provider call is performed, so an action answers 504 still_running.
  void mount(httplib::Server& server);

 private:
  struct Waiter {
    std::condition_variable_any cv;  // waits on mu_
    bool done = false;
    std::string store_failure;  // the core restarted after a failed write: no result comes
    ActionResult result;
  };
  struct TimerEntry {
    Time at;
    TimerId id;  // kRetryRecovery: no core timer, a try at recovering from a store failure
    uint64_t generation;
    bool operator>(const TimerEntry& o) const { return at > o.at || (at == o.at && id > o.id); }
  };
  struct QueuedCall {
    ProviderCall call;
    uint64_t generation;  // the core that asked; a restarted core never hears its answer
  };
  static constexpr TimerId kRetryRecovery = 0;

  Time now() const;
  void apply(Effects& fx);  // REQUIRES: mu_ held
  // Feeds one input to the core as one store transaction. A write that fails (a full disk)
  // rolls it back and restarts the core from the store, as after a crash, so memory never
  // holds what the disk does not; returns false, with why in `failure`. REQUIRES: mu_ held.
  bool transact(const std::function<void(Effects&)>& input, std::string* failure = nullptr);
  void restart_core(const std::string& why);  // REQUIRES: mu_ held
  void store_unavailable(httplib::Response& res);
  void store_refused(httplib::Response& res, const std::string& why);
  void worker_loop();
  void timer_loop();
  bool authentic(const httplib::Request& req, httplib::Response& res);
  bool may_read(const httplib::Request& req, httplib::Response& res);
  // The user that opened `session`, refusing (403) a session never opened or another user's.
  bool owned_by(SessionId session, UserId user, httplib::Response& res);
  void handle_session(const httplib::Request& req, httplib::Response& res);
  void handle_consent(const httplib::Request& req, httplib::Response& res);
  void handle_action(const httplib::Request& req, httplib::Response& res);
  void handle_session_status(const httplib::Request& req, httplib::Response& res);
  void handle_audit(const httplib::Request& req, httplib::Response& res);
  void handle_stripe_webhook(const httplib::Request& req, httplib::Response& res);

  const ActionCatalog& catalog_;
  ServiceOptions options_;
  SqliteDb db_;
  SqliteDb side_db_;  // its own connection: written outside the core's transaction
  ExternalNames names_;
  SignatureJournal journal_;
  SqliteStore store_;
  HttpProviders providers_;
  SignatureVerifier verifier_;
  ServiceMetrics metrics_;

  HeldMutex mu_;  // the core, the store and the waiters
  std::unique_ptr<Orchestrator> core_;
  uint64_t generation_ = 1;     // which core_ this is: one more after each restart
  bool needs_recovery_ = true;  // recover() has not yet run for this core
  std::unordered_map<uint64_t, std::shared_ptr<Waiter>> waiters_;
  uint64_t next_request_ = 1;

  std::mutex work_mu_;
  std::condition_variable work_cv_;
  std::deque<QueuedCall> work_;

  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;

  bool stopping_ = false;  // under work_mu_ and timer_mu_
  std::vector<std::thread> threads_;
  std::unique_ptr<GuardedServer> server_;
};

struct ServeOrchestratorOptions {
  ServiceOptions service;  // service.config: policy, retries, defects (a scenario's)
  std::string actions;     // optional action catalog YAML
};
// `checkride serve orchestrator`: runs until SIGINT/SIGTERM; exit code 2 on bad options.
int run_serve_orchestrator(const ServeOrchestratorOptions& options, std::ostream& out,
                           std::ostream& err);

}  // namespace checkride
