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
