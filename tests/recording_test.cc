// End to end: the recording proxy in front of an in-test upstream (a Qwen-Agent style
// function_call answer, a streamed Hermes answer, an upstream error), several clients at
// once; the cassette holds no secret, validates against the shipped schema and replays.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "protocol/cassette.h"
#include "recorder/importer.h"
#include "recorder/llm_proxy.h"
#include "simulator/replay.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

using json = nlohmann::json;

const char* kKey = "sk-live-7d1c0ffee5ba11ad0g00d1";
const char* kEmail = "maria.k@example.net";
const char* kCard = "5555555555554444";

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Answers the first turn with a Qwen-Agent function_call (or, streaming, Hermes text), the
// tool result with text; refuses a missing key and fails on "please fail".
class Upstream {
 public:
  Upstream() {
    server_.Post("/v1/chat/completions", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != std::string("Bearer ") + kKey) {
        res.status = 401;
        res.set_content(R"({"error":{"message":"Incorrect API key provided: )" +
                            req.get_header_value("Authorization") + "\"}}",
                        "application/json");
        return;
      }
      json body = json::parse(req.body);
      const json& last = body["messages"].back();
      if (last["content"] == "please fail") {
        res.status = 503;
        res.set_content(R"({"error":{"message":"overloaded"}})", "application/json");
        return;
      }
      json message;
      bool answers_tool = last["role"] == "function" || last["content"].get<std::string>().find(
                                                            "<tool_response>") != std::string::npos;
      if (!answers_tool) {
        message =
            body.value("stream", false)
                ? json{{"role", "assistant"},
                       {"content",
                        "<tool_call>{\"name\": \"searchCatalog\", \"arguments\": "
                        "{\"query\": \"blue runner\"}}</tool_call>"}}
                : json{
                      {"role", "assistant"},
                      {"content", ""},
                      {"function_call",
                       {{"name", "searchCatalog"}, {"arguments", "{\"query\": \"blue runner\"}"}}}};
      } else {
        message = {{"role", "assistant"}, {"content", "Found the blue runners."}};
      }
      if (!body.value("stream", false)) {
        res.set_header("X-Request-Id", "req_1");
        res.set_content(
            json{{"object", "chat.completion"}, {"choices", {{{"index", 0}, {"message", message}}}}}
                .dump(),
            "application/json");
        return;
      }
      std::string text = message["content"];
      std::string sse;
      for (std::size_t i = 0; i < text.size(); i += 16) {
        sse += "data: " +
               json{{"choices", {{{"index", 0}, {"delta", {{"content", text.substr(i, 16)}}}}}}}
                   .dump() +
               "\n\n";
      }
      sse += "data: [DONE]\n\n";
      res.set_chunked_content_provider("text/event-stream", [sse](size_t, httplib::DataSink& sink) {
        sink.write(sse.data(), sse.size());
        sink.done();
        return true;
      });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Upstream() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  httplib::Server server_;
  int port_;
  std::thread thread_;
};

json chat(httplib::Client& c, const json& messages, bool stream, int& status) {
  json body = {{"model", "qwen-test"}, {"messages", messages}, {"stream", stream}};
  httplib::Headers h = {{"Authorization", std::string("Bearer ") + kKey}};
  auto r = c.Post("/v1/chat/completions", h, body.dump(), "application/json");
  status = r ? r->status : -1;
  if (!r) return json();
  if (!stream) return json::parse(r->body);
  // Reassemble the streamed text the way a client would.
  std::string content;
  std::istringstream in(r->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("data: {", 0) == 0) {
      content += json::parse(line.substr(6))["choices"][0]["delta"].value("content", "");
    }
  }
  return {{"choices", {{{"message", {{"role", "assistant"}, {"content", content}}}}}}};
}

void validate_against_schema(const std::string& cassette_text) {
  std::istringstream in(cassette_text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    EXPECT_EQ(
        testing::schema_violations("scenarios/schema/cassette.schema.json", json::parse(line)), "")
        << "line " << n << ": " << line;
  }
}

