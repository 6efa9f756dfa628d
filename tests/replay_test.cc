// checkride replay and record import: a recording replays with the recorded answers, a
// fault shows where and why the sandbox diverges, the audit log round-trips into a cassette,
// and --record-on-miss asks a live endpoint for the next turn.
#include "simulator/replay.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "protocol/cassette.h"
#include "protocol/catalog_ref.h"
#include "recorder/importer.h"
#include "recorder/record_on_miss.h"
#include "simulator/suite.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

using json = nlohmann::json;

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

ReplayResult replay(const std::string& cassette, const std::string& scenario = "",
                    const std::string& faults = "", int expected_rc = 0) {
  ReplayOptions o;
  o.cassette = testing::source_path(cassette);
  if (!scenario.empty()) o.scenario = testing::source_path(scenario);
  o.faults = faults;
  o.out_dir = testing::temp_dir("replay");
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  EXPECT_EQ(run_replay(o, out, err, &r), expected_rc) << err.str() << out.str();
  return r;
}

TEST(Replay, EverySessionOnceAndTheRecordedAnswersComeBack) {
  for (const char* c : {"orders-happy", "orders-edge", "book-flight", "malformed"}) {
    ReplayResult r = replay(std::string("scenarios/cassettes/") + c + ".jsonl");
    Cassette cassette =
        load_cassette(testing::source_path(std::string("scenarios/cassettes/") + c + ".jsonl"));
    ASSERT_EQ(r.sessions.size(), cassette.sessions.size()) << c;
    EXPECT_EQ(r.report.metrics["sessions"], static_cast<double>(cassette.sessions.size()));
    for (const auto& s : r.sessions)
      EXPECT_EQ(s.verdict, "same") << c << " " << s.session << ": " << s.why;
  }
}

TEST(Replay, AThirdPartyToolSetReplaysThroughTheActionCatalogMapping) {
  // Two passengers hold two seats (the recorded 57800 total matches only then); a payment
  // split adding up to less than the fare is refused as the recording says.
  ReplayResult r =
      replay("scenarios/cassettes/airline-agent.jsonl", "scenarios/third-party-airline.yaml");
  ASSERT_EQ(r.sessions.size(), 2u);
  for (const auto& s : r.sessions) EXPECT_EQ(s.verdict, "same") << s.session << ": " << s.why;
  EXPECT_EQ(r.report.metrics["completed"], 1);
  EXPECT_EQ(r.report.metrics["charged_without_order"], 0);
}

TEST(Replay, AFaultShowsTheFirstDivergentEventAndWhy) {
  std::string dir = testing::temp_dir("replay-faults");
  std::string faults = testing::write_temp(
      dir, "decline.yaml",
      "faults:\n  - {provider: payment, op: authorize, kind: error, status: 402}\n");
  ReplayResult r =
      replay("scenarios/cassettes/orders-happy.jsonl", "scenarios/happy-orders.yaml", faults, 1);
  int diverged = 0;
  for (const auto& s : r.sessions) {
    if (s.verdict != "diverged") continue;
    ++diverged;
    EXPECT_EQ(s.action, "placeOrder");
    EXPECT_EQ(s.recorded, "confirmed");
    EXPECT_EQ(s.sandbox, "failed");
    EXPECT_GT(s.line, 1);
    EXPECT_NE(s.why.find("recorded confirmed, sandbox answered failed"), std::string::npos)
        << s.why;
  }
  EXPECT_EQ(diverged, 3);
  EXPECT_EQ(r.report.metrics["replay_diverged"], 3);
  EXPECT_EQ(r.report.metrics["duplicate_charges"], 0);  // read from the ledger, not the answers
}

