// Stored value and returns in the orchestrator's sagas, driven step by step against the
// fakes: an order split between a gift card and the card, one paid by the gift card alone, a
// cancel that gives each instrument its share back, refusals before any money moves, a debit
// whose answer was lost across a crash, learned with its own key, and returns of a delivered
// order's items.
#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "fakes/world.h"
#include "orchestrator/orchestrator.h"
#include "wire/orchestrator/saga_codec.h"

namespace checkride {
namespace {

const ActionCatalog& split_catalog() {
  static const ActionCatalog c = ActionCatalog::from_yaml_text(R"(actions:
  - name: buy
    handler: place_order
    charge: true
    params: {type: object}
    map: {items: /items, payments: /payments, stored_value: [gift_]}
  - name: cancel
    handler: cancel_order
    params: {type: object}
    map: {reference: /order}
  - name: give_back
    handler: return_order
    params: {type: object}
    map: {reference: /order, skus: /skus}
)",
                                                               "split.yaml");
  return c;
}

struct Host {
  Host() {
    world.catalog.add_sku({"SOCK", "merino socks", 1800, 10});
    // The orchestrator's own credential outlives the test's three idle hours.
    config.service_token = world.identity.client_credentials(~0u, 0, 30 * 24 * kHour);
    orch = std::make_unique<Orchestrator>(split_catalog(), config, store);
    orch->on_session_start(world.identity.login(1, 1, ~0u, 0), 0);
    orch->on_consent({1, 100000, true}, 0);
    pm = world.payments.add_method(1, CardBehaviour::kSucceeds);
    gift = world.stored_value.add_account(1, "gift_1", 5000);
  }
  ActionRequest request(const std::string& action, nlohmann::json params) {
    ActionRequest r;
    r.session = 1;
    r.user = 1;
    r.request_id = ++next_request;
    r.action = action;
    r.params = std::make_shared<const nlohmann::json>(std::move(params));
    r.key = 1000 + next_request;
    r.payment_method = pm;
    return r;
  }
  // Plays every call against the world until nothing is left; the reply to `r`.
  ActionResult run(Effects fx, uint64_t request_id) {
    std::deque<Effects> pending{std::move(fx)};
    ActionResult result;
    while (!pending.empty()) {
      Effects cur = std::move(pending.front());
      pending.pop_front();
      for (auto& reply : cur.replies) {
        if (reply.request_id == request_id) result = reply;
      }
      for (auto& c : cur.calls) {
        now += 10;
        Effects next;
        orch->on_provider_reply(c.id, world.handle(c.request, now, now), now, next);
        pending.push_back(std::move(next));
      }
      for (auto& t : cur.timers) {
        now = std::max(now, t.at);
        Effects next;
        orch->on_timer(t.id, now, next);
        pending.push_back(std::move(next));
      }
    }
    return result;
  }
  ActionResult act(const std::string& action, nlohmann::json params) {
    ActionRequest r = request(action, std::move(params));
    Effects fx;
    orch->on_action(r, now, fx);
    return run(std::move(fx), r.request_id);
  }
  int64_t balance() const { return world.stored_value.account(gift)->balance; }
  int64_t card_net() const {
    int64_t net = 0;
    for (ObjectId id : world.payments.intents_of(1)) {
      const auto* pi = world.payments.find(id);
      if (pi->captured_at > 0) net += pi->amount - pi->refunded;
    }
    return net;
  }

