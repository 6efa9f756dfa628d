// The airline worked example's airline stating its own rules
// (scenarios/generate/airline_rules.py, docs/worked-examples.md): its shipped cassette is the
// import of its transcripts, every session replays "same" in its world, money compared on
// every write, and the sessions that rest on a rule diverge in the same world without it.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "protocol/cassette.h"
#include "simulator/replay.h"
#include "tests/test_support.h"
#include "tests/worked_import.h"

namespace checkride {
namespace {

const char* kCatalog = "scenarios/catalogs/airline-rules.yaml";
const char* kCassette = "scenarios/cassettes/airline-rules.jsonl";

ReplayResult replay(const std::string& world, const std::string& faults = "") {
  ReplayOptions o;
  o.cassette = testing::source_path(kCassette);
  o.world = world;
  o.faults = faults;
  o.out_dir = testing::temp_dir("airline-rules-replay");
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  EXPECT_NE(run_replay(o, out, err, &r), 2) << err.str();
  return r;
}

std::set<std::string> diverged_tasks(const ReplayResult& r) {
  std::set<std::string> tasks;
  for (const auto& s : r.sessions) {
    if (s.verdict == "diverged") tasks.insert(s.session.substr(0, s.session.find(':')));
  }
  return tasks;
}

TEST(AirlineRulesExample, EveryToolCallMapsAndTheShippedCassetteIsTheImport) {
  std::string summary;
  const std::string cassette = testing::import_worked_transcripts(
      kCatalog, testing::source_path("scenarios/transcripts/airline-rules.json"),
      testing::temp_dir("airline-rules-import") + "/airline-rules.jsonl", &summary);
  EXPECT_NE(summary.find("22 of 22 mapped to an action, 0 kept as notes"), std::string::npos)
      << summary;
  EXPECT_EQ(testing::cassette_events(cassette),
            testing::cassette_events(testing::source_path(kCassette)))
      << "the shipped cassette is stale: re-run the import in docs/worked-examples.md";
  EXPECT_EQ(load_cassette(cassette).sessions.size(), 12u);
}

// Every session "same", with the money each write moved: $50 for the bag past Omar's
// allowance, nothing for Mia's three (gold), $209 for a booking with a paid bag and
// insurance, $59.75 for the one-stop's new leg (the kept leg keeps its sale price); also
// under lost answers and a crash around the bags.
TEST(AirlineRulesExample, EverySessionReplaysSameWithTheMoneyTheRulesMake) {
  const std::string world = testing::source_path("scenarios/worlds/airline-rules.yaml");
  for (const std::string& faults :
       {std::string(),
        testing::write_temp(testing::temp_dir("airline-rules-faults"), "f.yaml",
                            "- {provider: booking, op: add_extras, kind: lost_response, nth: 1}\n"
                            "- {provider: booking, op: exchange, kind: lost_response, nth: 1}\n"
                            "- {provider: orchestrator, op: capture, kind: crash, nth: 2, "
                            "restart_after: 1s}\n")}) {
    ReplayResult r = replay(world, faults);
    ASSERT_EQ(r.sessions.size(), 12u);
    EXPECT_TRUE(diverged_tasks(r).empty()) << *diverged_tasks(r).begin() << " under " << faults;
    const char* money[] = {
        "charged 50.00 to card", "nothing", "charged 209.00 to card", "nothing", "nothing",
        "charged 59.75 to card"};
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(r.sessions[i].money_sandbox.describe(), money[i]) << "task " << i + 1;
    }
    for (const char* k : {"money_difference_cents", "duplicate_charges", "escalations"})
      EXPECT_EQ(r.report.metrics.at(k), 0) << k << " under " << faults;
  }
}

// Without the airline's extras and its 24-hour limit, the sessions that rest on them diverge:
// the bags and the insurance the world no longer sells (1, 2, 3), the late cancel (4).
// Without only its certificate rule, the certificate pays for the bag (5).
TEST(AirlineRulesExample, WithoutTheRulesTheirSessionsDiverge) {
  const std::string text =
      testing::read_text(testing::source_path("scenarios/worlds/airline-rules.yaml"));
  std::string bare = text.substr(0, text.find("extras:\n  - id: checked_bag"));
  const std::string insured = ", extras: {travel_insurance: 1}";
  bare.erase(bare.find(insured), insured.size());
  ReplayResult r = replay(testing::write_temp(testing::temp_dir("airline-bare"), "w.yaml", bare));
  ASSERT_EQ(r.sessions.size(), 12u);
  EXPECT_EQ(diverged_tasks(r), (std::set<std::string>{"1", "2", "3", "4"}));
  ReplayResult certificate =
      replay(testing::write_temp(testing::temp_dir("airline-no-instrument-rules"), "w.yaml",
                                 text.substr(0, text.find("instrument_rules:"))));
  EXPECT_EQ(diverged_tasks(certificate), (std::set<std::string>{"5"}));
}

}  // namespace
}  // namespace checkride
