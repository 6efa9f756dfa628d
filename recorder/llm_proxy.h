#pragma once
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "protocol/catalog_ref.h"
#include "protocol/connection_limit.h"
#include "recorder/redactor.h"
#include "recorder/result_status.h"

namespace httplib {
class Server;
}

namespace checkride {

class GuardedServer;

struct ProxyOptions {
  std::string upstream;                // OpenAI-compatible base URL
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
  std::string out;                     // the cassette
  std::string model_label;             // the header's "model" (else learnt from requests)
  std::set<std::string> actions;       // tool names that are actions
  ErrorPatterns error_patterns;        // what marks a tool's text answer as a failure
  CatalogRef catalog;                  // the action catalog, named in the header
  RedactionConfig redaction;
  int upstream_timeout_seconds = 120;
  std::size_t max_connections_per_client = kDefaultConnectionsPerClient;
};

class CassetteWriter;
class ConversationBook;

// `checkride record llm`: an OpenAI-compatible recording proxy. POST …/chat/completions goes
// to the upstream and back unchanged (status, body, the headers that matter; SSE streams
// are relayed chunk by chunk as they arrive) while the conversation is recorded into a
// cassette through the redactor. Every other path is passed through unrecorded. Upstream
// errors are relayed and recorded as notes; an unreachable or silent upstream becomes a
// 502/504 with an OpenAI-style error body. Thread-safe: httplib serves each connection on
// its own thread.
class LlmProxy {
 public:
  // Throws InputError for a bad upstream URL or listen address, std::runtime_error when
  // the cassette cannot be created.
  explicit LlmProxy(ProxyOptions options, std::ostream& log);
  ~LlmProxy();

  // Binds the listening socket; returns the port. Throws std::runtime_error on failure.
  int bind();
  void serve();  // blocks until stop()
  void stop();
  int64_t events_recorded() const;
  // After stop(): puts the cassette under its name. Throws OutputError when a write failed
  // (a full disk); what was recorded stays at partial_path().
  void finish_cassette();
  const std::string& partial_path() const;
  // What went through unrecorded, a line per path: "relayed 12 requests to /v1/embeddings,
  // not recorded" (the Responses API and Anthropic's Messages among them, until recorded).
  std::vector<std::string> unrecorded() const;

 private:
  void install_routes();
  void count_relayed(const std::string& path);

  ProxyOptions options_;
  std::ostream& log_;
  std::string upstream_origin_, upstream_prefix_;
  std::unique_ptr<Redactor> redactor_;
  std::unique_ptr<CassetteWriter> writer_;
  std::unique_ptr<ConversationBook> book_;
  // Declared before the server, so it outlives the server's threads that count into it.
  mutable std::mutex relayed_mu_;
  std::map<std::string, int64_t> relayed_;  // by path; ordered, so the warnings are stable
  std::unique_ptr<GuardedServer> server_;
};

// The CLI entry: binds, prints where it listens, records until SIGINT or SIGTERM. Returns
// the exit code (2 on bad options).
int run_llm_proxy(const ProxyOptions& options, std::ostream& out, std::ostream& err);

}  // namespace checkride