// A recorded reference under a key holding '~' or '/' made replay exit 3 (nlohmann
// refused the unescaped pointer); the key is now one RFC 6901 token, so the sandbox's own
// reference lands under that very key.
TEST(Replay, AReferenceUnderAKeyWithTildeOrSlashIsSubstituted) {
  Cassette c = parse_cassette(
      "{\"format\": \"checkride.cassette/v1\"}\n"
      "{\"session\": \"s\", \"seq\": 1, \"t_ms\": 0, \"type\": \"action\", \"call_id\": "
      "\"c1\", \"action\": \"placeOrder\", \"params\": {\"items\": [{\"sku\": \"A\", "
      "\"quantity\": 1}]}}\n"
      "{\"session\": \"s\", \"seq\": 2, \"t_ms\": 10, \"type\": \"result\", \"call_id\": "
      "\"c1\", \"status\": \"confirmed\", \"result\": {\"order_id\": \"ord_1\"}}\n"
      "{\"session\": \"s\", \"seq\": 3, \"t_ms\": 20, \"type\": \"action\", \"call_id\": "
      "\"c2\", \"action\": \"cancelOrder\", \"params\": {\"order_id\": \"x\", \"why\": "
      "{\"a~b\": \"ord_1\", \"c/d\": \"ord_1\"}}}\n",
      "t.jsonl");
  const CassetteStep& cancel = c.sessions.at(0).steps.at(1);
  ASSERT_EQ(cancel.substitutions.size(), 2u);
  nlohmann::json params = *cancel.params;
  for (const auto& [pointer, from] : cancel.substitutions) {
    EXPECT_EQ(from, 0);
    EXPECT_EQ(params.at(nlohmann::json::json_pointer(pointer)), "ord_1") << pointer;
  }
}

// The replay report tells consent the agent runtime relayed from consent an importer read
// from the conversation.
TEST(Replay, TheReportCountsInferredAndExplicitConsents) {
  std::string dir = testing::temp_dir("replay-consents");
  ReplayOptions o;
  o.cassette = testing::write_temp(
      dir, "c.jsonl",
      "{\"format\": \"checkride.cassette/v1\"}\n"
      "{\"session\": \"s\", \"seq\": 1, \"t_ms\": 0, \"type\": \"confirm\", \"granted\": true, "
      "\"amount_cents\": 5000}\n"
      "{\"session\": \"s\", \"seq\": 2, \"t_ms\": 5, \"type\": \"confirm\", \"granted\": true, "
      "\"amount_cents\": 5000, \"inferred_from\": \"the assistant stated 5000 cents; the user "
      "answered 'yes'\"}\n"
      "{\"session\": \"s\", \"seq\": 3, \"t_ms\": 10, \"type\": \"action\", \"call_id\": \"c1\", "
      "\"action\": \"placeOrder\", \"params\": {\"items\": [{\"sku\": \"A\", \"quantity\": 1}]}}\n"
      "{\"session\": \"s\", \"seq\": 4, \"t_ms\": 20, \"type\": \"result\", \"call_id\": \"c1\", "
      "\"status\": \"confirmed\", \"result\": {\"order_id\": \"ord_1\"}}\n");
  o.out_dir = dir;
  o.quiet = true;
  std::ostringstream out, err;
  run_replay(o, out, err);
  json report = json::parse(slurp(dir + "/c.replay.json"));
  EXPECT_EQ(report["sessions"][0]["consents"], json({{"explicit", 1}, {"inferred", 1}}))
      << report.dump();
}

TEST(Replay, SameInputSameReportBytes) {
  std::string a = testing::temp_dir("replay-a"), b = testing::temp_dir("replay-b");
  for (const auto& dir : {a, b}) {
    ReplayOptions o;
    o.cassette = testing::source_path("scenarios/cassettes/book-flight.jsonl");
    o.scenario = testing::source_path("scenarios/happy-bookings.yaml");
    o.out_dir = dir;
    o.quiet = true;
    std::ostringstream out, err;
    run_replay(o, out, err);
  }
  EXPECT_EQ(slurp(a + "/book-flight.json"), slurp(b + "/book-flight.json"));
  EXPECT_EQ(slurp(a + "/book-flight.replay.json"), slurp(b + "/book-flight.replay.json"));
}

