// `checkride sweep`: pass^k per session template across seeds, as τ-bench defines it.
#include "simulator/sweep.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "protocol/input_error.h"
#include "simulator/suite.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

TEST(PassHatK, IsTheChanceThatKDrawnTrialsAllSucceed) {
  EXPECT_DOUBLE_EQ(pass_hat_k(4, 4, 4), 1.0);
  EXPECT_DOUBLE_EQ(pass_hat_k(4, 2, 1), 0.5);
  EXPECT_DOUBLE_EQ(pass_hat_k(4, 2, 2), 1.0 / 6.0);  // C(2,2)/C(4,2)
  EXPECT_DOUBLE_EQ(pass_hat_k(4, 2, 3), 0.0);
  EXPECT_DOUBLE_EQ(pass_hat_k(5, 3, 2), 3.0 / 10.0);  // C(3,2)/C(5,2)
}

TEST(SeedRange, AcceptsAToBOnly) {
  uint64_t a = 0, b = 0;
  EXPECT_TRUE(parse_seed_range("3..7", a, b));
  EXPECT_EQ(a, 3u);
  EXPECT_EQ(b, 7u);
  EXPECT_FALSE(parse_seed_range("7..3", a, b));
  EXPECT_FALSE(parse_seed_range("3-7", a, b));
  EXPECT_FALSE(parse_seed_range("x..7", a, b));
  EXPECT_FALSE(parse_seed_range("3..", a, b));
}

TEST(Sweep, ReportsPassHatKPerTemplateAndAJUnitCasePerGatePerSeed) {
  auto dir = testing::temp_dir("sweep");
  SweepOptions o;
  o.scenario = testing::source_path("scenarios/payment-outage.yaml");
  o.seeds = "1..3";
  o.overrides = {"workload.sessions=60"};
  o.out_dir = dir;
  o.junit_file = dir + "/junit.xml";
  o.quiet = true;
  std::ostringstream out, err;
  int rc = run_sweep(o, out, err);
  EXPECT_TRUE(rc == 0 || rc == 1) << err.str();
  std::ifstream f(dir + "/payment-outage.sweep.json");
  nlohmann::json j = nlohmann::json::parse(f);
  EXPECT_EQ(j["runs"].size(), 3u);
  ASSERT_FALSE(j["templates"].empty());
  for (const auto& [name, t] : j["templates"].items()) {
    int n = t["trials"], c = t["successes"];
    ASSERT_EQ(t["pass_hat_k"].size(), 3u) << name;
    EXPECT_DOUBLE_EQ(t["pass_hat_k"][0].get<double>(), pass_hat_k(n, c, 1)) << name;
  }
  std::ifstream x(o.junit_file);
  std::stringstream xml;
  xml << x.rdbuf();
  EXPECT_NE(xml.str().find("name=\"payment-outage seed=3\""), std::string::npos);
}

// Found by fuzz_sweep_report: a "format" that is not a string threw a type_error out of
// report merge's parser (a crash) instead of an InputError.
TEST(SweepReport, AnythingButASweepReportIsAnInputErrorNamingTheField) {
  for (const char* text : {R"({"format": {}})", R"({"format": 7})", R"([1, 2])",
                           R"({"format": "checkride.sweep/v1", "scenario": []})"}) {
    EXPECT_THROW(SweepReport::from_json(nlohmann::json::parse(text), "x.json"), InputError) << text;
  }
  // A file holding one seed twice (and so, with the right count, another seed never run).
  auto dir = testing::temp_dir("sweep-twice");
  SweepOptions o;
  o.scenario = testing::source_path("scenarios/lost-response-after-commit.yaml");
  o.seeds = "1..2";
  o.overrides = {"workload.sessions=30"};
  o.out_dir = dir;
  o.quiet = true;
  std::ostringstream out, err;
  run_sweep(o, out, err);
  nlohmann::json j =
      nlohmann::json::parse(testing::read_text(dir + "/lost-response-after-commit.sweep.json"));
  EXPECT_NO_THROW(SweepReport::from_json(j, "x.json"));
  // Found by fuzz_sweep_report: a huge float where a count belongs (undefined behaviour when
  // converted), and a negative one.
  for (double bad : {3e126, -2.5}) {
    nlohmann::json odd = j;
    odd["totals"]["flows"] = bad;
    EXPECT_THROW(SweepReport::from_json(odd, "x.json"), InputError) << bad;
  }
  j["runs"][1] = j["runs"][0];
  try {
    SweepReport::from_json(j, "x.json");
    ADD_FAILURE() << "a seed twice was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("x.json: runs: not a sweep report's field: seed 1 twice"),
              std::string::npos)
        << e.what();
  }
}

