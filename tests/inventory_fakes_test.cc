// Catalog reservations and coupons; booking holds, expiry and two-step cancel.
#include <gtest/gtest.h>

#include <limits>

#include "fakes/world.h"

namespace checkride {
namespace {

ProviderRequest reserve(IdempotencyKey key, UserId user, int qty, Duration ttl,
                        std::string coupon = "") {
  ProviderRequest r;
  r.op = Op::kReserve;
  r.key = key;
  r.user = user;
  r.items = {LineItem{"HOT", qty}};
  r.ttl = ttl;
  r.coupon = std::move(coupon);
  return r;
}

ProviderRequest act(Op op, ObjectId ref, IdempotencyKey key) {
  ProviderRequest r;
  r.op = op;
  r.ref = ref;
  r.key = key;
  return r;
}

TEST(CatalogFake, ReservationHoldsStockAndLapsesAfterItsTtl) {
  World w;
  w.catalog.add_sku({"HOT", "hot sneaker", 1000, 2});
  ASSERT_TRUE(w.handle(reserve(1, 1, 2, 5000), 0, 0).ok());
  EXPECT_EQ(w.handle(reserve(2, 2, 1, 5000), 100, 100).error, ErrorCode::kOutOfStock);
  EXPECT_TRUE(w.handle(reserve(3, 2, 1, 5000), 5000, 5000).ok());  // the first lapsed
  EXPECT_EQ(w.catalog.reservations().find(1)->state, CatalogFake::ReservationState::kExpired);
  EXPECT_EQ(w.handle(act(Op::kCommit, 1, 4), 5001, 5001).error, ErrorCode::kExpired);
}

// Found by the stock invariant: each line was checked alone, so the same SKU in two lines
// reserved more than the stock held (and took it below zero).
TEST(CatalogFake, OneSkuInTwoLinesIsCheckedAgainstStockAsAWhole) {
  World w;
  w.catalog.add_sku({"HOT", "hot sneaker", 1000, 5});
  ProviderRequest twice = reserve(1, 1, 3, 5000);
  twice.items.push_back(LineItem{"HOT", 3});
  EXPECT_EQ(w.handle(twice, 0, 0).error, ErrorCode::kOutOfStock);
  EXPECT_EQ(w.catalog.skus()[0].available, 5);
  twice.key = 2;
  twice.items[1].quantity = 2;
  EXPECT_TRUE(w.handle(twice, 0, 0).ok());
  EXPECT_EQ(w.catalog.skus()[0].available, 0);
}

TEST(CatalogFake, CommitNeverExceedsStockAndReleaseIsIdempotent) {
  World w;
  w.catalog.add_sku({"HOT", "hot sneaker", 1000, 1});
  ObjectId res = w.handle(reserve(1, 1, 1, 60000), 0, 0).id;
  EXPECT_TRUE(w.handle(act(Op::kCommit, res, 2), 10, 10).ok());
  EXPECT_EQ(w.handle(act(Op::kRelease, res, 3), 20, 20).error, ErrorCode::kInvalidState);
  EXPECT_EQ(w.catalog.skus()[0].committed, 1);
  ObjectId lapsed = w.handle(reserve(4, 2, 1, 10), 30, 30).id;
  EXPECT_EQ(lapsed, 0u);  // sold out
}

TEST(CatalogFake, DirectSaleWithoutReservationCanOversell) {
  World w;
  w.catalog.add_sku({"HOT", "hot sneaker", 1000, 1});
  for (int i = 0; i < 3; ++i) {
    ProviderRequest r;
    r.op = Op::kCommit;
    r.key = 10 + i;
    r.user = 1 + i;
    r.items = {LineItem{"HOT", 1}};
    EXPECT_TRUE(w.handle(r, i, i).ok());
  }
  EXPECT_EQ(w.catalog.skus()[0].committed - w.catalog.skus()[0].spec.stock, 2);
}

TEST(CatalogFake, CouponBudgetAndPerUserLimitAreHeldByReservations) {
  World w;
  w.catalog.add_sku({"HOT", "hot sneaker", 1000, 100});
  w.catalog.add_coupon({"FEST", 300, 600, 1});
  EXPECT_TRUE(w.handle(reserve(1, 1, 1, 60000, "FEST"), 0, 0).ok());
  EXPECT_EQ(w.handle(reserve(2, 1, 1, 60000, "FEST"), 0, 0).error, ErrorCode::kCouponLimit);
  EXPECT_TRUE(w.handle(reserve(3, 2, 1, 60000, "FEST"), 0, 0).ok());
  EXPECT_EQ(w.handle(reserve(4, 3, 1, 60000, "FEST"), 0, 0).error, ErrorCode::kCouponExhausted);
  EXPECT_TRUE(w.handle(act(Op::kRelease, 2, 5), 1, 1).ok());  // user 2 gives it back
  EXPECT_TRUE(w.handle(reserve(6, 3, 1, 60000, "FEST"), 2, 2).ok());
}

class BookingsFakeTest : public ::testing::Test {
 protected:
  World w;
  SessionGrant grant = w.identity.login(1, 1, kScopeBookingsWrite, 0);
  void SetUp() override { w.bookings.add_offer({"OF1", "SFO-JFK", 30000, 2, 80}); }
  ProviderRequest hold(IdempotencyKey key, int seats, Duration ttl) {
    ProviderRequest r;
    r.op = Op::kHold;
    r.key = key;
    r.user = 1;
    r.text = "OF1";
    r.items = {LineItem{"", seats}};
    r.ttl = ttl;
    r.access_token = grant.access_token;
    return r;
  }
  ObjectId authorize(int64_t amount) {
    PaymentMethodId pm = w.payments.add_method(1, CardBehaviour::kSucceeds);
    ProviderRequest r;
    r.op = Op::kAuthorize;
    r.key = 900 + amount;
    r.amount = amount;
    r.payment_method = pm;
    r.access_token = grant.access_token;
    return w.handle(r, 0, 0).id;
  }
  ProviderRequest on(Op op, ObjectId hold_id, IdempotencyKey key, ObjectId payment = 0) {
    ProviderRequest r = act(op, hold_id, key);
    r.payment = payment;
    r.access_token = grant.access_token;
    return r;
  }
};

TEST_F(BookingsFakeTest, HoldThenPayConfirmsOnlyWithAnAuthorizedPaymentForTheTotal) {
  ObjectId h = w.handle(hold(1, 2, 60000), 0, 0).id;
  EXPECT_EQ(w.handle(on(Op::kConfirm, h, 2, authorize(100)), 10, 10).error, ErrorCode::kBadRequest);
  EXPECT_TRUE(w.handle(on(Op::kConfirm, h, 3, authorize(60000)), 20, 20).ok());
  EXPECT_EQ(w.bookings.offers()[0].confirmed, 2);
}

TEST_F(BookingsFakeTest, AnExpiredHoldCannotBePaidAndItsSeatsReturn) {
  ObjectId h = w.handle(hold(1, 2, 1000), 0, 0).id;
  ObjectId pi = authorize(60000);
  EXPECT_EQ(w.handle(on(Op::kConfirm, h, 2, pi), 1000, 1000).error, ErrorCode::kExpired);
  EXPECT_TRUE(w.handle(hold(3, 2, 1000), 1001, 1001).ok());
}

TEST_F(BookingsFakeTest, TwoStepCancelRefundsPerTheFarePolicy) {
  ObjectId h = w.handle(hold(1, 1, 60000), 0, 0).id;
  w.handle(on(Op::kConfirm, h, 2, authorize(30000)), 10, 10);
  EXPECT_EQ(w.handle(on(Op::kCancelConfirm, h, 3), 20, 20).error, ErrorCode::kInvalidState);
  EXPECT_EQ(w.handle(on(Op::kCancelQuote, h, 4), 30, 30).amount, 24000);
  EXPECT_EQ(w.handle(on(Op::kCancelConfirm, h, 5), 40, 40).amount, 24000);
  EXPECT_EQ(w.bookings.offers()[0].confirmed, 0);
}

}  // namespace
}  // namespace checkride

