// `checkride diff`: thresholds decide the exit code a CI job fails on; bad input is exit 2.
#include "reports/diff.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/test_support.h"

namespace checkride {
namespace {

std::string report(double completion, int duplicates, double p99,
                   const std::string& templates = "{}") {
  return R"({"format": "checkride.report/v1", "fingerprint": "00000000000000)" +
         std::to_string(duplicates) + R"(", "metrics": {"completion_rate": )" +
         std::to_string(completion) + R"(, "duplicate_charges": )" + std::to_string(duplicates) +
         R"(, "p99_session_ms": )" + std::to_string(p99) + R"(}, "templates": )" + templates + "}";
}

struct Diff {
  int code;
  std::string out, err;
};

Diff diff(const std::string& base, const std::string& cand, const std::string& thresholds = "") {
  std::ostringstream out, err;
  DiffOptions o{base, cand, thresholds};
  int code = run_diff(o, out, err);
  return {code, out.str(), err.str()};
}

TEST(Diff, SameReportsPass) {
  auto dir = testing::temp_dir("diff-same");
  auto a = testing::write_temp(dir, "a.json", report(0.95, 0, 900));
  Diff d = diff(a, a);
  EXPECT_EQ(d.code, 0) << d.err;
  EXPECT_NE(d.out.find("no regression"), std::string::npos);
}

TEST(Diff, DefaultThresholdsFailOnANewDuplicateCharge) {
  auto dir = testing::temp_dir("diff-dup");
  auto a = testing::write_temp(dir, "a.json", report(0.95, 0, 900));
  auto b = testing::write_temp(dir, "b.json", report(0.95, 1, 900));
  Diff d = diff(a, b);
  EXPECT_EQ(d.code, 1);
  EXPECT_NE(d.out.find("| duplicate_charges | 0 | 1 | +1 | may not rise | ❌ |"), std::string::npos)
      << d.out;
}

TEST(Diff, CompletionMayDropWithinItsThresholdButNotBeyond) {
  auto dir = testing::temp_dir("diff-completion");
  auto rules = testing::write_temp(dir, "t.yaml", "completion_rate: {max_drop: 0.005}\n");
  auto a = testing::write_temp(dir, "a.json", report(0.950, 0, 900));
  auto small = testing::write_temp(dir, "b.json", report(0.946, 0, 900));
  auto large = testing::write_temp(dir, "c.json", report(0.940, 0, 900));
  EXPECT_EQ(diff(a, small, rules).code, 0);
  EXPECT_EQ(diff(a, large, rules).code, 1);
}

TEST(Diff, PercentRulesAreRelativeToTheBaseline) {
  auto dir = testing::temp_dir("diff-percent");
  auto rules = testing::write_temp(dir, "t.yaml", "p99_session_ms:\n  max_rise_percent: 10\n");
  auto a = testing::write_temp(dir, "a.json", report(0.9, 0, 1000));
  EXPECT_EQ(diff(a, testing::write_temp(dir, "b.json", report(0.9, 0, 1090)), rules).code, 0);
  EXPECT_EQ(diff(a, testing::write_temp(dir, "c.json", report(0.9, 0, 1200)), rules).code, 1);
}

TEST(Diff, ListsTheIntentsThatNewlyFail) {
  auto dir = testing::temp_dir("diff-templates");
  auto a = testing::write_temp(
      dir, "a.json",
      report(1, 0, 9, R"({"c.jsonl#buy": {"sessions": 10, "intents": 10, "completed": 10}})"));
  auto b = testing::write_temp(
      dir, "b.json",
      report(1, 0, 9, R"({"c.jsonl#buy": {"sessions": 10, "intents": 10, "completed": 6}})"));
  Diff d = diff(a, b);
  EXPECT_NE(d.out.find("| c.jsonl#buy | 1 | 0.6000 | 10 |"), std::string::npos) << d.out;
}

// Each model's recordings live in their own file: the templates match by session name.
TEST(Diff, PerIntentRegressionsSurviveACassetteRename) {
  auto dir = testing::temp_dir("diff-renamed");
  auto a = testing::write_temp(
      dir, "a.json",
      report(1, 0, 9,
             R"({"recordings/model-v1.jsonl#buy": {"session": "buy", "sessions": 10,
                 "intents": 10, "completed": 10}})"));
  auto b = testing::write_temp(
      dir, "b.json",
      report(1, 0, 9,
             R"({"recordings/model-v2.jsonl#buy": {"session": "buy", "sessions": 10,
                 "intents": 10, "completed": 6}})"));
  Diff d = diff(a, b);
  EXPECT_NE(d.out.find("| buy | 1 | 0.6000 | 10 |"), std::string::npos) << d.out;
}

std::string replay_doc(const std::string& verdict) {
  return R"({"format": "checkride.replay/v1", "name": "rec", "sessions": [
      {"session": "buy", "verdict": ")" +
         verdict + R"("}, {"session": "browse", "verdict": "same"}]})";
}

