// Nothing exercised is never PASS: a run, replay or sweep where no recorded tool call mapped
// to an action, or where no charge-bearing action ran, is NO EVIDENCE and exits 1, unless
// --allow-empty accepts it. Mapping coverage is printed and gateable (mapped_tool_calls).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "orchestrator/action_catalog.h"
#include "recorder/importer.h"
#include "simulator/replay.h"
#include "simulator/suite.h"
#include "simulator/sweep.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

using json = nlohmann::json;

std::set<std::string> default_action_names() {
  std::set<std::string> names;
  for (const auto& entry : ActionCatalog::default_catalog().actions()) names.insert(entry.first);
  return names;
}

// `n` airline-support conversations of a third-party agent whose tools are not actions of the
// default catalog.
std::string third_party_conversations(const std::string& dir, int n) {
  std::string jsonl;
  for (int i = 0; i < n; ++i) {
    json call = {{"id", "call_" + std::to_string(i)},
                 {"type", "function"},
                 {"function",
                  {{"name", i % 2 ? "cancel_reservation" : "get_reservation_details"},
                   {"arguments", json({{"reservation_id", "R" + std::to_string(i)}}).dump()}}}};
    json messages = json::array(
        {{{"role", "user"}, {"content", "Please cancel reservation R" + std::to_string(i)}},
         {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array({call})}},
         {{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", "{\"ok\": true}"}}});
    jsonl += json({{"messages", messages}}).dump() + "\n";
  }
  return testing::write_temp(dir, "conversations.jsonl", jsonl);
}

std::string import_cassette(const std::string& dir, int n, std::string& printed) {
  ImportOptions o;
  o.files = {third_party_conversations(dir, n)};
  o.from = "openai";
  o.actions = default_action_names();
  o.out = dir + "/imported.jsonl";
  std::ostringstream out, err;
  EXPECT_EQ(run_import(o, out, err), 0) << err.str();
  printed = out.str();
  return o.out;
}

TEST(NoEvidence, ImportedConversationsWhoseToolsMapToNothingReplayAsNoEvidence) {
  const std::string dir = testing::temp_dir("evidence-import");
  std::string imported;
  const std::string cassette = import_cassette(dir, 200, imported);
  EXPECT_NE(imported.find("tool calls: 0 of 200 mapped to an action, 200 kept as notes"),
            std::string::npos)
      << imported;
  EXPECT_NE(imported.find("cancel_reservation"), std::string::npos) << imported;

  ReplayOptions o;
  o.cassette = cassette;
  o.out_dir = dir + "/reports";
  std::ostringstream out, err;
  EXPECT_EQ(run_replay(o, out, err), 1) << out.str() << err.str();
  EXPECT_EQ(out.str().rfind("NO EVIDENCE imported", 0), 0) << out.str();
  EXPECT_NE(out.str().find("none of the 200 recorded tool calls mapped to an action"),
            std::string::npos)
      << out.str();
  std::ifstream f(dir + "/reports/imported.json");
  json report = json::parse(f);
  EXPECT_EQ(report["verdict"], "NO EVIDENCE");
  EXPECT_EQ(report["passed"], false);
  EXPECT_EQ(report["metrics"]["mapped_tool_calls"], 0);
  EXPECT_EQ(report["tool_calls"]["cancel_reservation"]["notes"], 100);

  o.allow_empty = true;
  std::ostringstream out2, err2;
  EXPECT_EQ(run_replay(o, out2, err2), 0) << out2.str() << err2.str();
  EXPECT_NE(out2.str().find("accepted by --allow-empty"), std::string::npos) << out2.str();
}

