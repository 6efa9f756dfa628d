// Consent per charge in a replay (issue 29, part 3): a yes covers the one charge it was
// given for, and a call that names no amount is held to the yes by the sandbox's own quote.
#include <gtest/gtest.h>

#include "tests/conversation_builder.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Conversation;

// Omar's K1NW8N (HAT001 economy, one seat: $35.00 a bag in the airline's world).
json add_bags(Conversation& c, int bags, int total_bags, double recorded_fee, json& history) {
  history.push_back({{"payment_id", "credit_card_9012"}, {"amount", recorded_fee}});
  c.call("update_reservation_baggages",
         {{"reservation_id", "K1NW8N"},
          {"total_baggages", total_bags},
          {"nonfree_baggages", bags},
          {"payment_id", "credit_card_9012"}},
         {{"reservation_id", "K1NW8N"}, {"payment_history", history}});
  return history;
}

// The agent looks the reservation up first, as the recorded sessions do: what it had paid
// before the session is seen, so only what a later call adds counts as that call's money.
json look_up(Conversation& c) {
  json history = json::array({{{"payment_id", "credit_card_9012"}, {"amount", 249}}});
  c.call("get_reservation_details", {{"reservation_id", "K1NW8N"}},
         {{"reservation_id", "K1NW8N"},
          {"user_id", "omar_davis_3817"},
          {"cabin", "economy"},
          {"payment_history", history}});
  return history;
}

ReplayResult replay_airline(const std::string& name, const Conversation& c, int task) {
  return testing::replay_example(testing::temp_dir(name), "airline-support",
                                 json::array({c.dump(task)}));
}

// Omar asks for `bags` checked bags on K1NW8N; the agent looks the booking up and quotes
// `quoted` dollars for them, he says yes, and production added them at that fee.
struct BagsAgreed {
  Conversation c{"omar_davis_3817"};
  json history;
  BagsAgreed(int bags, int quoted) {
    c.say("user", "I'm omar_davis_3817. " + std::to_string(bags) + " checked bags on K1NW8N.");
    history = look_up(c);
    c.say("assistant", std::to_string(bags) + " checked bags are $" + std::to_string(quoted) +
                           ".00 on credit_card_9012. Shall I add them?");
    c.say("user", "Yes, go ahead.");
    add_bags(c, bags, bags, quoted, history);
  }
};

void expect_asked_first(const ReplayResult& r, const std::string& sandbox_money) {
  ASSERT_EQ(r.sessions.size(), 1u);
  const SessionDivergence& s = r.sessions[0];
  EXPECT_EQ(s.verdict, "diverged");
  EXPECT_EQ(s.code, "confirmation_required") << s.why;
  EXPECT_EQ(s.money_sandbox.describe(), sandbox_money);
  EXPECT_EQ(r.report.metrics.at("consent_violations"), 0);
}

void expect_same(const ReplayResult& r, const std::string& sandbox_money) {
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), sandbox_money);
  EXPECT_TRUE(r.report.passed());
}

// The call names no amount; the agent told Omar $30.00 and the airline's price is $35.00.
// The sandbox's quote is what would be charged, so the yes to $30.00 does not cover it.
TEST(ReplayConsent, ACallWithNoAmountIsHeldToTheYesByTheSandboxsQuote) {
  expect_asked_first(replay_airline("consent-quote-above", BagsAgreed(1, 30).c, 70), "nothing");
  // Told the airline's own price, the same yes covers the same call.
  expect_same(replay_airline("consent-quote-told", BagsAgreed(1, 35).c, 71),
              "charged 35.00 to card");
}

// One yes to two bags ($70.00), then a third bag the agent adds with no yes of its own:
// production charged both; one yes covered every later, smaller charge. The sandbox asks.
TEST(ReplayConsent, ALaterDifferentChargeNeedsItsOwnYes) {
  BagsAgreed unasked(2, 70);
  unasked.c.say("user", "Thanks. Oh, and my son is bringing a bag too.");
  add_bags(unasked.c, 1, 3, 35, unasked.history);
  const ReplayResult r = replay_airline("consent-one-per-charge", unasked.c, 72);
  expect_asked_first(r, "charged 70.00 to card");
  EXPECT_EQ(r.sessions[0].step, 3);  // the look-up, the yes, the two bags, then the third

  // With a yes of its own, the third bag is charged as production did.
  BagsAgreed asked(2, 70);
  asked.c.say("assistant", "A third bag is another $35.00. Add it?");
  asked.c.say("user", "Sure.");
  add_bags(asked.c, 1, 3, 35, asked.history);
  expect_same(replay_airline("consent-each-asked", asked.c, 73), "charged 105.00 to card");
}

// The same change twice: one more bag, then one more bag again, on one yes. The second is
// not a retry of the first (that one succeeded); it is another charge and needs its yes.
TEST(ReplayConsent, TheSameChangeAgainAfterItSucceededIsAnotherCharge) {
  BagsAgreed again(1, 35);
  again.c.say("user", "And one more.");
  add_bags(again.c, 1, 2, 35, again.history);
  expect_asked_first(replay_airline("consent-same-change-again", again.c, 74),
                     "charged 35.00 to card");
}

// Only free bags (nonfree_baggages 0, an allowance): a valid change that charges nothing, so
// no yes is needed, paid by the card or by a gift card named for it (issue 30, part 1). It
// was refused by the schema before.
TEST(ReplayConsent, AddingOnlyFreeBagsIsAChangeThatChargesNothing) {
  for (const char* instrument : {"credit_card_9012", "certificate_8100"}) {
    Conversation c("omar_davis_3817");
    c.say("user", "I'm omar_davis_3817. Add my two free bags to K1NW8N.");
    json history = look_up(c);
    c.call("update_reservation_baggages",
           {{"reservation_id", "K1NW8N"},
            {"total_baggages", 2},
            {"nonfree_baggages", 0},
            {"payment_id", instrument}},
           {{"reservation_id", "K1NW8N"}, {"payment_history", history}});
    expect_same(replay_airline("free-bags", c, 72), "nothing");
  }
}

}  // namespace
}  // namespace checkride
