// A refund named into an instrument, judged by what paid (issue 30, part 3). A lookup says by
// name what paid for an order (its card or wallet, its stored value), so a refund named into
// stored value that did not pay goes there (where the world allows it) even when other stored
// value paid too, and one named into a card or wallet that did not pay is refused by name:
// before, the first went back to what paid and the second went back to the charge, where
// production did what the agent asked or refused.
#include <gtest/gtest.h>

#include "tests/conversation_builder.h"
#include "tests/retail_rules.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Conversation;
using testing::lamp_back_into;
using testing::split_paid_world;

// The keyboard for a 16 oz mug, $113.50 back, named into `into`.
json keyboard_for_a_mug_into(const std::string& into, bool refused) {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Swap the keyboard in #W2378156 for a 16 oz mug.");
  c.say("assistant", "That refunds the $113.50 difference to " + into + ". Confirm?");
  c.say("user", "Yes.");
  const json history = json::array(
      {{{"transaction_type", "refund"}, {"amount", 113.5}, {"payment_method_id", into}}});
  c.call(
      "modify_pending_order_items",
      {{"order_id", "#W2378156"},
       {"item_ids", {"KBD-MECH-BRN"}},
       {"new_item_ids", {"MUG-CER-16"}},
       {"payment_method_id", into}},
      refused
          ? json("Error: the refund must go to the original payment")
          : json({{"order_id", "#W2378156"}, {"status", "pending"}, {"payment_history", history}}));
  return c.dump(321);
}

ReplayResult replay(const std::string& name, const json& session, const std::string& rules = "",
                    const std::string& faults = "") {
  return testing::replay_in(name, split_paid_world(rules), json::array({session}), faults);
}

// A gift card that paid nothing, where gift_card_7701 paid part: where the world takes refunds
// into the user's gift cards, the whole refund is deposited there once under a lost answer
// and a crash, for a return and for a cheaper change; where it does not, both are refused.
TEST(RefundNamed, StoredValueThatDidNotPayGetsTheWholeRefundWhereTheWorldAllows) {
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: payment, op: deposit, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: deposit, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    const std::string allow = "refunds: {to: own_gift_card}\n";
    ReplayResult ret =
        replay("refund-named-return", lamp_back_into("gift_card_8802", false), allow, faults);
    ReplayResult swap = replay("refund-named-swap",
                               keyboard_for_a_mug_into("gift_card_8802", false), allow, faults);
    for (const ReplayResult* r : {&ret, &swap}) {
      ASSERT_EQ(r->sessions.size(), 1u);
      EXPECT_NE(r->sessions[0].verdict, "diverged") << r->sessions[0].why << " under " << faults;
      for (const char* k : {"money_difference_cents", "escalations", "fault_rules_never_fired"})
        EXPECT_EQ(r->report.metrics.at(k), 0) << k << " under " << faults;
    }
    EXPECT_EQ(ret.sessions[0].money_sandbox.describe(), "refunded 54.99 to gift_card_8802");
    EXPECT_EQ(swap.sessions[0].money_sandbox.describe(), "refunded 113.50 to gift_card_8802");
  }
  for (const json& session :
       {lamp_back_into("gift_card_8802", true), keyboard_for_a_mug_into("gift_card_8802", true)}) {
    ReplayResult r = replay("refund-named-refused", session);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
  }
}

// His wallet paid for neither order: a refund named into it is refused by name before anything
// moves, for a return and for a change; naming the card that paid refunds what paid.
TEST(RefundNamed, AWalletThatDidNotPayIsRefusedAndTheCardThatPaidIsRefunded) {
  for (const json& session :
       {lamp_back_into("paypal_5544", true), keyboard_for_a_mug_into("paypal_5544", true)}) {
    ReplayResult r = replay("refund-named-wallet", session);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
  }
  // Production refunded into the wallet: the sandbox's shop refuses it, and says why.
  for (const json& session :
       {lamp_back_into("paypal_5544", false), keyboard_for_a_mug_into("paypal_5544", false)}) {
    ReplayResult taken = replay("refund-named-wallet-taken", session);
    ASSERT_EQ(taken.sessions.size(), 1u);
    EXPECT_EQ(taken.sessions[0].verdict, "diverged");
    EXPECT_EQ(taken.sessions[0].code, "refund_method_not_allowed") << taken.sessions[0].why;
  }
  // Where refunds may go into any of the user's own, a wallet that did not pay gets nothing: a
  // card refund goes back to the charge, so the refund goes back to what paid.
  ReplayResult any = replay("refund-named-any-own", lamp_back_into("paypal_5544", true),
                            "refunds: {to: any_own}\n");
  ASSERT_EQ(any.sessions.size(), 1u);
  EXPECT_EQ(any.sessions[0].money_sandbox.describe(),
            "refunded 34.99 to credit_card_9513926, refunded 20.00 to gift_card_7701");
  // The card that paid: back to what paid, the gift card's part included.
  ReplayResult card = replay("refund-named-card", lamp_back_into("credit_card_9513926", true));
  ASSERT_EQ(card.sessions.size(), 1u);
  EXPECT_EQ(card.sessions[0].money_sandbox.describe(),
            "refunded 34.99 to credit_card_9513926, refunded 20.00 to gift_card_7701");
}

}  // namespace
}  // namespace checkride