// A scenario whose sessions only search and preview: the safety gates hold on nothing.
std::string lookups_only_scenario(const std::string& dir, const std::string& extra = "") {
  std::string cassette = testing::write_temp(
      dir, "lookups.jsonl",
      "{\"format\": \"checkride.cassette/v1\"}\n"
      "{\"session\": \"browse\", \"seq\": 1, \"t_ms\": 0, \"type\": \"action\", \"call_id\": "
      "\"c1\", \"action\": \"searchCatalog\", \"params\": {\"query\": \"runner\"}}\n"
      "{\"session\": \"browse\", \"seq\": 2, \"t_ms\": 50, \"type\": \"result\", \"call_id\": "
      "\"c1\", \"status\": \"ok\", \"result\": {\"skus\": []}}\n"
      "{\"session\": \"browse\", \"seq\": 3, \"t_ms\": 60, \"type\": \"note\", \"tool\": "
      "\"get_weather\", \"text\": \"tool call get_weather (not an action)\"}\n");
  return testing::write_temp(dir, "lookups.yaml",
                             "scenario: lookups\nworld: {catalog: " +
                                 testing::source_path("scenarios/catalogs/shop.yaml") +
                                 "}\nworkload:\n  sessions: 20\n  mix: [{cassette: " + cassette +
                                 "}]\nexpect:\n  duplicate_charges: 0\n" + extra);
}