std::string sweep_doc(bool seed2_passed) {
  return std::string(R"({"format": "checkride.sweep/v1", "scenario": "s", "runs": [
      {"seed": 1, "passed": true}, {"seed": 2, "passed": )") +
         (seed2_passed ? "true" : "false") + R"(}],
      "templates": {"c.jsonl#buy": {"session": "buy", "trials": 2, "successes": )" +
         (seed2_passed ? "2" : "1") + "}}}";
}

// The CI template writes NAME.replay.json and NAME.sweep.json beside the run reports: each
// kind is compared with its counterpart.
TEST(Diff, ReplayAndSweepReportsAreComparedWithTheirCounterparts) {
  auto base = testing::temp_dir("diff-kinds-base");
  auto cand = testing::temp_dir("diff-kinds-cand");
  for (const auto& dir : {base, cand}) testing::write_temp(dir, "rec.json", report(1, 0, 9));
  testing::write_temp(base, "rec.replay.json", replay_doc("same"));
  testing::write_temp(cand, "rec.replay.json", replay_doc("diverged"));
  testing::write_temp(base, "s.sweep.json", sweep_doc(true));
  testing::write_temp(cand, "s.sweep.json", sweep_doc(true));
  Diff d = diff(base, cand);
  EXPECT_EQ(d.code, 0) << d.err << d.out;
  EXPECT_NE(d.out.find("### rec (replay)"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("| buy | same | diverged |"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("### ✅ s (sweep)"), std::string::npos) << d.out;

  testing::write_temp(cand, "s.sweep.json", sweep_doc(false));
  d = diff(base, cand);
  EXPECT_EQ(d.code, 1) << d.err << d.out;
  EXPECT_NE(d.out.find("| candidate | 2 | 1 | ❌ |"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("| buy | 1 | 0.5000 |"), std::string::npos) << d.out;

  testing::write_temp(cand, "s.sweep.json", replay_doc("same"));  // the wrong kind
  d = diff(base, cand);
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("s.sweep.json: format: expected \"checkride.sweep/v1\""), std::string::npos)
      << d.err;
}

TEST(Diff, ACandidateThatExercisedNothingIsARegression) {
  auto dir = testing::temp_dir("diff-no-evidence");
  auto a = testing::write_temp(dir, "a.json", report(0.95, 0, 900));
  std::string empty = report(1, 0, 0);
  empty.insert(empty.size() - 1,
               R"j(, "no_evidence": "no charge-bearing action ran (intents = 0)")j");
  auto b = testing::write_temp(dir, "b.json", empty);
  Diff d = diff(a, b);
  EXPECT_EQ(d.code, 1) << d.out;
  EXPECT_NE(d.out.find("**No evidence in the candidate:** no charge-bearing action ran"),
            std::string::npos)
      << d.out;
}

TEST(Diff, AScenarioMissingFromTheCandidateDirectoryIsARegression) {
  auto base = testing::temp_dir("diff-dir-base");
  auto cand = testing::temp_dir("diff-dir-cand");
  testing::write_temp(base, "one.json", report(1, 0, 9));
  testing::write_temp(base, "two.json", report(1, 0, 9));
  testing::write_temp(base, "two.run.json", "{}");  // run statistics are not reports
  testing::write_temp(cand, "one.json", report(1, 0, 9));
  Diff d = diff(base, cand);
  EXPECT_EQ(d.code, 1);
  EXPECT_NE(d.out.find("missing from the candidate"), std::string::npos);
}

TEST(Diff, BadInputIsExitTwoNamingTheFileAndField) {
  auto dir = testing::temp_dir("diff-bad");
  auto a = testing::write_temp(dir, "a.json", report(1, 0, 9));
  auto notreport = testing::write_temp(dir, "x.json", R"({"hello": 1})");
  Diff d = diff(a, notreport);
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("x.json: format: expected \"checkride.report/v1\""), std::string::npos)
      << d.err;

  auto rules = testing::write_temp(dir, "t.yaml", "completion_rate:\n  max_fall: 0.1\n");
  d = diff(a, a, rules);
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("t.yaml:2: completion_rate.max_fall: unknown rule"), std::string::npos)
      << d.err;

  rules = testing::write_temp(dir, "u.yaml", "duplicate_charges: {max_rise: lots}\n");
  d = diff(a, a, rules);
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("u.yaml:1: duplicate_charges.max_rise: expected a number, got 'lots'"),
            std::string::npos)
      << d.err;

  d = diff(a, dir + "/nothing.json");
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("nothing.json: no report or directory: No such file or directory"),
            std::string::npos)
      << d.err;
}

// A misspelt metric would gate nothing: "no regression" on a 33-point completion drop.
TEST(Diff, AnUnknownMetricInTheThresholdsIsRefusedWithTheNearestName) {
  auto dir = testing::temp_dir("diff-unknown-metric");
  auto a = testing::write_temp(dir, "a.json", report(0.99, 0, 900));
  auto b = testing::write_temp(dir, "b.json", report(0.66, 0, 900));
  auto rules = testing::write_temp(dir, "t.yaml",
                                   "duplicate_charges: {max_rise: 0}\n"
                                   "completion_rat: {max_drop: 0.01}\n");
  Diff d = diff(a, b, rules);
  EXPECT_EQ(d.code, 2) << d.out;
  EXPECT_NE(d.err.find("t.yaml:2: completion_rat: unknown metric 'completion_rat'; did you mean "
                       "'completion_rate'?"),
            std::string::npos)
      << d.err;
  EXPECT_TRUE(d.out.empty()) << "no verdict on a thresholds file that gates nothing";
}

}  // namespace
}  // namespace checkride
