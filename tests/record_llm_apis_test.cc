// `record llm` in front of the OpenAI Responses API and Anthropic Messages, streamed and not:
// parallel calls assembled from their stream events, a continued Responses conversation
// (previous_response_id, conversation) recorded once, the models named in the header, no
// secret on disk, and a cassette that equals what `record import` makes of the same
// conversation and replays.
#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>
#include <sstream>
#include <thread>

#include "protocol/cassette.h"
#include "recorder/anthropic_stream.h"
#include "recorder/importer.h"
#include "recorder/llm_proxy.h"
#include "recorder/responses_stream.h"
#include "simulator/replay.h"
#include "tests/fake_llm_apis.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

using json = nlohmann::json;

const char* kKey = "sk-ant-api03-interop-77aa1c9e0f";
const char* kEmail = "dana.buyer@example.org";
const char* kCard = "4242424242424242";
const char* kAsk = "I am dana.buyer@example.org, card 4242424242424242: find blue and red runners";

const json kTools = json::array({{{"type", "function"}, {"name", "searchCatalog"}}});

json tool_output(const std::string& query) {
  return {{"status", "ok"}, {"skus", {query.rfind("blue", 0) == 0 ? "RUN-BLUE-42" : "RUN-RED-42"}}};
}

// What a client makes of a stream: the Responses API's completed response; Anthropic's
// message, rebuilt from its content block events.
json completed_response(const std::string& sse) {
  for (const auto& event : testing::sse_payloads(sse)) {
    if (event["type"] == "response.completed") return event["response"];
  }
  ADD_FAILURE() << "no response.completed in " << sse;
  return json();
}

json anthropic_message(const std::string& sse) {
  json content = json::array();
  std::string partial;
  for (const auto& event : testing::sse_payloads(sse)) {
    if (event["type"] == "content_block_start") content.push_back(event["content_block"]);
    if (event["type"] == "content_block_delta") {
      const json& d = event["delta"];
      if (d["type"] == "text_delta")
        content.back()["text"] =
            content.back()["text"].get<std::string>() + d["text"].get<std::string>();
      if (d["type"] == "input_json_delta") partial += d["partial_json"].get<std::string>();
    }
    if (event["type"] == "content_block_stop" && !partial.empty()) {
      content.back()["input"] = json::parse(partial);
      partial.clear();
    }
  }
  return {{"role", "assistant"}, {"content", content}};
}

// A Responses API client: `mode` is "stateless" (sends the whole conversation each time),
// "previous" (previous_response_id) or "conversation". Returns the whole conversation as
// items, for import.
json responses_client(httplib::Client& c, bool stream, const std::string& mode) {
  httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kKey}};
  json items = json::array({{{"role", "user"}, {"content", kAsk}}});
  json body = {{"model", "gpt-4.1-mini"},
               {"instructions", "You are a shopping agent."},
               {"input", kAsk},
               {"tools", kTools},
               {"stream", stream}};
  if (mode == "conversation") body["conversation"] = "conv_shop_7";
  for (int turn = 0; turn < 2; ++turn) {
    auto r = c.Post("/v1/responses", auth, body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    if (!r || r->status != 200) return json();
    json response = stream ? completed_response(r->body) : json::parse(r->body);
    json outputs = json::array();
    for (const auto& item : response["output"]) {
      items.push_back(item);
      if (item["type"] == "function_call") {
        json args = json::parse(item["arguments"].get<std::string>());
        outputs.push_back({{"type", "function_call_output"},
                           {"call_id", item["call_id"]},
                           {"output", tool_output(args["query"]).dump()}});
      }
    }
    if (outputs.empty()) {
      EXPECT_EQ(response["output"][0]["content"][0]["text"], testing::FakeLlmApis::kFinalText);
      break;
    }
    for (const auto& o : outputs) items.push_back(o);
    body["input"] = mode == "stateless" ? items : outputs;
    if (mode == "previous") body["previous_response_id"] = response["id"];
  }
  return {{"instructions", "You are a shopping agent."}, {"input", items}};
}

