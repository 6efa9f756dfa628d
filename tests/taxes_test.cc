// Taxes as a part of what was paid (issue 30, part 1): a sales tax on a shop's items and gift
// wrap, an excise tax on fares and a security fee per passenger per flight. Before, a world
// could not state them, so every purchase a production system taxed replayed as a divergence
// in money, and a cancel or a return could not refund the tax by its own rule.
#include <gtest/gtest.h>

#include "fakes/world.h"
#include "scenario/scenario.h"
#include "tests/airline_extras.h"
#include "tests/order_extras.h"
#include "tests/world_text.h"

namespace checkride {
namespace {

using nlohmann::json;

const char* kSalesTax =
    "taxes:\n  - {id: sales_tax, on: orders, rate: 8.25%, of: [items, gift_wrap]}\n";
const char* kAirlineTaxes =
    "taxes:\n"
    "  - {id: excise_tax, rate: 7.5%}\n"
    "  - {id: security_fee, amount_cents: 560, per: passenger_leg, refundable: false}\n";

TEST(Taxes, RatesParseToPartsPerMillionAndRoundHalvesAwayFromZero) {
  int64_t ppm = 0;
  ASSERT_TRUE(parse_tax_rate("8.25%", ppm));
  EXPECT_EQ(ppm, 82500);
  ASSERT_TRUE(parse_tax_rate("7%", ppm));
  EXPECT_EQ(ppm, 70000);
  ASSERT_TRUE(parse_tax_rate("0.0001%", ppm));
  EXPECT_EQ(ppm, 1);
  ASSERT_TRUE(parse_tax_rate("100%", ppm));
  for (const char* bad : {"8.25", "%", "8.%", ".5%", "8.12345%", "100.01%", "-1%", "1e2%", "8,5%"})
    EXPECT_FALSE(parse_tax_rate(bad, ppm)) << bad;
  EXPECT_EQ(tax_rate_text(82500), "8.25%");
  EXPECT_EQ(tax_rate_text(70000), "7%");
  EXPECT_EQ(tax_rate_text(1), "0.0001%");
  EXPECT_EQ(tax_at_rate(82500, 5499), 454);   // 453.67
  EXPECT_EQ(tax_at_rate(75000, 10002), 750);  // 750.15
  EXPECT_EQ(tax_at_rate(50000, 10), 1);       // 0.5: half away from zero
  EXPECT_EQ(tax_at_rate(50000, -10), -1);     // owed back the same way
}

// The shop's arithmetic: the quote holds the tax on the items and the wrap; a return refunds
// the items' share and the tax on it, and keeps the wrap and its tax; a swap charges the tax
// on the difference; a seeded order without paid_cents paid its tax too.
TEST(Taxes, AnOrdersSalesTaxIsPaidWithItAndRefundedOnWhatComesBack) {
  World w;
  testing::seed_world_text(
      w,
      "skus: [{id: A, price_cents: 4000, stock: 9}, {id: B, price_cents: 2000, stock: 9},\n"
      "       {id: C, price_cents: 3000, stock: 9}]\n"
      "orders:\n"
      "  - {reference: W1, user: u, status: delivered, extras: {gift_wrap: 1},\n"
      "     items: [{sku: A, quantity: 1}, {sku: B, quantity: 1}]}\n" +
          std::string(testing::kGiftWrap) + kSalesTax);
  const CatalogFake::Order& seeded = *w.catalog.orders().find(w.catalog.orders_of(1).front());
  EXPECT_EQ(seeded.total, 6000 + 500 + 536);  // 8.25% of $65.00 is $5.3625
  ProviderRequest req;
  req.op = Op::kReturnItems;
  req.user = 1;
  req.key = 1;
  req.ref = w.catalog.orders_of(1).front();
  req.operation = ObjectOperation::kReturn;
  req.items = {{"B", 1}};
  EXPECT_EQ(w.catalog.handle(req, 0, 0).amount, 2000 + 165);  // B and its tax; the wrap stays
  req.key = 2;
  req.op = Op::kSwapItems;
  req.operation = ObjectOperation::kExchange;
  req.items = {{"A", -1}, {"C", 1}};
  EXPECT_EQ(w.catalog.handle(req, 0, 0).amount, -1000 - 83);  // $10 back, and its tax
  req = ProviderRequest{};
  req.op = Op::kQuote;
  req.user = 1;
  req.items = {{"A", 1}};
  req.extras = {{"gift_wrap", 1}};
  EXPECT_EQ(w.catalog.handle(req, 0, 0).amount, 4500 + 371);  // 8.25% of $45.00
}

// The airline's arithmetic: a hold pays the excise on its fares and the fee per passenger per
// flight; a cancel of a non-refundable fare refunds the excise (refundable) and keeps the
// fee; a change pays the excise on the difference.
TEST(Taxes, ABookingsTaxesArePaidWithItsFaresAndRefundedByTheirOwnRule) {
  World w;
  testing::seed_world_text(
      w,
      "offers:\n"
      "  - {id: F1, price_cents: 20000, capacity: 9, refund_percent: 0}\n"
      "  - {id: F2, price_cents: 30000, capacity: 9}\n"
      "  - {id: F3, price_cents: 10000, capacity: 9}\n"
      "bookings:\n"
      "  - {reference: R1, user: u, offer: F1, connections: [F3], seats: 2}\n" +
          std::string(kAirlineTaxes));
  const ObjectId id = w.bookings.holds_of(1).front();
  // Fares $600 for two on two flights; excise $45; the fee $5.60 x 2 x 2.
  EXPECT_EQ(BookingsFake::paid_in_all(*w.bookings.holds().find(id)), 60000 + 4500 + 2240);
  const TokenId token = w.identity.login(1, 1, kScopeBookingsWrite, 0).access_token;
  ProviderRequest req;
  req.user = 1;
  req.access_token = token;
  req.ref = id;
  req.key = 1;
  req.op = Op::kQuoteExchange;
  req.operation = ObjectOperation::kChangeFlights;
  req.text = "F2";  // one flight, F2, for the two: $600 of fares, one flight's fee less
  EXPECT_EQ(w.bookings.handle(req, 0, 0).amount, 0 + 0 - 1120);
  req.key = 2;
  req.op = Op::kCancelQuote;
  req.operation = ObjectOperation::kCancel;
  req.text.clear();
  // F1's fare refunds nothing and F3's all ($200 of the $600): the excise whole, no fee.
  EXPECT_EQ(w.bookings.handle(req, 0, 0).amount, 20000 + 4500);
  req = ProviderRequest{};
  req.op = Op::kHold;
  req.user = 1;
  req.access_token = token;
  req.key = 3;
  req.text = "F2";
  req.items = {{"", 1}};
  req.ttl = kMinute;
  EXPECT_EQ(w.bookings.handle(req, 0, 0).amount, 30000 + 2250 + 560);
}

ReplayResult replay_order(const std::string& name, double charged, const std::string& faults) {
  const std::string dir = testing::temp_dir(name);
  const std::string world = testing::write_temp(
      dir, "taxed.yaml", testing::read_text(testing::gift_wrap_world(dir)) + kSalesTax);
  return testing::replay_example(
      dir, "retail-support",
      json::array({testing::order_wrapped("LAMP-DESK-BLK", charged).dump(400)}), false, world,
      faults, testing::gift_wrap_catalog(dir));
}

// The lamp ($54.99) wrapped ($5.00) with 8.25% on both: $64.94, charged once under lost
// answers, an outage and a crash; production that charged no tax diverges.
TEST(Taxes, ATaxedOrderIsChargedItsTaxOnceUnderFaultsAndAnUntaxedRecordingDiverges) {
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: catalog, op: reserve, kind: lost_response, nth: 1}\n"
                    "- {provider: catalog, op: commit, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: catalog, op: commit, kind: outage, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: capture, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    ReplayResult r = replay_order("taxed-order", 64.94, faults);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_NE(r.sessions[0].verdict, "diverged") << r.sessions[0].why << " under " << faults;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "charged 64.94 to card") << faults;
    for (const char* k : {"duplicate_charges", "money_difference_cents", "fault_rules_never_fired"})
      EXPECT_EQ(r.report.metrics.at(k), 0) << k << " under " << faults;
  }
  ReplayResult untaxed = replay_order("untaxed-order", 59.99, "");
  ASSERT_EQ(untaxed.sessions.size(), 1u);
  EXPECT_EQ(untaxed.sessions[0].verdict, "diverged");
  // The user agreed to $59.99: the sandbox's $64.94 is past that consent, so it asks again
  // rather than charge it.
  EXPECT_EQ(untaxed.sessions[0].code, "confirmation_required") << untaxed.sessions[0].why;
  EXPECT_EQ(untaxed.sessions[0].money_sandbox.describe(), "nothing");
}

