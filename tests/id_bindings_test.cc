// Ids that stay straight (issue 29, part 2): a result that names an existing object keeps its
// id; a new object's id, under whatever name the tools use, is the sandbox's own in every
// later call.
#include <gtest/gtest.h>

#include "tests/conversation_builder.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Conversation;

// Yusuf's pending #W2378156 gets a new address, then other mugs, with no lookup between. The
// address change's result names the order; replay put the change's own reference in the
// second call, which was refused unknown_order.
TEST(IdBindings, AnOrdersAddressThenItsItemsWithNoLookupBetween) {
  Conversation c("yusuf_rossi_9620");
  c.say("user",
        "I'm yusuf.rossi@example.com. Ship #W2378156 to 12 Elm St, Austin, and make the "
        "mugs 16 oz.");
  const json order = {{"order_id", "#W2378156"}, {"status", "pending"}};
  c.say("assistant", "I'll change the address of #W2378156. Confirm?");
  c.say("user", "Yes please.");
  c.call("modify_pending_order_address",
         {{"order_id", "#W2378156"},
          {"address1", "12 Elm St"},
          {"city", "Austin"},
          {"state", "TX"},
          {"country", "USA"},
          {"zip", "78701"}},
         order);
  c.say("assistant", "Swapping both mugs costs the $4.00 difference. Confirm?");
  c.say("user", "Yes, go ahead.");
  c.call("modify_pending_order_items",
         {{"order_id", "#W2378156"},
          {"item_ids", {"MUG-CER-12", "MUG-CER-12"}},
          {"new_item_ids", {"MUG-CER-16", "MUG-CER-16"}},
          {"payment_method_id", "credit_card_9513926"}},
         order);
  ReplayResult r = testing::replay_example(testing::temp_dir("ids-address-items"), "retail-support",
                                           json::array({c.dump(60)}));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "charged 4.00 to card");
}

// Raj books HAT005 (the new reservation's id comes back as `reservation_id`), adds a bag to
// it, then cancels it: each later call names the recorded NEW9991, which the sandbox knows
// by its own reference.
TEST(IdBindings, ANewBookingsIdIsTheSandboxsOwnInEveryLaterCall) {
  Conversation c("raj_patel_5512");
  c.say("user", "I'm raj_patel_5512. One seat SFO to ORD on 2026-12-11, please.");
  c.say("assistant", "HAT005 in economy comes to $129.00 on credit_card_2201. Shall I book it?");
  c.say("user", "Yes, book it.");
  const json history = json::array({{{"payment_id", "credit_card_2201"}, {"amount", 129}}});
  c.call("book_reservation",
         testing::one_way_booking(
             "raj_patel_5512", "HAT005", "SFO-ORD", "2026-12-11",
             {{{"first_name", "Raj"}, {"last_name", "Patel"}, {"dob", "1990-01-01"}}}, history),
         {{"reservation_id", "NEW9991"}, {"status", "confirmed"}, {"payment_history", history}});
  c.say("assistant", "One checked bag on HAT005 is $30.00 on credit_card_2201. Add it?");
  c.say("user", "Yes, add it.");
  json with_bag = history;
  with_bag.push_back({{"payment_id", "credit_card_2201"}, {"amount", 30}});
  c.call("update_reservation_baggages",
         {{"reservation_id", "NEW9991"},
          {"total_baggages", 1},
          {"nonfree_baggages", 1},
          {"payment_id", "credit_card_2201"}},
         {{"reservation_id", "NEW9991"}, {"payment_history", with_bag}});
  c.say("user", "Actually, cancel NEW9991.");
  c.say("assistant", "Cancelling refunds the $129.00 fare; the bag fee stays. Shall I?");
  c.say("user", "Yes, cancel it.");
  json cancelled = with_bag;
  cancelled.push_back({{"payment_id", "credit_card_2201"}, {"amount", -129}});
  c.call("cancel_reservation", {{"reservation_id", "NEW9991"}},
         {{"reservation_id", "NEW9991"}, {"status", "cancelled"}, {"payment_history", cancelled}});
  ReplayResult r = testing::replay_example(testing::temp_dir("ids-new-booking"), "airline-support",
                                           json::array({c.dump(61)}));
  ASSERT_EQ(r.sessions.size(), 1u);
  const SessionDivergence& s = r.sessions[0];
  EXPECT_EQ(s.verdict, "same") << s.why;
  EXPECT_EQ(s.writes_compared, 3);
  EXPECT_EQ(s.money_sandbox.describe(), "charged 159.00 to card, refunded 129.00 to card");
  EXPECT_EQ(r.report.metrics.at("duplicate_charges"), 0);
}

}  // namespace
}  // namespace checkride

