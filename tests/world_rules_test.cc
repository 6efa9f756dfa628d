// A world states the business's rules as data, and the fakes enforce them (issue 30, part 5):
// statuses beyond pending and delivered with what each allows, the status an operation leaves
// behind, limits on how often an operation may happen, exchanges within a product, a list of
// cancellation reasons, and what each item was paid. Each refusal has its own reason code,
// and a session the real system refused replays "same" only because the world said so.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "fakes/world.h"
#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "tests/conversation_builder.h"
#include "tests/retail_rules.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Conversation;
using testing::order_json;
using testing::payment;
using testing::replay_in;
using testing::retail_world;

const char* kCard = testing::kYusufsCard;
const char* kSkus = testing::kRetailSkus;

// Yusuf's pending keyboard and two mugs ($157.50), in `status`.
std::string keyboard_order(const std::string& status) {
  return "  - {reference: \"#W2378156\", user: yusuf_rossi_9620, status: \"" + status +
         "\", items: [{sku: KBD-MECH-BRN, quantity: 1}, {sku: MUG-CER-12, quantity: 2}], "
         "paid_cents: 15750}\n";
}

// Asks for #W2378156 to be cancelled; production answered `result`.
json cancel_keyboard_order(const json& result, const std::string& reason = "no longer needed") {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Please cancel #W2378156, " + reason + ".");
  c.call("cancel_pending_order", {{"order_id", "#W2378156"}, {"reason", reason}}, result);
  return c.dump(301);
}

// A status the world declares allows only what its table says: a processed order is not
// cancelled (production refused it), and the same order is cancelled where the world's
// table lets a processed order be cancelled.
TEST(WorldRules, AStatusOfTheWorldsOwnAllowsOnlyWhatItsTableSays) {
  auto rules = [](const std::string& processed) {
    return "order_rules:\n"
           "  statuses: {pending: [cancel, modify_items, change_details, change_payment],\n"
           "             processed: [" +
           processed + "], delivered: [return, exchange], cancelled: []}\n";
  };
  const json refused_in_production =
      json::array({cancel_keyboard_order("Error: non-pending order cannot be cancelled")});
  ReplayResult refused =
      replay_in("rules-processed", retail_world(kSkus, keyboard_order("processed"), rules("")),
                refused_in_production);
  ASSERT_EQ(refused.sessions.size(), 1u);
  EXPECT_EQ(refused.sessions[0].verdict, "same") << refused.sessions[0].why;
  EXPECT_EQ(refused.sessions[0].money_sandbox.describe(), "nothing");

  ReplayResult allowed = replay_in(
      "rules-processed-cancellable",
      retail_world(kSkus, keyboard_order("processed"), rules("cancel")), refused_in_production);
  EXPECT_EQ(allowed.sessions[0].verdict, "diverged");
  EXPECT_EQ(allowed.sessions[0].money_sandbox.describe(), "refunded 157.50 to card");
}

// A cancel gives a reason from the world's list, or is refused by name; the shop's own
// refusal of another reason replays "same".
TEST(WorldRules, ACancelsReasonMustBeOneTheWorldLists) {
  const std::string rules = "order_rules: {cancel_reasons: [ordered by mistake]}\n";
  const std::string world = retail_world(kSkus, keyboard_order("pending"), rules);
  ReplayResult refused =
      replay_in("rules-reason-refused", world,
                json::array({cancel_keyboard_order("Error: reason not accepted")}));
  ASSERT_EQ(refused.sessions.size(), 1u);
  EXPECT_EQ(refused.sessions[0].verdict, "same") << refused.sessions[0].why;
  EXPECT_EQ(refused.sessions[0].money_sandbox.describe(), "nothing");

  ReplayResult taken =
      replay_in("rules-reason-taken", world,
                json::array({cancel_keyboard_order(
                    order_json("#W2378156", "cancelled",
                               json::array({payment(157.5), payment(157.5, "refund")})),
                    "ordered by mistake")}));
  EXPECT_EQ(taken.sessions[0].verdict, "same") << taken.sessions[0].why;
  EXPECT_EQ(taken.sessions[0].money_sandbox.describe(), "refunded 157.50 to card");
}

