// OpenAI-style conversations -> cassette events: multiple tool calls per turn, string-encoded
// and malformed arguments, tools that are not actions, the Qwen-Agent and Hermes shapes,
// consent, and SSE reassembly.
#include "recorder/transcript.h"

#include <gtest/gtest.h>

#include "recorder/stated_amount.h"
#include "recorder/stream_assembler.h"

namespace checkride {
namespace {

using json = nlohmann::json;

std::vector<CassetteEvent> convert(const json& messages,
                                   TranscriptConverter::ChargeCeiling ceiling = {}) {
  TranscriptConverter c({"searchCatalog", "previewOrder", "placeOrder"});
  if (ceiling) c.consent_from_turn_before_call(std::move(ceiling));
  std::vector<CassetteEvent> out;
  for (const auto& m : messages) {
    std::string error;
    EXPECT_TRUE(c.add_message(m, out, error)) << error;
  }
  return out;
}

TEST(Transcript, SeveralToolCallsInOneTurnEachBecomeAnActionAndResultsPairById) {
  auto events = convert(json::parse(R"([
    {"role": "system", "content": "secret system prompt"},
    {"role": "user", "content": "socks and a bottle"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "a", "type": "function", "function": {"name": "searchCatalog", "arguments": "{\"query\":\"socks\"}"}},
      {"id": "b", "type": "function", "function": {"name": "searchCatalog", "arguments": "{\"query\":\"bottle\"}"}}]},
    {"role": "tool", "tool_call_id": "b", "content": "{\"status\":\"ok\",\"skus\":[\"BOTTLE-750\"]}"},
    {"role": "tool", "tool_call_id": "a", "content": "{\"status\":\"ok\",\"skus\":[\"SOCK-MERINO\"]}"}
  ])"));
  ASSERT_EQ(events.size(), 5u);  // the system prompt is not recorded
  EXPECT_EQ(events[0]["type"], "user");
  EXPECT_EQ(events[1]["type"], "action");
  EXPECT_EQ(events[1]["params"]["query"], "socks");
  EXPECT_EQ(events[2]["params"]["query"], "bottle");
  EXPECT_EQ(events[1]["raw"]["function"]["arguments"], "{\"query\":\"socks\"}");
  EXPECT_EQ(events[3]["type"], "result");
  EXPECT_EQ(events[3]["call_id"], "b");
  EXPECT_EQ(events[3]["result"]["skus"][0], "BOTTLE-750");
  EXPECT_EQ(events[4]["call_id"], "a");
}

TEST(Transcript, MalformedArgumentsAreKeptAsTheModelSentThem) {
  auto events = convert(json::parse(R"([
    {"role": "assistant", "tool_calls": [{"id": "x", "type": "function",
      "function": {"name": "placeOrder", "arguments": "{\"items\": [{\"sku\": \"A\", \"quantity\": 1}"}}]},
    {"role": "tool", "tool_call_id": "x", "content": "{\"status\":\"rejected\",\"code\":\"schema\"}"}
  ])"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "action");
  EXPECT_TRUE(events[0]["params"].is_string());
  EXPECT_EQ(events[0]["params"], "{\"items\": [{\"sku\": \"A\", \"quantity\": 1}");
  EXPECT_NE(events[0]["params_error"].get<std::string>().find("not valid JSON"), std::string::npos);
  EXPECT_EQ(events[1]["status"], "rejected");
}

TEST(Transcript, ToolsThatAreNotActionsBecomeNotesNotSilence) {
  auto events = convert(json::parse(R"([
    {"role": "assistant", "tool_calls": [
      {"id": "t", "type": "function", "function": {"name": "think", "arguments": "{\"thought\":\"size 42\"}"}},
      {"id": "s", "type": "function", "function": {"name": "searchCatalog", "arguments": "{\"query\":\"runner\"}"}}]},
    {"role": "tool", "tool_call_id": "t", "content": "ok"},
    {"role": "tool", "tool_call_id": "s", "content": "{\"skus\": []}"}
  ])"));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["type"], "note");
  EXPECT_EQ(events[0]["tool"], "think");
  EXPECT_EQ(events[0]["arguments"]["thought"], "size 42");
  // The note says why it is one, so a user knows what to map.
  EXPECT_EQ(events[0]["text"],
            "tool call think kept as a note: the action catalog has no action 'think'; map it "
            "under actions: to replay it");
  EXPECT_EQ(events[1]["type"], "action");
  EXPECT_EQ(events[2]["type"], "note");
  EXPECT_EQ(events[3]["type"], "result");
  // No orchestrator status in the answer: inferred, and marked so replay compares loosely.
  EXPECT_EQ(events[3]["status"], "ok");
  EXPECT_EQ(events[3]["status_inferred"], true);
}