TEST(RecordImport, OpenAiFormsAllImportAndBadInputNamesTheSpot) {
  std::string dir = testing::temp_dir("import");
  std::string conv =
      R"([{"role":"user","content":"runners"},{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"searchCatalog","arguments":"{\"query\":\"runner\"}"}}]},{"role":"tool","tool_call_id":"a","content":"{\"status\":\"ok\"}"}])";
  struct Case {
    std::string name, text, field;
    std::size_t sessions;
  } cases[] = {
      {"one.json", conv, "messages", 1},
      {"many.json", "[" + conv + "," + conv + "]", "messages", 2},
      {"lines.jsonl", conv + "\n" + conv + "\n" + conv + "\n", "messages", 3},
      {"wrapped.json", R"({"id":"t-1","dialog":)" + conv + "}", "dialog", 1},
  };
  for (const auto& c : cases) {
    ImportOptions o;
    o.files = {testing::write_temp(dir, c.name, c.text)};
    o.from = "openai";
    o.messages_field = c.field;
    o.actions = {"searchCatalog"};
    o.out = dir + "/" + c.name + ".cassette.jsonl";
    std::ostringstream out, err;
    ASSERT_EQ(run_import(o, out, err), 0) << c.name << ": " << err.str();
    Cassette cassette = load_cassette(o.out);
    EXPECT_EQ(cassette.sessions.size(), c.sessions) << c.name;
    EXPECT_EQ(cassette.sessions[0].steps.size(), 1u);
  }
  ImportOptions bad;
  bad.files = {testing::write_temp(dir, "bad.jsonl", conv + "\n[{\"content\":\"no role\"}]\n")};
  bad.from = "openai";
  bad.out = dir + "/bad.cassette.jsonl";
  std::ostringstream out, err;
  EXPECT_EQ(run_import(bad, out, err), 2);
  EXPECT_NE(err.str().find("bad.jsonl:2: [0]: role"), std::string::npos) << err.str();
  EXPECT_FALSE(std::ifstream(bad.out).good());  // nothing half-written
}

// Benchmark transcripts name a session by several fields (a task and a trial); the id or
// session_id fallback would merge or misname them.
TEST(RecordImport, SessionIdFieldsNameEachSession) {
  std::string dir = testing::temp_dir("import-session-ids");
  std::string conv =
      R"([{"role":"user","content":"runners"},{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"searchCatalog","arguments":"{\"query\":\"runner\"}"}}]},{"role":"tool","tool_call_id":"a","content":"{\"status\":\"ok\"}"}])";
  ImportOptions o;
  o.files = {testing::write_temp(dir, "runs.jsonl",
                                 R"({"task_id":"7","trial":1,"messages":)" + conv + "}\n" +
                                     R"({"task_id":"7","trial":2,"messages":)" + conv + "}\n")};
  o.from = "openai";
  o.actions = {"searchCatalog"};
  o.session_id_fields = {"task_id", "trial"};
  o.out = dir + "/runs.cassette.jsonl";
  std::ostringstream out, err;
  ASSERT_EQ(run_import(o, out, err), 0) << err.str();
  Cassette cassette = load_cassette(o.out);
  ASSERT_EQ(cassette.sessions.size(), 2u);
  EXPECT_EQ(cassette.sessions[0].id, "7:1");
  EXPECT_EQ(cassette.sessions[1].id, "7:2");
  ImportOptions missing = o;
  missing.session_id_fields = {"task_id", "run"};
  missing.out = dir + "/missing.cassette.jsonl";
  std::ostringstream out2, err2;
  EXPECT_EQ(run_import(missing, out2, err2), 2);
  EXPECT_NE(err2.str().find("runs.jsonl:1: run: missing; --session-id-field names it"),
            std::string::npos)
      << err2.str();
  EXPECT_FALSE(std::ifstream(missing.out).good());
}