// Two cheaper swaps on one pending order: production took the first and refused the second.
json modify_twice(bool second_refused) {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Swap the keyboard in #W2378156 for a 16 oz mug.");
  json history = json::array({payment(157.5)});
  history.push_back(payment(113.5, "refund"));
  c.call("modify_pending_order_items",
         {{"order_id", "#W2378156"},
          {"item_ids", {"KBD-MECH-BRN"}},
          {"new_item_ids", {"MUG-CER-16"}},
          {"payment_method_id", kCard}},
         order_json("#W2378156", "pending (item modified)", history));
  c.say("user", "Actually, swap that 16 oz mug back for a 12 oz one too.");
  json more = history;
  more.push_back(payment(2.0, "refund"));
  c.call("modify_pending_order_items",
         {{"order_id", "#W2378156"},
          {"item_ids", {"MUG-CER-16"}},
          {"new_item_ids", {"MUG-CER-12"}},
          {"payment_method_id", kCard}},
         second_refused ? json("Error: an order's items can be modified once")
                        : order_json("#W2378156", "pending (item modified)", more));
  return c.dump(302);
}

TEST(WorldRules, AnOrdersItemsAreModifiedAsOftenAsTheWorldAllowsAndNoMore) {
  const std::string once = "order_rules: {at_most: {modify_items: 1}}\n";
  ReplayResult r =
      replay_in("rules-modify-once", retail_world(kSkus, keyboard_order("pending"), once),
                json::array({modify_twice(true)}));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.report.outcomes.count("modification_limit_reached"), 1u);
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "refunded 113.50 to card");

  // The same limit as a life cycle: a modified order moves to a status that allows no more.
  const std::string as_status =
      "order_rules:\n"
      "  statuses: {pending: [cancel, modify_items, change_details, change_payment],\n"
      "             \"pending (item modified)\": [cancel, change_details, change_payment],\n"
      "             delivered: [return, exchange], cancelled: []}\n"
      "  after: {modify_items: \"pending (item modified)\"}\n";
  ReplayResult s =
      replay_in("rules-modify-status", retail_world(kSkus, keyboard_order("pending"), as_status),
                json::array({modify_twice(true)}));
  EXPECT_EQ(s.sessions[0].verdict, "same") << s.sessions[0].why;
  EXPECT_EQ(s.report.outcomes.count("not_changeable"), 1u);

  // Without a rule the sandbox takes the second swap that production refused.
  ReplayResult none =
      replay_in("rules-modify-free", retail_world(kSkus, keyboard_order("pending"), ""),
                json::array({modify_twice(true)}));
  EXPECT_EQ(none.sessions[0].verdict, "diverged");
}

// Yusuf's delivered lamp, exchanged for `sku`; production answered `result`.
json exchange_lamp(const std::string& sku, const json& result) {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Exchange the lamp of #W4817420 for " + sku + ".");
  c.call("exchange_delivered_order_items",
         {{"order_id", "#W4817420"},
          {"item_ids", {"LAMP-DESK-BLK"}},
          {"new_item_ids", {sku}},
          {"payment_method_id", kCard}},
         result);
  return c.dump(303);
}

TEST(WorldRules, AnExchangeStaysWithinItsProductWhenTheWorldSaysSo) {
  const std::string lamp =
      "  - {reference: \"#W4817420\", user: yusuf_rossi_9620, status: delivered, items: "
      "[{sku: LAMP-DESK-BLK, quantity: 1}], paid_cents: 5499}\n";
  const std::string world =
      retail_world(kSkus, lamp, "order_rules: {exchange_within_product: true}\n");
  ReplayResult r = replay_in(
      "rules-product", world,
      json::array({exchange_lamp("MUG-CER-16", "Error: exchange only for the same product")}));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.report.outcomes.count("exchange_outside_product"), 1u);
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
}

// A return refunds what each unit was paid, not today's price: the mugs were bought at $12.
TEST(WorldRules, AReturnRefundsWhatTheItemWasPaidNotTodaysPrice) {
  const std::string mugs =
      "  - {reference: \"#W7315524\", user: yusuf_rossi_9620, status: delivered, items: "
      "[{sku: MUG-CER-12, quantity: 3, price_cents: 1200}, {sku: LAMP-DESK-BLK, quantity: 1}], "
      "paid_cents: 9099}\n";
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Return two mugs of #W7315524.");
  json history = json::array({payment(90.99), payment(24.0, "refund")});
  c.call("return_delivered_order_items",
         {{"order_id", "#W7315524"},
          {"item_ids", {"MUG-CER-12", "MUG-CER-12"}},
          {"payment_method_id", kCard}},
         order_json("#W7315524", "return requested", history));
  ReplayResult r =
      replay_in("rules-paid-price", retail_world(kSkus, mugs, ""), json::array({c.dump(304)}));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "refunded 24.00 to card");
}

