#include "recorder/llm_proxy.h"

#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <ostream>
#include <thread>

#include "protocol/guarded_server.h"
#include "protocol/input_error.h"
#include "protocol/json_input.h"
#include "recorder/cassette_writer.h"
#include "recorder/chat_normalizers.h"
#include "recorder/conversation_book.h"
#include "recorder/http_url.h"
#include "recorder/llm_api.h"
#include "recorder/responses_history.h"
#include "recorder/upstream_relay.h"

namespace checkride {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Hop-by-hop headers, the ones httplib computes itself, and httplib's own pseudo-headers
// (REMOTE_ADDR, …) never cross the proxy.
bool forwardable_request_header(const std::string& name) {
  static const std::set<std::string> kSkip = {
      "host",       "content-length",     "connection",       "transfer-encoding",
      "keep-alive", "accept-encoding",    "remote_addr",      "remote_port",
      "local_addr", "local_port",         "proxy-connection", "upgrade",
      "te",         "x-checkride-session"};
  return !kSkip.count(lower(name));
}

std::string brief(const std::string& body) {
  auto j = parse_json_or_discarded(body);
  if (!j.is_discarded() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("message") && j["error"]["message"].is_string()) {
    return j["error"]["message"].get<std::string>();
  }
  return body.substr(0, 200);
}

// What the recorder keeps of a non-streamed answer: its first bytes, up to the bound a turn
// may have; past that the turn is noted as unrecorded (the client still gets all of it).
struct KeptBody {
  std::string text;
  bool overflowed = false;
  void observe(std::string_view bytes) {
    if (overflowed || text.size() + bytes.size() > SseTurn::kMaxTurnBytes) {
      overflowed = true;
      text.clear();
      return;
    }
    text.append(bytes);
  }
};

std::string too_big(const char* what) {
  return std::string("not recorded: the ") + what + " held more than " +
         std::to_string(SseTurn::kMaxTurnBytes >> 20) + " MiB (relayed to the client in full)";
}

LlmTurn no_turn(const std::string& why) {
  LlmTurn none;
  none.why_none = why;
  return none;
}

// Records one answer: its turn (no messages: none, and why) and a note of what else was odd.
using TurnFinish = std::function<void(const LlmTurn&, const std::string& note)>;

// The recorder's view of an answer that ended: the turn, or why there is none.
void record_answer(const UpstreamAnswer& a, const LlmTurn& turn, const std::string& notes,
                   const TurnFinish& finish) {
  if (!a.answered) {
    finish(no_turn(""), "upstream " + httplib::to_string(a.error));
  } else if (a.status != 200) {
    finish(no_turn(""),
           "upstream answered " + std::to_string(a.status) + ": " + brief(a.error_head));
  } else if (turn.messages.empty()) {
    finish(turn, turn.why_none + (notes.empty() ? "" : "; " + notes));
  } else {
    finish(turn, notes);
  }
}

// What every recorded API shares: the proxy's refusals and a broken stream's end in its shape.
RelayHooks api_hooks(TranscriptFormat api) {
  RelayHooks hooks;
  hooks.broken_tail = [api](const UpstreamAnswer& a, const std::string& type) {
    return type.rfind("text/event-stream", 0) == 0
               ? broken_stream_event(api,
                                     "upstream stream broke off: " + httplib::to_string(a.error))
               : "";
  };
  hooks.error_body = [api](httplib::Response& res, int status, const std::string& message) {
    api_error_body(api, res, status, message);
  };
  return hooks;
}

// How a streamed turn is observed and recorded: reassembled from its SSE events.
RelayHooks streamed_turn_hooks(TranscriptFormat api, const TurnFinish& finish) {
  RelayHooks hooks = api_hooks(api);
  std::shared_ptr<SseTurn> stream = stream_assembler(api);
  hooks.observe = [stream](std::string_view bytes) { stream->feed(bytes); };
  hooks.finished = [api, stream, finish](const UpstreamAnswer& a) {
    if (a.broken() && !stream->done()) {
      record_answer(a, no_turn("upstream stream broke off: " + httplib::to_string(a.error)), "",
                    finish);
    } else if (stream->overflowed()) {
      record_answer(a, no_turn(too_big("streamed answer")), "", finish);
    } else {
      std::string notes;
      for (const auto& n : stream->notes()) notes += (notes.empty() ? "" : "; ") + n;
      record_answer(a, streamed_turn(api, *stream),
                    notes.empty() ? "" : "from the upstream's stream: " + notes, finish);
    }
  };
  return hooks;
}

// How a non-streamed turn is observed and recorded: the answer's JSON, kept up to the bound.
RelayHooks whole_turn_hooks(TranscriptFormat api, const TurnFinish& finish) {
  RelayHooks hooks = api_hooks(api);
  auto kept = std::make_shared<KeptBody>();
  hooks.observe = [kept](std::string_view bytes) { kept->observe(bytes); };
  hooks.finished = [api, kept, finish](const UpstreamAnswer& a) {
    if (a.broken()) {
      return record_answer(a, no_turn("upstream answer broke off: " + httplib::to_string(a.error)),
                           "", finish);
    }
    if (kept->overflowed) return record_answer(a, no_turn(too_big("answer")), "", finish);
    auto answer = parse_json_or_discarded(kept->text);
    LlmTurn turn = whole_answer_turn(api, answer);
    if (turn.messages.empty()) {
      turn.why_none = "upstream answered 200 (" + turn.why_none + "): " + brief(kept->text);
    }
    record_answer(a, turn, "", finish);
  };
  return hooks;
}

}  // namespace