namespace checkride {
namespace {

// A booking that existed before the session widens its offer by its seats, so seeding it in
// every session of a huge run could overflow the offer's counters: it stops seeding instead.
// An itinerary (a one-stop) is one hold: seats on every flight or on none, paid, released
// and cancelled whole, each flight's fare rule refunding its part.
TEST_F(BookingsFakeTest, AnItineraryHoldsEveryFlightOrNone) {
  w.bookings.add_offer({"OF2", "JFK-BOS", 10000, 1, 0});  // one seat, non-refundable
  ProviderRequest both = hold(1, 2, 60000);
  both.items.push_back(LineItem{"OF2", 2});
  EXPECT_EQ(w.handle(both, 0, 0).error, ErrorCode::kOutOfStock);  // OF2 has one seat
  EXPECT_EQ(w.bookings.offers()[0].available, 2) << "nothing held on the first flight";
  ProviderRequest one = hold(2, 1, 60000);
  one.items.push_back(LineItem{"OF2", 1});
  ProviderReply held = w.handle(one, 0, 0);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held.amount, 30000 + 10000);
  EXPECT_EQ(w.bookings.offers()[0].available, 1);
  EXPECT_EQ(w.bookings.offers()[1].available, 0);
  ProviderRequest mixed = hold(3, 1, 60000);
  mixed.items.push_back(LineItem{"OF1", 1});  // one flight twice
  EXPECT_EQ(w.handle(mixed, 0, 0).error, ErrorCode::kBadRequest);
  ASSERT_TRUE(w.handle(on(Op::kConfirm, held.id, 4, authorize(40000)), 10, 10).ok());
  EXPECT_EQ(w.bookings.offers()[0].confirmed, 1);
  EXPECT_EQ(w.bookings.offers()[1].confirmed, 1);
  ProviderReply quote = w.handle(on(Op::kCancelQuote, held.id, 5), 20, 20);
  EXPECT_EQ(quote.amount, 30000 * 80 / 100) << "80% of the first flight, none of the second";
  ASSERT_TRUE(w.handle(on(Op::kCancelConfirm, held.id, 6), 30, 30).ok());
  EXPECT_EQ(w.bookings.offers()[0].available, 2);
  EXPECT_EQ(w.bookings.offers()[1].available, 1);
  EXPECT_EQ(w.bookings.offers()[1].confirmed, 0);
}

TEST(BookingsFake, SeedingABookingNeverOverflowsTheOffersCounters) {
  World w;
  w.bookings.add_offer(OfferSpec{"F", "A-B", 100, std::numeric_limits<int32_t>::max() - 5, 100});
  ExistingBooking b;
  b.reference = "R";
  b.offer = "F";
  b.seats = 5;
  EXPECT_TRUE(w.seed_booking(1, b, 0));
  EXPECT_FALSE(w.seed_booking(2, b, 0));  // one more seat would pass INT32_MAX
  EXPECT_EQ(w.bookings.offers().front().spec.capacity, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(w.bookings.offers().front().confirmed, 5);
}

// A change of flights keeps the price paid for the flight it keeps and prices the one it adds
// at today's fare, and the flight it leaves charges its change fee (issue 30, part 2). Ana
// paid $250 for A ($100 today) and B ($200 today): A keeps $83.33 of it, rounded down.
TEST(BookingsFake, AChangeKeepsThePricePaidForTheFlightItKeepsAndChargesTheFee) {
  World w;
  OfferSpec a{"A", "SFO-DEN", 10000, 10}, b{"B", "DEN-JFK", 20000, 10},
      c{"C", "DEN-JFK", 15000, 10};
  b.change_fee = 2500;
  for (const OfferSpec& o : {a, b, c}) w.bookings.add_offer(o);
  ExistingBooking booking;
  booking.reference = "R";
  booking.offer = "A";
  booking.connections = {"B"};
  ASSERT_NE(w.bookings.seed_confirmed(1, booking, 25000, 0, {}, 0), 0u);
  ProviderRequest q = act(Op::kQuoteExchange, w.bookings.holds_of(1).front(), 1);
  q.user = 1;
  q.access_token = w.identity.client_credentials(kAllApiScopes, 0, kHour);
  q.text = "A";
  q.items = {LineItem{"", 1}, LineItem{"C", 1}};
  ProviderReply r = w.bookings.handle(q, 0, 0);
  ASSERT_TRUE(r.ok()) << error_name(r.error);
  EXPECT_EQ(r.amount, 8333 + 15000 + 2500 - 25000);  // A as paid, C today, B's fee
  // Moving both flights keeps nothing paid: today's fares, and B's fee.
  q.key = 2;
  q.text = "C";
  q.items = {LineItem{"", 1}};
  EXPECT_EQ(w.bookings.handle(q, 0, 0).amount, 15000 + 2500 - 25000);
}

}  // namespace
}  // namespace checkride
