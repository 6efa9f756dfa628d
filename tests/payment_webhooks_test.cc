// The orchestrator's payment webhooks, driven by a host that delivers each event by hand:
// a 3-D Secure order waits for its webhook, each event acts once (across a restart too), an
// unverified event is refused, and a finished order learns of a refund without reopening.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fakes/world.h"
#include "orchestrator/orchestrator.h"
#include "test_support.h"
#include "wire/orchestrator/saga_codec.h"

namespace checkride {
namespace {

class WebhookHost {
 public:
  explicit WebhookHost(CardBehaviour card, OrchestratorConfig config = {}) : config_(config) {
    world.catalog.add_sku({"SOCK", "merino socks", 1800, 10});
    world.payments.emit_events(true);
    config_.service_token = world.identity.client_credentials(~0u, 0, kHour);
    restart();
    pm = world.payments.add_method(1, card);
  }
  // A new instance over the same store, as after a crash: what it recovers is played.
  void restart() {
    orch = std::make_unique<Orchestrator>(ActionCatalog::default_catalog(), config_, store);
    Effects fx;
    orch->recover(now, fx);
    play(fx);
    if (store.grant(1) == nullptr) orch->on_session_start(world.identity.login(1, 1, ~0u, 0), now);
  }
  void place_order(IdempotencyKey key) {
    orch->on_consent({1, 1800, true}, now);
    ActionRequest r;
    r.session = 1;
    r.user = 1;
    r.request_id = ++next_request;
    r.action = "placeOrder";
    r.params = std::make_shared<const nlohmann::json>(nlohmann::json{
        {"items", {{{"sku", "SOCK"}, {"quantity", 1}}}}, {"payment_method", "pm_card_visa"}});
    r.key = key;
    r.payment_method = pm;
    Effects fx;
    orch->on_action(r, now, fx);
    play(fx);
  }
  // Performs the calls against the world; keeps timers and events for the test to fire.
  void play(Effects& fx) {
    for (const ActionResult& r : fx.replies) replies.push_back(r);
    for (const TimerRequest& t : fx.timers) timers.push_back(t);
    for (const ProviderCall& c : fx.calls) {
      ++calls;
      now += 10;
      ProviderReply reply = world.handle(c.request, now, now);
      for (PaymentEvent& e : world.payments.take_events()) events.push_back(e);
      if (c.request.op == hold_answers_of) {
        held.emplace_back(c.id, reply);
        continue;
      }
      Effects next;
      orch->on_provider_reply(c.id, reply, now, next);
      play(next);
    }
  }
  EventVerdict deliver(const PaymentEvent& e) {
    Effects fx;
    EventVerdict v = orch->on_payment_event(e, now, fx);
    play(fx);
    return v;
  }
  // The newest event of `type` the payments fake emitted.
  PaymentEvent last(PaymentEventType type) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->type == type) return *it;
    }
    ADD_FAILURE() << "no " << payment_event_name(type) << " event";
    return PaymentEvent{};
  }
  void fire_timers() {
    std::vector<TimerRequest> due;
    due.swap(timers);
    for (const TimerRequest& t : due) {
      now = std::max(now, t.at);
      Effects fx;
      orch->on_timer(t.id, now, fx);
      play(fx);
    }
  }
  const SagaRecord& saga() { return *store.saga(1); }
  uint64_t coverage_named(const std::string& branch) const {
    return orch->coverage().named().at(branch);
  }
  int orders() const { return static_cast<int>(world.catalog.orders().issued()); }

  World world;
  MemoryStore store;
  OrchestratorConfig config_;
  std::unique_ptr<Orchestrator> orch;
  PaymentMethodId pm = 0;
  Time now = 1000;
  uint64_t next_request = 0;
  int calls = 0;
  std::vector<ActionResult> replies;
  std::vector<TimerRequest> timers;
  std::vector<PaymentEvent> events;
  Op hold_answers_of = Op::kSearch;  // answers to this op wait in `held` (none: search)
  std::vector<std::pair<CallId, ProviderReply>> held;
};

