// The sans-I/O orchestrator driven by a tiny synchronous host against the fakes.
#include "orchestrator/orchestrator.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <optional>

#include "fakes/world.h"
#include "protocol/input_error.h"

namespace checkride {
namespace {

class Host {
 public:
  explicit Host(OrchestratorConfig config = {},
                const ActionCatalog& actions = ActionCatalog::default_catalog()) {
    world.catalog.add_sku({"SOCK", "merino socks", 1800, 10});
    config.service_token = world.identity.client_credentials(~0u, 0, kHour);
    orch = std::make_unique<Orchestrator>(actions, config, store);
    grant = world.identity.login(1, 1, ~0u, 0);
    orch->on_session_start(grant, 0);
    pm = world.payments.add_method(1, CardBehaviour::kSucceeds);
  }
  ActionRequest request(const std::string& action, const nlohmann::json& params,
                        IdempotencyKey key) {
    ActionRequest r;
    r.session = 1;
    r.user = 1;
    r.request_id = ++next_request;
    r.action = action;
    r.params = std::make_shared<const nlohmann::json>(params);
    r.key = key;
    r.payment_method = pm;
    return r;
  }
  // Sends the action; the test plays its provider calls from the returned effects.
  Effects begin(const std::string& action, const nlohmann::json& params, IdempotencyKey key) {
    Effects fx;
    orch->on_action(request(action, params, key), now, fx);
    return fx;
  }
  ActionResult act(const std::string& action, const nlohmann::json& params, IdempotencyKey key) {
    ActionRequest r = request(action, params, key);
    Effects fx;
    orch->on_action(r, now, fx);
    drain(fx);
    for (const auto& reply : replies) {
      if (reply.request_id == r.request_id) return reply;
    }
    return ActionResult{};
  }
  // Answers `call` with `reply` in place of the world; `fx` becomes what follows.
  void answer(Effects& fx, const ProviderCall& call, const ProviderReply& reply) {
    fx.clear();
    orch->on_provider_reply(call.id, reply, now, fx);
  }
  // Lets the world answer each single call until the next one is `op`.
  void play_until(Effects& fx, Op op) {
    while (fx.calls.size() == 1 && fx.calls[0].request.op != op) {
      ProviderCall c = fx.calls[0];
      answer(fx, c, world.handle(c.request, now, now));
    }
  }
  // Fires the first pending timer (a retry backoff); returns the call it sends, if one.
  std::optional<ProviderCall> fire_timer(Effects& fx) {
    TimerRequest t = fx.timers.at(0);
    fx.clear();
    now = t.at;
    orch->on_timer(t.id, now, fx);
    if (fx.calls.size() != 1) return std::nullopt;
    return fx.calls[0];
  }
  void drain(Effects& fx) {
    std::deque<Effects> pending{fx};
    while (!pending.empty()) {
      Effects cur = std::move(pending.front());
      pending.pop_front();
      for (auto& r : cur.replies) replies.push_back(r);
      for (auto& c : cur.calls) {
        ++calls;
        now += 10;
        ProviderReply reply = world.handle(c.request, now, now);
        Effects next;
        orch->on_provider_reply(c.id, reply, now, next);
        pending.push_back(std::move(next));
      }
      for (auto& t : cur.timers) {
        now = std::max(now, t.at);
        Effects next;
        orch->on_timer(t.id, now, next);
        pending.push_back(std::move(next));
      }
    }
  }
  World world;
  MemoryStore store;
  std::unique_ptr<Orchestrator> orch;
  SessionGrant grant;
  PaymentMethodId pm = 0;
  Time now = 1000;
  uint64_t next_request = 0;
  int calls = 0;
  std::vector<ActionResult> replies;
};

nlohmann::json socks(int qty) {
  return {{"items", {{{"sku", "SOCK"}, {"quantity", qty}}}}, {"payment_method", "pm_card_visa"}};
}

TEST(Orchestrator, PlacesAConfirmedOrderAndCapturesOnce) {
  Host h;
  h.orch->on_consent({1, 3600, true}, h.now);
  ActionResult r = h.act("placeOrder", socks(2), 77);
  EXPECT_EQ(r.status, ActionStatus::kConfirmed);
  EXPECT_EQ(r.total, 3600);
  ASSERT_EQ(h.world.payments.intents().issued(), 1u);
  EXPECT_EQ(h.world.payments.intents().find(1)->status, PaymentsFake::Status::kSucceeded);
  EXPECT_EQ(h.world.catalog.skus()[0].committed, 2);
  // The same key again: the same order, no new provider call.
  int calls = h.calls;
  ActionResult again = h.act("placeOrder", socks(2), 77);
  EXPECT_EQ(again.reference, r.reference);
  EXPECT_EQ(h.calls, calls);
  // A new key for the same cart: semantic duplicate, answered with the existing order.
  EXPECT_EQ(h.act("placeOrder", socks(2), 78).reference, r.reference);
  EXPECT_EQ(h.world.payments.intents().issued(), 1u);
}

TEST(Orchestrator, RefusesRawCardNumbersUnknownActionsAndSchemaViolationsBeforeAnyCall) {
  Host h;
  h.orch->on_consent({1, 10000, true}, h.now);
  nlohmann::json pan = socks(1);
  pan["payment_method"] = "4242-4242-4242-4242";
  EXPECT_EQ(h.act("placeOrder", pan, 1).code, "raw_card_number");
  EXPECT_EQ(h.act("buyNow", socks(1), 2).code, "unknown_action");
  ActionResult bad = h.act("placeOrder", {{"items", {{{"sku", "SOCK"}, {"quantity", "two"}}}}}, 3);
  EXPECT_EQ(bad.status, ActionStatus::kRejected);
  EXPECT_NE(bad.code.find("/items/0/quantity"), std::string::npos) << bad.code;
  EXPECT_EQ(h.calls, 0);
}

TEST(Orchestrator, NoChargeWithoutTheUsersConfirmationForThatAmount) {
  Host h;
  h.orch->on_consent({1, 1800, true}, h.now);  // confirmed one pack, not two
  ActionResult r = h.act("placeOrder", socks(2), 5);
  EXPECT_EQ(r.status, ActionStatus::kNeedsConfirmation);
  EXPECT_EQ(h.world.payments.intents().issued(), 0u);
  EXPECT_EQ(h.world.catalog.reservations().issued(), 0u);
}

// One yes covered every later, smaller charge of the session. It covers the charge it was
// spent on; another charge needs its own.
TEST(Orchestrator, OneYesCoversOneChargeAndAnotherChargeNeedsItsOwn) {
  Host h;
  h.orch->on_consent({1, 10000, true}, h.now);
  EXPECT_EQ(h.act("placeOrder", socks(1), 11).status, ActionStatus::kConfirmed);
  ActionResult second = h.act("placeOrder", socks(2), 12);
  EXPECT_EQ(second.status, ActionStatus::kNeedsConfirmation);
  EXPECT_EQ(second.code, "confirmation_required");
  EXPECT_EQ(h.world.payments.intents().issued(), 1u);
  h.orch->on_consent({1, 3600, true}, h.now);
  EXPECT_EQ(h.act("placeOrder", socks(2), 13).status, ActionStatus::kConfirmed);
  EXPECT_EQ(h.world.payments.intents().issued(), 2u);
}

// A retry of the same charge, here on another card after a decline and under a new key,
// uses the yes that charge already took: asking again would be asking twice for one thing.
TEST(Orchestrator, ARetryOfTheSameChargeUsesTheYesItAlreadyTook) {
  Host h;
  const PaymentMethodId good = h.pm;
  h.pm = h.world.payments.add_method(1, CardBehaviour::kDeclined);
  h.orch->on_consent({1, 1800, true}, h.now);
  EXPECT_EQ(h.act("placeOrder", socks(1), 21).code, "card_declined");
  h.pm = good;
  EXPECT_EQ(h.act("placeOrder", socks(1), 22).status, ActionStatus::kConfirmed);
}

// A no after a yes withdraws it: the user changed their mind.
TEST(Orchestrator, ALaterNoWithdrawsTheYesBeforeIt) {
  Host h;
  h.orch->on_consent({1, 5000, true}, h.now);
  h.orch->on_consent({1, 1800, false}, h.now);
  EXPECT_EQ(h.act("placeOrder", socks(1), 31).status, ActionStatus::kNeedsConfirmation);
  EXPECT_EQ(h.world.payments.intents().issued(), 0u);
}

TEST(Orchestrator, MaxTotalBelowTheServerTotalChargesNothing) {
  Host h;
  h.orch->on_consent({1, 3600, true}, h.now);
  nlohmann::json p = socks(2);
  p["max_total_cents"] = 3000;
  ActionResult r = h.act("placeOrder", p, 6);
  EXPECT_EQ(r.code, "max_total_exceeded");
  EXPECT_EQ(r.total, 3600);
  EXPECT_EQ(h.world.payments.intents().issued(), 0u);
}

TEST(Orchestrator, DeclinedCardReleasesTheReservation) {
  Host h;
  h.pm = h.world.payments.add_method(1, CardBehaviour::kDeclined);
  h.orch->on_consent({1, 1800, true}, h.now);
  ActionResult r = h.act("placeOrder", socks(1), 9);
  EXPECT_EQ(r.status, ActionStatus::kFailed);
  EXPECT_EQ(r.code, "card_declined");
  ASSERT_EQ(h.world.catalog.reservations().issued(), 1u);
  EXPECT_EQ(h.world.catalog.reservations().find(1)->state,
            CatalogFake::ReservationState::kReleased);
  EXPECT_EQ(h.world.catalog.skus()[0].available, 10);
}

TEST(Orchestrator, PolicyCapsAndHumanReview) {
  OrchestratorConfig config;
  config.policy.max_quantity = 3;
  config.policy.review_above = 5000;
  Host h(config);
  h.orch->on_consent({1, 100000, true}, h.now);
  EXPECT_EQ(h.act("placeOrder", socks(4), 1).code, "quantity_cap");
  ActionResult big = h.act("placeOrder", socks(3), 2);
  EXPECT_EQ(big.status, ActionStatus::kReview);
  ASSERT_EQ(h.orch->review_queue().size(), 1u);
  EXPECT_EQ(h.orch->review_queue()[0].total, 5400);
  EXPECT_EQ(h.world.payments.intents().issued(), 0u);
}

TEST(Orchestrator, AuditLogIsHashChainedAndTamperingIsDetected) {
  Host h;
  h.orch->on_consent({1, 3600, true}, h.now);
  h.act("placeOrder", socks(2), 7);
  std::vector<AuditRecord> log = h.store.audit_records();
  ASSERT_GT(log.size(), 8u);
  EXPECT_EQ(verify_audit_chain(log), -1);
  log[3].line += "x";
  EXPECT_EQ(verify_audit_chain(log), 3);
}

TEST(ActionCatalog, MapsAThirdPartyToolSetOntoTheBuiltInHandlers) {
  ActionCatalog custom = ActionCatalog::from_yaml_text(R"(
actions:
  - name: buy_products
    handler: place_order
    charge: true
    scopes: [orders:write, payments:charge]
    params:
      type: object
      required: [products]
      properties:
        products: {type: array, items: {type: object, required: [id, qty]}}
        budget: {type: integer}
    map: {items: /products, item_sku: id, item_quantity: qty, max_total: /budget}
)",
                                                       "custom.yaml");
  Host h({}, custom);
  h.orch->on_consent({1, 1800, true}, h.now);
  ActionResult r =
      h.act("buy_products", {{"products", {{{"id", "SOCK"}, {"qty", 1}}}}, {"budget", 2000}}, 3);
  EXPECT_EQ(r.status, ActionStatus::kConfirmed);
  EXPECT_EQ(h.act("placeOrder", socks(1), 4).code, "unknown_action");
}

// Tools that speak dollars: a catalog's amount_scale turns 150.5 + 49.5 into 20000 cents.
// Before, a dollar amount was either refused (a decimal is no integer) or taken as cents.
TEST(ActionCatalog, AmountScaleReadsDollarsWithCentsAsMinorUnits) {
  const std::string actions = R"(
actions:
  - name: pay
    handler: confirm_booking
    params: {type: object}
    map: {reference: /id, max_total_sum: /payments, max_total_field: amount}
  - name: buy
    handler: place_order
    params: {type: object}
    map: {items: /items, max_total: /budget, amount_scale: 1}
)";
  ActionCatalog dollars = ActionCatalog::from_yaml_text("amount_scale: 100\n" + actions, "d.yaml");
  HandlerInput in;
  std::string error;
  auto params =
      nlohmann::json::parse(R"({"id": "bk_1", "payments": [{"amount": 150.5}, {"amount": 49.5}]})");
  ASSERT_TRUE(dollars.map_inputs(*dollars.find("pay"), params, in, error)) << error;
  EXPECT_EQ(in.max_total, 20000);
  // An action's own amount_scale wins over the catalog's: this one speaks cents.
  HandlerInput cents;
  ASSERT_TRUE(dollars.map_inputs(*dollars.find("buy"),
                                 nlohmann::json::parse(R"({"items": [], "budget": 1999})"), cents,
                                 error))
      << error;
  EXPECT_EQ(cents.max_total, 1999);
  HandlerInput refused;
  EXPECT_FALSE(dollars.map_inputs(*dollars.find("buy"),
                                  nlohmann::json::parse(R"({"items": [], "budget": 19.99})"),
                                  refused, error));
  EXPECT_EQ(error, "/budget: expected an integer");
  EXPECT_FALSE(dollars.map_inputs(
      *dollars.find("pay"),
      nlohmann::json::parse(R"({"id": "bk_1", "payments": [{"amount": -5}]})"), refused, error));
  EXPECT_NE(error.find("a non-negative amount 'amount'"), std::string::npos) << error;
  try {
    ActionCatalog::from_yaml_text("amount_scale: dollars\n" + actions, "d.yaml");
    ADD_FAILURE() << "amount_scale: dollars loaded";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "amount_scale");
    EXPECT_EQ(e.line(), 1);
  }
}