namespace checkride {
namespace {

// With --world, a call naming an offer the world lacks got one invented, 1,000,000 seats at
// $100. A world given is the whole world now; --infer-missing fills the gap and says so.
TEST(WorldGiven, AnOfferTheWorldLacksIsRefusedUnlessInferenceIsAskedFor) {
  testing::Conversation c("raj_patel_5512");
  c.say("user", "I'm raj_patel_5512. One seat on HAT099 on 2026-12-20, please.");
  c.say("assistant", "HAT099 in economy comes to $99.00. Shall I book it?");
  c.say("user", "Yes, book it.");
  const nlohmann::json history =
      nlohmann::json::array({{{"payment_id", "credit_card_2201"}, {"amount", 99}}});
  c.call("book_reservation",
         testing::one_way_booking(
             "raj_patel_5512", "HAT099", "SFO-PDX", "2026-12-20",
             {{{"first_name", "Raj"}, {"last_name", "Patel"}, {"dob", "1990-01-01"}}}, history),
         {{"reservation_id", "NEW0099"}, {"status", "confirmed"}, {"payment_history", history}});
  const nlohmann::json conversations = nlohmann::json::array({c.dump(62)});
  ReplayResult strict =
      testing::replay_example(testing::temp_dir("world-strict"), "airline-support", conversations);
  ASSERT_EQ(strict.sessions.size(), 1u);
  EXPECT_EQ(strict.sessions[0].verdict, "diverged");
  EXPECT_EQ(strict.sessions[0].code, "unknown_offer") << strict.sessions[0].why;
  EXPECT_TRUE(strict.inferred.empty());
  EXPECT_EQ(strict.sessions[0].money_sandbox.describe(), "nothing");

  ReplayResult inferred = testing::replay_example(testing::temp_dir("world-infer"),
                                                  "airline-support", conversations, true);
  ASSERT_EQ(inferred.sessions.size(), 1u);
  EXPECT_EQ(inferred.sessions[0].verdict, "same") << inferred.sessions[0].why;
  bool listed = false;
  for (const auto& line : inferred.inferred) {
    listed = listed || line.find("offer HAT099-2026-12-20-economy") != std::string::npos;
  }
  EXPECT_TRUE(listed) << "the report lists what was inferred";
}

// A session booked onto a flight that had already landed: the world could not say so. An
// offer's `status` does now, and only an available flight is held or booked.
TEST(WorldGiven, AFlightThatHasLandedIsNotBooked) {
  testing::Conversation c("raj_patel_5512");
  c.say("user", "I'm raj_patel_5512. One seat SFO to ORD on 2026-12-11, please.");
  c.say("assistant", "HAT005 in economy comes to $129.00. Shall I book it?");
  c.say("user", "Yes, book it.");
  c.call("book_reservation",
         testing::one_way_booking("raj_patel_5512", "HAT005", "SFO-ORD", "2026-12-11",
                                  {{{"first_name", "Raj"}, {"last_name", "Patel"}}},
                                  {{{"payment_id", "credit_card_2201"}, {"amount", 129}}}),
         "Error: flight HAT005 is not available on 2026-12-11 (landed)");
  const nlohmann::json conversations = nlohmann::json::array({c.dump(63)});
  const std::string dir = testing::temp_dir("world-landed");
  std::string world =
      testing::read_text(testing::source_path("scenarios/worlds/airline-support.yaml"));
  const std::string hat005 = "id: HAT005-2026-12-11-economy,";
  ASSERT_NE(world.find(hat005), std::string::npos);
  const std::string landed =
      world.replace(world.find(hat005), hat005.size(), hat005 + " status: landed,");
  const std::string landed_world = testing::write_temp(dir, "landed.yaml", landed);
  ReplayResult r =
      testing::replay_example(dir, "airline-support", conversations, false, landed_world);
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why;
  EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");

  // The world that cannot say it books the landed flight, against what production did.
  ReplayResult unaware = testing::replay_example(testing::temp_dir("world-landed-unaware"),
                                                 "airline-support", conversations);
  ASSERT_EQ(unaware.sessions.size(), 1u);
  EXPECT_EQ(unaware.sessions[0].verdict, "diverged");
  EXPECT_EQ(unaware.sessions[0].money_sandbox.describe(), "charged 129.00 to card");
}

// A business that wants a payment's parts to add up to the total exactly could not say so:
// "$140 on the card" for a $129 booking was taken. `payment: {parts: exact}` says it now.
TEST(WorldGiven, PaymentPartsThatDoNotAddUpAreRefusedWhereTheWorldWantsThemExact) {
  auto booking = [](double on_card, bool refused) {
    testing::Conversation c("raj_patel_5512");
    c.say("user", "I'm raj_patel_5512. One seat SFO to ORD on 2026-12-11, please.");
    c.say("assistant", "HAT005 in economy comes to $129.00. Shall I book it?");
    c.say("user", "Yes, book it.");
    const nlohmann::json pay = {{{"payment_id", "credit_card_2201"}, {"amount", on_card}}};
    const nlohmann::json args =
        testing::one_way_booking("raj_patel_5512", "HAT005", "SFO-ORD", "2026-12-11",
                                 {{{"first_name", "Raj"}, {"last_name", "Patel"}}}, pay);
    if (refused) {
      c.call("book_reservation", args, "Error: the payment does not add up to the total price");
    } else {
      c.call("book_reservation", args,
             {{"reservation_id", "NEW0129"}, {"status", "confirmed"}, {"payment_history", pay}});
    }
    return nlohmann::json::array({c.dump(64)});
  };
  const std::string dir = testing::temp_dir("world-payment-exact");
  const std::string exact = testing::write_temp(
      dir, "exact.yaml",
      testing::read_text(testing::source_path("scenarios/worlds/airline-support.yaml")) +
          "payment: {parts: exact}\n");
  ReplayResult over =
      testing::replay_example(dir, "airline-support", booking(140, true), false, exact);
  ASSERT_EQ(over.sessions.size(), 1u);
  EXPECT_EQ(over.sessions[0].verdict, "same") << over.sessions[0].why;
  EXPECT_EQ(over.sessions[0].money_sandbox.describe(), "nothing");
  EXPECT_EQ(over.report.outcomes.count("payment_total_mismatch"), 1u);

  ReplayResult to_the_cent =
      testing::replay_example(testing::temp_dir("world-payment-exact-ok"), "airline-support",
                              booking(129, false), false, exact);
  ASSERT_EQ(to_the_cent.sessions.size(), 1u);
  EXPECT_EQ(to_the_cent.sessions[0].verdict, "same") << to_the_cent.sessions[0].why;
  EXPECT_EQ(to_the_cent.sessions[0].money_sandbox.describe(), "charged 129.00 to card");

  // The default (at_most) charges the card the total, as before.
  ReplayResult at_most = testing::replay_example(testing::temp_dir("world-payment-at-most"),
                                                 "airline-support", booking(140, true));
  ASSERT_EQ(at_most.sessions.size(), 1u);
  EXPECT_EQ(at_most.sessions[0].verdict, "diverged");
  EXPECT_EQ(at_most.sessions[0].money_sandbox.describe(), "charged 129.00 to card");
}

}  // namespace
}  // namespace checkride
