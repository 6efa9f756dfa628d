#include "recorder/llm_proxy.h"

#include <httplib.h>
#include <signal.h>

#include <charconv>
#include <condition_variable>
#include <deque>
#include <ostream>
#include <thread>

#include "protocol/http_workers.h"
#include "protocol/input_error.h"
#include "protocol/json_input.h"
#include "recorder/cassette_writer.h"
#include "recorder/conversation_book.h"
#include "recorder/http_url.h"
#include "recorder/stream_assembler.h"

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

// httplib decompresses what it receives, so the encoding and length are its to set again.
bool forwardable_response_header(const std::string& name) {
  static const std::set<std::string> kSkip = {"content-length",   "transfer-encoding",
                                              "connection",       "keep-alive",
                                              "content-encoding", "content-type"};
  return !kSkip.count(lower(name));
}

void error_body(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  nlohmann::json body = {
      {"error", {{"message", message}, {"type", "upstream_error"}, {"code", nullptr}}}};
  res.set_content(body.dump(), "application/json");
}

int failure_status(httplib::Error e) { return e == httplib::Error::Read ? 504 : 502; }

std::string brief(const std::string& body) {
  auto j = parse_json_or_discarded(body);
  if (!j.is_discarded() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("message") && j["error"]["message"].is_string()) {
    return j["error"]["message"].get<std::string>();
  }
  return body.substr(0, 200);
}

// One streamed exchange: the upstream thread fills it, the client's connection drains it.
struct Stream {
  std::mutex mu;
  std::condition_variable cv;
  bool headers_ready = false;
  bool done = false;
  bool client_gone = false;
  int status = 0;
  httplib::Headers headers;
  std::deque<std::string> chunks;
  std::string error_body;  // a non-200 answer, kept whole
  httplib::Error error = httplib::Error::Success;
  StreamAssembler assembler;
  std::thread upstream;
  bool recorded = false;  // finish() called: once, before the client can send its next turn
};

// The SSE event a client gets when the upstream's stream broke off: OpenAI's SDKs raise
// an APIError on a data line that holds "error".
std::string broken_stream_event(httplib::Error e) {
  nlohmann::json body = {{"error",
                          {{"message", "upstream stream broke off: " + httplib::to_string(e)},
                           {"type", "upstream_error"},
                           {"code", nullptr}}}};
  return "data: " + body.dump() + "\n\n";
}

// Records a streamed exchange once the upstream has finished (or the client went away).
template <typename Finish>
void record_stream(const std::shared_ptr<Stream>& st, const Finish& finish) {
  if (st->upstream.joinable()) st->upstream.join();
  if (st->recorded) return;
  st->recorded = true;
  if (st->error != httplib::Error::Success && !st->assembler.done()) {
    finish(nullptr, "upstream stream broke off: " + httplib::to_string(st->error));
    return;
  }
  nlohmann::json message = st->assembler.message();
  std::string notes;
  for (const auto& n : st->assembler.notes()) notes += (notes.empty() ? "" : "; ") + n;
  finish(&message, notes.empty() ? "" : "malformed stream from the upstream: " + notes);
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
  book_ = std::make_unique<ConversationBook>(*writer_, options_.actions, options_.error_patterns);
  server_ = std::make_unique<httplib::Server>();
  // A slow client, or a slow upstream answer, holds one worker, not the 8 httplib starts.
  bound_slow_clients(*server_, kMaxWorkers);
  install_routes();
}

LlmProxy::~LlmProxy() = default;

