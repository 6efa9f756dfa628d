// Metrics that count the right thing (issue 29, part 4): a duplicate charge is a second
// charge for the same thing, not a second charge in one session; what existed before the
// session is never made or left unpaid by it; a refusal after an earlier confirmed charge is
// not a false failure.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/conversation_builder.h"

namespace checkride {
namespace {

using nlohmann::json;

using testing::Conversation;

const char* kCard = "credit_card_9513926";

json order_json(const std::string& id, const std::string& status, const json& items,
                const json& history) {
  return {{"order_id", id},
          {"user_id", "yusuf_rossi_9620"},
          {"status", status},
          {"items", items},
          {"payment_history", history}};
}

json payment(double amount, const std::string& kind = "payment") {
  return {{"transaction_type", kind}, {"amount", amount}, {"payment_method_id", kCard}};
}

// Yusuf changes two of his orders in one session, each on its own yes: the mugs of pending
// #W2378156 for 16 oz ones ($4.00 more), and the lamp of delivered #W4817420 for the white
// one ($5.00 more). Two charges, for two different things.
json two_changes() {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Two things about my orders.");
  c.call("find_user_id_by_email", {{"email", "yusuf.rossi@example.com"}}, "yusuf_rossi_9620");
  const json mugs = json::array({{{"item_id", "KBD-MECH-BRN"}, {"price", 129.5}, {"quantity", 1}},
                                 {{"item_id", "MUG-CER-12"}, {"price", 14.0}, {"quantity", 2}}});
  const json paid_mugs = json::array({payment(157.5)});
  c.call("get_order_details", {{"order_id", "#W2378156"}},
         order_json("#W2378156", "pending", mugs, paid_mugs));
  c.say("assistant", "Swapping the two mugs for 16 oz costs the $4.00 difference. Confirm?");
  c.say("user", "Yes, go ahead.");
  json after = paid_mugs;
  after.push_back(payment(4.0));
  c.call("modify_pending_order_items",
         {{"order_id", "#W2378156"},
          {"item_ids", {"MUG-CER-12", "MUG-CER-12"}},
          {"new_item_ids", {"MUG-CER-16", "MUG-CER-16"}},
          {"payment_method_id", kCard}},
         order_json("#W2378156", "pending", mugs, after));
  const json lamp =
      json::array({{{"item_id", "LAMP-DESK-BLK"}, {"price", 54.99}, {"quantity", 1}}});
  const json paid_lamp = json::array({payment(54.99)});
  c.call("get_order_details", {{"order_id", "#W4817420"}},
         order_json("#W4817420", "delivered", lamp, paid_lamp));
  c.say("assistant", "Exchanging the lamp for the white one costs the $5.00 difference. OK?");
  c.say("user", "Sure, do that.");
  json lamp_after = paid_lamp;
  lamp_after.push_back(payment(5.0));
  c.call("exchange_delivered_order_items",
         {{"order_id", "#W4817420"},
          {"item_ids", {"LAMP-DESK-BLK"}},
          {"new_item_ids", {"LAMP-DESK-WHT"}},
          {"payment_method_id", kCard}},
         order_json("#W4817420", "exchange requested", lamp, lamp_after));
  c.say("assistant", "Both done.");
  return c.dump(50);
}

// Only looks: Yusuf's orders exist, nothing is bought or changed.
json only_looks() {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "What's the state of #W2378156?");
  c.call("get_order_details", {{"order_id", "#W2378156"}},
         order_json("#W2378156", "pending", json::array(), json::array({payment(157.5)})));
  c.say("assistant", "It is pending.");
  return c.dump(51);
}

ReplayResult replay_retail(const std::string& dir, const json& conversations) {
  return testing::replay_example(dir, "retail-support", conversations);
}

// Two separately confirmed changes to two different orders counted as duplicate_charges 1,
// and the replay failed its gate.
TEST(SessionMetrics, TwoChangesToTwoOrdersInOneSessionAreNoDuplicate) {
  ReplayResult r = replay_retail(testing::temp_dir("two-changes"), json::array({two_changes()}));
  ASSERT_EQ(r.sessions.size(), 1u);
  const SessionDivergence& s = r.sessions[0];
  EXPECT_EQ(s.verdict, "same") << s.why;
  EXPECT_EQ(s.writes_compared, 2);
  EXPECT_EQ(s.money_sandbox.describe(), "charged 9.00 to card");
  EXPECT_EQ(r.report.metrics.at("duplicate_charges"), 0);
  EXPECT_EQ(r.report.metrics.at("duplicate_authorizations"), 0);
  EXPECT_EQ(r.report.metrics.at("false_failure"), 0);
  EXPECT_EQ(r.report.metrics.at("charged_without_order"), 0);
  EXPECT_TRUE(r.report.passed());
}

// order_without_charge counted every order a world held before the sessions.
TEST(SessionMetrics, OrdersFromBeforeTheSessionAreNeverLeftUnpaidByIt) {
  ReplayResult r = replay_retail(testing::temp_dir("only-looks"), json::array({only_looks()}));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.report.metrics.at("order_without_charge"), 0);
  EXPECT_EQ(r.report.metrics.at("charged_without_order"), 0);
}

// Sofia books two different flights in one session, each on its own yes and each paid $100
// from her gift card with the rest on her card. Two debits on one gift card for two
// bookings counted as a duplicate charge: nothing linked a new booking to its debits.
TEST(SessionMetrics, TwoNewBookingsOnOneGiftCardAreNoDuplicate) {
  Conversation c("sofia_kim_7421");
  c.say("user", "I'm sofia_kim_7421. I need SFO to ORD on 2026-12-11 and ORD to LAX too.");
  auto book = [&](const std::string& flight, const std::string& from, const std::string& to,
                  const std::string& date, double fare, const std::string& id) {
    const json history =
        json::array({{{"payment_id", "gift_card_5501"}, {"amount", 100}},
                     {{"payment_id", "credit_card_3310"}, {"amount", fare - 100}}});
    c.call("book_reservation",
           testing::one_way_booking("sofia_kim_7421", flight, from + "-" + to, date,
                                    {{{"first_name", "Sofia"}, {"last_name", "Kim"}}}, history),
           {{"reservation_id", id}, {"status", "confirmed"}, {"payment_history", history}});
  };
  c.say("assistant", "HAT005 is $129.00: $100 from gift_card_5501, $29 on your card. Book it?");
  c.say("user", "Yes, book it.");
  book("HAT005", "SFO", "ORD", "2026-12-11", 129, "NEW5001");
  c.say("assistant", "HAT003 is $159.00: $100 from gift_card_5501, $59 on your card. Book it?");
  c.say("user", "Yes, book that one too.");
  book("HAT003", "ORD", "LAX", "2026-12-11", 159, "NEW5002");
  ReplayResult r = testing::replay_example(testing::temp_dir("two-bookings-gift-card"),
                                           "airline-support", json::array({c.dump(52)}));
  ASSERT_EQ(r.sessions.size(), 1u);
  const SessionDivergence& s = r.sessions[0];
  EXPECT_EQ(s.verdict, "same") << s.why;
  EXPECT_EQ(s.money_sandbox.describe(), "charged 88.00 to card, charged 200.00 to gift_card_5501");
  EXPECT_EQ(r.report.metrics.at("duplicate_charges"), 0);
  EXPECT_EQ(r.report.metrics.at("consent_violations"), 0);
  EXPECT_TRUE(r.report.passed());
}

}  // namespace
}  // namespace checkride
