// Time limits after delivery and whole-order exchanges as the world's rules (issue 30, part
// 5): "returns within 30 days of delivery" and "an exchange takes the whole order" were not
// expressible, so a sandbox took back what the shop refused, and a refusal production gave
// replayed as a divergence.
#include <gtest/gtest.h>

#include "fakes/world.h"
#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "tests/conversation_builder.h"
#include "tests/retail_rules.h"
#include "tests/world_text.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Conversation;
using testing::kRetailSkus;
using testing::order_json;
using testing::payment;
using testing::replay_in;
using testing::retail_world;

// Yusuf's lamp (#W4817420, $54.99), delivered at `delivered_at`, in a shop whose returns and
// exchanges stop 30 days after delivery; the sessions start on 2026-12-09.
std::string lamp_world(const std::string& delivered_at, const std::string& rules = "") {
  return retail_world(kRetailSkus,
                      "  - {reference: \"#W4817420\", user: yusuf_rossi_9620, status: delivered, "
                      "delivered_at: \"" +
                          delivered_at +
                          "\", items: [{sku: LAMP-DESK-BLK, quantity: 1}, "
                          "{sku: MUG-CER-12, quantity: 1}], paid_cents: 6899}\n",
                      "now: \"2026-12-09T10:00:00Z\"\n"
                      "order_rules: {within: {return: 30d, exchange: 30d}" +
                          rules + "}\n");
}

// Yusuf returns the lamp; production refunded it ($54.99) or refused.
json return_lamp(bool refused) {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Return the lamp of #W4817420.");
  const json history = json::array({payment(68.99), payment(54.99, "refund")});
  const json result = refused ? json("Error: the return window has closed")
                              : order_json("#W4817420", "return requested", history);
  c.call("return_delivered_order_items",
         {{"order_id", "#W4817420"},
          {"item_ids", {"LAMP-DESK-BLK"}},
          {"payment_method_id", testing::kYusufsCard}},
         result);
  return c.dump(310);
}

// 38 days after delivery the return is refused with its own reason, as production did (the
// lookup answers the refusal, its answer lost or the shop out); 19 days after, it is refunded
// once under a lost answer, an outage and a crash.
TEST(OrderLimits, AReturnPastTheWindowSinceDeliveryIsRefusedWithItsOwnReason) {
  const std::string lost = "kind: lost_response, nth: 1}\n";
  const std::string out = "kind: outage, nth: 1}\n";
  for (const auto& [late_faults, faults] : std::vector<std::pair<std::string, std::string>>{
           {"", ""},
           {"- {provider: catalog, op: find_order, " + lost,
            "- {provider: catalog, op: return_items, " + lost},
           {"- {provider: catalog, op: find_order, " + out,
            "- {provider: catalog, op: return_items, " + out},
           {"- {provider: catalog, op: find_order, " + lost,
            "- {provider: orchestrator, op: return_items, kind: crash, nth: 1, "
            "restart_after: 1s}\n"}}) {
    ReplayResult late = replay_in("order-limit-late", lamp_world("2026-11-01T10:00:00Z"),
                                  json::array({return_lamp(true)}), late_faults);
    ASSERT_EQ(late.sessions.size(), 1u);
    EXPECT_EQ(late.sessions[0].verdict, "same") << late.sessions[0].why << " under " << faults;
    EXPECT_EQ(late.sessions[0].money_sandbox.describe(), "nothing") << faults;
    ReplayResult in_time = replay_in("order-limit-in-time", lamp_world("2026-11-20T10:00:00Z"),
                                     json::array({return_lamp(false)}), faults);
    ASSERT_EQ(in_time.sessions.size(), 1u);
    EXPECT_NE(in_time.sessions[0].verdict, "diverged") << in_time.sessions[0].why << faults;
    EXPECT_EQ(in_time.sessions[0].money_sandbox.describe(), "refunded 54.99 to card") << faults;
    for (const ReplayResult* r : {&late, &in_time}) {
      EXPECT_EQ(r->report.metrics.at("fault_rules_never_fired"), 0) << faults << late_faults;
      EXPECT_EQ(r->report.metrics.at("duplicate_charges"), 0) << faults;
    }
  }
  // Production refunded a return 38 days on: the sandbox's shop refuses, and says why.
  ReplayResult diverged = replay_in("order-limit-diverged", lamp_world("2026-11-01T10:00:00Z"),
                                    json::array({return_lamp(false)}));
  ASSERT_EQ(diverged.sessions.size(), 1u);
  EXPECT_EQ(diverged.sessions[0].verdict, "diverged");
  EXPECT_EQ(diverged.sessions[0].code, "time_limit_passed") << diverged.sessions[0].why;
}

// Yusuf exchanges the lamp but not the mug where the shop exchanges whole orders only.
TEST(OrderLimits, AnExchangeOfSomeItemsIsRefusedWhereTheWorldTakesOnlyAll) {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Exchange the lamp of #W4817420 for a white one.");
  c.call("exchange_delivered_order_items",
         {{"order_id", "#W4817420"},
          {"item_ids", {"LAMP-DESK-BLK"}},
          {"new_item_ids", {"LAMP-DESK-WHT"}},
          {"payment_method_id", testing::kYusufsCard}},
         "Error: exchange all items of the order or none");
  ReplayResult r = replay_in("order-partial-exchange",
                             lamp_world("2026-12-01T10:00:00Z", ", partial_exchanges: false"),
                             json::array({c.dump(311)}));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.report.outcomes.count("partial_exchange_not_allowed"), 1u);
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
}