// Real exports keep the session's fields deeper than the top (tau-bench's info.task.user_id,
// a trace's /metadata/thread): each field option takes a dotted path or a JSON pointer.
TEST(RecordImport, FieldOptionsReachIntoNestedObjectsByDottedPathOrPointer) {
  std::string dir = testing::temp_dir("import-field-paths");
  std::string conv =
      R"([{"role":"user","content":"runners"},{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"searchCatalog","arguments":"{\"query\":\"runner\"}"}}]},{"role":"tool","tool_call_id":"a","content":"{\"status\":\"ok\"}"}])";
  ImportOptions o;
  o.files = {testing::write_temp(
      dir, "runs.jsonl",
      R"({"info":{"task":{"user_id":"mia_li_3668"}},"meta":{"run":{"id":"r-1"}},"traj":{"messages":)" +
          conv + "}}\n")};
  o.from = "openai";
  o.actions = {"searchCatalog"};
  o.messages_field = "/traj/messages";
  o.user_id_field = "info.task.user_id";
  o.session_id_fields = {"meta.run.id"};
  o.out = dir + "/runs.cassette.jsonl";
  std::ostringstream out, err;
  ASSERT_EQ(run_import(o, out, err), 0) << err.str();
  Cassette cassette = load_cassette(o.out);
  ASSERT_EQ(cassette.sessions.size(), 1u);
  EXPECT_EQ(cassette.sessions[0].id, "r-1");
  EXPECT_EQ(cassette.sessions[0].user, "mia_li_3668");
  // A path that names nothing is exit 2 naming it; a malformed pointer is refused up front.
  ImportOptions absent = o;
  absent.user_id_field = "info.task.customer";
  absent.out = dir + "/absent.cassette.jsonl";
  std::ostringstream out2, err2;
  EXPECT_EQ(run_import(absent, out2, err2), 2);
  EXPECT_NE(err2.str().find("info.task.customer"), std::string::npos) << err2.str();
  ImportOptions malformed = o;
  malformed.messages_field = "/traj/~2";
  std::ostringstream out3, err3;
  EXPECT_EQ(run_import(malformed, out3, err3), 2);
  EXPECT_NE(err3.str().find("--messages-field"), std::string::npos) << err3.str();
  EXPECT_FALSE(std::ifstream(absent.out).good());
}

// "Recorded failed, sandbox ok" is a divergence, and the report says the recorded status
// was inferred and from what.
TEST(Replay, ARecordedErrorTextThatTheSandboxAnswersOkDiverges) {
  const std::string dir = testing::temp_dir("replay-recorded-error");
  json messages = json::array(
      {{{"role", "user"}, {"content", "Find me blue runners"}},
       {{"role", "assistant"},
        {"tool_calls", json::array({{{"id", "c1"},
                                     {"type", "function"},
                                     {"function",
                                      {{"name", "searchCatalog"},
                                       {"arguments", "{\"query\": \"blue runner\"}"}}}}})}},
       {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "Error: not enough seats"}}});
  ImportOptions import;
  import.files = {testing::write_temp(dir, "t.json", messages.dump())};
  import.from = "openai";
  import.actions = {"searchCatalog"};
  import.out = dir + "/recorded-error.jsonl";
  std::ostringstream iout, ierr;
  ASSERT_EQ(run_import(import, iout, ierr), 0) << ierr.str();

  ReplayOptions o;
  o.cassette = import.out;
  o.out_dir = dir + "/reports";
  o.quiet = true;
  o.allow_empty = true;  // a lookup only
  std::ostringstream out, err;
  ReplayResult r;
  ASSERT_EQ(run_replay(o, out, err, &r), 0) << err.str();
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "diverged");
  EXPECT_EQ(r.sessions[0].why,
            "recorded failed (inferred from its text matches /^error\\b/i), sandbox answered ok");
  json replay = json::parse(slurp(dir + "/reports/recorded-error.replay.json"));
  EXPECT_EQ(replay["sessions"][0]["first_divergence"]["recorded_inferred_from"],
            "its text matches /^error\\b/i");
}

