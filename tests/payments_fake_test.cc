// Stripe PaymentIntents semantics of the payment fake, idempotency table included.
#include <gtest/gtest.h>

#include "fakes/world.h"

namespace checkride {
namespace {

class PaymentsFakeTest : public ::testing::Test {
 protected:
  World world;
  SessionGrant grant = world.identity.login(1, 1, kScopePaymentsCharge, 0);
  PaymentMethodId visa = world.payments.add_method(1, CardBehaviour::kSucceeds);

  ProviderRequest authorize(IdempotencyKey key, int64_t amount, PaymentMethodId pm) {
    ProviderRequest r;
    r.op = Op::kAuthorize;
    r.key = key;
    r.amount = amount;
    r.payment_method = pm;
    r.access_token = grant.access_token;
    return r;
  }
  ProviderRequest on(Op op, ObjectId pi, IdempotencyKey key, int64_t amount = 0) {
    ProviderRequest r;
    r.op = op;
    r.ref = pi;
    r.key = key;
    r.amount = amount;
    r.access_token = grant.access_token;
    return r;
  }
};

TEST_F(PaymentsFakeTest, SameKeySameParamsReplaysTheFirstResponseWithoutASecondIntent) {
  ProviderReply first = world.handle(authorize(42, 7900, visa), 100, 150);
  ProviderReply again = world.handle(authorize(42, 7900, visa), 200, 250);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.status, "requires_capture");
  EXPECT_EQ(world.payments.intents().issued(), 1u);
}

TEST_F(PaymentsFakeTest, SameKeyDifferentParamsIsAnIdempotencyError) {
  world.handle(authorize(42, 7900, visa), 100, 150);
  ProviderReply other = world.handle(authorize(42, 9900, visa), 200, 250);
  EXPECT_EQ(other.error, ErrorCode::kIdempotencyError);
  EXPECT_EQ(http_status_of(other.error), 400);
  EXPECT_EQ(world.payments.intents().issued(), 1u);
}

TEST_F(PaymentsFakeTest, SameKeyWhileTheFirstIsInFlightIsA409) {
  world.handle(authorize(42, 7900, visa), 100, 900);  // answered at t=900
  ProviderReply concurrent = world.handle(authorize(42, 7900, visa), 500, 600);
  EXPECT_EQ(concurrent.error, ErrorCode::kIdempotencyKeyInUse);
  EXPECT_EQ(http_status_of(concurrent.error), 409);
  EXPECT_TRUE(world.handle(authorize(42, 7900, visa), 901, 950).ok());
}

TEST_F(PaymentsFakeTest, KeysExpireAfter24HoursOfVirtualTime) {
  world.handle(authorize(42, 7900, visa), 100, 150);
  // A new login: the first access token expired long ago.
  grant = world.identity.login(1, 1, kScopePaymentsCharge, 100 + 24 * kHour);
  ProviderReply later = world.handle(authorize(42, 7900, visa), 100 + 24 * kHour, 100 + 24 * kHour);
  EXPECT_TRUE(later.ok());
  EXPECT_EQ(world.payments.intents().issued(), 2u);
}

TEST_F(PaymentsFakeTest, ErrorsAreStoredAndReplayedToo) {
  PaymentMethodId declined = world.payments.add_method(1, CardBehaviour::kDeclined);
  ProviderReply first = world.handle(authorize(7, 500, declined), 0, 10);
  ProviderReply again = world.handle(authorize(7, 500, declined), 20, 30);
  EXPECT_EQ(first.error, ErrorCode::kCardDeclined);
  EXPECT_EQ(again.error, ErrorCode::kCardDeclined);
  EXPECT_EQ(again.id, first.id);
}

TEST_F(PaymentsFakeTest, TestPaymentMethodsBehaveAsStripes) {
  CardBehaviour b;
  ASSERT_TRUE(parse_card_behaviour("pm_card_visa_chargeDeclinedInsufficientFunds", b));
  PaymentMethodId poor = world.payments.add_method(1, b);
  PaymentMethodId sca = world.payments.add_method(1, CardBehaviour::kAuthRequired);
  EXPECT_EQ(world.handle(authorize(1, 500, poor), 0, 0).error, ErrorCode::kInsufficientFunds);
  ProviderReply three_ds = world.handle(authorize(2, 500, sca), 0, 0);
  EXPECT_TRUE(three_ds.ok());
  EXPECT_EQ(three_ds.status, "requires_action");
  EXPECT_FALSE(world.payments.intents().find(2)->authorized);
}

TEST_F(PaymentsFakeTest, CaptureVoidAndRefundFollowTheStatusMachine) {
  ObjectId pi = world.handle(authorize(1, 7900, visa), 0, 0).id;
  EXPECT_EQ(world.handle(on(Op::kCapture, pi, 2), 10, 10).status, "succeeded");
  ProviderReply second_capture = world.handle(on(Op::kCapture, pi, 3), 20, 20);
  EXPECT_EQ(second_capture.error, ErrorCode::kInvalidState);
  EXPECT_EQ(world.handle(on(Op::kVoid, pi, 4), 30, 30).error, ErrorCode::kInvalidState);
  EXPECT_TRUE(world.handle(on(Op::kRefund, pi, 5, 2000), 40, 40).ok());
  EXPECT_EQ(world.handle(on(Op::kRefund, pi, 6, 7000), 50, 50).error, ErrorCode::kBadRequest);
  EXPECT_EQ(world.payments.find(pi)->refunded, 2000);

  ObjectId other = world.handle(authorize(7, 100, visa), 60, 60).id;
  EXPECT_EQ(world.handle(on(Op::kVoid, other, 8), 70, 70).status, "canceled");
  EXPECT_EQ(world.handle(on(Op::kCapture, other, 9), 80, 80).error, ErrorCode::kInvalidState);
}

TEST_F(PaymentsFakeTest, APartialCaptureTakesLessAndRefundsStopAtWhatWasTaken) {
  ObjectId pi = world.handle(authorize(1, 8000, visa), 0, 0).id;
  EXPECT_EQ(world.handle(on(Op::kCapture, pi, 2, 9000), 10, 10).error, ErrorCode::kBadRequest);
  EXPECT_TRUE(world.handle(on(Op::kCapture, pi, 3, 6000), 20, 20).ok());
  EXPECT_EQ(world.payments.find(pi)->received, 6000);
  EXPECT_EQ(world.handle(on(Op::kRefund, pi, 4, 6001), 30, 30).error, ErrorCode::kBadRequest);
  ProviderReply rest = world.handle(on(Op::kRefund, pi, 5), 40, 40);
  EXPECT_EQ(rest.amount, 6000) << "a refund without an amount gives back what was taken";
}

TEST_F(PaymentsFakeTest, CancellingTwiceIsRefusedAndThreeDSecureFinishesEitherWay) {
  ObjectId pi = world.handle(authorize(1, 900, visa), 0, 0).id;
  EXPECT_TRUE(world.handle(on(Op::kVoid, pi, 2), 10, 10).ok());
  EXPECT_EQ(world.payments.find(pi)->canceled_at, 10);
  EXPECT_EQ(world.handle(on(Op::kVoid, pi, 3), 20, 20).error, ErrorCode::kInvalidState);

  PaymentMethodId sca = world.payments.add_method(1, CardBehaviour::kAuthRequired);
  ObjectId passed = world.handle(authorize(4, 900, sca), 30, 30).id;
  EXPECT_TRUE(world.payments.authenticate(passed, true).ok());
  EXPECT_EQ(world.payments.find(passed)->status, PaymentsFake::Status::kRequiresCapture);
  EXPECT_EQ(world.payments.authenticate(passed, true).error, ErrorCode::kInvalidState);
  ObjectId failed = world.handle(authorize(5, 900, sca), 40, 40).id;
  EXPECT_EQ(world.payments.authenticate(failed, false).error, ErrorCode::kCardDeclined);
  EXPECT_EQ(world.payments.find(failed)->status, PaymentsFake::Status::kRequiresPaymentMethod);
  EXPECT_FALSE(world.payments.find(failed)->authorized);
}

TEST_F(PaymentsFakeTest, EveryDeclineCardIsRefusedWithItsOwnCodes) {
  std::size_t n = 0;
  const TestCard* cards = test_cards(n);
  int declines = 0;
  for (std::size_t i = 0; i < n; ++i) {
    PaymentMethodId pm = world.payments.add_method(1, cards[i]);
    ProviderReply r = world.handle(authorize(100 + i, 900, pm), 0, 0);
    EXPECT_EQ(r.ok(), !is_declined(cards[i].behaviour)) << cards[i].name;
    if (is_declined(cards[i].behaviour)) {
      ++declines;
      EXPECT_FALSE(cards[i].code.empty()) << cards[i].name;
      EXPECT_FALSE(cards[i].decline_code.empty()) << cards[i].name;
    }
    EXPECT_EQ(world.payments.method_card(pm).name, cards[i].name);
  }
  EXPECT_EQ(declines, 10);
}

TEST_F(PaymentsFakeTest, ExpiredTokenIsRejectedWith401AndNothingIsStored) {
  ProviderRequest r = authorize(1, 100, visa);
  world.identity.expire_now(grant.access_token, 5);
  EXPECT_EQ(world.handle(r, 10, 10).error, ErrorCode::kInvalidToken);
  EXPECT_EQ(world.payments.intents().issued(), 0u);
}

}  // namespace
}  // namespace checkride