TEST(PaymentWebhooks, AThreeDSecureOrderWaitsForItsWebhookThenCompletesOnce) {
  WebhookHost h(CardBehaviour::kAuthRequired);
  h.place_order(7);
  EXPECT_TRUE(h.replies.empty()) << "answered before the customer authenticated";
  EXPECT_TRUE(h.saga().awaiting_authentication);
  EXPECT_EQ(h.orders(), 0);
  ASSERT_EQ(h.timers.size(), 1u);  // the authentication deadline
  EXPECT_EQ(h.timers[0].at, h.saga().authentication_deadline);

  ASSERT_TRUE(h.world.payments.authenticate(h.saga().payment, true).ok());
  h.events.clear();
  for (PaymentEvent& e : h.world.payments.take_events()) h.events.push_back(e);
  PaymentEvent authorized = h.last(PaymentEventType::kAmountCapturableUpdated);
  EXPECT_EQ(h.deliver(authorized), EventVerdict::kApplied);
  ASSERT_EQ(h.replies.size(), 1u);
  EXPECT_EQ(h.replies[0].status, ActionStatus::kConfirmed);
  EXPECT_EQ(h.world.payments.find(h.saga().payment)->status, PaymentsFake::Status::kSucceeded);

  // Redelivered, twice: nothing happens again.
  const int calls = h.calls;
  EXPECT_EQ(h.deliver(authorized), EventVerdict::kDuplicate);
  EXPECT_EQ(h.deliver(authorized), EventVerdict::kDuplicate);
  EXPECT_EQ(h.calls, calls);
  EXPECT_EQ(h.orders(), 1);
  EXPECT_EQ(h.replies.size(), 1u);
  // The deadline passing after it completed changes nothing either.
  h.fire_timers();
  EXPECT_EQ(h.saga().outcome, ActionStatus::kConfirmed);
  EXPECT_EQ(h.coverage_named("webhook.authenticated"), 1u);
}

TEST(PaymentWebhooks, AFailedOrAbandonedChallengeVoidsAndReleases) {
  for (bool abandoned : {false, true}) {
    WebhookHost h(CardBehaviour::kAuthRequired);
    h.place_order(7);
    ASSERT_TRUE(h.saga().awaiting_authentication);
    if (abandoned) {
      h.fire_timers();
    } else {
      h.world.payments.authenticate(h.saga().payment, false);
      for (PaymentEvent& e : h.world.payments.take_events()) h.events.push_back(e);
      EXPECT_EQ(h.deliver(h.last(PaymentEventType::kPaymentFailed)), EventVerdict::kApplied);
    }
    ASSERT_EQ(h.replies.size(), 1u) << abandoned;
    EXPECT_EQ(h.replies[0].status, ActionStatus::kFailed);
    EXPECT_EQ(h.replies[0].code, abandoned ? "authentication_timeout" : "authentication_failed");
    EXPECT_EQ(h.world.payments.find(h.saga().payment)->status, PaymentsFake::Status::kCanceled);
    EXPECT_EQ(h.world.catalog.reservations().find(1)->state,
              CatalogFake::ReservationState::kReleased);
    EXPECT_EQ(h.orders(), 0);
  }
}

TEST(PaymentWebhooks, AnUnverifiedEventIsRefusedUnlessTheDefectBelievesIt) {
  for (bool defect : {false, true}) {
    OrchestratorConfig config;
    if (defect) config.defects.enable(Defect::kNoWebhookSignatureCheck);
    WebhookHost h(CardBehaviour::kAuthRequired, config);
    h.place_order(7);
    PaymentEvent forged{99, PaymentEventType::kAmountCapturableUpdated, h.saga().payment, 1800,
                        false};
    const int calls = h.calls;
    EventVerdict v = h.deliver(forged);
    if (!defect) {
      EXPECT_EQ(v, EventVerdict::kBadSignature);
      EXPECT_EQ(h.calls, calls);
      EXPECT_TRUE(h.saga().awaiting_authentication);
      EXPECT_EQ(h.orders(), 0);
    } else {
      // The lazy handler fulfils an order nobody paid for (its capture then fails).
      EXPECT_EQ(v, EventVerdict::kApplied);
      EXPECT_EQ(h.orders(), 1);
      EXPECT_FALSE(h.world.payments.find(h.saga().payment)->authorized);
    }
  }
}