TEST(Sweep, ABadSeedRangeIsExitTwo) {
  SweepOptions o;
  o.scenario = testing::source_path("scenarios/happy-orders.yaml");
  o.seeds = "9..1";
  std::ostringstream out, err;
  EXPECT_EQ(run_sweep(o, out, err), 2);
  EXPECT_NE(err.str().find("--seeds: 9..1: expected a range A..B"), std::string::npos) << err.str();
}

std::string sweep_files(const std::string& dir, const std::string& name) {
  return testing::read_text(dir + "/" + name + ".sweep.json") +
         testing::read_text(dir + "/" + name + ".sweep.md");
}

// One process per job, seeds shared among them: the report does not change by a byte.
TEST(Sweep, JobsChangeNotOneByteOfTheReport) {
  std::string one, three;
  for (int jobs : {1, 3}) {
    auto dir = testing::temp_dir("sweep-jobs-" + std::to_string(jobs));
    SweepOptions o;
    o.scenario = testing::source_path("scenarios/lost-response-after-commit.yaml");
    o.seeds = "5..14";
    o.jobs = jobs;
    o.out_dir = dir;
    o.quiet = true;
    std::ostringstream out, err;
    EXPECT_EQ(run_sweep(o, out, err), 0) << err.str();
    (jobs == 1 ? one : three) = sweep_files(dir, "lost-response-after-commit");
  }
  ASSERT_FALSE(one.empty());
  EXPECT_TRUE(one == three) << "--jobs 3 wrote another report than --jobs 1";
  // The seeds ran: ten of them, in seed order, with their witnesses and coverage summed.
  nlohmann::json j = nlohmann::json::parse(one.substr(0, one.find("\n}\n") + 3));
  ASSERT_EQ(j["runs"].size(), 10u);
  EXPECT_EQ(j["runs"][9]["seed"], 14);
  EXPECT_GT(j["fault_coverage"]["branches"]["retry.timeout"].get<int>(), 0);
}

// Swarm testing: each seed draws which rules are on and at what rate (off included), the
// draw is in the seed's record, and `run --seed N --swarm` reproduces that seed alone.
TEST(Sweep, SwarmDrawsRulesPerSeedAndOneSeedReproducesAlone) {
  auto dir = testing::temp_dir("sweep-swarm");
  SweepOptions o;
  o.scenario = testing::source_path("scenarios/payment-outage.yaml");
  o.seeds = "1..12";
  o.swarm = true;
  o.jobs = 2;
  o.out_dir = dir;
  o.quiet = true;
  std::ostringstream out, err;
  int rc = run_sweep(o, out, err);
  ASSERT_TRUE(rc == 0 || rc == 1) << err.str();
  nlohmann::json j = nlohmann::json::parse(testing::read_text(dir + "/payment-outage.sweep.json"));
  EXPECT_TRUE(j["swarm"].get<bool>());
  int off = 0, scaled = 0;
  std::set<std::string> fingerprints;
  for (const auto& run : j["runs"]) {
    ASSERT_EQ(run["swarm"].size(), 2u);
    fingerprints.insert(run["fingerprint"].get<std::string>());
    for (const auto& d : run["swarm"]) {
      off += !d["active"].get<bool>();
      scaled += d["active"].get<bool>() && d["probability"].get<double>() < 1.0;
    }
  }
  EXPECT_GT(off, 0) << "no seed drew a rule off";
  EXPECT_GT(scaled, 0) << "no seed drew a rate below the rule's";
  EXPECT_EQ(fingerprints.size(), 12u);
  const nlohmann::json& seed7 = j["runs"][6];
  ASSERT_EQ(seed7["seed"], 7);
  Report alone = testing::run_scenario_file(o.scenario, {"seed=7"});
  EXPECT_NE(fingerprint_hex(alone.fingerprint), seed7["fingerprint"]) << "swarm changed nothing";
  RunOptions ro;
  ro.paths = {o.scenario};
  ro.overrides = {"seed=7"};
  ro.swarm = true;
  ro.out_dir = dir + "/alone";
  ro.quiet = true;
  std::ostringstream out2, err2;
  run_scenarios(ro, out2, err2);
  nlohmann::json r = nlohmann::json::parse(testing::read_text(dir + "/alone/payment-outage.json"));
  EXPECT_EQ(r["fingerprint"], seed7["fingerprint"]);
  EXPECT_TRUE(r["swarm"].get<bool>());
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r["fault_rules"][i]["active"], seed7["swarm"][i]["active"]);
    EXPECT_EQ(r["fault_rules"][i]["probability"], seed7["swarm"][i]["probability"]);
  }
}

}  // namespace
}  // namespace checkride
