// Where a difference owed back goes (issue 30, part 3): to what paid. A swap that makes an
// order cheaper, asked to refund to a gift card that never paid for it, was refused with a
// bare bad_request; it is refused by name now, and the same swap refunded to the card that
// paid is charged back as production did.
#include <gtest/gtest.h>

#include "tests/conversation_builder.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Conversation;

// Yusuf's pending #W2378156 (a $129.50 keyboard and two $14.00 mugs, $157.50 by card): the
// keyboard for a 16 oz mug, $113.50 back, to `refund_to`.
json keyboard_for_a_mug(const std::string& refund_to, bool refused) {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Swap the keyboard in #W2378156 for a 16 oz mug.");
  const json paid = json::array({{{"transaction_type", "payment"},
                                  {"amount", 157.5},
                                  {"payment_method_id", "credit_card_9513926"}}});
  const json items = json::array({{{"item_id", "KBD-MECH-BRN"}, {"quantity", 1}},
                                  {{"item_id", "MUG-CER-12"}, {"quantity", 2}}});
  c.call("get_order_details", {{"order_id", "#W2378156"}},
         {{"order_id", "#W2378156"},
          {"status", "pending"},
          {"items", items},
          {"payment_history", paid}});
  c.say("assistant", "That refunds the $113.50 difference to " + refund_to + ". Confirm?");
  c.say("user", "Yes.");
  json after = paid;
  after.push_back(
      {{"transaction_type", "refund"}, {"amount", 113.5}, {"payment_method_id", refund_to}});
  const json args = {{"order_id", "#W2378156"},
                     {"item_ids", {"KBD-MECH-BRN"}},
                     {"new_item_ids", {"MUG-CER-16"}},
                     {"payment_method_id", refund_to}};
  if (refused) {
    c.call("modify_pending_order_items", args, "Error: the refund must go to the original payment");
  } else {
    c.call("modify_pending_order_items", args,
           {{"order_id", "#W2378156"}, {"status", "pending"}, {"payment_history", after}});
  }
  return c.dump(80);
}

TEST(RefundDestination, StoredValueThatNeverPaidIsRefusedByNameBeforeAnythingMoves) {
  ReplayResult r =
      testing::replay_example(testing::temp_dir("refund-to-gift-card"), "retail-support",
                              json::array({keyboard_for_a_mug("gift_card_7701", true)}));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.report.outcomes.count("refund_method_not_allowed"), 1u)
      << "the sandbox refused it for another reason";
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
}

TEST(RefundDestination, TheCardThatPaidGetsTheDifferenceBack) {
  ReplayResult r =
      testing::replay_example(testing::temp_dir("refund-to-card"), "retail-support",
                              json::array({keyboard_for_a_mug("credit_card_9513926", false)}));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "refunded 113.50 to card");
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
}

// The retail example's world, where the business lets a refund go into a gift card the user
// holds (`refunds: {to: own_gift_card}`), written under `dir`.
std::string gift_card_refunds_world(const std::string& dir) {
  return testing::write_temp(
      dir, "world.yaml",
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml")) +
          "refunds: {to: own_gift_card}\n");
}

// Where the world allows it, the difference goes into the gift card the agent named though
// it never paid for the order: once, however often the deposit's or the swap's answer is
// lost or the orchestrator crashes around it, and nothing goes to the card.
TEST(RefundDestination, WhereTheWorldAllowsItTheRefundGoesIntoTheNamedGiftCardOnce) {
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: payment, op: deposit, kind: lost_response, probability: 0.7}\n"
                    "- {provider: catalog, op: swap_items, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: deposit, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    const std::string dir = testing::temp_dir("refund-into-gift-card");
    ReplayResult r = testing::replay_example(
        dir, "retail-support", json::array({keyboard_for_a_mug("gift_card_7701", false)}), false,
        gift_card_refunds_world(dir), faults);
    ASSERT_EQ(r.sessions.size(), 1u);
    // Under a crash the agent may retry before it hears: the retry gets the recorded answer.
    EXPECT_NE(r.sessions[0].verdict, "diverged") << r.sessions[0].why;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "refunded 113.50 to gift_card_7701");
    for (const char* k : {"money_difference_cents", "escalations", "fault_rules_never_fired"}) {
      EXPECT_EQ(r.report.metrics.at(k), 0) << k << " under " << faults;
    }
  }
}