TEST(PaymentWebhooks, AfterACrashTheWaitResumesAndAnEventIsNeverActedOnTwice) {
  WebhookHost h(CardBehaviour::kAuthRequired);
  h.place_order(7);
  const int calls = h.calls;
  h.timers.clear();  // the dead instance's timers die with it
  h.restart();
  EXPECT_EQ(h.calls, calls) << "recovery sent the authorization again instead of waiting";
  ASSERT_EQ(h.timers.size(), 1u);  // the deadline, re-armed
  EXPECT_EQ(h.timers[0].at, h.saga().authentication_deadline);

  h.world.payments.authenticate(h.saga().payment, true);
  for (PaymentEvent& e : h.world.payments.take_events()) h.events.push_back(e);
  PaymentEvent authorized = h.last(PaymentEventType::kAmountCapturableUpdated);
  EXPECT_EQ(h.deliver(authorized), EventVerdict::kApplied);
  EXPECT_EQ(h.orders(), 1);
  h.restart();  // crashes again; Stripe redelivers what it has no 2xx for
  EXPECT_EQ(h.deliver(authorized), EventVerdict::kDuplicate);
  EXPECT_EQ(h.orders(), 1);
  EXPECT_EQ(h.world.payments.find(h.saga().payment)->received, 1800);
}

TEST(PaymentWebhooks, AnEventBeforeTheAnswerNamingItsIntentIsAppliedWhenTheAnswerComes) {
  WebhookHost h(CardBehaviour::kAuthRequired);
  h.hold_answers_of = Op::kAuthorize;  // the answer is slow; the shopper is quick
  h.place_order(7);
  ASSERT_EQ(h.held.size(), 1u);
  const ObjectId intent = h.held[0].second.id;
  ASSERT_TRUE(h.world.payments.authenticate(intent, true).ok());
  for (PaymentEvent& e : h.world.payments.take_events()) h.events.push_back(e);
  PaymentEvent authorized = h.last(PaymentEventType::kAmountCapturableUpdated);
  EXPECT_EQ(h.deliver(authorized), EventVerdict::kIgnored);  // no saga knows pi yet
  EXPECT_EQ(h.deliver(authorized), EventVerdict::kIgnored);  // and Stripe sent it twice
  EXPECT_EQ(h.orders(), 0);
  // The answer (requires_action, as it was when Stripe answered) arrives: the saga does not
  // wait out its deadline for an event it already has.
  h.hold_answers_of = Op::kSearch;
  Effects fx;
  h.orch->on_provider_reply(h.held[0].first, h.held[0].second, h.now, fx);
  h.play(fx);
  ASSERT_EQ(h.replies.size(), 1u);
  EXPECT_EQ(h.replies[0].status, ActionStatus::kConfirmed);
  EXPECT_EQ(h.orders(), 1);
  EXPECT_EQ(h.world.payments.find(intent)->received, 1800);
  EXPECT_EQ(h.deliver(authorized), EventVerdict::kDuplicate);
}