int64_t LlmProxy::events_recorded() const { return writer_->events_written(); }
void LlmProxy::finish_cassette() { writer_->commit(); }
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
  tune_listener(port);
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
  auto relay = [](const httplib::Response& from, httplib::Response& to) {
    to.status = from.status;
    for (const auto& [name, value] : from.headers) {
      if (forwardable_response_header(name)) to.headers.emplace(name, value);
    }
    to.set_content(from.body, from.get_header_value("Content-Type").empty()
                                  ? "application/json"
                                  : from.get_header_value("Content-Type"));
  };

  auto chat = [this, make_request, make_client, relay](const httplib::Request& req,
                                                       httplib::Response& res) {
    auto body = parse_json_or_discarded(req.body);
    bool streaming = body.is_object() && bool_field(body, "stream", false);
    std::string session;
    try {
      if (body.is_object() && body.contains("messages") && body["messages"].is_array()) {
        session = book_->begin(body["messages"], req.get_header_value("X-Checkride-Session"));
      }
    } catch (const OutputError& e) {
      // Nothing could be recorded: better the agent stops than goes on unrecorded.
      error_body(res, 503, "the recorder cannot write its cassette: " + e.why());
      return;
    }
    auto finish = [this, session](const nlohmann::json* reply, const std::string& note) {
      try {
        if (!session.empty()) book_->finish(session, reply, note);
      } catch (const OutputError& e) {
        log_ << session << ": not recorded: " << e.why() << "\n";
        return;
      }
      // Upstream errors can quote the API key back ("Incorrect API key provided: sk-…").
      log_ << (session.empty() ? "(unrecorded)" : session) << ": "
           << (reply ? "assistant turn recorded" : redactor_->redact_text(note)) << "\n";
    };

    if (!streaming) {
      auto client = make_client();
      auto r = client->send(make_request(req));
      if (!r) {
        std::string why = "upstream " + httplib::to_string(r.error());
        error_body(res, failure_status(r.error()), why);
        finish(nullptr, why);
        return;
      }
      relay(*r, res);
      auto answer = parse_json_or_discarded(r->body);
      if (r->status == 200 && !answer.is_discarded() && answer.contains("choices") &&
          answer["choices"].is_array() && !answer["choices"].empty() &&
          answer["choices"][0].contains("message")) {
        finish(&answer["choices"][0]["message"], "");
      } else {
        finish(nullptr, "upstream answered " + std::to_string(r->status) + ": " + brief(r->body));
      }
      return;
    }

    auto st = std::make_shared<Stream>();
    httplib::Request up = make_request(req);
    up.response_handler = [st](const httplib::Response& r) {
      std::lock_guard<std::mutex> lock(st->mu);
      st->status = r.status;
      st->headers = r.headers;
      st->headers_ready = true;
      st->cv.notify_all();
      return true;
    };
    up.content_receiver = [st](const char* data, size_t n, uint64_t, uint64_t) {
      std::lock_guard<std::mutex> lock(st->mu);
      if (st->status == 200) {
        st->assembler.feed(std::string_view(data, n));
        st->chunks.emplace_back(data, n);
      } else {
        st->error_body.append(data, n);
      }
      st->cv.notify_all();
      return !st->client_gone;
    };
    st->upstream = std::thread([st, up = std::move(up), make_client]() mutable {
      auto client = make_client();
      auto r = client->send(up);
      std::lock_guard<std::mutex> lock(st->mu);
      if (!r) st->error = r.error();
      st->done = true;
      st->cv.notify_all();
    });
    {
      std::unique_lock<std::mutex> lock(st->mu);
      st->cv.wait(lock, [&] { return st->headers_ready || st->done; });
    }
    if (!st->headers_ready || st->status != 200) {
      st->upstream.join();  // an error answer is short: relay it whole
      if (!st->headers_ready) {
        std::string why = "upstream " + httplib::to_string(st->error);
        error_body(res, failure_status(st->error), why);
        finish(nullptr, why);
        return;
      }
      httplib::Response whole;
      whole.status = st->status;
      whole.headers = st->headers;
      whole.body = st->error_body;
      relay(whole, res);
      finish(nullptr,
             "upstream answered " + std::to_string(st->status) + ": " + brief(st->error_body));
      return;
    }
    res.status = st->status;
    for (const auto& [name, value] : st->headers) {
      if (forwardable_response_header(name)) res.headers.emplace(name, value);
    }
    std::string type = "text/event-stream";
    auto it = st->headers.find("Content-Type");
    if (it != st->headers.end()) type = it->second;
    res.set_chunked_content_provider(
        type,
        [st, finish](size_t, httplib::DataSink& sink) {
          std::deque<std::string> ready;
          bool done;
          {
            std::unique_lock<std::mutex> lock(st->mu);
            st->cv.wait(lock, [&] { return !st->chunks.empty() || st->done; });
            ready.swap(st->chunks);
            done = st->done;
          }
          for (const auto& chunk : ready) {
            if (!sink.write(chunk.data(), chunk.size())) {
              std::lock_guard<std::mutex> lock(st->mu);
              st->client_gone = true;
              return false;
            }
          }
          if (done) {
            // Record the turn before the last chunk goes out: a client that answers at once
            // must find its conversation (recording it in the releaser raced with that).
            record_stream(st, finish);
            if (st->error != httplib::Error::Success && !st->assembler.done()) {
              // The upstream broke off: the client hears an error event, then the connection
              // ends without the stream's terminator, never a clean end after half a turn.
              std::string event = broken_stream_event(st->error);
              sink.write(event.data(), event.size());
              return false;
            }
            sink.done();
          }
          return true;
        },
        [st, finish](bool) { record_stream(st, finish); });
  };
  server_->Post(R"(.*/chat/completions)", chat);

  auto passthrough = [make_request, make_client, relay](const httplib::Request& req,
                                                        httplib::Response& res) {
    auto r = make_client()->send(make_request(req));
    if (!r) {
      error_body(res, failure_status(r.error()), "upstream " + httplib::to_string(r.error()));
      return;
    }
    relay(*r, res);
  };
  server_->Get(".*", passthrough);
  server_->Post(".*", passthrough);
  server_->Put(".*", passthrough);
  server_->Patch(".*", passthrough);
  server_->Delete(".*", passthrough);
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
