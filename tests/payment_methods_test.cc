// Each user's own cards and wallets (issue 30, part 4). Any card id was taken for any user,
// so a call that paid with another user's card replayed "same" where production refused it,
// and every card counted as one, so a charge to the wrong card of the user's was not seen.
#include <gtest/gtest.h>

#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "tests/conversation_builder.h"
#include "tests/retail_conversations.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Conversation;
using testing::repay_with;

// Yusuf's card paid his pending #W2378156 ($157.50); his wallet and Lena's card are named too.
const char* kMethods =
    "payment_methods:\n"
    "  - {id: credit_card_9513926, user: yusuf_rossi_9620, kind: card, brand: visa, "
    "last4: \"3926\"}\n"
    "  - {id: paypal_5544, user: yusuf_rossi_9620, kind: wallet, brand: paypal}\n"
    "  - {id: credit_card_1111, user: lena_park_7731, kind: card, brand: mastercard}\n";

std::string retail_world(const std::string& dir, const std::string& extra = kMethods) {
  return testing::write_temp(
      dir, "world.yaml",
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml")) + extra);
}

TEST(PaymentMethods, AnotherUsersCardIsRefusedWhereTheWorldNamesEachUsersOwn) {
  const std::string dir = testing::temp_dir("pm-other-users-card");
  // Where the world names nobody's cards, any card id is taken: production refused it.
  ReplayResult taken = testing::replay_example(dir, "retail-support",
                                               json::array({repay_with("credit_card_1111", true)}));
  ASSERT_EQ(taken.sessions.size(), 1u);
  EXPECT_EQ(taken.sessions[0].verdict, "diverged");

  ReplayResult r = testing::replay_example(dir, "retail-support",
                                           json::array({repay_with("credit_card_1111", true)}),
                                           false, retail_world(dir));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.report.outcomes.count("unknown_payment_method"), 1u)
      << json(r.report.outcomes).dump();
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
}

// His own wallet is charged and his card refunded, each by name; the same under a lost
// answer of the authorization or the capture and a crash, charged once.
TEST(PaymentMethods, TheUsersOwnWalletIsChargedByNameOnceUnderFaults) {
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: payment, op: authorize, kind: lost_response, nth: 1}\n"
                    "- {provider: payment, op: capture, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: payment, op: authorize, kind: outage, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: capture, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    const std::string dir = testing::temp_dir("pm-own-wallet");
    ReplayResult r = testing::replay_example(dir, "retail-support",
                                             json::array({repay_with("paypal_5544", false)}), false,
                                             retail_world(dir), faults);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_NE(r.sessions[0].verdict, "diverged") << r.sessions[0].why << " under " << faults;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(),
              "charged 157.50 to paypal_5544, refunded 157.50 to credit_card_9513926")
        << faults;
    for (const char* k : {"money_difference_cents", "duplicate_charges", "escalations"}) {
      EXPECT_EQ(r.report.metrics.at(k), 0) << k << " under " << faults;
    }
  }
}

// Production charged his card though the agent named his wallet: every card counted as one
// before, so this was "same"; by name, the money diverges.
TEST(PaymentMethods, AChargeToAnotherOfTheUsersInstrumentsIsAMoneyDivergence) {
  const std::string dir = testing::temp_dir("pm-wrong-instrument");
  ReplayResult r = testing::replay_example(
      dir, "retail-support", json::array({repay_with("paypal_5544", false, "credit_card_9513926")}),
      false, retail_world(dir));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "diverged");
  EXPECT_NE(r.sessions[0].why.find("paypal_5544"), std::string::npos) << r.sessions[0].why;
}