// search_direct_flight(origin, destination, date): the route is composed from two params.
// The consent policy is the catalog's: the default reads an amount the assistant stated,
// `user_turn_before_call` the "yes" before a charge-bearing call. Anything else is refused.
TEST(ActionCatalog, TheConsentPolicyIsOneOfTwo) {
  const std::string actions =
      "actions:\n  - {name: pay, handler: place_order, charge: true, params: {type: object}}\n";
  EXPECT_FALSE(ActionCatalog::from_yaml_text(actions, "c.yaml").consent_from_turn_before_call());
  EXPECT_TRUE(ActionCatalog::from_yaml_text("consent: user_turn_before_call\n" + actions, "c.yaml")
                  .consent_from_turn_before_call());
  try {
    ActionCatalog::from_yaml_text("consent: always\n" + actions, "c.yaml");
    ADD_FAILURE() << "accepted consent: always";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("c.yaml:1: consent: expected stated_amount or "
                                         "user_turn_before_call"),
              std::string::npos)
        << e.what();
  }
}

TEST(ActionCatalog, AQueryComposedFromSeveralParams) {
  ActionCatalog c = ActionCatalog::from_yaml_text(R"(
actions:
  - name: search_direct_flight
    handler: search_availability
    params: {type: object}
    map: {query: [/origin, /destination]}
  - name: find_order
    handler: cancel_order
    params: {type: object}
    map: {reference: [/prefix, /number], join: "_"}
)",
                                                  "c.yaml");
  HandlerInput in;
  std::string error;
  ASSERT_TRUE(c.map_inputs(*c.find("search_direct_flight"),
                           nlohmann::json::parse(R"({"origin": "SFO", "destination": "JFK"})"), in,
                           error))
      << error;
  EXPECT_EQ(in.query, "SFO-JFK");
  HandlerInput order;
  ASSERT_TRUE(c.map_inputs(*c.find("find_order"),
                           nlohmann::json::parse(R"({"prefix": "ord", "number": 12})"), order,
                           error))
      << error;
  EXPECT_EQ(order.reference, "ord_12");
  HandlerInput missing;
  EXPECT_FALSE(c.map_inputs(*c.find("search_direct_flight"),
                            nlohmann::json::parse(R"({"origin": "SFO"})"), missing, error));
  EXPECT_EQ(error, "/destination: expected a string or an integer (part of query)");
  try {
    ActionCatalog::from_yaml_text(
        "actions:\n  - {name: s, handler: search_availability, params: {type: object}, map: "
        "{query: [/only]}}\n",
        "c.yaml");
    ADD_FAILURE() << "a one-part composition loaded";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "actions[0].map.query");
  }
}

