// Each defect switch must make the shipped suite fail on the metric it breaks: this is
// how we know the checkers are not vacuous.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "orchestrator/defects.h"
#include "simulator/suite.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

class DefectSwitch : public ::testing::TestWithParam<DefectInfo> {};

TEST_P(DefectSwitch, ShippedSuiteExitsOneOnTheMetricItBreaks) {
  const DefectInfo& d = GetParam();
  RunOptions o;
  o.paths = {testing::source_path("scenarios")};
  o.defects = {std::string(d.name)};
  o.out_dir = testing::temp_dir(std::string("defect-") + std::string(d.name));
  o.formats = {"json"};
  o.quiet = true;
  std::ostringstream out, err;
  EXPECT_EQ(run_scenarios(o, out, err), 1) << err.str();
  bool broke_expected_metric = false;
  for (const auto& entry : std::filesystem::directory_iterator(o.out_dir)) {
    std::string p = entry.path().string();
    if (p.size() < 5 || p.substr(p.size() - 5) != ".json" ||
        p.find(".run.json") != std::string::npos) {
      continue;
    }
    nlohmann::json report = nlohmann::json::parse(std::ifstream(p));
    for (const auto& gate : report["gates"]) {
      if (!gate["passed"].get<bool>() && gate["metric"] == std::string(d.caught_by)) {
        broke_expected_metric = true;
      }
    }
  }
  EXPECT_TRUE(broke_expected_metric) << d.name << " did not fail a " << d.caught_by << " gate";
}

INSTANTIATE_TEST_SUITE_P(All, DefectSwitch, ::testing::ValuesIn(all_defects()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DefectSwitch, DefaultOrchestratorPassesTheWholeSuite) {
  RunOptions o;
  o.paths = {testing::source_path("scenarios")};
  o.out_dir = testing::temp_dir("no-defect");
  o.quiet = true;
  std::ostringstream out, err;
  EXPECT_EQ(run_scenarios(o, out, err), 0) << err.str();
}

}  // namespace
}  // namespace checkride

namespace checkride {
namespace {

// Every violation metric has witnesses: an oversell names the SKU, what it had and gave, and
// the first commits past its stock with their sessions; a coupon overspend likewise.
TEST(Witnesses, OversellAndCouponOverspendNameTheCommitsPastCapacity) {
  Report r = testing::run_scenario_file(testing::source_path("scenarios/flash-sale-surge.yaml"),
                                        {"orchestrator.defects=[commit_without_reservation]"});
  ASSERT_GT(r.metrics.at("oversold_units"), 0);
  ASSERT_GT(r.metrics.at("coupon_overspend_cents"), 0);
  std::map<std::string, const Witness*> found;
  for (const auto& w : r.witnesses) found.emplace(w.metric, &w);
  for (const char* metric : {"oversold_units", "coupon_overspend_cents"}) {
    ASSERT_TRUE(found.count(metric)) << metric << " has no witness";
    const Witness& w = *found[metric];
    ASSERT_GE(w.events.size(), 2u);
    EXPECT_NE(w.events[0].find(" past it)"), std::string::npos) << w.events[0];
    EXPECT_NE(w.events[1].find("of session " + std::to_string(w.session)), std::string::npos)
        << w.events[1];
  }
  EXPECT_EQ(found["oversold_units"]->events[0].rfind("sku SNKR-FEST-26: had 3000 units", 0), 0u)
      << found["oversold_units"]->events[0];
  EXPECT_EQ(found["coupon_overspend_cents"]->events[0].rfind("coupon FEST: had", 0), 0u);
}

}  // namespace
}  // namespace checkride
