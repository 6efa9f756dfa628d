// Bring your own logs (issue 31): the same three sessions written in each transcript shape an
// agent team may have import to the same cassette, apart from ids and the notes of how each
// was read, and replay to the same verdicts. Before, an Anthropic transcript imported to
// "0 of 0 mapped" in silence and the others were refused.
#include "tests/transcript_formats.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "orchestrator/action_catalog.h"
#include "recorder/importer.h"
#include "simulator/replay.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Dialogue;
using testing::ToolCall;

const json kPaid = {{"transaction_type", "payment"},
                    {"amount", 157.5},
                    {"payment_method_id", "credit_card_9513926"}};

std::vector<Dialogue> three_sessions() {
  const std::string hi = "Hi, I'm yusuf.rossi@example.com. ";
  const ToolCall who{"find_user_id_by_email",
                     {{"email", "yusuf.rossi@example.com"}},
                     {{"user_id", "yusuf_rossi_9620"}}};
  const ToolCall order{
      "get_order_details",
      {{"order_id", "#W2378156"}},
      {{"order_id", "#W2378156"}, {"status", "pending"}, {"payment_history", {kPaid}}}};
  json refunded = {kPaid, kPaid};
  refunded[1]["transaction_type"] = "refund";
  const ToolCall cancel{
      "cancel_pending_order",
      {{"order_id", "#W2378156"}, {"reason", "no longer needed"}},
      {{"order_id", "#W2378156"}, {"status", "cancelled"}, {"payment_history", refunded}}};
  const ToolCall late{"cancel_pending_order",
                      {{"order_id", "#W4817420"}, {"reason", "ordered by mistake"}},
                      "non-pending order cannot be cancelled",
                      true};
  return {
      {"S1",
       "yusuf_rossi_9620",
       {{"user", hi + "Please cancel #W2378156, I no longer need it."},
        {"calls", "", {who, order}},  // two calls in one turn
        {"assistant", "Cancelling #W2378156 refunds $157.50 to your card. Confirm?"},
        {"user", "Yes, cancel it."},
        {"calls", "", {cancel}},
        {"assistant", "Cancelled; the refund is on its way."}}},
      {"S2",
       "yusuf_rossi_9620",
       {{"user", hi + "Cancel #W4817420, I ordered it by mistake."},
        {"assistant", "Cancel #W4817420? Confirm?"},
        {"user", "Yes."},
        {"calls", "", {late}},
        {"assistant", "Sorry: it was delivered, so it cannot be cancelled."}}},
      {"S3",
       "yusuf_rossi_9620",
       {{"user", hi + "Where is #W2378156?"},
        {"calls", "", {order}},
        {"assistant", "It is pending."}}},
  };
}

// Writes the sessions in `format` under `dir`: the files to import.
std::vector<std::string> write_format(const std::string& dir, const std::string& format) {
  json all = json::array();
  std::vector<std::string> files;
  for (const Dialogue& d : three_sessions()) {
    if (format == "mcp") {
      files.push_back(testing::write_temp(dir, d.id + ".jsonl", testing::as_mcp(d)));
    } else if (format == "openai") {
      all.push_back(testing::as_openai(d));
    } else if (format == "anthropic") {
      all.push_back(testing::as_anthropic(d));
    } else if (format == "openai-responses") {
      all.push_back(testing::as_responses(d));
    } else if (format == "gemini") {
      all.push_back(testing::as_gemini(d));
    } else if (format == "dashscope") {
      all.push_back(testing::as_dashscope(d));
    }
  }
  if (format == "otel-genai") all = testing::as_otel(three_sessions());
  if (format == "langsmith") all = testing::as_langsmith(three_sessions());
  if (format == "langfuse") all = testing::as_langfuse(three_sessions());
  if (files.empty()) files.push_back(testing::write_temp(dir, format + ".json", all.dump(1)));
  return files;
}