// One searchCatalog call and the tool's answer to it.
json search_answered_with(const std::string& content) {
  return json::array(
      {{{"role", "assistant"},
        {"tool_calls",
         json::array({{{"id", "x"},
                       {"type", "function"},
                       {"function", {{"name", "searchCatalog"}, {"arguments", "{}"}}}}})}},
       {{"role", "tool"}, {"tool_call_id", "x"}, {"content", content}}});
}

// A recorded failure is a failure: an error object, a failing status field, or text that
// matches an error pattern all infer "failed", and the cassette says from what.
TEST(Transcript, ARecordedFailureIsInferredAsFailedAndSaysFromWhat) {
  const std::pair<std::string, std::string> kAnswers[] = {
      {"Error: not enough seats", "its text matches /^error\\b/i"},
      {"  error - reservation not found", "its text matches /^error\\b/i"},
      {"{\"error\": {\"message\": \"card declined\"}}", "an \"error\" field"},
      {"{\"status\": \"FAILED\", \"reason\": \"sold out\"}", "its status \"FAILED\""},
      {"{\"success\": false}", "\"success\": false"},
      {"\"Error: flight full\"", "its text matches /^error\\b/i"},
  };
  for (const auto& [content, from] : kAnswers) {
    auto events = convert(search_answered_with(content));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1]["status"], "failed") << content;
    EXPECT_EQ(events[1]["status_inferred"], true) << content;
    EXPECT_EQ(events[1]["inferred_from"], from) << content;
  }
  // Answers that merely mention an error are successes.
  for (const char* content : {"No errors found, 2 seats left", "{\"error\": null, \"ok\": true}"}) {
    auto events = convert(search_answered_with(content));
    EXPECT_EQ(events[1]["status"], "ok") << content;
  }
}

TEST(Transcript, MoreErrorPatternsComeFromTheUser) {
  ErrorPatterns patterns;
  std::string error;
  ASSERT_TRUE(patterns.add("^sorry, (we|i) (cannot|can't)", error)) << error;
  EXPECT_FALSE(patterns.add("([unclosed", error));
  EXPECT_NE(error.find("'([unclosed': not a regular expression"), std::string::npos) << error;
  TranscriptConverter c({"searchCatalog"}, patterns);
  std::vector<CassetteEvent> out;
  for (const json& m : search_answered_with("Sorry, we can't do that")) {
    ASSERT_TRUE(c.add_message(m, out, error)) << error;
  }
  EXPECT_EQ(out[1]["status"], "failed");
  EXPECT_EQ(out[1]["inferred_from"], "its text matches /^sorry, (we|i) (cannot|can't)/i");
}

