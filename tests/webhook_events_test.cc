// Webhook events as the payments face keeps them: deliveries in order, the reorder hold,
// retries with backoff, signatures stripe-node verifies, and the delivery fault rules.
#include <gtest/gtest.h>

#include "protocol/input_error.h"
#include "scenario/fault_plan.h"
#include "scenario/scenario.h"
#include "wire/fakes/stripe_events.h"

namespace checkride {
namespace {

StripeEvents with_endpoints(int n) {
  StripeEvents events;
  for (int i = 0; i < n; ++i)
    events.add_endpoint(WebhookEndpoint{"http://h/" + std::to_string(i), "whsec_x", {"*"}});
  return events;
}

TEST(WebhookEvents, EachEndpointGetsEachEventItWantsInOrder) {
  StripeEvents events = with_endpoints(1);
  events.add_endpoint(WebhookEndpoint{"http://h/refunds", "whsec_y", {"charge.refunded"}});
  events.add(StripeEvent{"payment_intent.succeeded", {}, 0}, 10);
  events.add(StripeEvent{"charge.refunded", {}, 0}, 10);
  std::vector<Delivery> due = events.take_due(10);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].event, 0u);
  EXPECT_EQ(due[1].event, 1u);
  EXPECT_EQ(due[1].endpoint, 0u);
  EXPECT_EQ(due[2].endpoint, 1u);
  EXPECT_TRUE(events.take_due(10).empty()) << "taken once";
}

TEST(WebhookEvents, AReorderedDeliveryGoesAfterTheNextOneToItsEndpoint) {
  StripeEvents events = with_endpoints(1);
  events.add(StripeEvent{"payment_intent.created", {}, 0}, 0);
  for (Delivery* d : events.add(StripeEvent{"payment_intent.succeeded", {}, 0}, 0)) d->held = true;
  std::vector<Delivery> first = events.take_due(0);
  ASSERT_EQ(first.size(), 1u) << "the held one waits for a later event, not an earlier one";
  EXPECT_EQ(first[0].event, 0u);
  events.add(StripeEvent{"charge.refunded", {}, 0}, 5);
  std::vector<Delivery> next = events.take_due(5);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].event, 2u);
  EXPECT_EQ(next[1].event, 1u);
}

TEST(WebhookEvents, AHeldDeliveryAloneGoesOutAfterTheHoldLimit) {
  StripeEvents events = with_endpoints(1);
  for (Delivery* d : events.add(StripeEvent{"payment_intent.succeeded", {}, 0}, 0)) d->held = true;
  EXPECT_TRUE(events.take_due(1999).empty());
  EXPECT_EQ(events.take_due(2000).size(), 1u);
}

TEST(WebhookEvents, AFailedDeliveryIsRetriedWithDoublingBackoffThenGivenUp) {
  StripeEvents events = with_endpoints(1);
  events.add(StripeEvent{"payment_intent.succeeded", {}, 0}, 0);
  Time now = 0;
  Duration expected = StripeEvents::kRetryBase;
  int attempts = 0;
  while (true) {
    std::vector<Delivery> due = events.take_due(now);
    if (due.empty()) break;
    ++attempts;
    EXPECT_EQ(due[0].attempt, attempts);
    events.failed(due[0], now);
    EXPECT_TRUE(events.take_due(now + expected - 1).empty());
    now += expected;
    expected *= 2;
  }
  EXPECT_EQ(attempts, StripeEvents::kMaxAttempts);
}

TEST(WebhookEvents, ADeletedEndpointGetsNothingMore) {
  StripeEvents events = with_endpoints(2);
  events.add(StripeEvent{"payment_intent.succeeded", {}, 0}, 0);
  events.remove_endpoint(0);
  std::vector<Delivery> due = events.take_due(0);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].endpoint, 1u);
  events.add(StripeEvent{"charge.refunded", {}, 0}, 1);
  EXPECT_EQ(events.take_due(1).size(), 1u);
}

TEST(WebhookEvents, TheSignatureIsStripesHmacOfTimestampDotPayload) {
  // hmac.new(b"whsec_test", b'1700000000.{"id":"evt_1"}', sha256).hexdigest()
  EXPECT_EQ(stripe_signature("whsec_test", 1700000000, R"({"id":"evt_1"})"),
            "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925");
}