// The fakes' own clock: a return 29 days and 23 hours after delivery is taken; the same
// return two hours into the run is refused. An exchange of every item is taken where only
// whole orders are exchanged, and one of some is not.
TEST(OrderLimits, TheWindowRunsOnTheRunsClockAndAWholeExchangeIsTaken) {
  World w;
  testing::seed_world_text(
      w,
      "now: \"2026-12-09T10:00:00Z\"\n"
      "skus: [{id: A, price_cents: 1000, stock: 5, product: p}, "
      "{id: B, price_cents: 1200, stock: 5, product: p}]\n"
      "orders:\n"
      "  - {reference: W1, user: u, status: delivered, delivered_at: \"2026-11-09T11:00:00Z\",\n"
      "     items: [{sku: A, quantity: 2}]}\n"
      "  - {reference: W2, user: u, status: delivered, delivered_at: \"2026-11-09T11:00:00Z\",\n"
      "     items: [{sku: A, quantity: 2}]}\n"
      "order_rules: {within: {return: 30d}, partial_exchanges: false}\n");
  ASSERT_EQ(w.catalog.orders_of(1).size(), 2u);
  ProviderRequest req;
  req.op = Op::kReturnItems;
  req.user = 1;
  req.key = 1;
  req.ref = w.catalog.orders_of(1)[0];
  req.operation = ObjectOperation::kReturn;
  req.items = {{"A", 1}};
  EXPECT_TRUE(w.catalog.handle(req, 0, 0).ok());
  req.key = 2;
  req.ref = w.catalog.orders_of(1)[1];
  EXPECT_EQ(w.catalog.handle(req, 2 * kHour, 0).error, ErrorCode::kPastTimeLimit);
  req.key = 3;
  req.op = Op::kQuoteItemSwap;
  req.operation = ObjectOperation::kExchange;
  req.items = {{"A", -1}, {"B", 1}};
  EXPECT_EQ(w.catalog.handle(req, 0, 0).error, ErrorCode::kPartialExchangeNotAllowed);
  req.key = 4;
  req.items = {{"A", -2}, {"B", 2}};
  ProviderReply all = w.catalog.handle(req, 0, 0);
  EXPECT_TRUE(all.ok()) << error_name(all.error);
  EXPECT_EQ(all.amount, 400);
}

TEST(OrderLimits, ValidateRefusesWindowsThatCouldNeverApplyNamingTheField) {
  const std::string delivered =
      "skus: [{id: A, price_cents: 100}]\n"
      "orders: [{reference: W1, status: delivered, delivered_at: \"2026-11-09T11:00:00Z\", "
      "items: [{sku: A}]}]\n";
  testing::expect_world_refused(delivered + "order_rules: {within: {return: 30d}}\n",
                                "order_rules.within");  // no now:
  testing::expect_world_refused(
      "now: 2026-12-09T10:00:00Z\nskus: [{id: A, price_cents: 100}]\n"
      "order_rules: {within: {return: 30d}}\n",
      "order_rules.within");  // no order says when it was delivered
  testing::expect_world_refused(
      delivered + "now: 2026-12-09T10:00:00Z\norder_rules: {within: {return: a month}}\n",
      "order_rules.within.return");
  testing::expect_world_refused(
      delivered + "now: 2026-12-09T10:00:00Z\norder_rules: {within: {add_extras: 1d}}\n",
      "order_rules.within.add_extras");
  testing::expect_world_refused(
      "offers: [{id: F1, price_cents: 100}]\nbooking_rules: {within: {cancel: 1h}}\n",
      "booking_rules.within");
  testing::expect_world_refused(
      delivered + "now: 2026-12-09T10:00:00Z\norder_rules: {partial_exchanges: maybe}\n",
      "order_rules.partial_exchanges");
  testing::expect_world_refused(
      "skus: [{id: A, price_cents: 100}]\n"
      "orders: [{reference: W1, delivered_at: yesterday, items: [{sku: A}]}]\n",
      "orders[0].delivered_at");
}

// --dump-world writes the window, the delivery and the whole-exchange rule back.
TEST(OrderLimits, TheWindowIsDumpedBackAsItWasStated) {
  const std::string dir = testing::temp_dir("order-limits-dump");
  Scenario s = default_scenario();
  load_world_file(
      s, testing::write_temp(dir, "world.yaml",
                             lamp_world("2026-11-20T10:00:00Z", ", partial_exchanges: false")));
  write_world_file(s, dir + "/dumped.yaml");
  Scenario back = default_scenario();
  load_world_file(back, dir + "/dumped.yaml");
  check_existing_bookings(back);
  EXPECT_EQ(back.rules.orders.within[static_cast<int>(ObjectOperation::kReturn)], 30 * kDay);
  EXPECT_FALSE(back.rules.orders.partial_exchanges);
  EXPECT_TRUE(back.rules.orders.partial_returns);
  ASSERT_EQ(back.existing.orders.size(), 1u);
  EXPECT_EQ(format_utc_time(back.existing.orders[0].delivered_at), "2026-11-20T10:00:00Z");
}

}  // namespace
}  // namespace checkride
