// Fault coverage ("sometimes" assertions): each report counts how often each fault rule
// fired and each compensation, retry and recovery branch of the orchestrator ran, and
// `expect: {faults_fired: all}` fails a scenario in which some rule never fired.
#include <gtest/gtest.h>

#include <sstream>

#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "simulator/suite.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

uint64_t branch(const Report& r, const std::string& name) {
  auto it = r.branches.find(name);
  EXPECT_NE(it, r.branches.end()) << name << " is not a branch the report lists";
  return it == r.branches.end() ? 0 : it->second;
}

TEST(BranchCoverage, EachFaultScenarioRunsTheBranchesItIsAbout) {
  Report crash = testing::run_scenario_file(testing::source_path("scenarios/crash-restart.yaml"));
  EXPECT_GT(branch(crash, "recovery.step"), 0u);
  EXPECT_GT(branch(crash, "recovery.hold_expiry"), 0u);
  Report outage = testing::run_scenario_file(testing::source_path("scenarios/payment-outage.yaml"));
  EXPECT_GT(branch(outage, "retry.unavailable"), 0u);
  EXPECT_GT(branch(outage, "compensation.void"), 0u);
  EXPECT_EQ(branch(outage, "recovery.step"), 0u);  // nothing crashed
  Report lost =
      testing::run_scenario_file(testing::source_path("scenarios/lost-response-after-commit.yaml"));
  EXPECT_GT(branch(lost, "retry.timeout"), 0u);
  Report tokens = testing::run_scenario_file(testing::source_path("scenarios/token-expiry.yaml"));
  EXPECT_GT(branch(tokens, "retry.token_refresh"), 0u);
  // A run without faults shows every branch, at zero: what it did not exercise is visible.
  Report happy = testing::run_scenario_file(testing::source_path("scenarios/happy-orders.yaml"));
  EXPECT_EQ(branch(happy, "retry.unavailable"), 0u);
  EXPECT_EQ(happy.branches.size(), outage.branches.size());
}

TEST(FaultsFired, AllFailsTheScenarioInWhichARuleNeverFired) {
  const std::string dir = testing::temp_dir("faults-fired");
  RunOptions o;
  o.paths = {testing::source_path("scenarios/payment-outage.yaml")};
  o.overrides = {"expect.faults_fired=all"};
  o.out_dir = dir;
  std::ostringstream out, err;
  EXPECT_EQ(run_scenarios(o, out, err), 0) << out.str() << err.str();
  // The same scenario whose authorize outage lies past the end of the run.
  o.overrides.push_back("faults[1].from=100h");
  o.overrides.push_back("faults[1].to=101h");
  std::ostringstream out2, err2;
  EXPECT_EQ(run_scenarios(o, out2, err2), 1) << err2.str();
  EXPECT_NE(out2.str().find("gate fault_rules_never_fired 0 (faults_fired: all) failed: actual 1"),
            std::string::npos)
      << out2.str();

  auto refused = [&](const std::string& scenario, const std::string& set,
                     const std::string& message) {
    try {
      load_scenario(testing::source_path(scenario), {set});
      ADD_FAILURE() << "accepted: " << set;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  refused("scenarios/payment-outage.yaml", "expect.faults_fired=most",
          "expect.faults_fired: expected `all`");
  refused("scenarios/happy-orders.yaml", "expect.faults_fired=all",
          "expect.faults_fired: `all` gates on the scenario's fault rules, but `faults:` "
          "declares none");
}

}  // namespace
}  // namespace checkride
