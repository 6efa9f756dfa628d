// The world's rules over the wire (issue 30): `serve fakes` enforces a world's order rules
// when the orchestrator service names the operation, and pays a refund into a gift card the
// world allows, each under lost answers.
#include <gtest/gtest.h>

#include "tests/airline_extras.h"
#include "tests/conversation_builder.h"
#include "tests/order_extras.h"
#include "tests/retail_conversations.h"
#include "tests/retail_rules.h"
#include "wire_drive.h"

namespace checkride {
namespace {

// How often the rig's fault rules fired: a test under lost answers proves nothing at 0.
int faults_fired(WireRig& rig) {
  int fired = 0;
  json faults = rig.control_get("/__checkride/faults");
  for (const auto& rule : faults["faults"]) fired += rule.value("fired", 0);
  return fired;
}

// The world's rules over the wire: where pending orders cannot be cancelled, the catalog
// face's lookup answers the refusal (the orchestrator names the operation), so task 1's
// cancel of Yusuf's $157.50 order refunds nothing, however often the lookup's or a cancel's
// answer is lost; where they can, each of the 6 is refunded once.
TEST(WireEndToEnd, TheWorldsOrderRulesHoldOverTheWire) {
  const char* kLost = R"([
    {"provider": "catalog", "op": "find_order", "kind": "lost_response", "probability": 0.5},
    {"provider": "catalog", "op": "cancel_order", "kind": "lost_response", "probability": 0.5},
    {"provider": "payment", "op": "refund", "kind": "lost_response", "probability": 0.5}
  ])";
  for (bool strict : {false, true}) {
    const std::string dir = testing::temp_dir("wire-rules-setup");
    const std::string rules =
        strict ? "order_rules:\n"
                 "  statuses: {pending: [modify_items, change_details, change_payment],\n"
                 "             delivered: [return, exchange], cancelled: []}\n"
               : "";
    WireRig rig(example_in_world(dir, "retail-support", rules), "wire-rules");
    ASSERT_TRUE(set_faults(rig, kLost));
    json report = drive_example_task(rig, "retail-support", 1);
    ASSERT_FALSE(report.is_null());
    const json& money = report["money_cents"];
    EXPECT_EQ(money.value("refunded", int64_t{0}), strict ? 0 : 6 * 15750) << money.dump();
    for (const char* k : {"money_difference_cents", "escalations", "drive_unsettled_sessions"})
      EXPECT_EQ(report["metrics"][k], 0) << k;
    EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
  }
}

// Yusuf's keyboard for a 16 oz mug, the $113.50 difference into his gift card, which never
// paid: over the wire too it is deposited once per session however often the deposit's or
// the swap's answer is lost, in a world whose refunds may go into the user's gift card.
TEST(WireEndToEnd, ARefundIntoTheUsersGiftCardIsDepositedOnceOverTheWire) {
  testing::Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Swap the keyboard in #W2378156 for a 16 oz mug.");
  const json history = json::array({{{"transaction_type", "payment"},
                                     {"amount", 157.5},
                                     {"payment_method_id", "credit_card_9513926"}},
                                    {{"transaction_type", "refund"},
                                     {"amount", 113.5},
                                     {"payment_method_id", "gift_card_7701"}}});
  c.call("modify_pending_order_items",
         {{"order_id", "#W2378156"},
          {"item_ids", {"KBD-MECH-BRN"}},
          {"new_item_ids", {"MUG-CER-16"}},
          {"payment_method_id", "gift_card_7701"}},
         {{"order_id", "#W2378156"}, {"status", "pending"}, {"payment_history", history}});
  const std::string dir = testing::temp_dir("wire-refund-to-setup");
  const std::string cassette =
      testing::read_text(testing::import_example(dir, "retail-support", json::array({c.dump(90)})));
  WireRig rig(example_in_world(dir, "retail-support", "refunds: {to: own_gift_card}\n"),
              "wire-refund-to");
  ASSERT_TRUE(set_faults(rig, R"([
    {"provider": "payment", "op": "deposit", "kind": "lost_response", "probability": 0.5},
    {"provider": "catalog", "op": "swap_items", "kind": "lost_response", "probability": 0.5}
  ])"));
  json report = drive_cassette(rig, "refund-to", cassette);
  ASSERT_FALSE(report.is_null());
  const json& money = report["money_cents"];
  EXPECT_EQ(money.value("stored_value_credited", int64_t{0}), 6 * 11350) << money.dump();
  EXPECT_EQ(money.value("refunded", int64_t{0}), 6 * 11350) << money.dump();
  for (const char* k : {"money_difference_cents", "escalations", "drive_unsettled_sessions"})
    EXPECT_EQ(report["metrics"][k], 0) << k;
  EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
}