// The retail scenario (its lost answers on every step, an outage on returns, orchestrator
// crashes), 240 sessions of only the cancels of its tasks 1 and 2 (Yusuf's $157.50 keyboard
// order, Ana's $89.90 backpack), in its world with `rules` added.
Report run_retail_cancels_with(const std::string& name, const std::string& rules) {
  const std::string dir = testing::temp_dir(name);
  std::istringstream lines(
      testing::read_text(testing::source_path("scenarios/cassettes/retail-support.jsonl")));
  std::string cassette, line;
  for (bool header = true; std::getline(lines, line); header = false) {
    const bool cancel = line.find("\"session\":\"1:") != std::string::npos ||
                        line.find("\"session\":\"2:") != std::string::npos;
    if (header || cancel) cassette += line + "\n";
  }
  std::string world =
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml")) + rules;
  std::string scenario = testing::read_text(testing::source_path("scenarios/retail-support.yaml"));
  const std::pair<std::string, std::string> paths[] = {
      {"worlds/retail-support.yaml", testing::write_temp(dir, "world.yaml", world)},
      {"catalogs/retail-support.yaml",
       testing::source_path("scenarios/catalogs/retail-support.yaml")},
      {"cassettes/retail-support.jsonl", testing::write_temp(dir, "cancels.jsonl", cassette)}};
  for (const auto& [from, to] : paths) scenario.replace(scenario.find(from), from.size(), to);
  return testing::run_scenario_file(testing::write_temp(dir, "retail.yaml", scenario),
                                    {"workload.sessions=240"});
}

// In a run, under the scenario's faults: where pending orders cannot be cancelled, no cancel
// refunds anything; where they can, each is refunded once. Nothing is escalated either way.
TEST(WorldRules, ARunUnderLostAnswersOutagesAndCrashesKeepsTheRules) {
  Report free = run_retail_cancels_with("rules-run-free", "");
  Report strict = run_retail_cancels_with(
      "rules-run-strict",
      "order_rules:\n"
      "  statuses: {pending: [modify_items, change_details, change_payment],\n"
      "             delivered: [return, exchange], cancelled: []}\n");
  EXPECT_GT(free.money.at("refunded"), 0) << "no cancel went through: the test proves nothing";
  EXPECT_EQ(strict.money.count("refunded") ? strict.money.at("refunded") : 0, 0);
  for (const Report* r : {&free, &strict}) {
    for (const char* k : {"money_difference_cents", "escalations", "duplicate_charges", "stuck"}) {
      EXPECT_EQ(r->metrics.at(k), 0) << k;
    }
  }
}

// A world that cannot hold is refused before anything runs, naming the field.
TEST(WorldRules, RulesThatCanNeverHoldAreRefusedByField) {
  struct Case {
    std::string rules;
    std::string orders;
    std::string field;
    std::string says;
  };
  const std::string pending = keyboard_order("pending");
  const Case cases[] = {
      {"order_rules: {statuses: {pending: [cancel, fly]}}\n", pending,
       "order_rules.statuses.pending", "got 'fly'"},
      {"order_rules: {statuses: {pending: [change_flights]}}\n", pending,
       "order_rules.statuses.pending", "not an operation on orders"},
      {"order_rules: {at_most: {modify_items: 0}}\n", pending, "order_rules.at_most.modify_items",
       "from 1 to 1000"},
      {"order_rules: {statuses: {pending: [cancel]}, at_most: {return: 1}}\n", pending,
       "order_rules.at_most.return", "never applies"},
      {"order_rules: {statuses: {pending: [cancel]}, after: {cancel: gone}}\n", pending,
       "order_rules.after.cancel", "got 'gone'"},
      {"order_rules: {statuses: {pending: [return]}, cancel_reasons: [changed my mind]}\n", pending,
       "order_rules.cancel_reasons", "no status allows 'cancel'"},
      {"order_rules: {cancel_reasons: [a, a]}\n", pending, "order_rules.cancel_reasons",
       "named twice"},
      {"order_rules: {statuses: {pending: [cancel]}}\n", keyboard_order("processed"),
       "orders[0].status", "got 'processed'"},
      {"booking_rules: {statuses: {confirmed: [return]}}\n", pending,
       "booking_rules.statuses.confirmed", "not an operation on bookings"},
      {"order_rules: {colour: blue}\n", pending, "order_rules.colour", "unknown key"},
  };
  for (const Case& c : cases) {
    const std::string dir = testing::temp_dir("rules-bad");
    const std::string path =
        testing::write_temp(dir, "world.yaml", retail_world(kSkus, c.orders, c.rules));
    try {
      Scenario s = default_scenario();
      load_world_file(s, path);
      check_existing_bookings(s);
      ADD_FAILURE() << "accepted: " << c.rules;
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), c.field) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
  }
  // Exchanges within a product when no SKU names one would refuse every exchange.
  const std::string dir = testing::temp_dir("rules-no-product");
  const std::string path = testing::write_temp(
      dir, "world.yaml",
      "skus: [{id: A, price_cents: 100}]\norder_rules: {exchange_within_product: true}\n");
  Scenario s = default_scenario();
  EXPECT_THROW(load_world_file(s, path), InputError);
}

