// Same scenario + seed + build => byte-identical report; another seed => another run.
#include <gtest/gtest.h>

#include "tests/test_support.h"

namespace checkride {
namespace {

class ShippedScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedScenario, RunTwiceGivesByteIdenticalJson) {
  std::string a = report_to_json(testing::run_scenario_file(GetParam())).dump(2);
  std::string b = report_to_json(testing::run_scenario_file(GetParam())).dump(2);
  EXPECT_EQ(a, b);
}

TEST_P(ShippedScenario, ChangingOnlyTheSeedChangesTheFingerprint) {
  Report a = testing::run_scenario_file(GetParam(), {"seed=1001"});
  Report b = testing::run_scenario_file(GetParam(), {"seed=1002"});
  EXPECT_NE(a.fingerprint, b.fingerprint);
}

TEST_P(ShippedScenario, PassesItsOwnExpectations) {
  Report r = testing::run_scenario_file(GetParam());
  for (const auto& g : r.gates) {
    EXPECT_TRUE(g.passed) << g.gate.metric << " " << g.gate.text << " actual " << g.actual;
  }
}

// Retiring settled sessions early is what bounds memory; it must not change any figure.
TEST_P(ShippedScenario, RetiringSettledSessionsEarlyChangesNoFigure) {
  Report early = testing::run_scenario_file(GetParam(), {}, true);
  Report at_end = testing::run_scenario_file(GetParam(), {}, false);
  EXPECT_EQ(early.metrics, at_end.metrics);
  EXPECT_EQ(early.money, at_end.money);
  EXPECT_EQ(early.fingerprint, at_end.fingerprint);
  EXPECT_EQ(report_to_json(early)["latency"], report_to_json(at_end)["latency"]);
}

INSTANTIATE_TEST_SUITE_P(All, ShippedScenario, ::testing::ValuesIn(testing::shipped_scenarios()),
                         [](const auto& info) {
                           std::string name = info.param.substr(info.param.rfind('/') + 1);
                           name = name.substr(0, name.size() - 5);
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace checkride