// Yusuf's address change is a write at the shop over the wire too: every one of 6 sessions
// gets its answer, however often the write's answer is lost, and a world that lists the
// shop's customers without him refuses it (unknown_user) in every one.
TEST(WireEndToEnd, AnAddressChangeIsAWriteAtTheShopOverTheWire) {
  testing::Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. I moved: 12 Elm St, Austin, TX, USA, 78701.");
  c.call("modify_user_address",
         {{"user_id", "yusuf_rossi_9620"},
          {"address1", "12 Elm St"},
          {"city", "Austin"},
          {"state", "TX"},
          {"country", "USA"},
          {"zip", "78701"}},
         {{"user_id", "yusuf_rossi_9620"}, {"address", "12 Elm St, Austin"}});
  for (const char* profiles : {"profiles:\n  - {user: yusuf_rossi_9620, details: 1 Old Rd}\n",
                               "profiles:\n  - {user: ana_brown_2254, details: 3 Oak Ave}\n"}) {
    const bool listed = std::string(profiles).find("yusuf") != std::string::npos;
    const std::string dir = testing::temp_dir("wire-profile-setup");
    const std::string cassette = testing::read_text(
        testing::import_example(dir, "retail-support", json::array({c.dump(95)})));
    WireRig rig(example_in_world(dir, "retail-support", profiles), "wire-profile");
    ASSERT_TRUE(set_faults(rig, R"([
      {"provider": "catalog", "op": "update_profile", "kind": "lost_response", "probability": 0.5}
    ])"));
    json report = drive_cassette(rig, "profile", cassette);
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(report["metrics"]["drive_unsettled_sessions"], 0);
    EXPECT_EQ(report["metrics"]["escalations"], 0);
    // One write per session, however often its answer was lost; none for a stranger.
    EXPECT_EQ(rig.control_get("/__checkride/ledger")["profile_writes"], listed ? 6 : 0);
    if (listed) {
      EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
    }
  }
}

// Each user's own cards over the wire: in a world that names them, Yusuf's wallet pays his
// order once per session however often the authorization's answer is lost, and Lena's card,
// which he names in another run, is refused (resource_missing at the payments face) in all 6.
TEST(WireEndToEnd, OnlyTheUsersOwnCardsPayOverTheWire) {
  const char* kMethods =
      "payment_methods:\n"
      "  - {id: credit_card_9513926, user: yusuf_rossi_9620, kind: card}\n"
      "  - {id: paypal_5544, user: yusuf_rossi_9620, kind: wallet}\n"
      "  - {id: credit_card_1111, user: lena_park_7731, kind: card}\n";
  int64_t captured[2] = {0, 0};  // with what was paid before the sessions
  for (const char* instrument : {"paypal_5544", "credit_card_1111"}) {
    const bool own = std::string(instrument) == "paypal_5544";
    const std::string dir = testing::temp_dir("wire-methods-setup");
    const std::string cassette = testing::read_text(testing::import_example(
        dir, "retail-support", json::array({testing::repay_with(instrument, !own)})));
    WireRig rig(example_in_world(dir, "retail-support", kMethods), "wire-methods");
    ASSERT_TRUE(set_faults(rig, R"([
      {"provider": "payment", "op": "authorize", "kind": "lost_response", "probability": 0.5}
    ])"));
    json report = drive_cassette(rig, "methods", cassette);
    ASSERT_FALSE(report.is_null());
    const json& money = report["money_cents"];
    captured[own ? 0 : 1] = money.value("captured", int64_t{0});
    EXPECT_EQ(money.value("refunded", int64_t{0}), own ? 6 * 15750 : 0) << money.dump();
    for (const char* k : {"money_difference_cents", "escalations", "drive_unsettled_sessions"})
      EXPECT_EQ(report["metrics"][k], 0) << k;
    if (own) {
      EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
    }
  }
  EXPECT_EQ(captured[0] - captured[1], 6 * 15750) << "the wallet is charged once per session";
}