TEST(ActionCatalog, UnknownHandlerNamesTheFileLineAndField) {
  try {
    ActionCatalog::from_yaml_text("actions:\n  - name: x\n    handler: teleport\n    params: {}\n",
                                  "mine.yaml");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "mine.yaml");
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.field(), "actions[0].handler");
    EXPECT_NE(std::string(e.what()).find("place_order"), std::string::npos);
  }
}

}  // namespace
}  // namespace checkride

namespace checkride {
namespace {

// Found by flash-sale-surge at 1M sessions: an authorization that timed out (but was made)
// followed by refusals on every retry must still be voided, never left dangling.
TEST(Orchestrator, TimedOutThenRefusedAuthorizationIsStillVoided) {
  Host h;
  h.orch->on_consent({1, 1800, true}, h.now);
  Effects fx = h.begin("placeOrder", socks(1), 99);
  h.play_until(fx, Op::kAuthorize);  // quote and reserve go through normally
  ASSERT_EQ(fx.calls.size(), 1u);
  ASSERT_EQ(fx.calls[0].request.op, Op::kAuthorize);
  // The payment provider acts, but the answer never arrives.
  ProviderCall auth = fx.calls[0];
  h.world.handle(auth.request, h.now, h.now);
  ProviderReply timeout;
  timeout.error = ErrorCode::kTimeout;
  h.answer(fx, auth, timeout);
  // Every retry is refused with a 503 until the retries run out.
  ProviderReply outage;
  outage.error = ErrorCode::kUnavailable;
  for (int i = 0; i < 10 && !fx.timers.empty(); ++i) {
    std::optional<ProviderCall> retry = h.fire_timer(fx);
    ASSERT_TRUE(retry);
    h.answer(fx, *retry, outage);
  }
  h.drain(fx);  // compensations run against the healthy world
  ASSERT_EQ(h.world.payments.intents().issued(), 1u);
  EXPECT_EQ(h.world.payments.intents().find(1)->status, PaymentsFake::Status::kCanceled);
  EXPECT_EQ(h.world.catalog.reservations().find(1)->state,
            CatalogFake::ReservationState::kReleased);
}

// Found by the SIGKILL test in wire mode: a capture acted but its answer was lost, and the
// retry was refused outright (a restarted service presented another credential). The saga
// then compensates; the void finds the intent captured and must refund it, not leave the
// customer charged for a cancelled order.
TEST(Orchestrator, CaptureThatActedBeforeTheSagaFailedIsRefunded) {
  Host h;
  h.orch->on_consent({1, 1800, true}, h.now);
  Effects fx = h.begin("placeOrder", socks(1), 41);
  h.play_until(fx, Op::kCapture);  // quote, reserve, authorize and commit go through
  ASSERT_EQ(fx.calls.size(), 1u);
  ProviderCall capture = fx.calls[0];
  h.world.handle(capture.request, h.now, h.now);  // captured; the answer is lost
  ProviderReply timeout;
  timeout.error = ErrorCode::kTimeout;
  h.answer(fx, capture, timeout);
  ASSERT_EQ(fx.timers.size(), 1u);
  std::optional<ProviderCall> retry = h.fire_timer(fx);
  ASSERT_TRUE(retry);
  ProviderReply refused;
  refused.error = ErrorCode::kBadRequest;
  h.answer(fx, *retry, refused);
  h.drain(fx);  // the compensations run against the world

  const auto* pi = h.world.payments.intents().find(1);
  ASSERT_NE(pi, nullptr);
  EXPECT_GT(pi->captured_at, 0);
  EXPECT_EQ(pi->refunded, pi->amount) << "the customer paid for a cancelled order";
  bool told_failed = false;
  for (const auto& reply : h.replies)
    if (reply.request_id == 1) told_failed = reply.status == ActionStatus::kFailed;
  EXPECT_TRUE(told_failed);
}

}  // namespace
}  // namespace checkride

