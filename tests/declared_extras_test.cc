// The world's own extras (issue 30, part 1): what a booking can add on top of its fares, with
// free allowances by cabin, fare class, membership or value. Before, the agent's count of paid
// bags was taken as it was and priced by the flight, so a sandbox charged what the airline's
// allowance made free, and insurance paid with the fare came back as fare on a cancel.
#include <gtest/gtest.h>

#include "fakes/world.h"
#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "tests/airline_extras.h"
#include "tests/conversation_builder.h"
#include "tests/world_text.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::airline_world;
using testing::bags;
using testing::Conversation;
using testing::declared_catalog;

ReplayResult replay(const std::string& dir, const Conversation& c, const std::string& world,
                    const std::string& faults = "") {
  return testing::replay_example(dir, "airline-support", json::array({c.dump(7)}), false, world,
                                 faults, declared_catalog(dir));
}

TEST(DeclaredExtras, TheWorldsAllowanceLeavesOnlyTheBagsPastItToPayOnceUnderFaults) {
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: booking, op: add_extras, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: booking, op: add_extras, kind: outage, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: add_extras, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    const std::string dir = testing::temp_dir("extras-allowance");
    // Three bags in all, one free: production charged two, $100.
    ReplayResult r = replay(dir, bags(3, 2, 100), airline_world(dir), faults);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_NE(r.sessions[0].verdict, "diverged") << r.sessions[0].why << " under " << faults;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "charged 100.00 to card") << faults;
    for (const char* k :
         {"money_difference_cents", "duplicate_charges", "fault_rules_never_fired"}) {
      EXPECT_EQ(r.report.metrics.at(k), 0) << k << " under " << faults;
    }
  }
}

// Production charged a bag the allowance makes free: the sandbox charges nothing, and says so.
TEST(DeclaredExtras, ABagTheAllowanceMakesFreeIsNotChargedAndAChargeForItDiverges) {
  const std::string dir = testing::temp_dir("extras-free");
  ReplayResult free_ok = replay(dir, bags(1, 0, 0), airline_world(dir));
  ASSERT_EQ(free_ok.sessions.size(), 1u);
  EXPECT_EQ(free_ok.sessions[0].verdict, "same") << free_ok.sessions[0].why;
  EXPECT_EQ(free_ok.sessions[0].money_sandbox.describe(), "nothing");

  ReplayResult charged = replay(dir, bags(1, 1, 50), airline_world(dir));
  ASSERT_EQ(charged.sessions.size(), 1u);
  EXPECT_EQ(charged.sessions[0].verdict, "diverged");
  EXPECT_EQ(charged.sessions[0].code, "amount_differs") << charged.sessions[0].why;
}

// A gold member's three bags are free, whatever the agent counted as paid.
TEST(DeclaredExtras, AMembershipTierWidensTheAllowance) {
  const std::string dir = testing::temp_dir("extras-gold");
  ReplayResult r = replay(dir, bags(3, 0, 0), airline_world(dir, "gold"));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
}

// The insurance paid with the fare stays paid: a cancel refunds the fare ($249), not $279.
TEST(DeclaredExtras, ACancelRefundsTheFareAndKeepsTheInsurance) {
  const std::string dir = testing::temp_dir("extras-cancel");
  Conversation c("omar_davis_3817");
  c.say("user", "I'm omar_davis_3817. Cancel K1NW8N.");
  json history = json::array({{{"payment_id", "credit_card_9012"}, {"amount", 279}}});
  c.call("get_reservation_details", {{"reservation_id", "K1NW8N"}},
         {{"reservation_id", "K1NW8N"}, {"payment_history", history}});
  c.say("assistant", "Cancel K1NW8N for a refund of $249? The insurance is not refunded.");
  c.say("user", "Yes.");
  history.push_back({{"payment_id", "credit_card_9012"}, {"amount", -249}});
  c.call("cancel_reservation", {{"reservation_id", "K1NW8N"}},
         {{"reservation_id", "K1NW8N"}, {"status", "cancelled"}, {"payment_history", history}});
  ReplayResult r = replay(dir, c, airline_world(dir));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "refunded 249.00 to card");
}

// Omar books HAT005 ($129) with two bags (one free) and insurance: $209 in all, one charge;
// the sandbox that left the extras out charged $129 and called it the same.
TEST(DeclaredExtras, ABookingBuysItsExtrasWithTheFaresOnceUnderFaults) {
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: booking, op: hold, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: payment, op: authorize, kind: outage, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: confirm, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    const Conversation c = testing::book_insured();
    const std::string dir = testing::temp_dir("extras-book");
    ReplayResult r = replay(dir, c, airline_world(dir), faults);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_NE(r.sessions[0].verdict, "diverged") << r.sessions[0].why << " under " << faults;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "charged 209.00 to card") << faults;
    for (const char* k :
         {"money_difference_cents", "duplicate_charges", "fault_rules_never_fired"}) {
      EXPECT_EQ(r.report.metrics.at(k), 0) << k << " under " << faults;
    }
  }
}