// The airline example's scenario in the world file `world`, with the action catalog
// `actions` (tests/airline_extras.h).
std::string example_scenario(const std::string& dir, const std::string& example,
                             const std::string& world_file, const std::string& actions) {
  // Written elsewhere: example_in_world writes a world.yaml of its own.
  const std::string base = testing::temp_dir("wire-" + example + "-base");
  std::string scenario = testing::read_text(example_in_world(base, example, ""));
  const std::string world = "catalog: " + base + "/world.yaml";
  const std::string catalog =
      "actions: " + testing::source_path("scenarios/catalogs/" + example + ".yaml");
  EXPECT_NE(scenario.find(world), std::string::npos) << scenario;
  EXPECT_NE(scenario.find(catalog), std::string::npos) << scenario;
  scenario.replace(scenario.find(world), world.size(), "catalog: " + world_file);
  scenario.replace(scenario.find(catalog), catalog.size(), "actions: " + actions);
  return testing::write_temp(dir, example + ".yaml", scenario);  // its paths are absolute
}

std::string airline_scenario(const std::string& dir, const std::string& world_file,
                             const std::string& actions) {
  return example_scenario(dir, "airline-support", world_file, actions);
}

// The world's extras over the wire: Omar's third bag past his one free is charged once per
// session ($100), and a booking with two bags and insurance $209 ($129 of fare), however
// often the answer of the call that buys them is lost.
TEST(WireEndToEnd, TheWorldsExtrasAreChargedPastTheAllowanceOnceOverTheWire) {
  struct Case {
    testing::Conversation conversation;
    const char* op;
    int64_t in_session;
  };
  for (const Case& c : {Case{testing::bags(3, 2, 100), "add_extras", 10000},
                        Case{testing::book_insured(), "hold", 20900}}) {
    const std::string dir = testing::temp_dir("wire-extras-setup");
    const std::string cassette = testing::read_text(
        testing::import_example(dir, "airline-support", json::array({c.conversation.dump(7)})));
    WireRig rig(airline_scenario(dir, testing::airline_world(dir), testing::declared_catalog(dir)),
                "wire-extras");
    ASSERT_TRUE(set_faults(rig, json::array({{{"provider", "booking"},
                                              {"op", c.op},
                                              {"kind", "lost_response"},
                                              {"probability", 0.5}}})
                                    .dump()));
    json report = drive_cassette(rig, "extras", cassette);
    ASSERT_FALSE(report.is_null());
    const json& money = report["money_cents"];
    // Each session's Omar paid $279 before it (the fare and the insurance of K1NW8N).
    EXPECT_EQ(money.value("captured", int64_t{0}), 6 * (27900 + c.in_session)) << money.dump();
    for (const char* k :
         {"money_difference_cents", "duplicate_charges", "drive_unsettled_sessions"})
      EXPECT_EQ(report["metrics"][k], 0) << k << " " << c.op;
    EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
  }
}

// A time limit over the wire: 22 h before departure no cancel refunds anything, with the
// lookup's answer lost; 26 h before, each session's cancel refunds the fare once. (At a 50%
// loss rate one session in six ran out of lookup retries and was told "timeout", time limit
// or not: honest, and not what this tests.)
TEST(WireEndToEnd, NoCancelWithinTheWorldsTimeLimitBeforeDepartureOverTheWire) {
  for (const char* now : {"2026-12-09T10:00:00Z", "2026-12-09T06:00:00Z"}) {
    const bool late = std::string(now) == "2026-12-09T10:00:00Z";
    const std::string dir = testing::temp_dir("wire-time-limit-setup");
    const std::string cassette = testing::read_text(testing::import_example(
        dir, "airline-support", json::array({testing::cancel(late).dump(5)})));
    WireRig rig(airline_scenario(dir, testing::world_at(dir, now),
                                 testing::source_path("scenarios/catalogs/airline-support.yaml")),
                "wire-time-limit");
    ASSERT_TRUE(set_faults(rig, R"([
      {"provider": "booking", "op": "find_booking", "kind": "lost_response", "nth": 1},
      {"provider": "booking", "op": "find_booking", "kind": "lost_response", "nth": 4}
    ])"));
    json report = drive_cassette(rig, "time-limit", cassette);
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(report["money_cents"].value("refunded", int64_t{0}), late ? 0 : 6 * 24900)
        << report["money_cents"].dump();
    for (const char* k : {"money_difference_cents", "drive_unsettled_sessions"})
      EXPECT_EQ(report["metrics"][k], 0) << k << " at " << now;
    EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
  }
}

