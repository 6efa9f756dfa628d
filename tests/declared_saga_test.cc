// Handlers an action catalog declares from the built-in step kinds (`sagas:`), walked by the
// same engine as the built-in ones: a plan that matches a built-in one gives the same run,
// a plan that skips the reservation oversells and the checker says so, a plan that captures
// before it commits still never charges twice or without an order, and a plan the engine
// could not run safely is refused at load, naming the field.
#include <gtest/gtest.h>

#include <string>

#include "orchestrator/action_catalog.h"
#include "orchestrator/saga_steps.h"
#include "protocol/input_error.h"
#include "simulator/suite.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

// The default catalog with placeOrder on a declared saga of these steps.
std::string catalog_with_place_order_steps(const std::string& dir, const std::string& steps) {
  std::string actions = ActionCatalog::default_yaml();
  const std::string builtin = "handler: place_order";
  actions.replace(actions.find(builtin), builtin.size(), "handler: declared_order");
  std::string text =
      "sagas:\n  - name: declared_order\n    like: place_order\n    steps: " + steps + "\n" +
      actions;
  return testing::write_temp(dir, "actions.yaml", text);
}

Report run_with(const std::string& scenario, const std::string& catalog) {
  return testing::run_scenario_file(testing::source_path("scenarios/" + scenario),
                                    {"orchestrator.actions=" + catalog});
}

TEST(DeclaredSaga, TheBuiltInStepsDeclaredGiveTheBuiltInRun) {
  std::string dir = testing::temp_dir("declared-builtin");
  std::string catalog =
      catalog_with_place_order_steps(dir, "[quote, reserve, authorize, commit, capture]");
  for (const char* scenario : {"flash-sale-surge.yaml", "lost-response-after-commit.yaml",
                               "crash-restart.yaml", "payment-outage.yaml"}) {
    Report builtin =
        testing::run_scenario_file(testing::source_path(std::string("scenarios/") + scenario));
    Report declared = run_with(scenario, catalog);
    EXPECT_EQ(declared.metrics, builtin.metrics) << scenario;
    EXPECT_GT(declared.metrics.at("intents"), 0) << scenario;
  }
}

TEST(DeclaredSaga, APlanThatSkipsTheReservationOversellsAndIsCaught) {
  std::string dir = testing::temp_dir("declared-no-reserve");
  Report r = run_with("flash-sale-surge.yaml",
                      catalog_with_place_order_steps(dir, "[quote, authorize, commit, capture]"));
  EXPECT_GT(r.metrics.at("oversold_units"), 0);
  EXPECT_EQ(r.metrics.at("duplicate_charges"), 0);
}

TEST(DeclaredSaga, CaptureBeforeCommitStillChargesOnceAndNeverWithoutAnOrder) {
  std::string dir = testing::temp_dir("declared-capture-first");
  std::string catalog =
      catalog_with_place_order_steps(dir, "[quote, reserve, authorize, capture, commit]");
  for (const char* scenario : {"flash-sale-surge.yaml", "lost-response-after-commit.yaml",
                               "crash-restart.yaml", "payment-outage.yaml"}) {
    Report r = run_with(scenario, catalog);
    EXPECT_GT(r.metrics.at("intents"), 0) << scenario;
    EXPECT_GT(r.metrics.at("completion_rate"), 0) << scenario;
    for (const char* safety : {"duplicate_charges", "charged_without_order", "oversold_units",
                               "orphan_authorizations", "order_without_charge"}) {
      EXPECT_EQ(r.metrics.at(safety), 0) << scenario << " " << safety;
    }
  }
}

// A step's repetition is declared with it: the stored-value steps run once per part of
// `payments`, each with its own key, whether for_each says so or not.
TEST(DeclaredSaga, TheStoredValueStepsDeclareTheirRepetitionOverPayments) {
  ActionCatalog c = ActionCatalog::from_yaml_text(
      "sagas:\n  - name: split\n    like: place_order\n    steps: [quote, "
      "{step: check_balance, for_each: payments}, authorize, {step: debit, for_each: payments}, "
      "commit, capture]\nactions:\n  - {name: buy, handler: split, charge: true, "
      "params: {type: object}, map: {items: /items, payments: /p, stored_value: [gift_]}}\n",
      "c.yaml");
  const ActionSpec& spec = *c.find("buy");
  const std::vector<Step>& steps = c.plan(spec.plan).steps;
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(steps[1], Step::kCheckBalance);
  EXPECT_EQ(steps[3], Step::kDebit);
  EXPECT_TRUE(step_kind(Step::kDebit)->per_tender);
}

TEST(DeclaredSaga, APlanTheEngineCannotRunSafelyIsRefusedAtLoad) {
  const std::pair<std::string, std::string> kBad[] = {
      {"[quote, reserve, capture, authorize, commit]", "capture must come after authorize"},
      {"[reserve, quote, authorize, commit, capture]", "must begin with quote at position 1"},
      {"[quote, authorize, capture]", "is missing commit"},
      {"[quote, hold, authorize, commit, capture]", "hold is not a step of this family"},
      {"[quote, reserve, reserve, authorize, commit, capture]", "reserve appears twice"},
      {"[quote, reserve, authorise, commit, capture]", "[2]: unknown step 'authorise'"},
      {"[quote, {step: reserve, for_each: items}, authorize, commit, capture]",
       "[1].for_each: only check_balance, debit and recredit repeat"},
      {"[quote, check_balance, authorize, {step: debit, for_each: lines}, commit, capture]",
       "[3].for_each: only"},
      {"[quote, {step: debit, each: payments}, authorize, commit, capture]",
       "[1].each: unknown key"},
  };
  for (const auto& [steps, why] : kBad) {
    try {
      ActionCatalog::from_yaml_text(
          "sagas:\n  - name: odd\n    like: place_order\n    steps: " + steps +
              "\nactions:\n  - {name: buy, handler: odd, params: {type: object}}\n",
          "c.yaml");
      ADD_FAILURE() << steps << " loaded";
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("c.yaml:4: sagas[0].steps"), std::string::npos) << what;
      EXPECT_NE(what.find(why), std::string::npos) << what;
    }
  }
  try {
    ActionCatalog::from_yaml_text(
        "sagas:\n  - {name: place_order, like: place_order, steps: [quote]}\nactions: []\n",
        "c.yaml");
    ADD_FAILURE() << "a saga named like a built-in handler loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("sagas[0].name: 'place_order' is already a handler"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace checkride
