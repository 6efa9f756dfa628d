#include "recorder/upstream_relay.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

namespace checkride {
namespace {

// httplib decompresses what it receives, so the encoding and length are its to set again.
bool forwardable_response_header(const std::string& name) {
  static const std::set<std::string> kSkip = {"content-length",   "transfer-encoding",
                                              "connection",       "keep-alive",
                                              "content-encoding", "content-type"};
  std::string lower = name;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !kSkip.count(lower);
}

// One exchange: the upstream thread fills it, the client's connection drains it.
struct Exchange {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool client_gone = false;
  httplib::Headers headers;
  std::deque<std::string> chunks;
  std::size_t queued = 0;
  UpstreamAnswer answer;
  RelayHooks hooks;
  std::thread upstream;
  bool finished = false;
};

bool on_headers(Exchange& x, const httplib::Response& r) {
  std::lock_guard<std::mutex> lock(x.mu);
  x.answer.status = r.status;
  x.answer.answered = true;
  x.headers = r.headers;
  x.cv.notify_all();
  return true;
}

// Waits while the client has not taken what is queued: the upstream's socket then fills,
// and TCP slows the upstream down instead of the proxy's memory growing.
bool on_body(Exchange& x, const char* data, std::size_t n) {
  std::unique_lock<std::mutex> lock(x.mu);
  if (x.answer.status == 200) {
    if (x.hooks.observe) x.hooks.observe(std::string_view(data, n));
  } else if (x.answer.error_head.size() < kMaxKeptErrorBytes) {
    x.answer.error_head.append(data, std::min(n, kMaxKeptErrorBytes - x.answer.error_head.size()));
  }
  x.chunks.emplace_back(data, n);
  x.queued += n;
  x.cv.notify_all();
  x.cv.wait(lock, [&] { return x.queued < kMaxQueuedBytes || x.client_gone; });
  return !x.client_gone;
}

// Joins the upstream thread and tells the hooks, once.
void finish(Exchange& x) {
  if (x.upstream.joinable()) x.upstream.join();
  if (x.finished) return;
  x.finished = true;
  if (x.hooks.finished) x.hooks.finished(x.answer);
}

bool provide(const std::shared_ptr<Exchange>& x, const std::string& type, httplib::DataSink& sink) {
  std::deque<std::string> ready;
  bool done;
  {
    std::unique_lock<std::mutex> lock(x->mu);
    x->cv.wait(lock, [&] { return !x->chunks.empty() || x->done; });
    ready.swap(x->chunks);
    x->queued = 0;
    done = x->done;
    x->cv.notify_all();
  }
  for (const auto& chunk : ready) {
    if (!sink.write(chunk.data(), chunk.size())) {
      std::lock_guard<std::mutex> lock(x->mu);
      x->client_gone = true;
      x->cv.notify_all();
      return false;
    }
  }
  if (!done) return true;
  finish(*x);
  if (x->answer.broken()) {
    // Never a clean end after part of an answer: an error event where the type has one,
    // then the connection ends without the body's terminator.
    std::string tail = x->hooks.broken_tail ? x->hooks.broken_tail(x->answer, type) : "";
    if (!tail.empty()) sink.write(tail.data(), tail.size());
    return false;
  }
  sink.done();
  return true;
}

}  // namespace

void upstream_error_body(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  nlohmann::json body = {
      {"error", {{"message", message}, {"type", "upstream_error"}, {"code", nullptr}}}};
  res.set_content(body.dump(), "application/json");
}

int failure_status(httplib::Error e) { return e == httplib::Error::Read ? 504 : 502; }

void relay_upstream(const MakeClient& make_client, httplib::Request up, httplib::Response& res,
                    RelayHooks hooks) {
  auto x = std::make_shared<Exchange>();
  x->hooks = std::move(hooks);
  up.response_handler = [x](const httplib::Response& r) { return on_headers(*x, r); };
  up.content_receiver = [x](const char* data, size_t n, uint64_t, uint64_t) {
    return on_body(*x, data, n);
  };
  x->upstream = std::thread([x, up = std::move(up), make_client]() mutable {
    auto r = make_client()->send(up);
    std::lock_guard<std::mutex> lock(x->mu);
    if (!r) x->answer.error = r.error();
    x->done = true;
    x->cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(x->mu);
    x->cv.wait(lock, [&] { return x->answer.answered || x->done; });
  }
  if (!x->answer.answered) {
    finish(*x);
    const int status = failure_status(x->answer.error);
    const std::string message = "upstream " + httplib::to_string(x->answer.error);
    if (x->hooks.error_body) {
      x->hooks.error_body(res, status, message);
    } else {
      upstream_error_body(res, status, message);
    }
    return;
  }
  res.status = x->answer.status;
  for (const auto& [name, value] : x->headers) {
    if (forwardable_response_header(name)) res.headers.emplace(name, value);
  }
  auto it = x->headers.find("Content-Type");
  const std::string type = it == x->headers.end() ? "application/json" : it->second;
  res.set_chunked_content_provider(
      type, [x, type](size_t, httplib::DataSink& sink) { return provide(x, type, sink); },
      [x](bool) {
        {
          std::lock_guard<std::mutex> lock(x->mu);
          x->client_gone = !x->done;  // the client left early: the upstream stops
          x->cv.notify_all();
        }
        finish(*x);
      });
}

}  // namespace checkride