// Instrument rules over the wire: where certificates pay only for purchases, no session's bag
// is debited from Omar's certificate (the debit is refused payment_method_not_allowed at the
// stored-value face); without the rule, each of the 6 is.
TEST(WireEndToEnd, ACertificateThatPaysOnlyForPurchasesIsNotDebitedForBagsOverTheWire) {
  testing::Conversation c("omar_davis_3817");
  c.say("user", "I'm omar_davis_3817. One bag on K1NW8N, paid with certificate_8100.");
  c.say("assistant", "One bag is $35.00 on certificate_8100. Shall I?");
  c.say("user", "Yes.");
  c.call("update_reservation_baggages",
         {{"reservation_id", "K1NW8N"},
          {"total_baggages", 1},
          {"nonfree_baggages", 1},
          {"payment_id", "certificate_8100"}},
         {{"reservation_id", "K1NW8N"}});
  for (const char* rules :
       {"", "instrument_rules:\n  - {prefix: certificate_, pays_for: [purchase]}\n"}) {
    const std::string dir = testing::temp_dir("wire-instrument-setup");
    const std::string cassette = testing::read_text(
        testing::import_example(dir, "airline-support", json::array({c.dump(3)})));
    WireRig rig(example_in_world(dir, "airline-support", rules), "wire-instrument");
    json report = drive_cassette(rig, "instrument", cassette);
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(report["money_cents"].value("stored_value_debited", int64_t{0}),
              std::string(rules).empty() ? 6 * 3500 : 0)
        << report["money_cents"].dump();
    EXPECT_EQ(report["metrics"]["money_difference_cents"], 0);
  }
}

// A return window over the wire: 38 days after delivery no session's return of Yusuf's lamp
// refunds anything, with the lookup's answer lost (the lookup answers the refusal); 19 days
// after, each of the 6 is refunded once, however often the return's answer is lost.
TEST(WireEndToEnd, NoReturnPastTheWorldsWindowSinceDeliveryOverTheWire) {
  testing::Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Return the lamp of #W4817420.");
  const json history = json::array({{{"transaction_type", "payment"},
                                     {"amount", 54.99},
                                     {"payment_method_id", "credit_card_9513926"}},
                                    {{"transaction_type", "refund"},
                                     {"amount", 54.99},
                                     {"payment_method_id", "credit_card_9513926"}}});
  c.call("return_delivered_order_items",
         {{"order_id", "#W4817420"},
          {"item_ids", {"LAMP-DESK-BLK"}},
          {"payment_method_id", "credit_card_9513926"}},
         {{"order_id", "#W4817420"}, {"status", "return requested"}, {"payment_history", history}});
  for (const char* delivered : {"2026-11-01T10:00:00Z", "2026-11-20T10:00:00Z"}) {
    const bool late = std::string(delivered) == "2026-11-01T10:00:00Z";
    const std::string dir = testing::temp_dir("wire-return-window-setup");
    std::string world =
        testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml"));
    const std::string lamp = "{reference: \"#W4817420\", user: yusuf_rossi_9620, status: delivered";
    ASSERT_NE(world.find(lamp), std::string::npos) << "the retail world changed";
    world.insert(world.find(lamp) + lamp.size(),
                 ", delivered_at: \"" + std::string(delivered) + "\"");
    world += "now: \"2026-12-09T10:00:00Z\"\norder_rules: {within: {return: 30d}}\n";
    const std::string cassette = testing::read_text(
        testing::import_example(dir, "retail-support", json::array({c.dump(96)})));
    WireRig rig(example_with_world(dir, "retail-support", world), "wire-return-window");
    ASSERT_TRUE(set_faults(rig, R"([
      {"provider": "catalog", "op": "find_order", "kind": "lost_response", "nth": 1},
      {"provider": "catalog", "op": "find_order", "kind": "lost_response", "nth": 4},
      {"provider": "catalog", "op": "return_items", "kind": "lost_response", "probability": 0.5}
    ])"));
    json report = drive_cassette(rig, "return-window", cassette);
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(report["money_cents"].value("refunded", int64_t{0}), late ? 0 : 6 * 5499)
        << report["money_cents"].dump();
    for (const char* k : {"money_difference_cents", "drive_unsettled_sessions", "escalations"})
      EXPECT_EQ(report["metrics"][k], 0) << k << " delivered " << delivered;
    EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
  }
}