TEST(RecordLlm, ConcurrentClientsStreamingAndNotBecomeACassetteWithoutSecretsThatReplays) {
  Upstream upstream;
  std::string dir = testing::temp_dir("record-llm");
  std::ostringstream log;
  ProxyOptions o;
  o.upstream = upstream.url();
  o.out = dir + "/recorded.jsonl";
  o.model_label = "qwen-test";
  o.actions = {"searchCatalog", "previewOrder", "placeOrder"};
  LlmProxy proxy(o, log);
  int port = proxy.bind();
  std::thread server([&] { proxy.serve(); });

  std::vector<std::thread> clients;
  std::vector<int> ok(6, 0);
  for (int i = 0; i < 6; ++i) {
    clients.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", port);
      bool stream = i % 2 == 1;
      json messages = {{{"role", "system"}, {"content", "shop"}},
                       {{"role", "user"},
                        {"content", "I am " + std::string(kEmail) + ", card " + kCard +
                                        ", buy runners #" + std::to_string(i)}}};
      int status = 0;
      json first = chat(c, messages, stream, status);
      if (status != 200) return;
      json reply = first["choices"][0]["message"];
      messages.push_back(reply);
      if (stream) {
        messages.push_back({{"role", "user"},
                            {"content",
                             "<tool_response>{\"status\": \"ok\", \"skus\": "
                             "[\"RUN-BLUE-42\"]}</tool_response>"}});
      } else {
        messages.push_back({{"role", "function"},
                            {"name", "searchCatalog"},
                            {"content", "{\"status\": \"ok\", \"skus\": [\"RUN-BLUE-42\"]}"}});
      }
      json second = chat(c, messages, stream, status);
      if (status == 200 &&
          second["choices"][0]["message"]["content"] == "Found the blue runners.") {
        ok[i] = 1;
      }
    });
  }
  for (auto& t : clients) t.join();
  {
    httplib::Client c("127.0.0.1", port);
    int status = 0;
    chat(c, json::array({{{"role", "user"}, {"content", "please fail"}}}), false, status);
    EXPECT_EQ(status, 503);  // the upstream's error, passed through
    auto wrong =
        c.Post("/v1/chat/completions", {{"Authorization", "Bearer sk-wrong-0000000000000000"}},
               R"({"messages":[{"role":"user","content":"hi"}]})", "application/json");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
  }
  proxy.stop();
  server.join();
  proxy.finish_cassette();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(ok[i], 1) << "client " << i;

  std::string text = slurp(o.out);
  for (const char* secret : {kKey, kEmail, kCard, "sk-wrong-0000000000000000"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "cassette holds " << secret;
    EXPECT_EQ(log.str().find(secret), std::string::npos) << "log holds " << secret;
  }
  validate_against_schema(text);
  Cassette cassette = parse_cassette(text, o.out);
  EXPECT_EQ(cassette.sessions.size(), 8u);  // six conversations, the failure, the refusal
  int actions = 0;
  for (const auto& s : cassette.sessions) {
    for (const auto& step : s.steps) {
      if (step.kind != CassetteStep::Kind::kAction) continue;
      ++actions;
      EXPECT_EQ(step.action, "searchCatalog");
      EXPECT_EQ((*step.params)["query"], "blue runner");
      EXPECT_TRUE(step.has_recorded);
    }
  }
  EXPECT_EQ(actions, 6);
  EXPECT_NE(text.find("upstream answered 503: overloaded"), std::string::npos);

  ReplayOptions ro;
  ro.cassette = o.out;
  ro.out_dir = dir + "/reports";
  ro.quiet = true;
  ro.allow_empty = true;  // searches only: nothing charge-bearing to gate on
  std::ostringstream out, err;
  ReplayResult result;
  EXPECT_EQ(run_replay(ro, out, err, &result), 0) << err.str();
  EXPECT_EQ(result.report.verdict(), "NO EVIDENCE");
  EXPECT_EQ(result.report.metrics["replay_diverged"], 0);
  for (const char* file : {"recorded.json", "recorded.md", "recorded.replay.md"}) {
    std::string report = slurp(ro.out_dir + "/" + file);
    for (const char* secret : {kKey, kEmail, kCard}) {
      EXPECT_EQ(report.find(secret), std::string::npos) << file << " holds " << secret;
    }
  }
}

