// Conversations of the retail worked example's shape that more than one test replays.
#pragma once
#include <string>

#include "tests/conversation_builder.h"

namespace checkride::testing {

// Yusuf asks to pay #W2378156 with `instrument`; production charged `charged_to` (the
// instrument, unless the recording says otherwise) and refunded his card, or refused.
inline nlohmann::json repay_with(const std::string& instrument, bool refused,
                                 std::string charged_to = "") {
  if (charged_to.empty()) charged_to = instrument;
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Pay #W2378156 with " + instrument + " instead.");
  const nlohmann::json paid = {{"transaction_type", "payment"},
                               {"amount", 157.5},
                               {"payment_method_id", "credit_card_9513926"}};
  c.call("get_order_details", {{"order_id", "#W2378156"}},
         {{"order_id", "#W2378156"}, {"status", "pending"}, {"payment_history", {paid}}});
  c.say("assistant", "That charges $157.50 to " + instrument + " and refunds your card. Confirm?");
  c.say("user", "Yes.");
  const nlohmann::json args = {{"order_id", "#W2378156"}, {"payment_method_id", instrument}};
  if (refused) {
    c.call("modify_pending_order_payment", args, "Error: payment method not found");
    return c.dump(82);
  }
  const nlohmann::json history = nlohmann::json::array(
      {paid,
       {{"transaction_type", "payment"}, {"amount", 157.5}, {"payment_method_id", charged_to}},
       {{"transaction_type", "refund"},
        {"amount", 157.5},
        {"payment_method_id", "credit_card_9513926"}}});
  c.call("modify_pending_order_payment", args,
         {{"order_id", "#W2378156"}, {"status", "pending"}, {"payment_history", history}});
  return c.dump(82);
}

}  // namespace checkride::testing