LlmProxy::LlmProxy(ProxyOptions options, std::ostream& log)
    : options_(std::move(options)), log_(log) {
  HttpUrl url;
  std::string error;
  if (!parse_http_url(options_.upstream, url, error)) throw InputError("--upstream", 0, "", error);
  upstream_origin_ = url.origin;
  upstream_prefix_ = url.prefix;
  if (upstream_origin_.find('@') != std::string::npos) {
    throw InputError("--upstream", 0, "",
                     "credentials in the URL would be recorded; pass the "
                     "API key as the client's Authorization header");
  }
  redactor_ = std::make_unique<Redactor>(options_.redaction);
  nlohmann::ordered_json header;
  header["source"] = "record llm";
  header["upstream"] = options_.upstream;
  header["model"] = options_.model_label.empty() ? "unspecified" : options_.model_label;
  if (!options_.catalog.path.empty()) header["action_catalog"] = catalog_ref_json(options_.catalog);
  writer_ = std::make_unique<CassetteWriter>(options_.out, header, *redactor_);
  writer_->keep_partial();  // killed, it leaves what it recorded beside --out
  responses_ = std::make_unique<ResponsesHistory>();
  book_ = std::make_unique<ConversationBook>(*writer_, options_.actions, options_.error_patterns);
  server_ = std::make_unique<GuardedServer>(options_.max_connections_per_client);
  install_routes();
}

LlmProxy::~LlmProxy() = default;

int64_t LlmProxy::events_recorded() const { return writer_->events_written(); }
void LlmProxy::finish_cassette() { writer_->commit(header_models()); }
const std::string& LlmProxy::partial_path() const { return writer_->partial_path(); }

int LlmProxy::bind() {
  auto colon = options_.listen.rfind(':');
  std::string host =
      colon == std::string::npos ? options_.listen : options_.listen.substr(0, colon);
  int port = 0;
  if (colon != std::string::npos) {
    std::string p = options_.listen.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || ptr != p.data() + p.size() || port < 0 || port > 65535) {
      throw InputError("--listen", 0, "", "expected HOST:PORT, got '" + options_.listen + "'");
    }
  }
  if (port == 0) {
    port = server_->bind_to_any_port(host);
    if (port < 0) throw std::runtime_error("cannot listen on " + host);
  } else if (!server_->bind_to_port(host, port)) {
    throw std::runtime_error("cannot listen on " + options_.listen);
  }
  server_->tune_listener();
  return port;
}

void LlmProxy::serve() { server_->listen_after_bind(); }
void LlmProxy::stop() { server_->stop(); }