std::string import_format(const std::string& format, const std::string& from, std::string& said) {
  const std::string dir = testing::temp_dir("formats-" + format);
  ImportOptions io;
  io.files = write_format(dir, format);
  io.from = from;
  // The shapes without a user field of their own carry one beside the conversation.
  if (format == "openai" || format == "gemini" || format == "dashscope")
    io.user_id_field = "user_id";
  io.amount_scale = 100;
  io.out = dir + "/out.jsonl";
  const ActionCatalog catalog =
      ActionCatalog::from_file(testing::source_path("scenarios/catalogs/retail-support.yaml"));
  for (const auto& a : catalog.actions()) io.actions.insert(a.first);
  std::ostringstream out, err;
  EXPECT_EQ(run_import(io, out, err), 0) << format << ": " << err.str();
  said = out.str();
  return io.out;
}

// The cassette's events without what differs by shape: ids, times, how a status was read.
std::vector<std::string> comparable(const std::string& cassette, bool calls_only) {
  std::ifstream in(cassette);
  std::vector<std::string> events;
  std::string line;
  std::getline(in, line);  // the header names the source
  while (std::getline(in, line)) {
    json ev = json::parse(line);
    const std::string type = ev["type"];
    if (calls_only && type != "action" && type != "result") continue;
    for (const char* k : {"session", "seq", "t_ms", "call_id", "raw", "inferred_from",
                          "status_inferred", "user_id"})
      ev.erase(k);
    if (type == "result" && ev["status"] == "failed") ev.erase("result");
    events.push_back(ev.dump());
  }
  return events;
}

std::vector<std::string> verdicts(const std::string& cassette) {
  ReplayOptions o;
  o.cassette = cassette;
  o.world = testing::source_path("scenarios/worlds/retail-support.yaml");
  o.actions = testing::source_path("scenarios/catalogs/retail-support.yaml");
  o.out_dir = testing::temp_dir("formats-replay");
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  EXPECT_NE(run_replay(o, out, err, &r), 2) << err.str();
  std::vector<std::string> v;
  for (const auto& s : r.sessions) v.push_back(s.verdict + " " + s.code);
  return v;
}

TEST(TranscriptFormats, EachShapeImportsTheSameSessionsAndReplaysTheSameVerdicts) {
  std::string said;
  const std::string openai = import_format("openai", "openai", said);
  const std::vector<std::string> base = comparable(openai, false);
  ASSERT_EQ(std::count_if(base.begin(), base.end(),
                          [](const std::string& e) { return e.find("\"action\"") != e.npos; }),
            5);
  const std::vector<std::string> want = verdicts(openai);
  ASSERT_EQ(want.size(), 3u);
  for (const std::string format : {"anthropic", "openai-responses", "gemini", "dashscope", "mcp",
                                   "otel-genai", "langsmith", "langfuse"}) {
    const std::string cassette = import_format(format, "auto", said);
    EXPECT_NE(said.find("(--from " + format + ")"), std::string::npos) << said;
    const bool calls_only = format == "mcp";  // the wire has no user or assistant words
    EXPECT_EQ(comparable(cassette, calls_only), comparable(openai, calls_only)) << format;
    std::ifstream in(cassette);
    std::string header;
    std::getline(in, header);
    EXPECT_NE(header.find("\"source\":\"import:" + format + "\""), std::string::npos) << header;
    if (format != "mcp") {
      EXPECT_EQ(verdicts(cassette), want) << format;
      std::string first;
      std::getline(in, first);
      EXPECT_NE(first.find("\"user_id\":\"yusuf_rossi_9620\""), std::string::npos)
          << format << ": " << first;
    }
  }
}

