// `record llm` when things break (issue 28): an upstream that cuts its stream mid-answer
// and a disk that fills mid-recording. The client must hear a failure as a failure, and the
// recorder must never say it recorded what it did not.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
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

}  // namespace
}  // namespace checkride