// The fakes' own arithmetic: per passenger and flight, by cabin, fare class and value.
TEST(DeclaredExtras, AllowancesMatchTheFirstRowAndPricePerWhatTheyCount) {
  ExtraSpec bag{"bag", 3000, ExtraPer::kPassengerLeg, false, {}};
  bag.free = {{"business", "", "", -1, 2}, {"", "Y", "", -1, 1}, {"", "", "", 50000, 1}};
  const ExtraBuyer economy{"economy", "B", "", 30000, 2, 2};
  EXPECT_EQ(free_extra_units(bag, economy), 0);
  EXPECT_EQ(extra_cost(bag, economy, 1), 3000 * 2 * 2);
  const ExtraBuyer business{"business", "J", "", 30000, 2, 2};
  EXPECT_EQ(free_extra_units(bag, business), 2);
  EXPECT_EQ(extra_cost(bag, business, 2), 0);
  EXPECT_EQ(extra_cost(bag, business, 3), 3000 * 2 * 2);
  EXPECT_EQ(free_extra_units(bag, ExtraBuyer{"economy", "Y", "", 0, 1, 1}), 1);
  EXPECT_EQ(free_extra_units(bag, ExtraBuyer{"economy", "B", "", 60000, 1, 1}), 1);
  ExtraSpec per_unit{"bag", 5000, ExtraPer::kUnit, false, {{"", "", "", -1, 1}}};
  EXPECT_EQ(extra_cost(per_unit, ExtraBuyer{"", "", "", 0, 3, 1}, 4), 5000);  // 3 free
}

// The insurance paid with the fare is not fare: moving the $249 flight to the $199 one owes
// back $50, not $80, and a cancel refunds a refundable extra with the fare.
TEST(DeclaredExtras, AChangeOfFlightsPricesOnlyTheFaresAndACancelRefundsRefundableExtras) {
  const std::string dir = testing::temp_dir("extras-change");
  Scenario s = default_scenario();
  load_world_file(s, testing::write_temp(dir, "w.yaml",
                                         "offers:\n"
                                         "  - {id: F1, price_cents: 24900, capacity: 9}\n"
                                         "  - {id: F2, price_cents: 19900, capacity: 9}\n"
                                         "extras:\n"
                                         "  - {id: ins, price_cents: 3000, per: passenger}\n"
                                         "  - {id: seat, price_cents: 1500, refundable: true}\n"
                                         "bookings:\n"
                                         "  - {reference: R1, user: u, offer: F1, seats: 1,\n"
                                         "     extras: {ins: 1, seat: 1}}\n"));
  check_existing_bookings(s);
  World w;
  furnish_world(w, s);
  w.seed_existing(1, "u", s.existing, 0);
  ASSERT_EQ(w.bookings.holds_of(1).size(), 1u);
  const ObjectId id = w.bookings.holds_of(1).front();
  EXPECT_EQ(BookingsFake::paid_in_all(*w.bookings.holds().find(id)), 24900 + 3000 + 1500);
  ProviderRequest req;
  req.user = 1;
  req.access_token = w.identity.login(1, 1, kScopeBookingsWrite, 0).access_token;
  req.ref = id;
  req.key = 1;
  req.op = Op::kQuoteExchange;
  req.operation = ObjectOperation::kChangeFlights;
  req.text = "F2";
  EXPECT_EQ(w.bookings.handle(req, 0, 0).amount, 19900 - 24900);
  req.key = 2;
  req.op = Op::kCancelQuote;
  req.operation = ObjectOperation::kCancel;
  EXPECT_EQ(w.bookings.handle(req, 0, 0).amount, 24900 + 1500);
  // An extra the world does not sell is its own refusal, not a missing booking.
  req.key = 3;
  req.op = Op::kQuoteExtras;
  req.operation = ObjectOperation::kAddExtras;
  req.extras = {LineItem{"lounge", 1}};
  EXPECT_EQ(w.bookings.handle(req, 0, 0).error, ErrorCode::kUnknownExtra);
  EXPECT_EQ(http_status_of(ErrorCode::kUnknownExtra), 404);
}

TEST(DeclaredExtras, ValidateRefusesExtrasThatCouldNeverHoldNamingTheField) {
  const std::string offer =
      "offers:\n  - {id: F1, price_cents: 10000, capacity: 9, cabin: economy}\n";
  testing::expect_world_refused(offer + "extras:\n  - {id: bag, price_cents: 100, per: flight}\n",
                                "extras[0].per");
  testing::expect_world_refused(
      offer + "extras:\n  - {id: bag, price_cents: 100}\n  - {id: bag, price_cents: 5}\n",
      "extras[1].id");
  testing::expect_world_refused(
      offer + "extras:\n  - {id: bag, price_cents: 100, free: [{cabin: first, units: 1}]}\n",
      "extras[0].free[0].cabin");
  testing::expect_world_refused(
      offer + "extras:\n  - {id: bag, price_cents: 100, free: [{membership: gold, units: 1}]}\n",
      "extras[0].free[0].membership");
  testing::expect_world_refused(offer + "extras:\n  - {id: bag, price_cents: 100, colour: red}\n",
                                "colour");
  testing::expect_world_refused(
      offer + "bookings:\n  - {reference: R1, offer: F1, extras: {lounge: 1}}\n",
      "bookings[0].extras.lounge");
  testing::expect_world_refused(
      offer +
          "extras:\n  - {id: ins, price_cents: 20000}\n"
          "bookings:\n  - {reference: R1, offer: F1, paid_cents: 20000, extras: {ins: 1}}\n",
      "bookings[0].paid_cents");
}

}  // namespace
}  // namespace checkride
