// `checkride sweep`: pass^k per session template across seeds, as τ-bench defines it.
#include "simulator/sweep.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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

TEST(Sweep, ABadSeedRangeIsExitTwo) {
  SweepOptions o;
  o.scenario = testing::source_path("scenarios/happy-orders.yaml");
  o.seeds = "9..1";
  std::ostringstream out, err;
  EXPECT_EQ(run_sweep(o, out, err), 2);
  EXPECT_NE(err.str().find("--seeds: 9..1: expected a range A..B"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace checkride
