// Extras sold on orders (issue 30, part 1): gift wrap priced once an order and free for
// orders of $100 or more. Before, a world could state extras on bookings only, so an order
// with gift wrap was charged its items alone and a recording that paid for the wrap diverged.
#include "tests/order_extras.h"

#include <gtest/gtest.h>

#include "fakes/world.h"
#include "scenario/scenario.h"
#include "tests/world_text.h"

namespace checkride {
namespace {

using nlohmann::json;

ReplayResult replay(const std::string& name, const testing::Conversation& c,
                    const std::string& faults = "") {
  const std::string dir = testing::temp_dir(name);
  return testing::replay_example(dir, "retail-support", json::array({c.dump(400)}), false,
                                 testing::gift_wrap_world(dir), faults,
                                 testing::gift_wrap_catalog(dir));
}

// The lamp ($54.99) with its wrap is $59.99, charged once under lost answers of the
// reservation, the commit and the capture, and a crash; the keyboard ($129.50) is wrapped
// free.
TEST(OrderExtras, AnOrdersGiftWrapIsPricedPastTheAllowanceAndChargedOnce) {
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: catalog, op: reserve, kind: lost_response, nth: 1}\n"
                    "- {provider: catalog, op: commit, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: payment, op: capture, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: catalog, op: commit, kind: outage, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: capture, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    ReplayResult lamp =
        replay("order-wrap-lamp", testing::order_wrapped("LAMP-DESK-BLK", 59.99), faults);
    ASSERT_EQ(lamp.sessions.size(), 1u);
    EXPECT_NE(lamp.sessions[0].verdict, "diverged") << lamp.sessions[0].why << " under " << faults;
    EXPECT_EQ(lamp.sessions[0].money_sandbox.describe(), "charged 59.99 to card") << faults;
    for (const char* k : {"duplicate_charges", "money_difference_cents", "fault_rules_never_fired"})
      EXPECT_EQ(lamp.report.metrics.at(k), 0) << k << " under " << faults;
  }
  ReplayResult keyboard = replay("order-wrap-free", testing::order_wrapped("KBD-MECH-BRN", 129.50));
  ASSERT_EQ(keyboard.sessions.size(), 1u);
  EXPECT_EQ(keyboard.sessions[0].verdict, "same") << keyboard.sessions[0].why;
  // Production charged the wrap on the keyboard: the world's allowance makes it free.
  ReplayResult charged =
      replay("order-wrap-charged", testing::order_wrapped("KBD-MECH-BRN", 134.50));
  ASSERT_EQ(charged.sessions.size(), 1u);
  EXPECT_EQ(charged.sessions[0].verdict, "diverged");
  EXPECT_EQ(charged.sessions[0].code, "amount_differs") << charged.sessions[0].why;
}

// The fake's own arithmetic: the order's total holds its wrap, a return gives back what the
// items were paid and keeps the wrap, and a seeded order's wrap is paid within paid_cents.
TEST(OrderExtras, AReturnRefundsTheItemsAndKeepsTheWrap) {
  World w;
  testing::seed_world_text(
      w,
      "skus: [{id: A, price_cents: 4000, stock: 9}, {id: B, price_cents: 2000, stock: 9}]\n"
      "orders:\n"
      "  - {reference: W1, user: u, status: delivered, extras: {gift_wrap: 1},\n"
      "     items: [{sku: A, quantity: 1}, {sku: B, quantity: 1}]}\n" +
          std::string(testing::kGiftWrap));
  ASSERT_EQ(w.catalog.orders_of(1).size(), 1u);
  const CatalogFake::Order& seeded = *w.catalog.orders().find(w.catalog.orders_of(1).front());
  EXPECT_EQ(seeded.total, 6500);
  EXPECT_EQ(seeded.extras_paid, 500);
  ProviderRequest req;
  req.op = Op::kReturnItems;
  req.user = 1;
  req.key = 1;
  req.ref = w.catalog.orders_of(1).front();
  req.operation = ObjectOperation::kReturn;
  req.items = {{"A", 1}, {"B", 1}};
  EXPECT_EQ(w.catalog.handle(req, 0, 0).amount, 6000);
  req = ProviderRequest{};
  req.op = Op::kQuote;
  req.user = 1;
  req.items = {{"A", 1}};
  req.extras = {{"gift_wrap", 1}};
  EXPECT_EQ(w.catalog.handle(req, 0, 0).amount, 4500);
  req.items = {{"A", 3}};
  EXPECT_EQ(w.catalog.handle(req, 0, 0).amount, 12000);  // $100 or more: wrapped free
  req.extras = {{"lounge", 1}};
  EXPECT_EQ(w.catalog.handle(req, 0, 0).error, ErrorCode::kUnknownExtra);
}

TEST(OrderExtras, ValidateRefusesOrderExtrasThatCouldNeverHoldNamingTheField) {
  const std::string skus = "skus: [{id: A, price_cents: 4000}]\n";
  testing::expect_world_refused(
      skus + "extras: [{id: wrap, price_cents: 500, on: orders, per: passenger}]\n",
      "extras[0].per");
  testing::expect_world_refused(skus + "extras: [{id: wrap, price_cents: 500, on: shelves}]\n",
                                "extras[0].on");
  testing::expect_world_refused(
      skus + "extras: [{id: wrap, price_cents: 500, on: orders, free: [{cabin: economy}]}]\n",
      "extras[0].free[0].cabin");
  // A seeded order holds an extra sold on bookings, or one whose price its payment leaves out.
  testing::expect_world_refused(
      skus +
          "extras: [{id: bag, price_cents: 500}]\n"
          "orders: [{reference: W1, items: [{sku: A}], extras: {bag: 1}}]\n",
      "orders[0].extras.bag");
  testing::expect_world_refused(
      skus +
          "extras: [{id: wrap, price_cents: 500, on: orders}]\n"
          "orders: [{reference: W1, items: [{sku: A}], extras: {wrap: 1}, paid_cents: 400}]\n",
      "orders[0].paid_cents");
}

}  // namespace
}  // namespace checkride
