#pragma once
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "protocol/catalog_ref.h"
#include "protocol/connection_limit.h"
#include "recorder/redactor.h"
#include "recorder/result_status.h"
#include "recorder/transcript_format.h"

namespace httplib {
class Server;
}

namespace checkride {

class GuardedServer;
struct RelayHooks;

struct ProxyOptions {
  std::string upstream;                // the API's base URL (OpenAI's or Anthropic's)
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
  std::string out;                     // the cassette
  std::string model_label;             // the header's "model" (else the models requests named)
  std::set<std::string> actions;       // tool names that are actions
  ErrorPatterns error_patterns;        // what marks a tool's text answer as a failure
  CatalogRef catalog;                  // the action catalog, named in the header
  RedactionConfig redaction;
  int upstream_timeout_seconds = 120;
  std::size_t max_connections_per_client = kDefaultConnectionsPerClient;
};

class CassetteWriter;
class ConversationBook;
class ResponsesHistory;

// `checkride record llm`: a recording proxy for OpenAI Chat Completions (POST
// …/chat/completions), the OpenAI Responses API (…/responses) and Anthropic Messages
// (…/v1/messages). Each goes to the upstream and back unchanged (status, body, the headers
// that matter; SSE streams are relayed chunk by chunk as they arrive) while the conversation
// is recorded into a cassette through the redactor. Every other path is passed through
// unrecorded and counted. Upstream
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
  // not recorded".
  std::vector<std::string> unrecorded() const;

 private:
  void install_routes();
  // Begins recording one request to `api`; the hooks that record its answer. nullopt when the
  // cassette cannot be written.
  std::unique_ptr<RelayHooks> record_exchange(TranscriptFormat api, const nlohmann::json& body,
                                              const std::string& header_session);
  void count_relayed(const std::string& path);
  void note_model(const nlohmann::json& body);
  nlohmann::ordered_json header_models() const;  // "model" and "models" for the header

  ProxyOptions options_;
  std::ostream& log_;
  std::string upstream_origin_, upstream_prefix_;
  std::unique_ptr<Redactor> redactor_;
  std::unique_ptr<CassetteWriter> writer_;
  std::unique_ptr<ConversationBook> book_;
  std::unique_ptr<ResponsesHistory> responses_;
  // Declared before the server, so they outlive the server's threads that write them.
  mutable std::mutex relayed_mu_;
  std::map<std::string, int64_t> relayed_;  // by path; ordered, so the warnings are stable
  std::vector<std::string> models_;         // each model a request named, first seen first
  std::unique_ptr<GuardedServer> server_;
};

// The CLI entry: binds, prints where it listens, records until SIGINT or SIGTERM. Returns
// the exit code (2 on bad options).
int run_llm_proxy(const ProxyOptions& options, std::ostream& out, std::ostream& err);

}  // namespace checkride