std::string slurp_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A --redact-path value is redacted wherever it lands on disk: params, the model's raw
// tool-call arguments and streamed fragments (raw used to keep it in clear text).
TEST(Redaction, ARedactedPathLeavesNoCopyInRawOrStreamedFragments) {
  Upstream upstream;
  std::string dir = testing::temp_dir("record-llm-redact-path");
  std::ostringstream log;
  ProxyOptions o;
  o.upstream = upstream.url();
  o.out = dir + "/recorded.jsonl";
  o.actions = {"searchCatalog", "previewOrder", "placeOrder"};
  o.redaction.json_paths = {"/params/query"};
  LlmProxy proxy(o, log);
  int port = proxy.bind();
  std::thread server([&] { proxy.serve(); });
  for (bool stream : {false, true}) {
    httplib::Client c("127.0.0.1", port);
    int status = 0;
    chat(c, json::array({{{"role", "user"}, {"content", "buy runners"}}}), stream, status);
    EXPECT_EQ(status, 200);
  }
  proxy.stop();
  server.join();
  proxy.finish_cassette();
  const std::string cassette = slurp_file(o.out);
  EXPECT_NE(cassette.find("searchCatalog"), std::string::npos) << cassette;
  EXPECT_EQ(cassette.find("blue runner"), std::string::npos) << cassette;

  // The importer: the same value in params, in the raw arguments string and in the result.
  json messages = json::array(
      {{{"role", "assistant"},
        {"tool_calls",
         json::array({{{"id", "c1"},
                       {"type", "function"},
                       {"function",
                        {{"name", "placeOrder"},
                         {"arguments", R"({"passport": "X1234567", "items": []})"}}}}})}},
       {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "booked for X1234567"}}});
  ImportOptions import;
  import.files = {testing::write_temp(dir, "t.json", messages.dump())};
  import.from = "openai";
  import.actions = {"placeOrder"};
  import.out = dir + "/imported.jsonl";
  import.redaction.json_paths = {"/params/passport"};
  std::ostringstream iout, ierr;
  ASSERT_EQ(run_import(import, iout, ierr), 0) << ierr.str();
  const std::string imported = slurp_file(import.out);
  EXPECT_EQ(imported.find("X1234567"), std::string::npos) << imported;
  EXPECT_NE(imported.find("[redacted-1]"), std::string::npos) << imported;
}