void LlmProxy::install_routes() {
  auto upstream_path = [this](const std::string& target) {
    // "http://up/v1" + "/v1/chat/completions": the client's path already holds the /v1.
    std::string prefix = upstream_prefix_;
    if (prefix.size() >= 3 && prefix.compare(prefix.size() - 3, 3, "/v1") == 0 &&
        target.rfind("/v1/", 0) == 0) {
      prefix.resize(prefix.size() - 3);
    }
    return prefix + target;
  };
  auto make_request = [upstream_path](const httplib::Request& req) {
    httplib::Request up;
    up.method = req.method;
    up.path = upstream_path(req.target.empty() ? req.path : req.target);
    up.body = req.body;
    for (const auto& [name, value] : req.headers) {
      if (forwardable_request_header(name)) up.headers.emplace(name, value);
    }
    if (!req.body.empty() && !req.has_header("Content-Type")) {
      up.headers.emplace("Content-Type", "application/json");
    }
    return up;
  };
  auto make_client = [this]() {
    auto c = std::make_unique<httplib::Client>(upstream_origin_);
    c->set_connection_timeout(10, 0);
    c->set_read_timeout(options_.upstream_timeout_seconds, 0);
    c->set_write_timeout(options_.upstream_timeout_seconds, 0);
    return c;
  };
  auto recorded = [this, make_request, make_client](TranscriptFormat api) {
    return [this, api, make_request, make_client](const httplib::Request& req,
                                                  httplib::Response& res) {
      auto body = parse_json_or_discarded(req.body);
      auto hooks = record_exchange(api, body, req.get_header_value("X-Checkride-Session"));
      if (!hooks) {  // nothing could be recorded: better the agent stops than goes on unrecorded
        api_error_body(api, res, 503,
                       "the recorder cannot write its cassette: " + writer_->failure());
        return;
      }
      relay_upstream(make_client, make_request(req), res, std::move(*hooks));
    };
  };
  server_->Post(R"(.*/chat/completions)", recorded(TranscriptFormat::kOpenAi));
  server_->Post(R"(.*/responses)", recorded(TranscriptFormat::kOpenAiResponses));
  // Anthropic's path; not an Assistants thread's /v1/threads/ID/messages.
  server_->Post(R"((.*/)?v1/messages)", recorded(TranscriptFormat::kAnthropic));

  // Everything else goes through unrecorded, streamed both ways (a file's content may be big).
  auto passthrough = [this, make_request, make_client](const httplib::Request& req,
                                                       httplib::Response& res) {
    count_relayed(req.path);
    relay_upstream(make_client, make_request(req), res, RelayHooks{});
  };
  server_->Get(".*", passthrough);
  server_->Post(".*", passthrough);
  server_->Put(".*", passthrough);
  server_->Patch(".*", passthrough);
  server_->Delete(".*", passthrough);
}

std::unique_ptr<RelayHooks> LlmProxy::record_exchange(TranscriptFormat api,
                                                      const nlohmann::json& body,
                                                      const std::string& header_session) {
  note_model(body);
  // The Responses API's request with what the upstream holds for it in front: read now, and
  // remembered with its answer. Shared, not copied into each hook; null for the other APIs.
  std::shared_ptr<const nlohmann::json> folded;
  std::string session;
  try {
    if (!body.is_object()) throw ShapeError{"", "the body is not a JSON object"};
    std::string unknown;
    if (api == TranscriptFormat::kOpenAiResponses) {
      folded = std::make_shared<const nlohmann::json>(responses_->folded(body, unknown));
    }
    if (!unknown.empty()) {
      log_ << "note: the request continues " << unknown
           << ", which this recorder did not relay; its earlier turns are not in the cassette\n";
    }
    const std::string id = header_session.empty() ? format_session_id(api, body) : header_session;
    session = book_->begin(request_conversation(api, folded ? *folded : body), id);
  } catch (const ShapeError& e) {
    // The field and message can quote what the client sent: redacted like the cassette.
    log_ << redactor_->redact_text("(unrecorded): the request does not fit " +
                                   std::string(format_title(api)) +
                                   (e.field.empty() ? "" : " at " + e.field) + ": " + e.message)
         << "\n";
  } catch (const nlohmann::json::exception& e) {
    log_ << "(unrecorded): the request could not be read: " << e.what() << "\n";
  } catch (const OutputError&) {
    return nullptr;
  }
  TurnFinish finish = [this, session, folded](const LlmTurn& turn, const std::string& note) {
    if (folded && !turn.messages.empty()) {
      responses_->remember(*folded, turn.response_id, turn.output);
    }
    try {
      if (!session.empty()) book_->finish(session, turn.messages, note);
    } catch (const OutputError& e) {
      log_ << session << ": not recorded: " << e.why() << "\n";
      return;
    }
    // Upstream errors can quote the API key back ("Incorrect API key provided: sk-…").
    log_ << (session.empty() ? "(unrecorded)" : session) << ": "
         << (turn.messages.empty() ? redactor_->redact_text(note) : "assistant turn recorded")
         << "\n";
  };
  const bool streaming = body.is_object() && bool_field(body, "stream", false);
  return std::make_unique<RelayHooks>(streaming ? streamed_turn_hooks(api, finish)
                                                : whole_turn_hooks(api, finish));
}

