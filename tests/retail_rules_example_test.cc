// The retail worked example's shop stating its own rules (scenarios/generate/retail_rules.py,
// docs/worked-examples.md): its shipped cassette is the import of its transcripts, every
// session replays "same" in its world, and the sessions production refused diverge in the
// same world without the rules, so each rule is what keeps its session "same".
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "protocol/cassette.h"
#include "simulator/replay.h"
#include "tests/test_support.h"
#include "tests/worked_import.h"

namespace checkride {
namespace {

const char* kCatalog = "scenarios/catalogs/retail-support.yaml";
const char* kCassette = "scenarios/cassettes/retail-rules.jsonl";

ReplayResult replay(const std::string& world, const std::string& faults = "") {
  ReplayOptions o;
  o.cassette = testing::source_path(kCassette);
  o.world = world;
  o.faults = faults;
  o.out_dir = testing::temp_dir("retail-rules-replay");
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  EXPECT_NE(run_replay(o, out, err, &r), 2) << err.str();
  return r;
}

std::set<std::string> diverged(const ReplayResult& r) {
  std::set<std::string> ids;
  for (const auto& s : r.sessions) {
    if (s.verdict == "diverged") ids.insert(s.session + " " + s.code);
  }
  return ids;
}

TEST(RetailRulesExample, EveryToolCallMapsAndTheShippedCassetteIsTheImport) {
  std::string summary;
  const std::string cassette = testing::import_worked_transcripts(
      kCatalog, testing::source_path("scenarios/transcripts/retail-rules.json"),
      testing::temp_dir("retail-rules-import") + "/retail-rules.jsonl", &summary);
  EXPECT_NE(summary.find("42 of 42 mapped to an action, 0 kept as notes"), std::string::npos)
      << summary;
  EXPECT_EQ(testing::cassette_events(cassette),
            testing::cassette_events(testing::source_path(kCassette)))
      << "the shipped cassette is stale: re-run the import in docs/worked-examples.md";
  EXPECT_EQ(load_cassette(cassette).sessions.size(), 14u);
}

// In its world every session is "same", the refusals included, and the money of the cancel
// (each part of the split payment, its sales tax included, back to what it paid) and of the
// one modification matches,
// also under a lost answer of the address change and of the cancel's refund, and a crash.
TEST(RetailRulesExample, EverySessionReplaysSameInTheWorldThatStatesTheRules) {
  const std::string world = testing::source_path("scenarios/worlds/retail-rules.yaml");
  for (const std::string& faults :
       {std::string(),
        testing::write_temp(testing::temp_dir("retail-rules-faults"), "f.yaml",
                            "- {provider: catalog, op: update_profile, kind: lost_response, "
                            "nth: 1}\n- {provider: payment, op: refund, kind: lost_response, "
                            "nth: 1}\n- {provider: orchestrator, op: swap_items, kind: crash, "
                            "nth: 1, restart_after: 1s}\n")}) {
    ReplayResult r = replay(world, faults);
    ASSERT_EQ(r.sessions.size(), 14u);
    EXPECT_TRUE(diverged(r).empty()) << *diverged(r).begin() << " under " << faults;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(),
              "refunded 120.49 to credit_card_9513926, refunded 50.00 to gift_card_7701");
    for (const char* k : {"money_difference_cents", "duplicate_charges", "escalations"})
      EXPECT_EQ(r.report.metrics.at(k), 0) << k << " under " << faults;
    if (!faults.empty()) {
      EXPECT_EQ(r.report.metrics.at("fault_rules_never_fired"), 0);
    }
  }
}

// The tasks whose sessions diverge in the world `text`.
std::set<std::string> diverged_tasks(const std::string& text) {
  ReplayResult r = replay(testing::write_temp(testing::temp_dir("retail-less"), "w.yaml", text));
  EXPECT_EQ(r.sessions.size(), 14u);
  std::set<std::string> tasks;
  for (const auto& s : r.sessions) {
    if (s.verdict == "diverged") tasks.insert(s.session.substr(0, s.session.find(':')));
  }
  return tasks;
}

// The same world with the shop's rules left out (its order_rules and refunds): the second
// modification and the late return go through where production refused them, and those
// sessions diverge (the default life cycle already refuses a processed order's cancel).
// Without the users' cards named, what paid for the lamp is not known by name, so its refund
// asked into the wallet goes back to the card instead of being refused.
TEST(RetailRulesExample, WithoutTheRulesTheRefusedSessionsDiverge) {
  const std::string text =
      testing::read_text(testing::source_path("scenarios/worlds/retail-rules.yaml"));
  EXPECT_EQ(diverged_tasks(text.substr(0, text.find("order_rules:"))),
            (std::set<std::string>{"2", "5"}));
  const std::size_t methods = text.find("payment_methods:");
  const std::size_t profiles = text.find("profiles:");
  EXPECT_EQ(diverged_tasks(text.substr(0, methods) + text.substr(profiles)),
            (std::set<std::string>{"4"}));
}

// Without its sales tax the shop charges the modification and the exchange their items'
// difference alone ($4.00 and $5.00), where production charged the tax on them too.
TEST(RetailRulesExample, WithoutTheSalesTaxTheChangesChargeTooLittle) {
  const std::string text =
      testing::read_text(testing::source_path("scenarios/worlds/retail-rules.yaml"));
  const std::size_t taxes = text.find("taxes:");
  const std::size_t orders = text.find("orders:", taxes);
  ASSERT_NE(taxes, std::string::npos);
  EXPECT_EQ(diverged_tasks(text.substr(0, taxes) + text.substr(orders)),
            (std::set<std::string>{"2", "7"}));
}

}  // namespace
}  // namespace checkride