// An Anthropic Messages client; the red runner's search fails (is_error). Returns the whole
// conversation, for import.
json anthropic_client(httplib::Client& c, bool stream) {
  httplib::Headers auth = {{"x-api-key", kKey}, {"anthropic-version", "2023-06-01"}};
  json body = {{"model", "claude-sonnet-4-5"},
               {"max_tokens", 1024},
               {"system", "You are a shopping agent."},
               {"messages", {{{"role", "user"}, {"content", kAsk}}}},
               {"tools", {{{"name", "searchCatalog"}, {"input_schema", {{"type", "object"}}}}}},
               {"stream", stream}};
  for (int turn = 0; turn < 2; ++turn) {
    auto r = c.Post("/v1/messages", auth, body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    if (!r || r->status != 200) return json();
    json message = stream ? anthropic_message(r->body) : json::parse(r->body);
    body["messages"].push_back({{"role", "assistant"}, {"content", message["content"]}});
    json results = json::array();
    for (const auto& block : message["content"]) {
      if (block["type"] != "tool_use") continue;
      const bool red = block["input"]["query"] == "red runner";
      results.push_back({{"type", "tool_result"},
                         {"tool_use_id", block["id"]},
                         {"content", red ? "out of stock" : tool_output("blue runner").dump()},
                         {"is_error", red}});
    }
    if (results.empty()) {
      EXPECT_EQ(message["content"][0]["text"], testing::FakeLlmApis::kFinalText);
      break;
    }
    body["messages"].push_back({{"role", "user"}, {"content", results}});
  }
  return {{"system", body["system"]}, {"messages", body["messages"]}};
}

// The actions of a session, in order: "name query", and " failed" when the recording said it
// failed.
std::vector<std::string> actions_of(const SessionTemplate& s) {
  std::vector<std::string> out;
  for (const auto& step : s.steps) {
    if (step.kind != CassetteStep::Kind::kAction) continue;
    const json& p = *step.params;
    out.push_back(step.action + " " + p.value("query", "") +
                  (p.contains("notify") ? " notify" : "") +
                  (is_success(step.recorded) ? "" : " failed"));
  }
  return out;
}

const SessionTemplate& session_named(const Cassette& c, const std::string& id) {
  for (const auto& s : c.sessions) {
    if (s.id == id) return s;
  }
  static const SessionTemplate none;
  ADD_FAILURE() << "no session " << id;
  return none;
}

// `record import` of the conversation a client held, in its API's own shape.
Cassette imported(const std::string& dir, const std::string& name, const json& conversation,
                  const std::string& from) {
  ImportOptions import;
  import.files = {testing::write_temp(dir, name + ".json", conversation.dump())};
  import.from = from;
  import.actions = {"searchCatalog"};
  import.out = dir + "/" + name + ".jsonl";
  std::ostringstream out, err;
  EXPECT_EQ(run_import(import, out, err), 0) << err.str();
  return parse_cassette(testing::read_text(import.out), import.out);
}

// Nothing secret in the cassette or the log; the header names both models.
void expect_no_secrets_and_the_models(const std::string& text, const std::string& log) {
  for (const char* secret : {kKey, kEmail, kCard}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "cassette holds " << secret;
    EXPECT_EQ(log.find(secret), std::string::npos) << "log holds " << secret;
  }
  const json header = json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(header["models"], json::array({"gpt-4.1-mini", "claude-sonnet-4-5"}));
  EXPECT_EQ(header["model"], "gpt-4.1-mini, claude-sonnet-4-5");
  EXPECT_EQ(testing::schema_violations("scenarios/schema/cassette.schema.json", header), "");
}

// Each conversation whole, its user's turn once (not again with each request), both
// results, and the answer that ended it.
void expect_each_conversation_whole_and_once(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  std::map<std::string, std::string> kinds;  // session -> its events' types, in order
  std::getline(lines, line);                 // the header
  while (std::getline(lines, line)) {
    json ev = json::parse(line);
    kinds[ev["session"]] += ev["type"].get<std::string>() + " ";
  }
  for (const auto& [session, k] : kinds) {
    EXPECT_EQ(std::regex_replace(k, std::regex("assistant action"), "action"),
              "user action action result result assistant ")
        << session;
  }
}

TEST(RecordLlmApis, ResponsesAndAnthropicStreamedAndNotRecordTheSameConversationAsImport) {
  testing::FakeLlmApis upstream(kKey, kEmail);
  const std::string dir = testing::temp_dir("record-llm-apis");
  std::ostringstream log;
  ProxyOptions o;
  o.upstream = upstream.url() + "/v1";
  o.out = dir + "/recorded.jsonl";
  o.actions = {"searchCatalog"};
  LlmProxy proxy(o, log);
  const int port = proxy.bind();
  std::thread server([&] { proxy.serve(); });
  httplib::Client c("127.0.0.1", port);
  // One after another, so each session's conv-N is known.
  const json stateless = responses_client(c, false, "stateless");  // conv-1
  const json previous = responses_client(c, true, "previous");     // conv-2
  responses_client(c, false, "conversation");                      // conv_shop_7
  const json anthropic = anthropic_client(c, false);               // conv-3
  const json anthropic_streamed = anthropic_client(c, true);       // conv-4
  proxy.stop();
  server.join();
  proxy.finish_cassette();

  const std::string text = testing::read_text(o.out);
  expect_no_secrets_and_the_models(text, log.str());
  EXPECT_TRUE(proxy.unrecorded().empty());
  const Cassette cassette = parse_cassette(text, o.out);
  ASSERT_EQ(cassette.sessions.size(), 5u) << text;
  const std::vector<std::string> searches = {
      "searchCatalog blue runner for redacted-1@example.invalid", "searchCatalog red runner"};
  for (const char* id : {"conv-1", "conv-2", "conv_shop_7"}) {
    EXPECT_EQ(actions_of(session_named(cassette, id)), searches) << id;
  }
  const std::vector<std::string> failed_red = {searches[0], searches[1] + " failed"};
  for (const char* id : {"conv-3", "conv-4"}) {
    EXPECT_EQ(actions_of(session_named(cassette, id)), failed_red) << id;
  }
  expect_each_conversation_whole_and_once(text);

  // The same conversations, as each client held them, imported: the same actions.
  EXPECT_EQ(actions_of(imported(dir, "stateless", stateless, "openai-responses").sessions[0]),
            searches);
  EXPECT_EQ(actions_of(imported(dir, "anthropic", anthropic, "anthropic").sessions[0]), failed_red);
  EXPECT_EQ(actions_of(imported(dir, "streamed", anthropic_streamed, "anthropic").sessions[0]),
            failed_red);
  EXPECT_FALSE(previous.is_null());

  ReplayOptions ro;
  ro.cassette = o.out;
  ro.out_dir = dir + "/reports";
  ro.quiet = true;
  ro.allow_empty = true;  // searches only: nothing charge-bearing to gate on
  std::ostringstream out, err;
  ReplayResult result;
  run_replay(ro, out, err, &result);
  // The sandbox finds red runners where Anthropic's recordings said the search failed.
  EXPECT_EQ(result.report.metrics["replay_diverged"], 2) << out.str() << err.str();
  const std::string replay = testing::read_text(ro.out_dir + "/recorded.replay.md");
  EXPECT_NE(replay.find("| conv-3 | diverged"), std::string::npos) << replay;
  EXPECT_NE(replay.find("| conv-4 | diverged"), std::string::npos) << replay;
}

// The assemblers alone: any split of the bytes gives the same turn; parallel calls whose
// argument deltas interleave stay apart; a Responses stream whose response.completed carries
// no output is assembled from its deltas.
TEST(RecordLlmApis, StreamAssemblersRebuildParallelCallsWhateverTheByteSplits) {
  auto ev = [](const json& data) { return "data: " + data.dump() + "\n\n"; };
  const std::vector<std::string> parts = {"{\"query\"", ": \"blue", " runner\"}"};
  std::string responses = ev({{"type", "response.created"}, {"response", {{"id", "resp_9"}}}});
  for (int i = 0; i < 2; ++i) {
    const json item = {{"type", "function_call"},
                       {"call_id", "c" + std::to_string(i)},
                       {"name", "searchCatalog"},
                       {"arguments", ""}};
    responses += ev({{"type", "response.output_item.added"}, {"output_index", i}, {"item", item}});
  }
  for (const auto& part : parts) {
    for (int i = 0; i < 2; ++i) {
      const json delta = {
          {"type", "response.function_call_arguments.delta"}, {"output_index", i}, {"delta", part}};
      responses += ev(delta);
    }
  }
  responses += ev({{"type", "response.completed"}, {"response", {{"id", "resp_9"}}}});

  const json text_block = {{"type", "text"}, {"text", ""}};
  const json text_delta = {{"type", "text_delta"}, {"text", "Looking."}};
  std::string anthropic =
      ev({{"type", "content_block_start"}, {"index", 0}, {"content_block", text_block}});
  anthropic += ev({{"type", "content_block_delta"}, {"index", 0}, {"delta", text_delta}});
  for (int i = 1; i < 3; ++i) {
    const json block = {{"type", "tool_use"},
                        {"id", "t" + std::to_string(i)},
                        {"name", "searchCatalog"},
                        {"input", json::object()}};
    anthropic += ev({{"type", "content_block_start"}, {"index", i}, {"content_block", block}});
    for (const auto& part : parts) {
      const json delta = {{"type", "input_json_delta"}, {"partial_json", part}};
      anthropic += ev({{"type", "content_block_delta"}, {"index", i}, {"delta", delta}});
    }
    anthropic += ev({{"type", "content_block_stop"}, {"index", i}});
  }
  anthropic += ev({{"type", "message_stop"}});

  const json args = {{"query", "blue runner"}};
  for (std::size_t split = 0; split < responses.size(); split += 7) {
    ResponsesStream r;
    r.feed(std::string_view(responses).substr(0, split));
    r.feed(std::string_view(responses).substr(split));
    ASSERT_TRUE(r.done());
    const json out = r.response();
    EXPECT_EQ(out["id"], "resp_9");
    ASSERT_EQ(out["output"].size(), 2u) << split;
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(json::parse(out["output"][i]["arguments"].get<std::string>()), args) << split;
    }
  }
  for (std::size_t split = 0; split < anthropic.size(); split += 7) {
    AnthropicStream a;
    a.feed(std::string_view(anthropic).substr(0, split));
    a.feed(std::string_view(anthropic).substr(split));
    ASSERT_TRUE(a.done());
    const json content = a.message()["content"];
    ASSERT_EQ(content.size(), 3u) << split;
    EXPECT_EQ(content[0]["text"], "Looking.");
    EXPECT_EQ(content[1]["input"], args);
    EXPECT_EQ(content[2]["id"], "t2");
  }
}