void LlmProxy::note_model(const nlohmann::json& body) {
  constexpr std::size_t kMaxModels = 32, kMaxName = 200;
  const std::string model = body.is_object() ? text_of(body, "model") : "";
  if (model.empty() || model.size() > kMaxName) return;
  std::lock_guard<std::mutex> lock(relayed_mu_);
  if (models_.size() < kMaxModels &&
      std::find(models_.begin(), models_.end(), model) == models_.end()) {
    models_.push_back(model);
  }
}

nlohmann::ordered_json LlmProxy::header_models() const {
  std::lock_guard<std::mutex> lock(relayed_mu_);
  nlohmann::ordered_json h;
  std::string joined;
  for (const auto& m : models_) joined += (joined.empty() ? "" : ", ") + m;
  h["model"] = !options_.model_label.empty() ? options_.model_label
               : joined.empty()              ? std::string("unspecified")
                                             : joined;
  h["models"] = models_;
  return h;
}

void LlmProxy::count_relayed(const std::string& path) {
  constexpr std::size_t kMaxPaths = 64;  // a client naming endless paths costs no more
  std::lock_guard<std::mutex> lock(relayed_mu_);
  const bool known = relayed_.count(path) > 0;
  ++relayed_[known || relayed_.size() < kMaxPaths ? path : std::string("other paths")];
}

std::vector<std::string> LlmProxy::unrecorded() const {
  std::lock_guard<std::mutex> lock(relayed_mu_);
  std::vector<std::string> lines;
  for (const auto& [path, n] : relayed_) {
    lines.push_back("relayed " + std::to_string(n) + (n == 1 ? " request" : " requests") + " to " +
                    path + ", not recorded");
  }
  return lines;
}

int run_llm_proxy(const ProxyOptions& options, std::ostream& out, std::ostream& err) {
  // Signals are taken by sigwait on this thread; the server runs on its own.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::unique_ptr<LlmProxy> proxy;
  int port = 0;
  try {
    proxy = std::make_unique<LlmProxy>(options, out);
    port = proxy->bind();
  } catch (const InputError& e) {
    err << "checkride: " << e.what() << "\n";
    return 2;
  } catch (const OutputError& e) {
    err << "checkride record llm: " << e.what() << "\n";
    return 3;
  } catch (const std::runtime_error& e) {
    err << "checkride record llm: " << e.what() << "\n";
    return 2;
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  out << "recording " << options.upstream << " into " << options.out << "\n"
      << "listening on http://" << host << ":" << port << " (point the client's base URL at "
      << "http://" << host << ":" << port << "/v1); Ctrl-C stops\n"
      << std::flush;
  std::thread server([&] { proxy->serve(); });
  int sig = 0;
  sigwait(&signals, &sig);
  proxy->stop();
  server.join();
  for (const std::string& line : proxy->unrecorded()) err << "warning: " << line << "\n";
  try {
    proxy->finish_cassette();
  } catch (const OutputError& e) {
    err << "checkride record llm: " << e.what() << "; what was recorded is in "
        << proxy->partial_path() << "\n";
    return 3;
  }
  out << "stopped; " << proxy->events_recorded() << " events in " << options.out << "\n";
  return 0;
}

}  // namespace checkride
