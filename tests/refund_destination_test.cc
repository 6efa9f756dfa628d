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

}  // namespace
}  // namespace checkride
