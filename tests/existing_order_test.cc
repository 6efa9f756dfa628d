// Orders placed before the conversation (the retail-support worked example): a world file
// seeds them, paid and captured; the cancel plan's find_order learns each from the shop,
// which finds only the caller's own; a pending one is cancelled and refunded exactly once
// under lost answers and a crash, a delivered one is not cancellable.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "orchestrator/action_catalog.h"
#include "protocol/input_error.h"
#include "recorder/importer.h"
#include "scenario/scenario.h"
#include "simulator/replay.h"
#include "tests/in_process_http.h"
#include "tests/test_support.h"
#include "wire/fakes/face_guard.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/fake_servers.h"

namespace checkride {
namespace {

ReplayResult replay_retail(const std::string& faults = "") {
  ReplayOptions o;
  o.cassette = testing::source_path("scenarios/cassettes/retail-support.jsonl");
  o.world = testing::source_path("scenarios/worlds/retail-support.yaml");
  o.faults = faults;
  o.allow_empty = true;  // cancels refund; nothing is charged
  o.out_dir = testing::temp_dir("retail-replay");
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  EXPECT_EQ(run_replay(o, out, err, &r), 0) << err.str() << out.str();
  return r;
}

// The retail cassette replayed in `world` (a world file's text, written to `dir`), under
// `faults` (a fault list's text) when given.
ReplayResult replay_retail_in(const std::string& dir, const std::string& world,
                              const std::string& faults = "") {
  ReplayOptions o;
  o.cassette = testing::source_path("scenarios/cassettes/retail-support.jsonl");
  o.world = testing::write_temp(dir, "world.yaml", world);
  if (!faults.empty()) o.faults = testing::write_temp(dir, "faults.yaml", faults);
  o.allow_empty = true;
  o.out_dir = dir;
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  run_replay(o, out, err, &r);
  return r;
}

// Per trial: Yusuf's keyboard and two mugs, Ana's backpack, two of Lena's three delivered
// mugs returned, and Yusuf's card once his gift card pays that order instead. Yusuf's
// delivered lamp stays paid.
constexpr int64_t kReturned = 2 * 1400;
constexpr int64_t kRepaid = 15750;
constexpr int64_t kRefunds = 2 * (15750 + 8990 + kReturned + kRepaid);

TEST(ExistingOrder, PendingOrdersAreCancelledAndRefundedDeliveredOnesAreNot) {
  ReplayResult r = replay_retail();
  ASSERT_EQ(r.sessions.size(), 18u);
  for (const auto& s : r.sessions) EXPECT_EQ(s.verdict, "same") << s.session << ": " << s.why;
  EXPECT_EQ(r.report.money.at("refunded"), kRefunds);
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
  EXPECT_EQ(r.report.metrics.at("mapped_tool_calls"), 1);
}

class ExistingOrderUnderFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(ExistingOrderUnderFaults, EveryRefundExactlyOnce) {
  std::string dir = testing::temp_dir("retail-faults");
  ReplayResult r = replay_retail(testing::write_temp(dir, "faults.yaml", GetParam()));
  EXPECT_EQ(r.report.money.at("refunded"), kRefunds);
  for (const char* m :
       {"money_difference_cents", "escalations", "stuck", "fault_rules_never_fired"})
    EXPECT_EQ(r.report.metrics.at(m), 0) << m;
  for (const auto& s : r.sessions) EXPECT_NE(s.verdict, "diverged") << s.session << ": " << s.why;
}

INSTANTIATE_TEST_SUITE_P(
    All, ExistingOrderUnderFaults,
    ::testing::Values("[{provider: catalog, op: find_order, kind: lost_response, nth: 1}]",
                      "[{provider: catalog, op: cancel_order, kind: lost_response, nth: 1}]",
                      "[{provider: payment, op: refund, kind: lost_response, nth: 2}]",
                      "[{provider: orchestrator, op: refund, kind: crash, nth: 1, "
                      "restart_after: 2s}]",
                      "[{provider: orchestrator, op: find_order, kind: crash, nth: 2, "
                      "restart_after: 2s}]",
                      "[{provider: catalog, op: return_items, kind: lost_response, nth: 1}]",
                      "[{provider: catalog, op: return_items, kind: outage, nth: 1}]",
                      "[{provider: orchestrator, op: return_items, kind: crash, nth: 1, "
                      "restart_after: 2s}]"));

// A return takes a delivered order's items back and refunds their share of what it was
// paid: more than is left of a line, an item not in the order, or another user's order is
// refused with nothing moved (a pending order is not returnable either: it is cancelled).
TEST(ExistingOrder, ADeliveredOrdersItemsAreReturnedOnceAndNoMore) {
  const std::pair<const char*, const char*> kCases[] = {
      // Three mugs were bought; returning four is more than the order holds.
      {R"(\"item_ids\": [\"MUG-CER-12\", \"MUG-CER-12\"])",
       R"(\"item_ids\": [\"MUG-CER-12\", \"MUG-CER-12\", \"MUG-CER-12\", \"MUG-CER-12\"])"},
      {R"(\"item_ids\": [\"MUG-CER-12\", \"MUG-CER-12\"])", R"(\"item_ids\": [\"BAG-HIKE-30\"])"},
      {R"(\"order_id\": \"#W7315524\", \"item_ids\")",
       R"(\"order_id\": \"#W6390527\", \"item_ids\")"},
  };
  for (const auto& [from, to] : kCases) {
    std::string dir = testing::temp_dir("retail-return");
    std::string transcripts =
        testing::read_text(testing::source_path("scenarios/transcripts/retail-support.json"));
    std::size_t at = transcripts.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    for (; at != std::string::npos; at = transcripts.find(from, at + 1))
      transcripts.replace(at, std::string(from).size(), to);
    ImportOptions io;
    io.files = {testing::write_temp(dir, "t.json", transcripts)};
    io.from = "openai";
    io.session_id_fields = {"task_id", "trial"};
    io.user_id_field = "user_id";
    io.out = dir + "/retail.jsonl";
    ActionCatalog catalog =
        ActionCatalog::from_file(testing::source_path("scenarios/catalogs/retail-support.yaml"));
    for (const auto& a : catalog.actions()) io.actions.insert(a.first);
    std::ostringstream iout, ierr;
    ASSERT_EQ(run_import(io, iout, ierr), 0) << ierr.str();
    ReplayOptions o;
    o.cassette = io.out;
    o.world = testing::source_path("scenarios/worlds/retail-support.yaml");
    o.actions = testing::source_path("scenarios/catalogs/retail-support.yaml");
    o.allow_empty = true;
    o.out_dir = dir;
    o.quiet = true;
    std::ostringstream out, err;
    ReplayResult r;
    run_replay(o, out, err, &r);
    int refused = 0;
    for (const auto& s : r.sessions) {
      if (s.action != "return_delivered_order_items") continue;
      EXPECT_EQ(s.verdict, "diverged") << to;
      EXPECT_EQ(s.sandbox, "rejected") << to << ": " << s.why;
      ++refused;
    }
    EXPECT_EQ(refused, 2) << to;
    EXPECT_EQ(r.report.money.at("refunded"), kRefunds - 2 * kReturned) << to;
    EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0) << to;
  }
}

// Orders paid with stored value before the conversations: Lena's delivered #W7315524 took
// $40.00 of its $96.99 from her gift card, so of the two mugs' $28.00 returned $11.54 goes
// back to it (40.00/96.99) and the rest to her card; Ana's pending #W6390527 was paid by gift
// card alone, so its cancel re-credits all $89.90 and refunds no card. Each once, under a
// lost answer and a crash.
TEST(ExistingOrder, PaidWithStoredValueBeforeEachPartGetsItsShareBack) {
  std::string world =
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml"));
  auto pay_with = [&](const std::string& reference, const std::string& part) {
    std::size_t at = world.find("reference: \"" + reference + "\"");
    ASSERT_NE(at, std::string::npos) << reference;
    world.insert(world.find("}\n", world.rfind("paid_cents", world.find('\n', at))),
                 ", paid_stored_value: [" + part + "]");
  };
  pay_with("#W7315524", "{id: gift_card_8801, amount_cents: 4000}");
  pay_with("#W6390527", "{id: gift_card_8802, amount_cents: 8990}");
  world +=
      "  - {id: gift_card_8801, user: lena_park_7731, balance_cents: 0}\n"
      "  - {id: gift_card_8802, user: ana_brown_2254, balance_cents: 500}\n";
  const ReplayResult base = replay_retail();
  for (const char* faults : {"", "[{provider: payment, op: credit, kind: lost_response, nth: 1}]",
                             "[{provider: orchestrator, op: credit, kind: crash, nth: 2, "
                             "restart_after: 2s}]"}) {
    ReplayResult r = replay_retail_in(testing::temp_dir("retail-seeded-sv"), world, faults);
    ASSERT_FALSE(r.sessions.empty()) << faults;
    // Every call answers as recorded; where the recording says the refund went to the card
    // and this world's gift card gets its share, the money differs, and the verdict says so.
    // (Under a fault the first divergence described may be a lost answer the agent retried.)
    for (const auto& s : r.sessions) {
      const bool money_only =
          s.code == "amount_differs" || !s.money_sandbox.matches(s.money_recorded);
      EXPECT_TRUE(s.verdict != "diverged" || money_only) << s.session << s.why;
    }
    EXPECT_EQ(r.report.money.at("stored_value_credited"), 2 * (1154 + 8990)) << faults;
    // The same money goes back as when the cards paid it all, only to other instruments.
    EXPECT_EQ(r.report.money.at("refunded"), base.report.money.at("refunded")) << faults;
    for (const char* m : {"money_difference_cents", "duplicate_charges", "stuck", "escalations"})
      EXPECT_EQ(r.report.metrics.at(m), 0) << m << " " << faults;
  }
}

// A change without money: a pending order's address changes (under a lost answer and a
// crash too, nothing diverges); a delivered order's does not, with nothing else moved.
TEST(ExistingOrder, APendingOrdersAddressChangesADeliveredOnesDoesNot) {
  for (const char* faults :
       {"", "[{provider: catalog, op: update_order, kind: lost_response, nth: 1}]",
        "[{provider: orchestrator, op: update_order, kind: crash, nth: 1, restart_after: 2s}]"}) {
    std::string dir = testing::temp_dir("retail-change");
    ReplayResult r = replay_retail(*faults ? testing::write_temp(dir, "f.yaml", faults) : "");
    for (const auto& s : r.sessions) EXPECT_NE(s.verdict, "diverged") << faults << s.session;
    EXPECT_EQ(r.report.failures_by_step.at("catalog.update_order").calls, *faults ? 3u : 2u)
        << faults;
  }
  // Had Ana's order been delivered, neither its change nor its cancel would go through.
  std::string dir = testing::temp_dir("retail-change-delivered");
  std::string world =
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml"));
  std::size_t at = world.find("user: ana_brown_2254, status: pending");
  ASSERT_NE(at, std::string::npos);
  world.replace(world.find("pending", at), 7, "delivered");
  ReplayResult r = replay_retail_in(dir, world);
  std::map<std::string, int> refused;  // code -> sessions
  for (const auto& s : r.sessions) {
    if (s.verdict == "diverged") ++refused[s.action + " " + s.code];
  }
  EXPECT_EQ(refused["modify_pending_order_address not_changeable"], 2);
  EXPECT_EQ(refused["cancel_pending_order not_cancellable"], 2);
  EXPECT_EQ(refused.size(), 2u);
  // Yusuf's cancel and repayment, Lena's return.
  EXPECT_EQ(r.report.money.at("refunded"), 2 * (15750 + kReturned + kRepaid));
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
}

// Swapping items, one for one (task 7: Yusuf's two pending 12 oz mugs for 16 oz ones, $4.00
// more; task 8: Lena's delivered black lamp for the white one, $5.00 more): the difference is
// consented and charged once, the order's total moves by it, under lost answers, an outage
// and a crash.
class ItemSwapUnderFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(ItemSwapUnderFaults, TheDifferenceIsChargedOnceAndTheOrderMovesByIt) {
  std::string dir = testing::temp_dir("retail-swap");
  ReplayResult r = replay_retail(*GetParam() ? testing::write_temp(dir, "f.yaml", GetParam()) : "");
  for (const char* m : {"duplicate_charges", "duplicate_authorizations", "charged_without_order",
                        "orphan_authorizations", "money_difference_cents", "stuck",
                        "consent_violations", "escalations"}) {
    EXPECT_EQ(r.report.metrics.at(m), 0) << m;
  }
  if (*GetParam()) {
    EXPECT_EQ(r.report.metrics.at("fault_rules_never_fired"), 0);
  }
  // Both swaps in both trials: 2 x ($4.00 + $5.00) more kept by the shop.
  static const int64_t kBase = [] {
    ReplayResult plain = replay_retail();
    return plain.report.money.at("confirmed_totals");
  }();
  EXPECT_EQ(r.report.money.at("confirmed_totals"), kBase);
  EXPECT_EQ(r.report.money.at("captured") - r.report.money.at("refunded") -
                r.report.money.at("confirmed_totals"),
            0);
}

INSTANTIATE_TEST_SUITE_P(
    All, ItemSwapUnderFaults,
    ::testing::Values("", "[{provider: catalog, op: swap_items, kind: lost_response, nth: 1}]",
                      "[{provider: catalog, op: quote_item_swap, kind: lost_response, nth: 2}]",
                      "[{provider: payment, op: capture, kind: lost_response, nth: 1}]",
                      "[{provider: catalog, op: swap_items, kind: outage, nth: 1}]",
                      "[{provider: orchestrator, op: swap_items, kind: crash, nth: 1, "
                      "restart_after: 2s}]"));

// A swap the shop cannot make (the new lamp is out of stock) changes nothing and charges
// nothing: the authorization is voided, the order keeps its items and its total.
TEST(ExistingOrder, ASwapTheShopCannotMakeChangesAndChargesNothing) {
  ReplayResult plain = replay_retail();
  std::string dir = testing::temp_dir("retail-swap-none");
  std::string world =
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml"));
  std::size_t at = world.find("id: LAMP-DESK-WHT");
  ASSERT_NE(at, std::string::npos);
  std::size_t stock = world.find("stock: 1000", at);
  world.replace(stock, 11, "stock: 0");
  ReplayResult r = replay_retail_in(dir, world);
  int refused = 0;
  for (const auto& s : r.sessions) {
    if (s.action != "exchange_delivered_order_items") continue;
    EXPECT_EQ(s.verdict, "diverged");
    EXPECT_EQ(s.sandbox, "rejected") << s.why;
    ++refused;
  }
  EXPECT_EQ(refused, 2);
  EXPECT_EQ(r.report.money.at("confirmed_totals"),
            plain.report.money.at("confirmed_totals") - 2 * 500);
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
  EXPECT_EQ(r.report.metrics.at("orphan_authorizations"), 0);
}

// Another payment method for a pending order (task 9: Yusuf's #W2378156, $157.50, onto his
// gift card): the gift card is debited once, the order repaid by it, and only then is the card
// refunded in full, under lost answers and crashes; a gift card that cannot cover the order
// is refused before any money moves and the card keeps paying.
class ChangePaymentUnderFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(ChangePaymentUnderFaults, TheNewPaymentTakesOverOnceAndTheOldOneIsRefundedOnce) {
  std::string dir = testing::temp_dir("retail-repay");
  ReplayResult r = replay_retail(*GetParam() ? testing::write_temp(dir, "f.yaml", GetParam()) : "");
  for (const char* m : {"duplicate_charges", "charged_without_order", "money_difference_cents",
                        "stuck", "consent_violations", "escalations"}) {
    EXPECT_EQ(r.report.metrics.at(m), 0) << m;
  }
  if (*GetParam()) {
    EXPECT_EQ(r.report.metrics.at("fault_rules_never_fired"), 0);
  }
  EXPECT_EQ(r.report.money.at("stored_value_debited") - r.report.money.at("stored_value_credited"),
            2 * 15750);
}

INSTANTIATE_TEST_SUITE_P(
    All, ChangePaymentUnderFaults,
    ::testing::Values("", "[{provider: catalog, op: repay_order, kind: lost_response, nth: 1}]",
                      "[{provider: payment, op: debit, kind: lost_response, nth: 1}]",
                      "[{provider: payment, op: refund, kind: lost_response, nth: 4}]",
                      "[{provider: orchestrator, op: repay_order, kind: crash, nth: 1, "
                      "restart_after: 2s}]",
                      "[{provider: orchestrator, op: debit, kind: crash, nth: 2, "
                      "restart_after: 2s}]"));

TEST(ExistingOrder, AGiftCardThatCannotCoverTheOrderLeavesTheCardPaying) {
  std::string dir = testing::temp_dir("retail-repay-short");
  std::string world =
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml"));
  std::size_t at = world.find("balance_cents: 30000");
  ASSERT_NE(at, std::string::npos);
  world.replace(at, 20, "balance_cents: 10000");
  ReplayResult r = replay_retail_in(dir, world);
  int refused = 0;
  for (const auto& s : r.sessions) {
    if (s.action != "modify_pending_order_payment") continue;
    EXPECT_EQ(s.verdict, "diverged");
    EXPECT_EQ(s.code, "insufficient_balance") << s.why;
    ++refused;
  }
  EXPECT_EQ(refused, 2);
  EXPECT_EQ(r.report.money.count("stored_value_debited"), 0u) << "nothing taken from it";
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
  EXPECT_EQ(r.report.metrics.at("orphan_authorizations"), 0);
}

TEST(ExistingOrder, AWorldFileNamesTheOrderItCannotSeed) {
  std::string dir = testing::temp_dir("retail-bad");
  std::string skus = "skus: [{id: MUG, price_cents: 1400, stock: 10}]\n";
  const std::pair<std::string, std::string> kBad[] = {
      {"orders: [{reference: A, items: [{sku: NOPE, quantity: 1}]}]\n", "orders[0].items"},
      {"orders: [{reference: A, status: teleported, items: [{sku: MUG}]}]\n", "orders[0].status"},
      {"orders: [{reference: A}]\n", "orders[0].items"},
      {"orders: [{items: [{sku: MUG}]}]\n", "orders[0].reference"},
      {"orders: [{reference: A, items: [{sku: MUG, quantity: 0}]}]\n",
       "orders[0].items[0].quantity"},
  };
  for (const auto& [text, field] : kBad) {
    std::string path = testing::write_temp(dir, "w.yaml", skus + text);
    Scenario s = default_scenario();
    try {
      load_world_file(s, path);
      check_existing_bookings(s);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
}

TEST(ExistingOrder, TheCatalogFaceFindsOnlyTheCustomersOwnOrder) {
  Scenario scenario = default_scenario();
  load_world_file(scenario, testing::source_path("scenarios/worlds/retail-support.yaml"));
  ActionCatalog catalog =
      ActionCatalog::from_file(testing::source_path("scenarios/catalogs/retail-support.yaml"));
  FakeState state(scenario, {}, default_oauth_clients());
  InProcessHttpServer server;
  guard_face(server, ErrorStyle::kJson);
  mount_catalog(server, state);
  Shopper yusuf =
      state.add_shopper(CardBehaviour::kSucceeds, kScopeOrdersWrite, "yusuf_rossi_9620");
  Shopper ana = state.add_shopper(CardBehaviour::kSucceeds, kScopeOrdersWrite, "ana_brown_2254");
  auto get = [&](UserId user) {
    return server.handle("GET /v1/orders/%23W2378156?customer=user_" + std::to_string(user) +
                         " HTTP/1.1\r\nHost: t\r\n\r\n");
  };
  std::string own = get(yusuf.user);
  ASSERT_EQ(status_of(own), 200) << own;
  auto j = nlohmann::json::parse(body_of(own));
  EXPECT_EQ(j["status"], "pending");
  EXPECT_EQ(j["total"], 15750);
  EXPECT_EQ(j["payment_intent"].get<std::string>().rfind("pi_", 0), 0u);
  EXPECT_EQ(status_of(get(ana.user)), 404);
  // A return over the wire: Lena's delivered order gives two of its three mugs back.
  Shopper lena = state.add_shopper(CardBehaviour::kSucceeds, kScopeOrdersWrite, "lena_park_7731");
  std::string token = state.token_name(lena.grant.access_token, false);
  auto give_back = [&](const std::string& id, const std::string& items) {
    std::string body =
        R"({"customer": "user_)" + std::to_string(lena.user) + R"(", "items": )" + items + "}";
    return server.handle("POST /v1/orders/" + id + "/returns HTTP/1.1\r\nHost: t\r\n" +
                         "Authorization: Bearer " + token +
                         "\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  std::string found = server.handle("GET /v1/orders/%23W7315524?customer=user_" +
                                    std::to_string(lena.user) + " HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string order_id = nlohmann::json::parse(body_of(found))["id"];
  std::string back = give_back(order_id, R"([{"sku": "MUG-CER-12", "quantity": 2}])");
  ASSERT_EQ(status_of(back), 200) << back;
  EXPECT_EQ(nlohmann::json::parse(body_of(back))["refund_amount"], 2800);
  std::string more = give_back(order_id, R"([{"sku": "MUG-CER-12", "quantity": 2}])");
  EXPECT_EQ(status_of(more), 400) << more;
  EXPECT_EQ(status_of(give_back(order_id, R"([])")), 400);
}

}  // namespace
}  // namespace checkride