TEST(WebhookEvents, TheVerifierTakesWhatConstructEventTakesAndNothingElse) {
  const std::string body = R"({"id":"evt_1"})";
  const std::string good = stripe_signature("whsec_test", 1700000000, body);
  std::string error;
  EXPECT_TRUE(verify_stripe_signature(good, body, "whsec_test", 1700000100, 300, error)) << error;
  // One v1 per secret while a secret rolls: any of them may match.
  const std::string rolled = good + ",v1=" + std::string(64, '0');
  EXPECT_TRUE(verify_stripe_signature(
      "t=1700000000,v1=" + std::string(64, 'a') + "," + good.substr(good.find("v1=")), body,
      "whsec_test", 1700000000, 300, error))
      << error;
  EXPECT_TRUE(verify_stripe_signature(rolled, body, "whsec_test", 1700000000, 300, error));
  struct Case {
    std::string header, body, secret;
    int64_t now;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {good, body, "whsec_other", 1700000000, "no v1 signature matches"},
           {good, body + " ", "whsec_test", 1700000000, "no v1 signature matches"},
           {good, body, "whsec_test", 1700000301, "outside the tolerance"},
           {good, body, "whsec_test", 1699999000, "outside the tolerance"},
           {"v1=" + good.substr(good.find("v1=") + 3), body, "whsec_test", 1700000000, "t=<unix"},
           {"t=1700000000", body, "whsec_test", 1700000000, "no v1"},
           {"t=17x,v1=00", body, "whsec_test", 1700000000, "t=<unix"},
           {"", body, "whsec_test", 1700000000, "t=<unix"},
       }) {
    error.clear();
    EXPECT_FALSE(verify_stripe_signature(c.header, c.body, c.secret, c.now, 300, error))
        << c.header;
    EXPECT_NE(error.find(c.says), std::string::npos) << c.header << ": " << error;
  }
}

TEST(WebhookEvents, TheEventReaderNamesWhatIsMissing) {
  StripeEventFields f;
  std::string error;
  ASSERT_TRUE(parse_stripe_event(
      R"({"id":"evt_9","type":"charge.refunded","data":{"object":{"id":"ch_1","payment_intent":"pi_4","amount_refunded":300}}})",
      f, error))
      << error;
  EXPECT_TRUE(f.known_type);
  EXPECT_EQ(f.kind, PaymentEventType::kChargeRefunded);
  EXPECT_EQ(f.intent, "pi_4");
  EXPECT_EQ(f.amount, 300);
  ASSERT_TRUE(parse_stripe_event(R"({"id":"evt_2","type":"invoice.paid"})", f, error));
  EXPECT_FALSE(f.known_type);
  for (const auto& [body, says] : std::vector<std::pair<std::string, std::string>>{
           {"[1]", "JSON object"},
           {"{", "JSON object"},
           {R"({"type":"charge.refunded"})", "id:"},
           {R"({"id":"evt_1","type":7})", "type:"},
           {R"({"id":"evt_1","type":"payment_intent.succeeded"})", "data.object:"},
           {R"({"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":3}}})",
            "data.object.id:"},
           {R"({"id":"evt_1","type":"charge.refunded","data":{"object":{"id":"ch_1"}}})",
            "data.object.payment_intent:"},
       }) {
    error.clear();
    EXPECT_FALSE(parse_stripe_event(body, f, error)) << body;
    EXPECT_NE(error.find(says), std::string::npos) << body << ": " << error;
  }
}

TEST(WebhookFaults, RulesParseAndStrikeOnlyTheirEventType) {
  std::vector<FaultRule> rules = parse_fault_rules(
      "[{provider: webhook, kind: duplicate, op: charge.refunded},"
      " {provider: webhook, kind: delay, delay: {fixed: 300ms}, nth: 2}]",
      "test");
  FaultPlan plan(rules, 1, FaultHost::kWire);
  WebhookFault a = plan.for_webhook("payment_intent.succeeded", 0, true);
  EXPECT_FALSE(a.duplicate);
  EXPECT_EQ(a.delay, 0);
  WebhookFault b = plan.for_webhook("charge.refunded", 0, true);
  EXPECT_TRUE(b.duplicate);
  EXPECT_EQ(b.delay, 300);
  EXPECT_EQ(plan.fired(0), 1);
  EXPECT_FALSE(plan.for_webhook("charge.refunded", 0, false).duplicate) << "healed in drain";
  // The delivery faults never strike a provider call.
  CallFault f = plan.for_call(Op::kRefund, 0, true);
  EXPECT_EQ(f.answer, ErrorCode::kNone);
}

TEST(WebhookFaults, KindAndProviderMustAgree) {
  EXPECT_THROW(parse_fault_rules("{provider: payment, kind: duplicate}", "t"), InputError);
  EXPECT_THROW(parse_fault_rules("{provider: webhook, kind: outage}", "t"), InputError);
  EXPECT_THROW(parse_fault_rules("{provider: webhook, kind: drop, op: order.paid}", "t"),
               InputError);
  EXPECT_THROW(parse_fault_rules("{provider: payment, kind: key_rotation}", "t"), InputError);
  std::vector<FaultRule> r =
      parse_fault_rules("{provider: identity, kind: key_rotation, grace: false}", "t");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].grace);
  FaultPlan plan(r, 1, FaultHost::kWire);
  CallFault f = plan.for_call(Op::kRefreshToken, 0, true);
  EXPECT_TRUE(f.rotate_key);
  EXPECT_FALSE(f.keep_old_key);
  EXPECT_EQ(plan.fired(0), 1);
  // In a simulated run nothing verifies a JWT: the rule never fires, so the report counts it
  // in fault_rules_never_fired instead of claiming it was exercised.
  FaultPlan simulated(r, 1, FaultHost::kSimulated);
  EXPECT_FALSE(simulated.for_call(Op::kRefreshToken, 0, true, 7).rotate_key);
  EXPECT_EQ(simulated.fired(0), 0);
}

}  // namespace
}  // namespace checkride