// The proxy's own refusal reaches an Anthropic client in Anthropic's error shape, and a
// request it cannot read is relayed, not recorded, and said in the log.
TEST(RecordLlmApis, RefusalsComeInTheApisOwnErrorShape) {
  const std::string dir = testing::temp_dir("record-llm-apis-refusal");
  std::ostringstream log;
  ProxyOptions o;
  o.upstream = "http://127.0.0.1:1";  // nothing listens on port 1
  o.out = dir + "/recorded.jsonl";
  LlmProxy proxy(o, log);
  const int port = proxy.bind();
  std::thread server([&] { proxy.serve(); });
  httplib::Client c("127.0.0.1", port);
  auto r =
      c.Post("/v1/messages", R"({"model":"claude-x","messages":[{"role":"user","content":"hi"}]})",
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["type"], "error");
  EXPECT_EQ(body["error"]["type"], "api_error");
  auto odd = c.Post("/v1/responses", R"({"model":"m","input":[{"type":"function_call_output"}]})",
                    "application/json");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->status, 502);
  EXPECT_TRUE(odd->body.find("\"error\"") != std::string::npos) << odd->body;
  proxy.stop();
  server.join();
  proxy.finish_cassette();
  EXPECT_NE(log.str().find("does not fit OpenAI Responses at input[0].call_id"), std::string::npos)
      << log.str();
  const json header =
      json::parse(testing::read_text(o.out).substr(0, testing::read_text(o.out).find('\n')));
  EXPECT_EQ(header["models"], json::array({"claude-x", "m"}));
}

}  // namespace
}  // namespace checkride