TEST(PaymentWebhooks, ARefundAfterTheOrderFinishedReachesItsStateWithoutReopeningIt) {
  WebhookHost h(CardBehaviour::kSucceeds);
  h.place_order(7);
  ASSERT_EQ(h.replies.size(), 1u);
  ASSERT_EQ(h.replies[0].status, ActionStatus::kConfirmed);
  // Its own events, delivered late, after it finished: learned, nothing sent.
  const int calls = h.calls;
  for (const PaymentEvent& e : std::vector<PaymentEvent>(h.events)) h.deliver(e);
  EXPECT_EQ(h.calls, calls);
  EXPECT_EQ(h.saga().payment_state, "");
  // Refunded from the dashboard.
  ProviderRequest refund;
  refund.op = Op::kRefund;
  refund.ref = h.saga().payment;
  ASSERT_TRUE(h.world.payments.act(refund, h.now).ok());
  for (PaymentEvent& e : h.world.payments.take_events()) h.events.push_back(e);
  EXPECT_EQ(h.deliver(h.last(PaymentEventType::kChargeRefunded)), EventVerdict::kApplied);
  EXPECT_EQ(h.saga().payment_state, "refunded");
  EXPECT_TRUE(h.saga().done);
  EXPECT_EQ(h.saga().outcome, ActionStatus::kConfirmed);
  EXPECT_EQ(h.calls, calls);
  EXPECT_EQ(h.replies.size(), 1u);
  // An event about a payment no saga made is not ours.
  EXPECT_EQ(h.deliver(PaymentEvent{5, PaymentEventType::kChargeRefunded, 4242, 1, true}),
            EventVerdict::kIgnored);
}

// The simulator's shoppers, as workload.three_d_secure describes them: all pass (every order
// completes, no wait runs out), or all walk away (every wait runs out, nothing is taken).
TEST(PaymentWebhooks, SimulatedShoppersPassFailOrWalkAwayAsTheScenarioSays) {
  const std::string storm = testing::source_path("scenarios/webhook-storm.yaml");
  const std::vector<std::string> calm = {"faults=[]", "workload.sessions=200",
                                         "workload.mix=[{cassette: cassettes/orders-3ds.jsonl}]"};
  std::vector<std::string> all_pass = calm;
  all_pass.push_back("workload.three_d_secure={passes: 1, fails: 0, after: {fixed: 2s}}");
  Report passed = testing::run_scenario_file(storm, all_pass);
  EXPECT_EQ(passed.metrics.at("completion_rate"), 1.0);
  EXPECT_EQ(passed.branches.at("webhook.authenticated"), 200u);
  EXPECT_EQ(passed.branches.at("webhook.authentication_timeout"), 0u);
  std::vector<std::string> all_leave = calm;
  all_leave.push_back("workload.three_d_secure={passes: 0, fails: 0}");
  Report left = testing::run_scenario_file(storm, all_leave);
  EXPECT_EQ(left.metrics.at("completed"), 0);
  // Every wait runs out; an agent that retries meets the challenge again, and leaves again.
  EXPECT_GE(left.branches.at("webhook.authentication_timeout"), 200u);
  EXPECT_EQ(left.money.at("captured"), 0);
  EXPECT_EQ(left.metrics.at("orphan_authorizations"), 0);
  EXPECT_EQ(left.metrics.at("orphan_holds"), 0);
}

TEST(PaymentWebhooks, TheWaitAndTheEventsActedOnSurviveTheSqliteStoresCodec) {
  SagaRecord s;
  s.awaiting_authentication = true;
  s.authentication_deadline = 123456;
  s.authenticated = true;
  s.payment_state = "refunded";
  s.events = {3, 1ULL << 63};
  SagaRecord back = saga_from_json(saga_to_json(s));
  EXPECT_TRUE(back.awaiting_authentication);
  EXPECT_TRUE(back.authenticated);
  EXPECT_EQ(back.authentication_deadline, 123456);
  EXPECT_EQ(back.payment_state, "refunded");
  EXPECT_EQ(back.events, s.events);
  // A store written before webhooks reads back as never waiting.
  nlohmann::json old = saga_to_json(SagaRecord{});
  EXPECT_FALSE(old.contains("events"));
  EXPECT_FALSE(saga_from_json(old).awaiting_authentication);
}

}  // namespace
}  // namespace checkride