// What paid, by name, over the wire: the catalog face's lookup says Yusuf's lamp was paid by
// his card and gift card, so a return refunded into his wallet, which paid nothing, is
// refused in each of 6 sessions, however often the lookup's answer is lost; named into his
// card, each goes back to what paid, once.
TEST(WireEndToEnd, ARefundIntoAWalletThatDidNotPayIsRefusedOverTheWire) {
  for (const char* into : {"paypal_5544", "credit_card_9513926"}) {
    const bool wallet = std::string(into) == "paypal_5544";
    const std::string dir = testing::temp_dir("wire-refund-named-setup");
    const std::string cassette = testing::read_text(testing::import_example(
        dir, "retail-support", json::array({testing::lamp_back_into(into, wallet)})));
    WireRig rig(example_with_world(dir, "retail-support", testing::split_paid_world()),
                "wire-refund-named");
    ASSERT_TRUE(set_faults(rig, R"([
      {"provider": "catalog", "op": "find_order", "kind": "lost_response", "nth": 1},
      {"provider": "catalog", "op": "find_order", "kind": "lost_response", "nth": 4}
    ])"));
    json report = drive_cassette(rig, "refund-named", cassette);
    ASSERT_FALSE(report.is_null());
    const json& money = report["money_cents"];
    EXPECT_EQ(money.value("refunded", int64_t{0}), wallet ? 0 : 6 * 5499) << money.dump();
    EXPECT_EQ(money.value("stored_value_credited", int64_t{0}), wallet ? 0 : 6 * 2000)
        << money.dump();
    for (const char* k : {"money_difference_cents", "drive_unsettled_sessions", "escalations"})
      EXPECT_EQ(report["metrics"][k], 0) << k << " into " << into;
    EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
  }
}

// Gift wrap on an order over the wire: the catalog face prices the wrap into the quote, the
// reservation and the order, so each of 6 sessions' lamp is charged $59.99 once, however often
// the reservation's or the commit's answer is lost.
TEST(WireEndToEnd, AnOrdersGiftWrapIsChargedOnceOverTheWire) {
  const std::string dir = testing::temp_dir("wire-gift-wrap-setup");
  const std::string catalog = testing::gift_wrap_catalog(dir);
  const std::string cassette = testing::read_text(testing::import_example(
      dir, "retail-support", json::array({testing::order_wrapped("LAMP-DESK-BLK", 59.99).dump(97)}),
      catalog));
  WireRig rig(example_scenario(dir, "retail-support", testing::gift_wrap_world(dir), catalog),
              "wire-gift-wrap");
  ASSERT_TRUE(set_faults(rig, R"([
    {"provider": "catalog", "op": "reserve", "kind": "lost_response", "probability": 0.5},
    {"provider": "catalog", "op": "commit", "kind": "lost_response", "probability": 0.5}
  ])"));
  json report = drive_cassette(rig, "gift-wrap", cassette);
  ASSERT_FALSE(report.is_null());
  const json& money = report["money_cents"];
  // Each session's lamp, beside the two orders Yusuf paid before it ($157.50 and $54.99).
  EXPECT_EQ(money.value("captured", int64_t{0}), 6 * (5999 + 15750 + 5499)) << money.dump();
  for (const char* k :
       {"money_difference_cents", "duplicate_charges", "drive_unsettled_sessions", "escalations"})
    EXPECT_EQ(report["metrics"][k], 0) << k;
  EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
}

// A sales tax over the wire: the catalog face prices 8.25% on the lamp and its wrap into the
// quote, the reservation and the order, so each session's lamp is charged $64.94 once,
// however often an answer is lost.
TEST(WireEndToEnd, AnOrdersSalesTaxIsChargedOnceOverTheWire) {
  const std::string dir = testing::temp_dir("wire-sales-tax-setup");
  const std::string catalog = testing::gift_wrap_catalog(dir);
  const std::string cassette = testing::read_text(testing::import_example(
      dir, "retail-support", json::array({testing::order_wrapped("LAMP-DESK-BLK", 64.94).dump(97)}),
      catalog));
  const std::string world = testing::write_temp(
      dir, "taxed.yaml",
      testing::read_text(testing::gift_wrap_world(dir)) +
          "taxes: [{id: sales_tax, on: orders, rate: 8.25%, of: [items, gift_wrap]}]\n");
  WireRig rig(example_scenario(dir, "retail-support", world, catalog), "wire-sales-tax");
  ASSERT_TRUE(set_faults(rig, R"([
    {"provider": "catalog", "op": "reserve", "kind": "lost_response", "probability": 0.5},
    {"provider": "catalog", "op": "commit", "kind": "lost_response", "probability": 0.5}
  ])"));
  json report = drive_cassette(rig, "sales-tax", cassette);
  ASSERT_FALSE(report.is_null());
  const json& money = report["money_cents"];
  EXPECT_EQ(money.value("captured", int64_t{0}), 6 * (6494 + 15750 + 5499)) << money.dump();
  for (const char* k :
       {"money_difference_cents", "duplicate_charges", "drive_unsettled_sessions", "escalations"})
    EXPECT_EQ(report["metrics"][k], 0) << k;
  EXPECT_GT(faults_fired(rig), 0) << "no answer was lost: the test proves nothing";
}

}  // namespace
}  // namespace checkride