// A world may say how a user's card behaves: one that declines is refused as production was.
TEST(PaymentMethods, AWalletTheWorldSaysDeclinesIsDeclined) {
  const std::string dir = testing::temp_dir("pm-declines");
  ReplayResult r = testing::replay_example(
      dir, "retail-support", json::array({repay_with("paypal_5544", true)}), false,
      retail_world(dir,
                   "payment_methods:\n"
                   "  - {id: credit_card_9513926, user: yusuf_rossi_9620}\n"
                   "  - {id: paypal_5544, user: yusuf_rossi_9620, kind: wallet, "
                   "behaves_as: pm_card_chargeDeclined}\n"));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.report.outcomes.count("card_declined"), 1u) << json(r.report.outcomes).dump();
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
}

// What paid a seeded order is named by it (`paid_card`); a cancel refunds that card.
TEST(PaymentMethods, ACancelRefundsTheCardTheWorldSaysPaid) {
  const std::string dir = testing::temp_dir("pm-paid-card");
  std::string world =
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml"));
  const std::string seeded = "paid_cents: 15750}";
  world.replace(world.find(seeded), seeded.size(), "paid_cents: 15750, paid_card: paypal_5544}");
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Cancel #W2378156, I ordered it by mistake.");
  c.say("assistant", "Cancel #W2378156 and refund $157.50 to your PayPal. Confirm?");
  c.say("user", "Yes.");
  c.call("cancel_pending_order", {{"order_id", "#W2378156"}, {"reason", "ordered by mistake"}},
         {{"order_id", "#W2378156"},
          {"status", "cancelled"},
          {"payment_history", json::array({{{"transaction_type", "payment"},
                                            {"amount", 157.5},
                                            {"payment_method_id", "paypal_5544"}},
                                           {{"transaction_type", "refund"},
                                            {"amount", 157.5},
                                            {"payment_method_id", "paypal_5544"}}})}});
  ReplayResult r =
      testing::replay_example(dir, "retail-support", json::array({c.dump(83)}), false,
                              testing::write_temp(dir, "world.yaml", world + kMethods));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "refunded 157.50 to paypal_5544");
}

// validate, run and replay refuse a payment_methods: list that cannot hold, naming the field.
TEST(PaymentMethods, TheLoaderNamesTheFieldOfAnImpossibleMethod) {
  const std::string dir = testing::temp_dir("pm-loader");
  const std::string base =
      testing::read_text(testing::source_path("scenarios/worlds/retail-support.yaml"));
  const struct {
    std::string text, field;
  } cases[] = {
      {"payment_methods:\n  - {id: paypal_1, user: a}\n  - {id: paypal_1, user: a}\n",
       "payment_methods[1].id"},
      {"payment_methods:\n  - {id: gift_card_7701, user: yusuf_rossi_9620}\n",
       "payment_methods[0].id"},
      {"payment_methods:\n  - {id: c1, kind: cheque}\n", "payment_methods[0].kind"},
      {"payment_methods:\n  - {id: c1, last4: 12a4}\n", "payment_methods[0].last4"},
      {"payment_methods:\n  - {id: c1, behaves_as: pm_card_unknown}\n",
       "payment_methods[0].behaves_as"},
      {"payment_methods:\n  - {id: c1, colour: red}\n", "payment_methods[0].colour"},
      {"payment_methods:\n  - {user: a}\n", "payment_methods[0].id"},
  };
  for (const auto& c : cases) {
    const std::string world = testing::write_temp(dir, "world.yaml", base + c.text);
    try {
      Scenario s = default_scenario();
      load_world_file(s, world);
      check_existing_bookings(s);
      ADD_FAILURE() << "accepted:\n" << c.text;
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), c.field) << e.what();
    }
  }
  // A seeded order's paid_card must be a card its user holds.
  std::string world = base;
  const std::string seeded = "paid_cents: 9699}";
  world.replace(world.find(seeded), seeded.size(), "paid_cents: 9699, paid_card: paypal_5544}");
  try {
    Scenario s = default_scenario();
    load_world_file(s, testing::write_temp(dir, "w2.yaml", world + kMethods));
    check_existing_bookings(s);
    ADD_FAILURE() << "Lena's order paid with Yusuf's wallet was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "orders[3].paid_card") << e.what();
  }
}

}  // namespace
}  // namespace checkride