// Omar's HAT005 ($129) with a paid bag ($50) and insurance ($30): the excise on the fare
// ($9.68) and the fee for one passenger on one flight ($5.60), $224.28 in one charge.
TEST(Taxes, ABookingPaysItsTaxesWithItsFaresOnceUnderFaults) {
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: booking, op: hold, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: payment, op: authorize, kind: outage, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: confirm, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    const std::string dir = testing::temp_dir("taxed-booking");
    const std::string world = testing::write_temp(
        dir, "taxed.yaml", testing::read_text(testing::airline_world(dir)) + kAirlineTaxes);
    ReplayResult r = testing::replay_example(dir, "airline-support",
                                             json::array({testing::book_insured(224.28).dump(7)}),
                                             false, world, faults, testing::declared_catalog(dir));
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_NE(r.sessions[0].verdict, "diverged") << r.sessions[0].why << " under " << faults;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "charged 224.28 to card") << faults;
    for (const char* k : {"money_difference_cents", "duplicate_charges", "fault_rules_never_fired"})
      EXPECT_EQ(r.report.metrics.at(k), 0) << k << " under " << faults;
  }
}

// A world written back (replay --dump-world) states the same taxes.
TEST(Taxes, AWorldWrittenBackKeepsItsTaxes) {
  Scenario s = testing::load_world_text(
      "skus: [{id: A, price_cents: 4000}]\n"
      "offers: [{id: F1, price_cents: 10000, capacity: 9}]\n" +
      std::string(testing::kGiftWrap) +
      "taxes:\n"
      "  - {id: sales_tax, on: orders, rate: 8.25%, of: [gift_wrap, items]}\n"
      "  - {id: bag_levy, on: orders, amount_cents: 28}\n"
      "  - {id: excise_tax, rate: 0.0625%}\n"
      "  - {id: security_fee, amount_cents: 560, per: passenger_leg, refundable: false}\n");
  const std::string path = testing::temp_dir("taxes-dump") + "/world.yaml";
  write_world_file(s, path);
  Scenario again = testing::load_world_text(testing::read_text(path));
  ASSERT_EQ(again.taxes.size(), 4u) << testing::read_text(path);
  for (std::size_t i = 0; i < 4; ++i) {
    const TaxSpec &a = s.taxes[i], &b = again.taxes[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.on_orders, b.on_orders) << a.id;
    EXPECT_EQ(a.rate_ppm, b.rate_ppm) << a.id;
    EXPECT_EQ(a.amount, b.amount) << a.id;
    EXPECT_EQ(a.per, b.per) << a.id;
    EXPECT_EQ(a.of_fares, b.of_fares) << a.id;
    EXPECT_EQ(a.of_extras, b.of_extras) << a.id;
    EXPECT_EQ(a.refundable, b.refundable) << a.id;
  }
}

