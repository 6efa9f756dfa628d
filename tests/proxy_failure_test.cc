// `record llm` when things break (issue 28): an upstream that cuts its stream mid-answer
// and a disk that fills mid-recording. The client must hear a failure as a failure, and the
// recorder must never say it recorded what it did not.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "protocol/output_file.h"
#include "recorder/llm_proxy.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

using json = nlohmann::json;

// An upstream that streams half a tool call and then drops the connection.
class CuttingUpstream {
 public:
  CuttingUpstream() {
    server_.Post("/v1/chat/completions", [](const httplib::Request&, httplib::Response& res) {
      json delta = {
          {"tool_calls",
           {{{"index", 0},
             {"id", "call_1"},
             {"function", {{"name", "placeOrder"}, {"arguments", "{\"items\": [{\"s"}}}}}}};
      std::string half =
          "data: " + json{{"choices", {{{"index", 0}, {"delta", delta}}}}}.dump() + "\n\n";
      res.set_chunked_content_provider(
          "text/event-stream", [half](size_t, httplib::DataSink& sink) {
            sink.write(half.data(), half.size());
            return false;  // the connection ends here, without the stream's terminator
          });
    });
    server_.Post("/v1/messages", [](const httplib::Request&, httplib::Response& res) {
      json start = {
          {"type", "content_block_start"},
          {"index", 0},
          {"content_block",
           {{"type", "tool_use"}, {"id", "toolu_1"}, {"name", "placeOrder"}, {"input", {}}}}};
      json delta = {
          {"type", "content_block_delta"},
          {"index", 0},
          {"delta", {{"type", "input_json_delta"}, {"partial_json", "{\"items\": [{\"s"}}}};
      std::string half = "event: content_block_start\ndata: " + start.dump() +
                         "\n\nevent: content_block_delta\ndata: " + delta.dump() + "\n\n";
      res.set_chunked_content_provider("text/event-stream",
                                       [half](size_t, httplib::DataSink& sink) {
                                         sink.write(half.data(), half.size());
                                         return false;
                                       });
    });
    server_.Post("/v1/plain", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"ok":true})", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~CuttingUpstream() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

struct RunningProxy {
  explicit RunningProxy(ProxyOptions o) : proxy(std::move(o), log) {
    port = proxy.bind();
    thread = std::thread([this] { proxy.serve(); });
  }
  void stop() {
    proxy.stop();
    thread.join();
  }
  std::ostringstream log;
  LlmProxy proxy;
  int port = 0;
  std::thread thread;
};

json streamed_request() {
  return {{"model", "m"},
          {"stream", true},
          {"messages", {{{"role", "user"}, {"content", "buy the runners"}}}}};
}

// It ended the client's response with a clean terminator after half a tool call; only the
// cassette said "broke off".
TEST(ProxyFailure, ABrokenUpstreamStreamReachesTheClientAsAnErrorNotACleanEnd) {
  CuttingUpstream upstream;
  std::string dir = testing::temp_dir("proxy-cut");
  ProxyOptions o;
  o.upstream = upstream.url();
  o.out = dir + "/cut.jsonl";
  RunningProxy p(o);
  httplib::Client c("127.0.0.1", p.port);
  std::string received;
  auto r = c.Post("/v1/chat/completions", httplib::Headers{}, streamed_request().dump(),
                  "application/json");
  if (r) received = r->body;
  p.stop();
  p.proxy.finish_cassette();
  // Either the transfer failed at the client, or what arrived ends in an error event; in
  // no case is it a complete stream.
  if (r) {
    EXPECT_NE(received.find("\"error\""), std::string::npos) << received;
    EXPECT_NE(received.find("upstream stream broke off"), std::string::npos) << received;
  }
  EXPECT_EQ(received.find("[DONE]"), std::string::npos) << received;
  EXPECT_NE(testing::read_text(o.out).find("broke off"), std::string::npos);
}

// Anthropic's SDKs raise an APIError on an `error` event: a cut Messages stream ends with one.
TEST(ProxyFailure, ABrokenAnthropicStreamEndsInAnthropicsErrorEvent) {
  CuttingUpstream upstream;
  std::string dir = testing::temp_dir("proxy-cut-anthropic");
  ProxyOptions o;
  o.upstream = upstream.url();
  o.out = dir + "/cut.jsonl";
  RunningProxy p(o);
  httplib::Client c("127.0.0.1", p.port);
  json request = {{"model", "claude-x"},
                  {"max_tokens", 64},
                  {"stream", true},
                  {"messages", {{{"role", "user"}, {"content", "buy the runners"}}}}};
  auto r = c.Post("/v1/messages", httplib::Headers{}, request.dump(), "application/json");
  p.stop();
  p.proxy.finish_cassette();
  if (r) {
    EXPECT_NE(
        r->body.find("event: error\ndata: {\"error\":{\"message\":\"upstream stream broke off"),
        std::string::npos)
        << r->body;
    EXPECT_EQ(r->body.find("message_stop"), std::string::npos) << r->body;
  }
  const std::string cassette = testing::read_text(o.out);
  EXPECT_NE(cassette.find("broke off"), std::string::npos) << cassette;
  EXPECT_EQ(cassette.find("placeOrder"), std::string::npos) << "half a call is no call";
}

// On a full disk `record llm` exited 0 with a success summary and a truncated cassette.
// RLIMIT_FSIZE stands in for the disk: past it, write() fails with EFBIG.
TEST(ProxyFailure, AFullDiskStopsTheRecordingLoudlyAndLeavesNoHalfCassetteUnderItsName) {
  CuttingUpstream upstream;
  std::string dir = testing::temp_dir("proxy-full");
  ProxyOptions o;
  o.upstream = upstream.url();
  o.out = dir + "/full.jsonl";
  signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  RunningProxy p(o);  // the header fits
  rlimit tight = old;
  tight.rlim_cur = 600;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tight), 0);
  httplib::Client c("127.0.0.1", p.port);
  int statuses_503 = 0;
  for (int i = 0; i < 3; ++i) {
    json body = {
        {"model", "m"},
        {"messages", {{{"role", "user"}, {"content", std::string(400, 'a' + i) + " please"}}}}};
    auto r = c.Post("/v1/chat/completions", httplib::Headers{}, body.dump(), "application/json");
    if (r && r->status == 503) {
      ++statuses_503;
      EXPECT_NE(r->body.find("the recorder cannot write its cassette"), std::string::npos)
          << r->body;
    }
  }
  p.stop();
  bool threw = false;
  try {
    p.proxy.finish_cassette();
  } catch (const OutputError& e) {
    threw = true;
    EXPECT_NE(std::string(e.what()).find("full.jsonl"), std::string::npos) << e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  EXPECT_TRUE(threw) << "a recording that lost events must not finish as if whole";
  EXPECT_GE(statuses_503, 1) << "clients hear that nothing is being recorded";
  EXPECT_FALSE(std::filesystem::exists(o.out)) << "no half cassette under the name";
  EXPECT_TRUE(std::filesystem::exists(p.proxy.partial_path())) << "what was written is kept";
}