// Hostile files in each shape: exit 2, naming the file, the line where there is one, and the
// field; nothing written.
TEST(TranscriptFormats, HostileFilesAreRefusedNamingTheFileLineAndField) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  struct Case {
    std::string from, text, said;
  };
  const std::vector<Case> cases = {
      {"anthropic", R"({"messages": "hi"})", "messages: expected a list of messages"},
      {"anthropic", R"({"messages": [{"role": "robot", "content": "x"}]})", "messages[0].role"},
      {"anthropic", R"({"messages": [{"role": "user", "content": 7}]})", "messages[0].content"},
      {"anthropic",
       R"({"messages": [{"role": "assistant", "content": [{"type": "tool_use", "name": "x"}]}]})",
       "messages[0].content[0].id"},
      {"anthropic",
       R"({"messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t9"}]}]})",
       "messages[0].content[0].tool_use_id: 't9' answers no tool_use"},
      {"openai-responses", R"({"input": [{"type": "function_call", "name": "x"}]})",
       "input[0].call_id"},
      {"openai-responses",
       R"({"input": [{"type": "function_call_output", "call_id": "c", "output": "x"}]})",
       "input[0].call_id: 'c' answers no function_call"},
      {"openai-responses", R"({"input": 5})", "input: expected a string or a list of items"},
      {"gemini", R"({"contents": [{"role": "user", "parts": "x"}]})", "contents[0].parts"},
      {"gemini",
       R"({"contents": [{"role": "user", "parts": [{"functionResponse": {"name": "x"}}]}]})",
       "contents[0].parts[0].functionResponse.name: 'x' answers no functionCall"},
      {"gemini", R"({"contents": [{"role": "model", "parts": [{"functionCall": {"args": {}}}]}]})",
       "contents[0].parts[0].functionCall.name"},
      {"dashscope", R"({"input": {"messages": 3}})", "input.messages"},
      {"dashscope", R"({"output": {"choices": []}})", "output.choices"},
      {"mcp", "{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": {}}\n",
       ":1: [0].id: 1 answers no request"},
      {"mcp", "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {}}\n",
       ":1: [0].params.name"},
      {"mcp",
       "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}\n"
       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":7}\n",
       ":2: [1].result"},
      {"auto", deep, "t.json"},
      {"auto", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n{oops\n", ":2:"},
      {"langsmith", R"({"run_type": "chain", "child_runs": [{"run_type": "tool"}]})",
       "[0].child_runs[0].name: expected the tool's name"},
      {"langsmith", R"({"id": "r1"})", "[0].run_type"},
      {"langfuse", R"({"data": [{"id": "t", "observations": {}}]})",
       "[0][0].observations: expected a list"},
      {"langfuse", R"({"observations": [{"type": "TOOL", "input": {}}]})",
       "[0].observations[0].name"},
      {"otel-genai", R"({"resourceSpans": [{"scopeSpans": [{"spans": [7]}]}]})",
       "[0].resourceSpans[0].scopeSpans[0].spans[0]: expected a span object"},
      {"otel-genai", R"({"resourceSpans": {}})", "[0].resourceSpans: expected"},
      {"auto", R"([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])",
       "1 assistant turns and no tool call: nothing to replay"},
  };
  for (const Case& c : cases) {
    const std::string dir = testing::temp_dir("formats-hostile");
    ImportOptions io;
    io.files = {testing::write_temp(dir, "t.json", c.text)};
    io.from = c.from;
    io.out = dir + "/out.jsonl";
    std::ostringstream out, err;
    EXPECT_EQ(run_import(io, out, err), 2) << c.from << ": " << c.text.substr(0, 200);
    EXPECT_NE(err.str().find(io.files[0]), std::string::npos) << err.str();
    EXPECT_NE(err.str().find(c.said), std::string::npos) << c.from << ": " << err.str();
    EXPECT_FALSE(std::ifstream(io.out).good()) << "a refused import wrote " << io.out;
  }
}

// An Anthropic transcript read as OpenAI says what it holds and how to read it, rather than
// importing nothing; --allow-empty takes a file of words alone.
TEST(TranscriptFormats, AnImportThatMapsNothingSaysWhatTheFileHolds) {
  const std::string dir = testing::temp_dir("formats-empty");
  ImportOptions io;
  io.files = {
      testing::write_temp(dir, "a.json", testing::as_anthropic(three_sessions()[0]).dump())};
  io.from = "openai";
  io.out = dir + "/out.jsonl";
  std::ostringstream out, err;
  EXPECT_EQ(run_import(io, out, err), 2);
  EXPECT_NE(err.str().find("holds 3 tool_use blocks in Anthropic Messages shape; use --from "
                           "anthropic"),
            std::string::npos)
      << err.str();
  io.files = {testing::write_temp(dir, "w.json",
                                  R"([{"role":"user","content":"hi"},{"role":"assistant",)"
                                  R"("content":"hello"}])")};
  io.allow_empty = true;
  std::ostringstream out2, err2;
  EXPECT_EQ(run_import(io, out2, err2), 0) << err2.str();
}

}  // namespace
}  // namespace checkride