// A gift card the user does not hold is refused by name before anything moves.
TEST(RefundDestination, AGiftCardTheUserDoesNotHoldIsRefusedBeforeAnythingMoves) {
  const std::string dir = testing::temp_dir("refund-into-unknown-card");
  ReplayResult r = testing::replay_example(
      dir, "retail-support", json::array({keyboard_for_a_mug("gift_card_0000", true)}), false,
      gift_card_refunds_world(dir));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.report.outcomes.count("unknown_payment_method"), 1u)
      << nlohmann::json(r.report.outcomes).dump();
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
}

// Lena returns two of her three delivered mugs ($28.00 of $96.99, paid by card) and asks for
// the refund on `instrument`, a gift card of hers that never paid for the order.
json mugs_back_into(const std::string& instrument, bool refused) {
  Conversation c("lena_park_7731");
  c.say("user", "I'm lena.park@example.com. Return two mugs of #W7315524 onto my gift card.");
  json history = json::array({{{"transaction_type", "payment"},
                               {"amount", 96.99},
                               {"payment_method_id", "credit_card_5520913"}}});
  history.push_back(
      {{"transaction_type", "refund"}, {"amount", 28.0}, {"payment_method_id", instrument}});
  const json args = {{"order_id", "#W7315524"},
                     {"item_ids", {"MUG-CER-12", "MUG-CER-12"}},
                     {"payment_method_id", instrument}};
  c.call("return_delivered_order_items", args,
         refused ? json("Error: refunds go to the original payment method")
                 : json({{"order_id", "#W7315524"},
                         {"status", "return requested"},
                         {"payment_history", history}}));
  return c.dump(81);
}

// Where refunds may go into a gift card, the return's refund is deposited there once, however
// often the deposit's answer is lost; where they may not, the return is refused.
TEST(RefundDestination, AReturnIsRefundedIntoTheNamedGiftCardOnlyWhereTheWorldAllows) {
  const std::string lena_card =
      "  - {id: gift_card_4410, user: lena_park_7731, balance_cents: 0}\n";
  const std::string dir = testing::temp_dir("return-into-gift-card");
  std::string world =
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml")) + lena_card;
  ReplayResult refused = testing::replay_example(
      dir, "retail-support", json::array({mugs_back_into("gift_card_4410", true)}), false,
      testing::write_temp(dir, "original.yaml", world));
  ASSERT_EQ(refused.sessions.size(), 1u);
  EXPECT_EQ(refused.sessions[0].verdict, "same") << refused.sessions[0].why;
  EXPECT_EQ(refused.sessions[0].money_sandbox.describe(), "nothing");

  ReplayResult deposited = testing::replay_example(
      dir, "retail-support", json::array({mugs_back_into("gift_card_4410", false)}), false,
      testing::write_temp(dir, "gift.yaml", world + "refunds: {to: own_gift_card}\n"),
      "- {provider: payment, op: deposit, kind: lost_response, probability: 0.7}\n");
  ASSERT_EQ(deposited.sessions.size(), 1u);
  EXPECT_EQ(deposited.sessions[0].verdict, "same") << deposited.sessions[0].why;
  EXPECT_EQ(deposited.sessions[0].money_sandbox.describe(), "refunded 28.00 to gift_card_4410");
  EXPECT_EQ(deposited.report.metrics.at("money_difference_cents"), 0);
}

}  // namespace
}  // namespace checkride