TEST(Taxes, ValidateRefusesTaxesThatCouldNeverHoldNamingTheField) {
  const std::string skus = "skus: [{id: A, price_cents: 4000}]\n";
  const std::string offer = "offers: [{id: F1, price_cents: 10000, capacity: 9}]\n";
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {"taxes: [{id: t, rate: 8%}, {id: t, rate: 1%}]\n", "taxes[1].id"},
           {"taxes: [{id: t}]\n", "taxes[0].rate"},
           {"taxes: [{id: t, rate: 8%, amount_cents: 5}]\n", "taxes[0].amount_cents"},
           {"taxes: [{id: t, rate: 0%}]\n", "taxes[0].rate"},
           {"taxes: [{id: t, rate: 101%}]\n", "taxes[0].rate"},
           {"taxes: [{id: t, rate: 8}]\n", "taxes[0].rate"},
           {"taxes: [{id: t, rate: 8%, per: passenger}]\n", "taxes[0].per"},
           {"taxes: [{id: t, amount_cents: 5, of: [fares]}]\n", "taxes[0].of"},
           {"taxes: [{id: t, amount_cents: 5, per: unit}]\n", "taxes[0].per"},
           {"taxes: [{id: t, amount_cents: 5, per: passenger, on: orders}]\n", "taxes[0].per"},
           {"taxes: [{id: t, rate: 8%, on: orders, of: [fares]}]\n", "taxes[0].of"},
           {"taxes: [{id: t, rate: 8%, of: [fares, fares]}]\n", "taxes[0].of"},
           {"taxes: [{id: t, rate: 8%, on: orders, refundable: false}]\n", "taxes[0].refundable"},
           {"taxes: [{id: t, rate: 8%, on: shelves}]\n", "taxes[0].on"},
           {"taxes: [{id: t, rate: 8%, colour: red}]\n", "colour"},
           {"taxes: [{id: t, rate: 8%, of: [fares, lounge]}]\n", "taxes[0].of"},
       }) {
    testing::expect_world_refused(skus + offer + text, field);
  }
  // A rate on an extra sold on the other kind, and a payment that leaves the tax out.
  testing::expect_world_refused(skus + std::string(testing::kGiftWrap) +
                                    "taxes: [{id: t, rate: 8%, of: [fares, gift_wrap]}]\n",
                                "taxes[0].of");
  testing::expect_world_refused(offer +
                                    "taxes: [{id: t, amount_cents: 10000}]\n"
                                    "bookings: [{reference: R1, offer: F1, paid_cents: 10000}]\n",
                                "bookings[0].paid_cents");
  testing::expect_world_refused(
      skus +
          "taxes: [{id: t, on: orders, amount_cents: 5000}]\n"
          "orders: [{reference: W1, items: [{sku: A}], paid_cents: 4000}]\n",
      "orders[0].paid_cents");
}

}  // namespace
}  // namespace checkride