// Found by fuzz_transcript: a number too large for any type threw out_of_range, which the
// converter did not catch (record import aborted). It is malformed JSON like any other.
TEST(Transcript, AnOverflowingNumberInAToolCallIsAMalformedCallNotACrash) {
  auto events = convert(json::array(
      {{{"role", "assistant"},
        {"content", "<tool_call>" + std::string(90, '5') + "e4" + std::string(40, '5') +
                        "e5+555</tool_call>"}},
       {{"role", "assistant"},
        {"tool_calls",
         json::array({{{"id", "x"},
                       {"type", "function"},
                       {"function",
                        {{"name", "searchCatalog"},
                         {"arguments", "{\"q\": 1" + std::string(400, '0') + "}"}}}}})}}}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "action");
  EXPECT_EQ(events[0]["action"], "<unparseable tool_call>");
  EXPECT_NE(events[1]["params_error"].get<std::string>().find("not valid JSON"), std::string::npos)
      << events[1].dump();
}

TEST(Transcript, QwenAgentFunctionCallAndFunctionRoleAnswer) {
  auto events = convert(json::parse(R"([
    {"role": "user", "content": [{"type": "text", "text": "find runners"}]},
    {"role": "assistant", "content": "", "function_call": {"name": "searchCatalog", "arguments": "{\"query\": \"runner\"}"}},
    {"role": "function", "name": "searchCatalog", "content": "{\"status\": \"ok\", \"skus\": [\"RUN-BLUE-42\"]}"}
  ])"));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["text"], "find runners");
  EXPECT_EQ(events[1]["action"], "searchCatalog");
  EXPECT_EQ(events[1]["params"]["query"], "runner");
  EXPECT_EQ(events[2]["type"], "result");
  EXPECT_EQ(events[2]["call_id"], events[1]["call_id"]);
}

TEST(Transcript, HermesToolCallTagsAndToolResponses) {
  auto events = convert(json::parse(R"([
    {"role": "assistant", "content": "Let me look.\n<tool_call>\n{\"name\": \"searchCatalog\", \"arguments\": {\"query\": \"bottle\"}}\n</tool_call>\n<tool_call>{\"name\": \"previewOrder\", \"arguments\": {\"items\": [{\"sku\": \"BOTTLE-750\", \"quantity\": 2}]}}</tool_call>"},
    {"role": "tool", "content": "<tool_response>\n{\"status\": \"ok\", \"skus\": [\"BOTTLE-750\"]}\n</tool_response>"},
    {"role": "user", "content": "<tool_response>{\"name\": \"previewOrder\", \"content\": {\"status\": \"ok\", \"total_cents\": 4800}}</tool_response>"},
    {"role": "assistant", "content": "<tool_call>{not json</tool_call>"}
  ])"));
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0]["type"], "assistant");
  EXPECT_EQ(events[0]["text"], "Let me look.");
  EXPECT_EQ(events[1]["action"], "searchCatalog");
  EXPECT_EQ(events[1]["params"]["query"], "bottle");
  EXPECT_EQ(events[2]["action"], "previewOrder");
  EXPECT_EQ(events[3]["call_id"], events[1]["call_id"]);
  EXPECT_EQ(events[4]["call_id"], events[2]["call_id"]);
  EXPECT_EQ(events[4]["result"]["total_cents"], 4800);
  // An unparseable Hermes block is recorded as a malformed call, not dropped.
  EXPECT_EQ(events[5]["params"], "{not json");
}