// A cassette remembers its action catalog: replay uses it without --actions, warns when it
// changed, refuses one that is gone, and says in one line when no catalog knows the actions.
TEST(Replay, TheCassetteNamesItsActionCatalogAndReplayUsesIt) {
  const std::string dir = testing::temp_dir("replay-catalog-ref");
  std::filesystem::create_directories(dir + "/catalogs");
  std::filesystem::create_directories(dir + "/cassettes");
  const std::string catalog = dir + "/catalogs/tools.yaml";
  const std::string catalog_text =
      "actions:\n  - {name: find_products, handler: search_catalog, params: {type: object},\n"
      "     map: {query: /q}}\n";
  testing::write_temp(dir, "catalogs/tools.yaml", catalog_text);
  json messages = json::array(
      {{{"role", "assistant"},
        {"tool_calls",
         json::array(
             {{{"id", "c1"},
               {"type", "function"},
               {"function", {{"name", "find_products"}, {"arguments", "{\"q\": \"runner\"}"}}}}})}},
       {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "{\"skus\": []}"}}});
  ImportOptions import;
  import.files = {testing::write_temp(dir, "t.json", messages.dump())};
  import.from = "openai";
  import.actions = {"find_products"};
  import.out = dir + "/cassettes/found.jsonl";
  import.catalog = make_catalog_ref(catalog, catalog_text, import.out);
  std::ostringstream iout, ierr;
  ASSERT_EQ(run_import(import, iout, ierr), 0) << ierr.str();
  Cassette written = load_cassette(import.out);
  EXPECT_EQ(written.header["action_catalog"]["path"], "../catalogs/tools.yaml");
  EXPECT_EQ(written.header["action_catalog"]["sha256"], catalog_text_sha256(catalog_text));

  ReplayOptions o;
  o.cassette = import.out;
  o.out_dir = dir + "/reports";
  o.allow_empty = true;
  std::ostringstream out, err;
  ReplayResult r;
  ASSERT_EQ(run_replay(o, out, err, &r), 0) << out.str() << err.str();
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(err.str(), "");

  testing::write_temp(dir, "catalogs/tools.yaml", catalog_text + "# edited\n");
  std::ostringstream out2, err2;
  ASSERT_EQ(run_replay(o, out2, err2, &r), 0) << err2.str();
  EXPECT_NE(err2.str().find("warning: the action catalog in use"), std::string::npos) << err2.str();
  EXPECT_NE(err2.str().find("is not the one the cassette was recorded with"), std::string::npos);

  std::filesystem::remove(catalog);
  std::ostringstream out3, err3;
  EXPECT_EQ(run_replay(o, out3, err3, &r), 2);
  EXPECT_NE(
      err3.str().find("found.jsonl:1: action_catalog.path: the cassette was recorded with the "
                      "action catalog '../catalogs/tools.yaml'"),
      std::string::npos)
      << err3.str();

  // --actions wins; the built-in catalog knows none of these actions: one line, exit 2.
  o.actions = "";
  std::string bare = testing::write_temp(
      dir, "bare.jsonl",
      "{\"format\": \"checkride.cassette/v1\"}\n"
      "{\"session\": \"s\", \"seq\": 1, \"t_ms\": 0, \"type\": \"action\", \"call_id\": "
      "\"c1\", \"action\": \"find_products\", \"params\": {}}\n");
  o.cassette = bare;
  std::ostringstream out4, err4;
  EXPECT_EQ(run_replay(o, out4, err4, &r), 2);
  EXPECT_EQ(err4.str(),
            "checkride: " + bare +
                ": none of its 1 action calls (find_products) is an action of the catalog "
                "(built-in); pass --actions with the catalog that maps this tool set\n");
}