  World world;
  OrchestratorConfig config;
  MemoryStore store;
  std::unique_ptr<Orchestrator> orch;
  PaymentMethodId pm = 0;
  ObjectId gift = 0;
  Time now = 1000;
  uint64_t next_request = 0;
};

nlohmann::json socks(int qty, nlohmann::json payments) {
  return {{"items", {{{"sku", "SOCK"}, {"quantity", qty}}}}, {"payments", std::move(payments)}};
}

TEST(StoredValue, ASplitOrderTakesEachPartOnceAndACancelGivesEachItsShare) {
  Host h;
  ActionResult r = h.act(
      "buy", socks(2, {{{"payment_id", "gift_1"}, {"amount", 1000}}, {{"payment_id", "card_7"}}}));
  ASSERT_EQ(r.status, ActionStatus::kConfirmed) << r.code;
  EXPECT_EQ(r.total, 3600);
  EXPECT_EQ(h.balance(), 4000);
  EXPECT_EQ(h.card_net(), 2600);  // the card pays the rest
  ActionResult c = h.act("cancel", {{"order", r.reference}});
  ASSERT_EQ(c.status, ActionStatus::kOk) << c.code;
  EXPECT_EQ(h.balance(), 5000);
  EXPECT_EQ(h.card_net(), 0);
  EXPECT_EQ(h.world.stored_value.debits_of(1).size(), 1u);
}

TEST(StoredValue, AGiftCardAlonePaysWithoutTouchingTheCard) {
  Host h;
  ActionResult r = h.act("buy", socks(1, "gift_1"));
  ASSERT_EQ(r.status, ActionStatus::kConfirmed) << r.code;
  EXPECT_EQ(h.balance(), 3200);
  EXPECT_TRUE(h.world.payments.intents_of(1).empty()) << "no authorization for nothing";
  ActionResult c = h.act("cancel", {{"order", r.reference}});
  ASSERT_EQ(c.status, ActionStatus::kOk) << c.code;
  EXPECT_EQ(h.balance(), 5000);
  EXPECT_TRUE(h.world.payments.intents_of(1).empty()) << "no refund to a card that paid nothing";
}

TEST(StoredValue, WhatCannotBePaidAsAskedIsRefusedBeforeAnyMoneyMoves) {
  const std::pair<nlohmann::json, const char*> kCases[] = {
      {socks(3, "gift_1"), "insufficient_balance"},  // 5400 on a 5000 card
      {socks(1, {{{"payment_id", "gift_1"}, {"amount", 2000}}}), "payment_exceeds_total"},
      {socks(1, {{{"payment_id", "gift_1"}, {"amount", 1000}}}), "payment_short"},  // no card
      {socks(1, "gift_2"), "unknown_payment_method"},  // not the user's
  };
  for (const auto& [params, code] : kCases) {
    Host h;
    h.world.stored_value.add_account(2, "gift_2", 9000);  // another user's
    ActionResult r = h.act("buy", params);
    EXPECT_EQ(r.status, ActionStatus::kRejected) << code;
    EXPECT_EQ(r.code, code);
    EXPECT_EQ(h.balance(), 5000) << code;
    EXPECT_TRUE(h.world.stored_value.debits_of(1).empty()) << code;
    EXPECT_TRUE(h.world.payments.intents_of(1).empty()) << code;
    EXPECT_FALSE(h.world.user_has_pending_holds(1)) << code << ": the reservation is released";
  }
}

// A split order runs up to its debit, which the gift card takes; the orchestrator dies before
// the answer arrives, and a new one recovers from the store. Returns what the recovery sends.
Effects debit_taken_then_crash(Host& h) {
  ActionRequest r = h.request(
      "buy", socks(2, {{{"payment_id", "gift_1"}, {"amount", 1000}}, {{"payment_id", "card_7"}}}));
  Effects fx;
  h.orch->on_action(r, h.now, fx);
  while (fx.calls.size() == 1 && fx.calls[0].request.op != Op::kDebit) {
    ProviderCall c = fx.calls[0];
    fx.clear();
    h.orch->on_provider_reply(c.id, h.world.handle(c.request, h.now, h.now), h.now, fx);
  }
  EXPECT_EQ(fx.calls.size(), 1u);
  if (fx.calls.size() == 1) h.world.handle(fx.calls[0].request, h.now, h.now);  // taken, unheard
  h.orch = std::make_unique<Orchestrator>(split_catalog(), h.config, h.store);
  Effects after;
  h.orch->recover(h.now, after);
  return after;
}

// The debit reached the gift card, then the orchestrator died before its answer: the
// restarted one learns it with the same key, so the card is debited once and the order stands.
TEST(StoredValue, ADebitLostInACrashIsLearnedWithItsKey) {
  Host h;
  Effects after = debit_taken_then_crash(h);
  EXPECT_EQ(h.balance(), 4000);
  h.run(std::move(after), 0);
  EXPECT_EQ(h.balance(), 4000);
  EXPECT_EQ(h.world.stored_value.debits_of(1).size(), 1u);
  EXPECT_EQ(h.card_net(), 2600);
  h.store.for_each_saga([](const SagaRecord& s) {
    EXPECT_TRUE(s.done);
    EXPECT_EQ(s.outcome, ActionStatus::kConfirmed);
  });
}

// The same crash, but the order then fails (out of stock at commit): the debit learned after
// the restart is given back, and the card's authorization voided.
TEST(StoredValue, ADebitLearnedAfterACrashIsGivenBackWhenTheOrderFails) {
  Host h;
  Effects after = debit_taken_then_crash(h);
  // Past the reservation's lifetime: the commit finds it expired, and the saga unwinds.
  h.now += 3 * kHour;
  h.run(std::move(after), 0);
  EXPECT_EQ(h.balance(), 5000);
  EXPECT_EQ(h.card_net(), 0);
  for (ObjectId id : h.world.payments.intents_of(1))
    EXPECT_EQ(h.world.payments.find(id)->status, PaymentsFake::Status::kCanceled);
}

// Returns: only a delivered order's items come back, each refunding its share of what was
// paid, once; an order placed in this session (not delivered) and a pending one are not
// returnable, and nothing moves.
TEST(StoredValue, ADeliveredOrdersItemsComeBackOnceAndOthersAreNotReturnable) {
  Host h;
  ObjectId paid = h.world.payments.seed_captured(h.pm, 5400, 0);
  ExistingOrder delivered, waiting;
  delivered.reference = "W1";
  delivered.items = {LineItem{"SOCK", 3}};
  delivered.status = "delivered";
  waiting.reference = "W2";
  waiting.items = {LineItem{"SOCK", 1}};
  h.world.catalog.seed_order(1, delivered, 5400, paid, {}, 0);
  h.world.catalog.seed_order(1, waiting, 1800, paid, {}, 0);
  ActionResult back = h.act("give_back", {{"order", "W1"}, {"skus", {"SOCK", "SOCK"}}});
  ASSERT_EQ(back.status, ActionStatus::kOk) << back.code;
  EXPECT_EQ(h.world.payments.find(paid)->refunded, 3600);
  ActionResult more = h.act("give_back", {{"order", "W1"}, {"skus", {"SOCK", "SOCK"}}});
  EXPECT_EQ(more.status, ActionStatus::kRejected) << "one sock is left to return";
  EXPECT_EQ(h.world.payments.find(paid)->refunded, 3600);
  ActionResult pending = h.act("give_back", {{"order", "W2"}, {"skus", {"SOCK"}}});
  EXPECT_EQ(pending.status, ActionStatus::kRejected);
  EXPECT_EQ(pending.code, "not_returnable");
  ActionResult bought = h.act("buy", socks(1, {{{"payment_id", "card_7"}}}));
  ASSERT_EQ(bought.status, ActionStatus::kConfirmed) << bought.code;
  ActionResult fresh = h.act("give_back", {{"order", bought.reference}, {"skus", {"SOCK"}}});
  EXPECT_EQ(fresh.status, ActionStatus::kRejected);
  EXPECT_EQ(fresh.code, "not_returnable");
  EXPECT_EQ(h.world.payments.find(paid)->refunded, 3600);
}

TEST(StoredValue, ASagaStoreKeepsItsTenders) {
  SagaRecord s;
  s.id = 7;
  s.tenders = {Tender{"gift_1", 1000, 42, true, 250}, Tender{"certificate_9", 500, 0, true, 0}};
  s.card_named = false;
  s.index = 1;
  SagaRecord back = saga_from_json(saga_to_json(s));
  ASSERT_EQ(back.tenders.size(), 2u);
  EXPECT_EQ(back.tenders[0].instrument, "gift_1");
  EXPECT_EQ(back.tenders[0].debit, 42u);
  EXPECT_EQ(back.tenders[0].credited, 250);
  EXPECT_TRUE(back.tenders[1].sent);
  EXPECT_FALSE(back.card_named);
  EXPECT_EQ(back.index, 1);
  // A record without tenders (every store written before split payments) reads as card-paid.
  SagaRecord plain = saga_from_json(saga_to_json(SagaRecord{}));
  EXPECT_TRUE(plain.tenders.empty());
  EXPECT_TRUE(plain.card_named);
}

}  // namespace
}  // namespace checkride
