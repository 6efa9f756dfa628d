// scenarios/schema/scenario.schema.json is what editors validate scenario files with; the
// loader is the authority. These tests keep the two in step: every shipped scenario passes
// both, and each mistake the loader refuses the schema refuses too.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "protocol/input_error.h"
#include "protocol/yaml_json.h"
#include "reports/metric_names.h"
#include "scenario/scenario.h"
#include "simulator/shrink.h"
#include "simulator/suite.h"
#include "test_support.h"

namespace checkride {
namespace {

constexpr const char* kSchema = "scenarios/schema/scenario.schema.json";

std::string schema_errors(const std::string& path) {
  return testing::schema_violations(kSchema, yaml_to_json(YAML::LoadFile(path)));
}

TEST(ScenarioSchema, EveryShippedScenarioPassesTheSchemaAndTheLoader) {
  std::vector<std::string> files = testing::shipped_scenarios();
  for (const char* dir : {"tests/wire", "bench"}) {
    for (auto& f : expand_scenarios(testing::source_path(dir))) files.push_back(std::move(f));
  }
  ASSERT_GE(files.size(), 12u);
  for (const auto& f : files) {
    EXPECT_EQ(schema_errors(f), "") << f;
    EXPECT_NO_THROW(load_scenario(f)) << f;
  }
}

// What `shrink` writes is a scenario like any: a smaller world (stock and capacity under
// world:) and the sessions it keeps. An editor's schema flagged it.
TEST(ScenarioSchema, AShrunkScenarioPassesTheSchemaAndTheLoader) {
  ShrinkOptions o;
  o.scenario = testing::source_path("scenarios/airline-support.yaml");
  o.defects = {"no_idempotency_keys"};
  o.gate = "duplicate_charges";
  o.out_dir = testing::temp_dir("schema-shrunk");
  std::ostringstream out, err;
  ASSERT_EQ(run_shrink(o, out, err), 0) << err.str();
  const std::string min_file = o.out_dir + "/airline-support.min.yaml";
  EXPECT_NE(testing::read_text(min_file).find("capacity:"), std::string::npos)
      << "the shrunk world keeps every offer's size: the test proves nothing without it";
  EXPECT_EQ(schema_errors(min_file), "");
  EXPECT_NO_THROW(load_scenario(min_file));
}

// A minimal valid scenario with one line changed or added; both judges must refuse it.
TEST(ScenarioSchema, MistakesTheLoaderRefusesTheSchemaRefusesToo) {
  std::string cassette = testing::source_path("scenarios/cassettes/orders-happy.jsonl");
  auto scenario_with = [&](const std::string& agent, const std::string& extra) {
    return "scenario: mistake\nseed: 3\nworkload:\n  sessions: 10\n  arrival: {rate: 5/s}\n"
           "  mix: [{cassette: " +
           cassette + "}]\n  agent: {" + agent + "}\n" + extra;
  };
  const std::pair<const char*, std::string> kMistakes[] = {
      {"unknown top-level key", scenario_with("retries: 2", "sesions: 10\n")},
      {"unknown agent key", scenario_with("retries: 2, retry: 3", "")},
      {"divergence policy", scenario_with("on_divergence: panic", "")},
      {"duration without unit", scenario_with("retry_delay: 5", "")},
      {"unknown fault kind",
       scenario_with("retries: 2", "faults: [{provider: payment, kind: explode}]\n")},
      {"crash on a provider",
       scenario_with("retries: 2", "faults: [{provider: payment, kind: crash, at: 1m}]\n")},
      {"probability above 1", scenario_with("retries: 2",
                                            "faults: [{provider: payment, kind: outage, "
                                            "probability: 1.5}]\n")},
      {"unknown defect",
       scenario_with("retries: 2", "orchestrator: {defects: [forgets_everything]}\n")},
      {"gate that is not a comparison", scenario_with("retries: 2", "expect: {stuck: none}\n")},
      {"gate on a misspelt metric", scenario_with("retries: 2", "expect: {stuk: 0}\n")},
      {"oauth client without redirect URIs",
       scenario_with("retries: 2", "oauth_clients: [{id: shop-app, secret: s}]\n")},
      {"oauth redirect URI with a fragment",
       scenario_with("retries: 2",
                     "oauth_clients: [{id: shop-app, redirect_uris: ['https://a.test/cb#x']}]\n")},
      {"oauth redirect URI that is relative",
       scenario_with("retries: 2", "oauth_clients: [{id: shop-app, redirect_uris: [/cb]}]\n")},
      {"rate without unit",
       "scenario: mistake\nworkload:\n  arrival: {rate: fast}\n  mix: [{cassette: " + cassette +
           "}]\n"},
  };
  std::string dir = testing::temp_dir("scenario-schema");
  int i = 0;
  for (const auto& [what, text] : kMistakes) {
    std::string path = testing::write_temp(dir, "mistake-" + std::to_string(i++) + ".yaml", text);
    EXPECT_THROW(load_scenario(path), InputError) << what;
    EXPECT_NE(schema_errors(path), "") << what << " passed the schema";
  }
  std::string fine = testing::write_temp(
      dir, "fine.yaml",
      scenario_with(
          "retries: 2",
          "oauth_clients: [{id: shop-app, secret: s, redirect_uris: "
          "['https://shop.test/cb']}, {id: spa, redirect_uris: ['http://127.0.0.1/cb']}]\n"));
  EXPECT_EQ(schema_errors(fine), "");
  EXPECT_NO_THROW(load_scenario(fine));
}

// The schema's metric names are the loader's: an editor refuses what `validate` refuses.
TEST(ScenarioSchema, GatesNameExactlyTheMetricsAReportCanHold) {
  std::ifstream f(testing::source_path("scenarios/schema/scenario.schema.json"));
  nlohmann::json schema = nlohmann::json::parse(f);
  std::set<std::string> in_schema;
  for (const auto& n : schema["properties"]["expect"]["propertyNames"]["enum"]) {
    in_schema.insert(n.get<std::string>());
  }
  std::set<std::string> gates = known_metrics();
  gates.insert("faults_fired");  // `faults_fired: all`, a gate on every fault rule
  EXPECT_EQ(in_schema, gates);
}

}  // namespace
}  // namespace checkride