namespace checkride {
namespace {

// 409 idempotency_key_in_use: the first authorization is still running. The saga asks again
// with the same key for as long as it takes, never voids it, and confirms once it answers.
// (Before, the retries ran out, the authorization was voided, the agent was told "failed"
// and its retry authorized a second time: duplicate_authorizations in flash-sale-surge.)
TEST(Orchestrator, AKeyStillInFlightIsAskedAgainWithTheSameKeyNotVoided) {
  Host h;
  h.orch->on_consent({1, 1800, true}, h.now);
  Effects fx = h.begin("placeOrder", socks(1), 42);
  h.play_until(fx, Op::kAuthorize);
  ASSERT_EQ(fx.calls.size(), 1u);
  const ProviderCall first = fx.calls[0];
  ProviderReply in_use;
  in_use.error = ErrorCode::kIdempotencyKeyInUse;
  h.answer(fx, first, in_use);
  for (int i = 0; i < 12; ++i) {  // far more than the step's retry budget
    ASSERT_EQ(fx.timers.size(), 1u) << "gave up after " << i << " in-flight answers";
    std::optional<ProviderCall> again = h.fire_timer(fx);
    ASSERT_TRUE(again);
    ASSERT_EQ(again->request.op, Op::kAuthorize) << "attempt " << i << " was not a retry";
    EXPECT_EQ(again->request.key, first.request.key);
    h.answer(fx, *again, in_use);
  }
  std::optional<ProviderCall> last = h.fire_timer(fx);
  ASSERT_TRUE(last);
  h.answer(fx, *last, h.world.handle(last->request, h.now, h.now));
  h.drain(fx);
  ASSERT_FALSE(h.replies.empty());
  EXPECT_EQ(h.replies.back().status, ActionStatus::kConfirmed);
  EXPECT_EQ(h.world.payments.intents().issued(), 1u);
  EXPECT_EQ(h.world.payments.intents().find(1)->status, PaymentsFake::Status::kSucceeded);
}

}  // namespace
}  // namespace checkride