TEST(RecordImport, TheAuditLogBecomesACassetteThatReplaysTheSame) {
  std::string dir = testing::temp_dir("audit-import");
  RunOptions run;
  run.paths = {testing::source_path("scenarios/happy-orders.yaml")};
  run.overrides = {"workload.sessions=30"};
  run.out_dir = dir;
  run.audit_log = dir + "/audit.jsonl";
  run.quiet = true;
  std::ostringstream out, err;
  ASSERT_EQ(run_scenarios(run, out, err), 0) << err.str();

  ImportOptions o;
  o.files = {run.audit_log};
  o.from = "audit";
  o.out = dir + "/production.jsonl";
  ASSERT_EQ(run_import(o, out, err), 0) << err.str();
  Cassette c = load_cassette(o.out);
  EXPECT_EQ(c.sessions.size(), 30u);

  ReplayOptions ro;
  ro.cassette = o.out;
  ro.scenario = testing::source_path("scenarios/happy-orders.yaml");
  ro.out_dir = dir;
  ro.quiet = true;
  ReplayResult r;
  run_replay(ro, out, err, &r);
  for (const auto& s : r.sessions) EXPECT_EQ(s.verdict, "same") << s.session << ": " << s.why;

  // An edited log is refused, naming the record.
  std::string text = slurp(run.audit_log);
  auto at = text.find("|consent|");
  ASSERT_NE(at, std::string::npos);
  text.replace(text.find("granted", at), 7, "GRANTED");
  o.files = {testing::write_temp(dir, "edited.jsonl", text)};
  o.out = dir + "/edited-cassette.jsonl";
  std::ostringstream err2;
  EXPECT_EQ(run_import(o, out, err2), 2);
  EXPECT_NE(err2.str().find("audit chain broken"), std::string::npos) << err2.str();
}

TEST(RecordOnMiss, ADivergedSessionGetsTheLiveModelsNextTurn) {
  httplib::Server live;
  json seen;
  live.Post("/v1/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    seen = json::parse(req.body);
    json message = {
        {"role", "assistant"},
        {"content", nullptr},
        {"tool_calls",
         {{{"id", "live_1"},
           {"type", "function"},
           {"function",
            {{"name", "placeOrder"},
             {"arguments",
              R"({"items":[{"sku":"RUN-BLUE-42","quantity":1}],"max_total_cents":7400})"}}}}}}};
    res.set_content(json{{"choices", {{{"index", 0}, {"message", message}}}}}.dump(),
                    "application/json");
  });
  int port = live.bind_to_any_port("127.0.0.1");
  std::thread t([&] { live.listen_after_bind(); });

  std::string dir = testing::temp_dir("record-on-miss");
  std::string faults = testing::write_temp(
      dir, "decline.yaml", "- {provider: payment, op: authorize, kind: error, status: 402}\n");
  ReplayResult r =
      replay("scenarios/cassettes/orders-happy.jsonl", "scenarios/happy-orders.yaml", faults, 1);
  RecordOnMissOptions o;
  o.cassette = testing::source_path("scenarios/cassettes/orders-happy.jsonl");
  o.model_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  o.model = "candidate";
  o.out = dir + "/new.jsonl";
  o.actions = {"placeOrder", "previewOrder", "searchCatalog", "cancelOrder"};
  std::ostringstream out;
  int asked = record_on_miss(o, r.sessions, out);
  live.stop();
  t.join();
  EXPECT_EQ(asked, 3);
  // The model saw the sandbox's answer to the divergent call as the last message.
  ASSERT_TRUE(seen.contains("messages"));
  EXPECT_EQ(seen["messages"].back()["role"], "tool");
  EXPECT_NE(seen["messages"].back()["content"].get<std::string>().find("failed"),
            std::string::npos);
  std::string text = slurp(o.out);
  EXPECT_NE(text.find("\"live\":true"), std::string::npos);
  Cassette c = parse_cassette(text, o.out);  // the new cassette is a valid cassette
  EXPECT_EQ(c.sessions.size(), 3u);
  EXPECT_EQ(c.sessions[0].steps.back().call_id, "live_1");
}

}  // namespace
}  // namespace checkride
