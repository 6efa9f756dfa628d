// `checkride shrink`: every defect switch's failing shipped scenario shrinks to at most 5
// sessions, and the NAME.min.yaml it writes fails the same gate when run on its own. A run
// that fails nothing has nothing to shrink, and keep_sessions is checked like any field.
#include "simulator/shrink.h"

#include <gtest/gtest.h>

#include <sstream>

#include "orchestrator/defects.h"
#include "protocol/input_error.h"
#include "simulator/suite.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

bool fails_gate(const Report& r, std::string_view metric) {
  for (const auto& g : r.gates) {
    if (!g.passed && g.gate.metric == metric) return true;
  }
  return false;
}

// The first shipped scenario (in name order) whose `metric` gate the defect breaks.
std::string failing_scenario(const DefectInfo& d) {
  for (const auto& path : testing::shipped_scenarios()) {
    Scenario s = load_scenario(path);
    apply_defects(s, {std::string(d.name)});
    if (fails_gate(simulate_scenario(s), d.caught_by)) return path;
  }
  return "";
}

class ShrinkDefect : public ::testing::TestWithParam<DefectInfo> {};

TEST_P(ShrinkDefect, TheFailureShrinksToFiveSessionsOrFewerAndTheFileStillFails) {
  const DefectInfo& d = GetParam();
  const std::string scenario = failing_scenario(d);
  ASSERT_FALSE(scenario.empty()) << d.name << " is caught by no shipped scenario";
  ShrinkOptions o;
  o.scenario = scenario;
  o.defects = {std::string(d.name)};
  o.gate = std::string(d.caught_by);
  o.out_dir = testing::temp_dir(std::string("shrink-") + std::string(d.name));
  std::ostringstream out, err;
  ASSERT_EQ(run_shrink(o, out, err), 0) << err.str();
  EXPECT_NE(out.str().find(" -> "), std::string::npos) << out.str();
  const std::string name = load_scenario(scenario).name;
  const std::string min_file = o.out_dir + "/" + name + ".min.yaml";
  Report again = testing::run_scenario_file(min_file);
  EXPECT_TRUE(fails_gate(again, d.caught_by)) << min_file << " no longer fails " << d.caught_by;
  EXPECT_LE(again.metrics.at("sessions"), 5) << out.str();
  EXPECT_GE(again.metrics.at("sessions"), 1);
  EXPECT_FALSE(testing::read_text(o.out_dir + "/" + name + ".min.trace.txt").empty());
  // The minimal file names the defect itself: `checkride run NAME.min.yaml` is the repro.
  EXPECT_NE(testing::read_text(min_file).find(std::string(d.name)), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(All, ShrinkDefect, ::testing::ValuesIn(all_defects()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Shrink, ARunThatFailsNoGateIsExitTwoAndAGateItDoesNotFailToo) {
  ShrinkOptions o;
  o.scenario = testing::source_path("scenarios/happy-orders.yaml");
  o.overrides = {"workload.sessions=200"};
  o.out_dir = testing::temp_dir("shrink-nothing");
  std::ostringstream out, err;
  EXPECT_EQ(run_shrink(o, out, err), 2);
  EXPECT_NE(err.str().find("the run fails no gate: nothing to shrink"), std::string::npos)
      << err.str();
  o.defects = {"no_consent_check"};
  o.gate = "duplicate_charges";
  std::ostringstream out2, err2;
  EXPECT_EQ(run_shrink(o, out2, err2), 2);
  EXPECT_NE(err2.str().find("--gate: duplicate_charges: this run does not fail that gate"),
            std::string::npos)
      << err2.str();
}

TEST(KeepSessions, OnlyThoseRunAndEachKeepsWhatItDidInTheWholeRun) {
  const std::string path = testing::source_path("scenarios/lost-response-after-commit.yaml");
  Report whole = testing::run_scenario_file(path, {}, false);
  Report two = testing::run_scenario_file(path, {"workload.keep_sessions=[40, 7]"});
  EXPECT_EQ(two.metrics.at("sessions"), 2);
  for (const char* bad : {"[0]", "[3001]", "[5, 5]", "[]", "x"}) {
    EXPECT_THROW(load_scenario(path, {std::string("workload.keep_sessions=") + bad}), InputError)
        << bad;
  }
  try {
    load_scenario(path, {"workload.keep_sessions=[3001]"});
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("workload.keep_sessions: expected session numbers from "
                                         "1 to workload.sessions (3000), got '3001'"),
              std::string::npos)
        << e.what();
  }
  (void)whole;
}

}  // namespace
}  // namespace checkride