TEST(Transcript, AnAnswerToAQuotedTotalBecomesAConsent) {
  auto events = convert(json::parse(R"([
    {"role": "assistant", "tool_calls": [{"id": "p", "type": "function", "function": {"name": "previewOrder", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "p", "content": "{\"status\": \"ok\", \"total_cents\": 7400}"},
    {"role": "user", "content": "Yes, go ahead"},
    {"role": "assistant", "tool_calls": [{"id": "q", "type": "function", "function": {"name": "previewOrder", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "q", "content": "{\"status\": \"ok\", \"total_cents\": 99900}"},
    {"role": "user", "content": "No, that's too much"}
  ])"));
  ASSERT_EQ(events.size(), 8u);
  EXPECT_EQ(events[3]["type"], "confirm");
  EXPECT_EQ(events[3]["granted"], true);
  EXPECT_EQ(events[3]["amount_cents"], 7400);
  EXPECT_EQ(events[7]["type"], "confirm");
  EXPECT_EQ(events[7]["granted"], false);
  EXPECT_EQ(consent_answer("what colours are there?"), "");
  EXPECT_EQ(consent_answer("Yes, cancel it."), "yes");  // it opens with yes
  EXPECT_EQ(consent_answer("No, cancel that"), "no");
  EXPECT_EQ(consent_answer("I'd rather not, cancel"), "no");
}

// Tools that speak dollars (the catalog's amount_scale: 100) quote `total` in dollars: the
// answer to it is a consent for that many cents. Without a scale a bare `total` quotes
// nothing, since it could be in any unit.
TEST(Transcript, ADollarTotalQuotedByAToolIsAConsentUnderTheCatalogsScale) {
  const json conversation = json::parse(R"([
    {"role": "assistant", "tool_calls": [{"id": "p", "type": "function", "function": {"name": "previewOrder", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "p", "content": "{\"status\": \"ok\", \"total\": 74.99}"},
    {"role": "user", "content": "Yes, go ahead"}
  ])");
  std::vector<CassetteEvent> events;
  TranscriptConverter scaled({"previewOrder"});
  scaled.set_amount_scale(100);
  std::string error;
  for (const auto& m : conversation) ASSERT_TRUE(scaled.add_message(m, events, error)) << error;
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3]["type"], "confirm");
  EXPECT_EQ(events[3]["amount_cents"], 7499);
  std::vector<CassetteEvent> plain_events;
  TranscriptConverter plain({"previewOrder"});
  for (const auto& m : conversation) ASSERT_TRUE(plain.add_message(m, plain_events, error));
  EXPECT_EQ(plain_events.size(), 3u) << "no consent read from a total of unknown unit";
}

// The catalog's other consent policy: the user's "yes" right before a charge-bearing call
// consents to what the call agrees to pay. Only then: a "no", a turn that answered a stated
// amount already, or a call that is not charge-bearing yields no consent.
TEST(Transcript, UnderTheTurnBeforeTheCallPolicyAYesConsentsToTheCallsCeiling) {
  auto ceiling = [](const std::string& tool, const json& params) -> int64_t {
    return tool == "placeOrder" ? params.value("max_total_cents", int64_t{-1}) : -1;
  };
  const json conversation = json::parse(R"([
    {"role": "user", "content": "Yes, order the blue runners, up to 80 dollars"},
    {"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "searchCatalog", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "a", "content": "{\"status\": \"ok\"}"},
    {"role": "user", "content": "yes please"},
    {"role": "assistant", "tool_calls": [{"id": "b", "type": "function", "function": {"name": "placeOrder", "arguments": "{\"max_total_cents\": 8000}"}}]},
    {"role": "tool", "tool_call_id": "b", "content": "{\"status\": \"confirmed\"}"},
    {"role": "user", "content": "no, stop"},
    {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "placeOrder", "arguments": "{\"max_total_cents\": 9000}"}}]}
  ])");
  auto events = convert(conversation, ceiling);
  std::vector<json> confirms;
  for (const auto& e : events) {
    if (e["type"] == "confirm") confirms.push_back(json::parse(e.dump()));
  }
  ASSERT_EQ(confirms.size(), 1u);  // the search is no charge; the last call followed a "no"
  EXPECT_EQ(confirms[0]["granted"], true);
  EXPECT_EQ(confirms[0]["amount_cents"], 8000);
  EXPECT_NE(confirms[0]["inferred_from"].get<std::string>().find("consent policy"),
            std::string::npos);
  for (const auto& e : convert(conversation)) EXPECT_NE(e["type"], "confirm");  // no policy
}

// A person reads "The total is $1,234.50 for both flights. Shall I book it?" then "yes
// please" as consent to 123450 cents. The consent event says it was inferred, and from what.
TEST(Transcript, AnAmountTheAssistantStatesThenAYesBecomesAnInferredConsent) {
  auto events = convert(json::parse(R"([
    {"role": "assistant", "content": "Flights are $600 and $634.50. The total is $1,234.50 for both. Shall I book it?"},
    {"role": "user", "content": "yes please"}
  ])"));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2]["type"], "confirm");
  EXPECT_EQ(events[2]["granted"], true);
  EXPECT_EQ(events[2]["amount_cents"], 123450);
  EXPECT_EQ(events[2]["inferred_from"],
            "the assistant stated 123450 cents; the user answered 'yes please'");
  // Tool-quoted totals say so too.
  auto quoted = convert(json::parse(R"([
    {"role": "assistant", "tool_calls": [{"id": "p", "type": "function", "function": {"name": "previewOrder", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "p", "content": "{\"status\": \"ok\", \"total_cents\": 7400}"},
    {"role": "user", "content": "ok"}
  ])"));
  EXPECT_EQ(quoted.back()["inferred_from"],
            "the result of previewOrder quoted 7400 cents; the user answered 'ok'");
}

TEST(StatedAmount, TotalsAndLargestAmountsInTheShapesAssistantsWrite) {
  EXPECT_EQ(stated_amount_cents("That comes to $80."), 8000);
  EXPECT_EQ(stated_amount_cents("Two bags at $35 each, total $70.00"), 7000);
  EXPECT_EQ(stated_amount_cents("Seats: $120.5 and $99"), 12050);
  EXPECT_EQ(stated_amount_cents("It is 250 USD in all"), 25000);
  EXPECT_EQ(stated_amount_cents("USD 1,999.99"), 199999);
  EXPECT_EQ(stated_amount_cents("Your flight leaves at 10:45 from gate 12"), -1);
  EXPECT_EQ(stated_amount_cents("$99999999999999999999"), -1);
}

TEST(Transcript, NotAChatMessageIsAnErrorNamingTheField) {
  TranscriptConverter c({});
  std::vector<CassetteEvent> out;
  std::string error;
  EXPECT_FALSE(c.add_message(json{{"content", "hi"}}, out, error));
  EXPECT_NE(error.find("role"), std::string::npos);
  EXPECT_FALSE(c.add_message(json{{"role", "robot"}}, out, error));
  EXPECT_NE(error.find("unknown role"), std::string::npos);
}

TEST(StreamAssembler, ToolCallFragmentsAreReassembledWhateverTheByteSplits) {
  std::string stream;
  auto chunk = [&](const json& delta) {
    stream += "data: " + json{{"choices", {{{"index", 0}, {"delta", delta}}}}}.dump() + "\n\n";
  };
  chunk({{"role", "assistant"}, {"content", nullptr}});
  chunk({{"tool_calls",
          {{{"index", 0},
            {"id", "c1"},
            {"type", "function"},
            {"function", {{"name", "placeOrder"}, {"arguments", ""}}}}}}});
  chunk(
      {{"tool_calls", {{{"index", 1}, {"id", "c2"}, {"function", {{"name", "searchCatalog"}}}}}}});
  chunk({{"tool_calls", {{{"index", 0}, {"function", {{"arguments", "{\"items\":"}}}}}}});
  chunk({{"tool_calls", {{{"index", 1}, {"function", {{"arguments", "{\"query\":\"x\"}"}}}}}}});
  chunk({{"tool_calls", {{{"index", 0}, {"function", {{"arguments", "[]}"}}}}}}});
  stream += ": keep-alive comment\n\ndata: [DONE]\n\n";
  for (std::size_t step : {1u, 3u, 7u, 1000u}) {
    StreamAssembler a;
    for (std::size_t i = 0; i < stream.size(); i += step) a.feed(stream.substr(i, step));
    json m = a.message();
    EXPECT_TRUE(a.done());
    ASSERT_EQ(m["tool_calls"].size(), 2u);
    EXPECT_EQ(m["tool_calls"][0]["id"], "c1");
    EXPECT_EQ(m["tool_calls"][0]["function"]["name"], "placeOrder");
    EXPECT_EQ(m["tool_calls"][0]["function"]["arguments"], "{\"items\":[]}");
    EXPECT_EQ(m["tool_calls"][1]["function"]["arguments"], "{\"query\":\"x\"}");
    EXPECT_TRUE(m["content"].is_null());
  }
}

TEST(StreamAssembler, TextAndLegacyFunctionCallDeltas) {
  StreamAssembler a;
  a.feed("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n");
  a.feed("data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\r\n\r\n");
  a.feed(
      "data: "
      "{\"choices\":[{\"delta\":{\"function_call\":{\"name\":\"searchCatalog\",\"arguments\":\"{"
      "\\\"q\"}}}]}\n\n");
  a.feed(
      "data: {\"choices\":[{\"delta\":{\"function_call\":{\"arguments\":\"uery\\\":1}\"}}}]}\n\n");
  json m = a.message();
  EXPECT_EQ(m["content"], "Hello");
  EXPECT_EQ(m["function_call"]["name"], "searchCatalog");
  EXPECT_EQ(m["function_call"]["arguments"], "{\"query\":1}");
  EXPECT_FALSE(a.done());
}

}  // namespace
}  // namespace checkride