// The rules a world states come back out of --dump-world, and read back to the same rules.
TEST(WorldRules, TheRulesAreDumpedBackAsTheyWereStated) {
  const std::string rules =
      "order_rules:\n"
      "  statuses: {pending: [cancel, modify_items], \"pending (item modified)\": [cancel],\n"
      "             processed: [], cancelled: []}\n"
      "  after: {modify_items: \"pending (item modified)\"}\n"
      "  at_most: {modify_items: 1}\n"
      "  cancel_reasons: [no longer needed, ordered by mistake]\n"
      "  exchange_within_product: true\n"
      "refunds: {to: own_gift_card}\n";
  const std::string dir = testing::temp_dir("rules-dump");
  Scenario s = default_scenario();
  load_world_file(s, testing::write_temp(dir, "world.yaml",
                                         retail_world(kSkus, keyboard_order("processed"), rules)));
  write_world_file(s, dir + "/dumped.yaml");
  Scenario back = default_scenario();
  load_world_file(back, dir + "/dumped.yaml");
  check_existing_bookings(back);
  const ObjectRules& o = back.rules.orders;
  ASSERT_EQ(o.statuses.size(), 4u);
  EXPECT_EQ(o.statuses[1].name, "pending (item modified)");
  EXPECT_TRUE(o.statuses[1].allows_op(ObjectOperation::kCancel));
  EXPECT_FALSE(o.statuses[1].allows_op(ObjectOperation::kModifyItems));
  EXPECT_EQ(o.after[static_cast<int>(ObjectOperation::kModifyItems)], 1);
  EXPECT_EQ(o.after[static_cast<int>(ObjectOperation::kCancel)], 3);
  EXPECT_EQ(o.at_most[static_cast<int>(ObjectOperation::kModifyItems)], 1);
  EXPECT_EQ(o.cancel_reasons.size(), 2u);
  EXPECT_TRUE(o.exchange_within_product);
  EXPECT_EQ(back.existing.orders[0].status, "processed");
  EXPECT_EQ(back.skus[0].product, "desk-lamp");
  EXPECT_EQ(back.orchestrator.refund_to, RefundTo::kOwnGiftCard);
}

// "undo" is the caller cancelling an order it committed itself; it never gets a write on
// the user's order past the rules, whoever sends it (a fuzzer found it did).
TEST(WorldRules, UndoIsNoWayAroundTheRules) {
  World w;
  ObjectRules rules = WorldRules::default_order_rules();
  rules.at_most[static_cast<int>(ObjectOperation::kChangeDetails)] = 1;
  w.catalog.set_rules(rules);
  w.catalog.add_sku(SkuSpec{"A", "a", 100, 10});
  ExistingOrder seeded;
  seeded.reference = "W1";
  seeded.items = {LineItem{"A", 1}};
  const ObjectId id = w.catalog.seed_order(1, seeded, 100, 0, {}, 0);
  ASSERT_NE(id, 0u);
  auto change = [&](IdempotencyKey key, Op op) {
    ProviderRequest r;
    r.op = op;
    r.key = key;
    r.user = 1;
    r.ref = id;
    r.text = "1 Main St";
    r.operation = ObjectOperation::kUndo;
    return w.catalog.handle(r, 0, 0);
  };
  EXPECT_TRUE(change(1, Op::kUpdateOrder).ok());
  EXPECT_EQ(change(2, Op::kUpdateOrder).error, ErrorCode::kModificationLimit);
  seeded.status = "delivered";  // a delivered order is returned, never cancelled, undo or not
  seeded.reference = "W2";
  const ObjectId delivered = w.catalog.seed_order(1, seeded, 100, 0, {}, 0);
  ProviderRequest cancel;
  cancel.op = Op::kCancelOrder;
  cancel.key = 3;
  cancel.user = 1;
  cancel.ref = delivered;
  cancel.operation = ObjectOperation::kUndo;
  EXPECT_EQ(w.catalog.handle(cancel, 0, 0).error, ErrorCode::kNotCancellable);
}

}  // namespace
}  // namespace checkride