TEST(NoEvidence, ARunWithNoChargeBearingActionIsNoEvidenceAndExitsOne) {
  const std::string dir = testing::temp_dir("evidence-run");
  RunOptions o;
  o.paths = {lookups_only_scenario(dir)};
  o.out_dir = dir + "/reports";
  std::ostringstream out, err;
  EXPECT_EQ(run_scenarios(o, out, err), 1) << out.str() << err.str();
  EXPECT_EQ(out.str().rfind("NO EVIDENCE lookups", 0), 0) << out.str();
  EXPECT_NE(out.str().find("no charge-bearing action ran (intents = 0)"), std::string::npos);
  std::ifstream md(dir + "/reports/lookups.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_EQ(text.str().rfind("## NO EVIDENCE — lookups", 0), 0) << text.str();

  o.allow_empty = true;
  std::ostringstream out2, err2;
  EXPECT_EQ(run_scenarios(o, out2, err2), 0) << out2.str() << err2.str();
}

TEST(NoEvidence, JUnitHasAFailingEvidenceTestcase) {
  const std::string dir = testing::temp_dir("evidence-junit");
  RunOptions o;
  o.paths = {lookups_only_scenario(dir)};
  o.out_dir = dir + "/reports";
  o.junit_file = dir + "/junit.xml";
  o.quiet = true;
  std::ostringstream out, err;
  EXPECT_EQ(run_scenarios(o, out, err), 1);
  std::ifstream f(o.junit_file);
  std::stringstream xml;
  xml << f.rdbuf();
  EXPECT_NE(xml.str().find("tests=\"2\" failures=\"1\""), std::string::npos) << xml.str();
  EXPECT_NE(xml.str().find("name=\"evidence\">\n      <failure type=\"no_evidence\""),
            std::string::npos)
      << xml.str();
}

TEST(NoEvidence, ASweepOfSeedsThatExerciseNothingExitsOne) {
  const std::string dir = testing::temp_dir("evidence-sweep");
  SweepOptions o;
  o.scenario = lookups_only_scenario(dir);
  o.seeds = "1..3";
  o.out_dir = dir + "/reports";
  o.quiet = true;
  std::ostringstream out, err;
  EXPECT_EQ(run_sweep(o, out, err), 1) << err.str();
  std::ifstream f(dir + "/reports/lookups.sweep.md");
  std::stringstream md;
  md << f.rdbuf();
  EXPECT_NE(md.str().find("NO EVIDENCE: seed 1: no charge-bearing action ran"), std::string::npos)
      << md.str();
}

TEST(MappedToolCalls, IsAMetricThatExpectCanGate) {
  Report r = testing::run_scenario_file(testing::source_path("scenarios/happy-orders.yaml"),
                                        {"workload.sessions=50"});
  EXPECT_EQ(r.metrics.at("mapped_tool_calls"), 1.0);
  EXPECT_EQ(r.verdict(), "PASS");
  EXPECT_GT(r.tool_calls.at("placeOrder").mapped, 0u);

  // One call of two is an action: the gate holds at 0.5 and fails at 0.99.
  const std::string dir = testing::temp_dir("evidence-gate");
  RunOptions o;
  o.out_dir = dir + "/reports";
  o.allow_empty = true;
  o.paths = {lookups_only_scenario(dir, "  mapped_tool_calls: \">= 0.5\"\n")};
  std::ostringstream out, err;
  EXPECT_EQ(run_scenarios(o, out, err), 0) << out.str() << err.str();
  o.paths = {lookups_only_scenario(dir, "  mapped_tool_calls: \">= 0.99\"\n")};
  std::ostringstream out2, err2;
  EXPECT_EQ(run_scenarios(o, out2, err2), 1) << out2.str() << err2.str();
  EXPECT_NE(out2.str().find("gate mapped_tool_calls >= 0.99 failed: actual 0.5000\n"),
            std::string::npos)
      << out2.str();
}

// Fault rules show what they did: each rule's fired count is in the report, and a rule that
// never fired is flagged (and gateable). crash-restart's second timed crash used to fall
// while the orchestrator was still down from another crash: it tested nothing, silently.
TEST(FaultRules, EachRuleSaysHowOftenItFiredAndOneThatNeverDidIsFlagged) {
  Report r = testing::run_scenario_file(testing::source_path("scenarios/crash-restart.yaml"));
  ASSERT_EQ(r.fault_rules.size(), 5u);
  for (const auto& f : r.fault_rules) EXPECT_EQ(f.fired, 1) << f.rule;
  EXPECT_EQ(r.fault_rules[2].rule, "faults[2]: orchestrator authorize crash");
  EXPECT_EQ(r.metrics.at("orchestrator_crashes"), 5);
  EXPECT_EQ(r.metrics.at("fault_rules_never_fired"), 0);

  // A rule whose window lies past the end of the run never fires: flagged, and the shipped
  // gate fault_rules_never_fired: 0 fails.
  const std::string dir = testing::temp_dir("fault-rules");
  RunOptions o;
  o.paths = {testing::source_path("scenarios/payment-outage.yaml")};
  o.overrides = {"faults[1].from=100h", "faults[1].to=101h"};
  o.out_dir = dir;
  std::ostringstream out, err;
  EXPECT_EQ(run_scenarios(o, out, err), 1) << err.str();
  EXPECT_NE(out.str().find("warning: faults[1]: payment authorize outage (line 23) never fired"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("gate fault_rules_never_fired 0 failed: actual 1\n"), std::string::npos)
      << out.str();
  std::ifstream md(dir + "/payment-outage.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("| faults[1]: payment authorize outage | 23 | 0 ⚠️ never fired"),
            std::string::npos)
      << text.str();
}

// The Markdown report explains its numbers: how intents ended, by reason code, and
// completion per session template, so a reader sees why completion is what it is.
TEST(MarkdownReport, ExplainsCompletionByReasonAndTemplate) {
  Report r = testing::run_scenario_file(testing::source_path("scenarios/flash-sale-surge.yaml"));
  EXPECT_EQ(r.outcomes.at("confirmed"), 20000u);
  EXPECT_GT(r.outcomes.at("out_of_stock"), 0u);
  EXPECT_GT(r.outcomes.at("max_total_exceeded_coupon_not_applied"), 0u);
  uint64_t ended = 0;
  for (const auto& [reason, n] : r.outcomes) ended += n;
  EXPECT_EQ(ended, static_cast<uint64_t>(r.metrics.at("intents")));
  const std::string md = report_to_markdown(r);
  EXPECT_NE(md.find("| how intents ended | intents | share |\n|---|---|---|\n| out_of_stock | "),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| max_total_exceeded_coupon_not_applied | "), std::string::npos);
  EXPECT_NE(md.find("| bottle-only | 20036 | 20036 | 17000 | 0.8485 |"), std::string::npos) << md;
  // The gate is what the world allows: the coupon budget covers 20,000 orders.
  bool gated = false;
  for (const auto& g : r.gates) {
    if (g.gate.metric == "completed") gated = g.gate.bound == 20000 && g.passed;
  }
  EXPECT_TRUE(gated);
}

}  // namespace
}  // namespace checkride