// record llm never dies on an upstream's answer: each malformed shape reaches the client as
// sent and leaves a note in the cassette. A streamed n > 1 records choice 0 as the turn.
TEST(RecordLlm, MalformedUpstreamAnswersAreRelayedAndNotedNeverFatal) {
  const std::vector<std::string> kBodies = {
      R"({"choices": [null]})",
      R"({"choices": [{"message": {"role": "assistant", "tool_calls": [null]}}]})",
      R"({"choices": [{"message": {"role": "assistant", "tool_calls": [{"id": "x", "function": {"name": null, "arguments": "{}"}}]}}]})",
      R"({"choices": [{"message": {"role": 7, "content": {"a": 1}}}]})",
  };
  const std::string kStream =
      "data: {\"choices\": [{\"index\": 0, \"delta\": {\"tool_calls\": [{\"index\": \"0\", "
      "\"function\": {\"name\": \"x\"}}]}}]}\n\n"
      "data: {\"choices\": [{\"index\": 0, \"delta\": {\"tool_calls\": [{\"index\": null}, "
      "null]}}]}\n\n"
      "data: {\"choices\": [null, {\"index\": 0, \"delta\": {\"tool_calls\": [{\"index\": 0, "
      "\"id\": \"c1\", \"function\": {\"name\": \"searchCatalog\", \"arguments\": "
      "\"{}\"}}]}}, {\"index\": 1, \"delta\": {\"tool_calls\": [{\"index\": 0, \"function\": "
      "{\"name\": \"searchCatalog\"}}]}}]}\n\n"
      "data: [DONE]\n\n";
  httplib::Server upstream;
  std::atomic<int> next{0};
  upstream.Post("/v1/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    if (json::parse(req.body).value("stream", false)) {
      res.set_content(kStream, "text/event-stream");
      return;
    }
    res.set_content(kBodies[next++ % kBodies.size()], "application/json");
  });
  int up_port = upstream.bind_to_any_port("127.0.0.1");
  std::thread up([&] { upstream.listen_after_bind(); });

  std::string dir = testing::temp_dir("record-llm-malformed");
  std::ostringstream log;
  ProxyOptions o;
  o.upstream = "http://127.0.0.1:" + std::to_string(up_port) + "/v1";
  o.out = dir + "/recorded.jsonl";
  o.actions = {"searchCatalog"};
  LlmProxy proxy(o, log);
  int port = proxy.bind();
  std::thread server([&] { proxy.serve(); });
  httplib::Client c("127.0.0.1", port);
  for (std::size_t i = 0; i < kBodies.size(); ++i) {
    json body = {{"model", "m"},
                 {"messages", {{{"role", "user"}, {"content", "hi " + std::to_string(i)}}}}};
    auto r = c.Post("/v1/chat/completions", body.dump(), "application/json");
    ASSERT_TRUE(r) << "the proxy died on " << kBodies[i];
    EXPECT_EQ(r->body, kBodies[i]);  // the upstream's bytes, as sent
  }
  json streamed = {{"model", "m"},
                   {"stream", true},
                   {"messages", {{{"role", "user"}, {"content", "stream please"}}}}};
  auto s = c.Post("/v1/chat/completions", streamed.dump(), "application/json");
  ASSERT_TRUE(s) << "the proxy died on the stream";
  EXPECT_EQ(s->body, kStream);
  proxy.stop();
  server.join();
  proxy.finish_cassette();
  upstream.stop();
  up.join();

  Cassette cassette = load_cassette(o.out);  // a valid cassette, whatever came in
  const std::string text = slurp_file(o.out);
  EXPECT_EQ(text.find("searchCatalogsearchCatalog"), std::string::npos) << text;
  EXPECT_NE(text.find("choices other than 0 (n > 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("whose index is not a small integer"), std::string::npos) << text;
  int search_actions = 0;
  for (const auto& session : cassette.sessions) {
    for (const auto& step : session.steps) search_actions += step.action == "searchCatalog";
  }
  EXPECT_EQ(search_actions, 1) << text;
}

TEST(RecordLlm, ShippedCassettesMatchTheSchema) {
  for (const char* name : {"orders-happy", "orders-edge", "book-flight", "buy-hot-item",
                           "malformed", "model-repeats", "airline-agent"}) {
    validate_against_schema(
        slurp(testing::source_path(std::string("scenarios/cassettes/") + name + ".jsonl")));
  }
}

TEST(RecordLlm, AnUnreachableUpstreamIsA502WithAnOpenAiErrorBody) {
  std::string dir = testing::temp_dir("record-llm-down");
  std::ostringstream log;
  ProxyOptions o;
  o.upstream = "http://127.0.0.1:1/v1";  // nothing listens on port 1
  o.out = dir + "/down.jsonl";
  LlmProxy proxy(o, log);
  int port = proxy.bind();
  std::thread server([&] { proxy.serve(); });
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}]})",
                  "application/json");
  proxy.stop();
  server.join();
  proxy.finish_cassette();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502);
  EXPECT_TRUE(json::parse(r->body)["error"].contains("message"));
  EXPECT_NE(slurp(o.out).find("\"type\":\"note\""), std::string::npos);
}

// What the proxy does not record (embeddings, files) goes through to the client, counted per
// path, and is said at the end, not dropped in silence.
TEST(RecordLlm, RequestsToPathsItCannotRecordAreRelayedAndCounted) {
  Upstream upstream;
  const std::string dir = testing::temp_dir("record-llm-unrecorded");
  std::ostringstream log;
  ProxyOptions o;
  o.upstream = upstream.url();
  o.out = dir + "/recorded.jsonl";
  LlmProxy proxy(o, log);
  const int port = proxy.bind();
  std::thread server([&] { proxy.serve(); });
  httplib::Client c("127.0.0.1", port);
  for (const char* path : {"/v1/embeddings", "/v1/files", "/v1/embeddings"}) {
    auto r = c.Post(path, R"({"model": "m", "input": "hi"})", "application/json");
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << "the upstream's own answer reaches the client";
  }
  proxy.stop();
  server.join();
  proxy.finish_cassette();
  EXPECT_EQ(proxy.unrecorded(),
            (std::vector<std::string>{"relayed 2 requests to /v1/embeddings, not recorded",
                                      "relayed 1 request to /v1/files, not recorded"}));
}

}  // namespace
}  // namespace checkride