// An upstream whose answers are as big as asked: a chat completion (JSON), an SSE stream of
// content deltas, and a file's content, each generated as it is sent, never held.
class BigUpstream {
 public:
  explicit BigUpstream(std::size_t bytes) : bytes_(bytes) {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req,
                                                httplib::Response& res) {
      const bool stream = req.body.find("\"stream\":true") != std::string::npos;
      const std::string piece(64 * 1024, 'x');
      res.set_chunked_content_provider(
          stream ? "text/event-stream" : "application/json",
          [this, stream, piece, sent = std::size_t{0}](size_t, httplib::DataSink& sink) mutable {
            std::string out;
            if (sent == 0 && !stream) out = R"({"choices":[{"message":{"content":")";
            out += stream ? R"(data: {"choices":[{"index":0,"delta":{"content":")" + piece +
                                "\"}}]}\n\n"
                          : piece;
            sent += piece.size();
            if (sent >= bytes_) out += stream ? "data: [DONE]\n\n" : "\"}}]}";
            if (!sink.write(out.data(), out.size())) return false;
            if (sent >= bytes_) sink.done();
            return true;
          });
    });
    server_.Get("/v1/files/big/content", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(bytes_, "application/octet-stream",
                               [](size_t offset, size_t length, httplib::DataSink& sink) {
                                 std::string block(std::min<size_t>(length, 64 * 1024),
                                                   static_cast<char>('a' + offset % 26));
                                 return sink.write(block.data(), block.size());
                               });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~BigUpstream() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  std::size_t bytes_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Peak resident set of this process so far, in bytes.
std::size_t peak_rss() {
  std::istringstream status(testing::read_text("/proc/self/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// The proxy read a whole answer into memory (twice: httplib's body and the relayed copy)
// and kept a whole streamed turn: a 200 MB answer cost 400 MB. It relays as it receives now,
// and records a turn only up to a bound.
TEST(ProxyFailure, A200MegabyteAnswerCrossesInBoundedMemoryAndIsNotedNotRecorded) {
  // A sanitizer keeps freed memory in quarantine (256 MB): the figure means nothing there.
  const std::size_t size = testing::kUnderSanitizer ? (32u << 20) : (200u << 20);
  BigUpstream upstream(size);
  std::string dir = testing::temp_dir("proxy-big");
  ProxyOptions o;
  o.upstream = upstream.url();
  o.out = dir + "/big.jsonl";
  RunningProxy p(o);
  const std::size_t before = peak_rss();
  httplib::Client c("127.0.0.1", p.port);
  c.set_read_timeout(120, 0);
  // Each answer is counted as it arrives and only its last bytes kept: the client holds none.
  auto fetch = [&](const std::string& method, const std::string& path, const std::string& body) {
    std::pair<std::size_t, std::string> got;  // bytes received, the last 64 of them
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.body = body;
    if (!body.empty()) req.headers.emplace("Content-Type", "application/json");
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      got.first += n;
      got.second.append(data, n);
      if (got.second.size() > 64) got.second.erase(0, got.second.size() - 64);
      return true;
    };
    auto r = c.send(req);
    EXPECT_TRUE(r) << path << ": " << httplib::to_string(r.error());
    if (r) {
      EXPECT_EQ(r->status, 200) << path;
    }
    return got;
  };
  json chat = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "tell me all"}}}}};
  auto whole = fetch("POST", "/v1/chat/completions", chat.dump());
  EXPECT_GT(whole.first, size);
  EXPECT_EQ(whole.second.substr(whole.second.size() - 5), "\"}}]}");
  chat["stream"] = true;
  auto streamed = fetch("POST", "/v1/chat/completions", chat.dump());
  EXPECT_GT(streamed.first, size);
  EXPECT_NE(streamed.second.find("data: [DONE]"), std::string::npos) << streamed.second;
  auto file = fetch("GET", "/v1/files/big/content", "");
  EXPECT_EQ(file.first, size);
  const std::size_t grown = peak_rss() - before;
  std::cout << "three answers of " << (size >> 20) << " MiB relayed; peak RSS grew by "
            << (grown >> 20) << " MiB\n";
  if (!testing::kUnderSanitizer) {
    EXPECT_LT(grown, 96u << 20) << "the proxy held an answer whole";
  }
  p.stop();
  p.proxy.finish_cassette();
  const std::string cassette = testing::read_text(o.out);
  EXPECT_LT(cassette.size(), 64u << 10) << "a turn over the bound went into the cassette";
  EXPECT_NE(cassette.find("not recorded: the answer held more than 8 MiB"), std::string::npos)
      << cassette;
  EXPECT_NE(cassette.find("not recorded: the streamed answer held more than 8 MiB"),
            std::string::npos)
      << cassette;
}

}  // namespace
}  // namespace checkride
