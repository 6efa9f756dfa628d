// What each kind of instrument may pay for (issue 30, part 3): an airline whose travel
// certificates pay for flights but not for bags or changes could not say so, and a sandbox
// took the certificate where production refused it.
#include <gtest/gtest.h>

#include "fakes/world.h"
#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "tests/conversation_builder.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::Conversation;

const char* kRules = "instrument_rules:\n  - {prefix: certificate_, pays_for: [purchase]}\n";

// Omar asks for a $35 bag on K1NW8N, paid with his travel certificate, and says yes.
Conversation omar_asks_for_a_bag(const json& history) {
  Conversation c("omar_davis_3817");
  c.say("user", "I'm omar_davis_3817. One bag on K1NW8N, paid with certificate_8100.");
  c.call("get_reservation_details", {{"reservation_id", "K1NW8N"}},
         {{"reservation_id", "K1NW8N"}, {"payment_history", history}});
  c.say("assistant", "One bag is $35.00 on certificate_8100. Shall I?");
  c.say("user", "Yes.");
  return c;
}

// Omar pays a $35 bag on K1NW8N with his travel certificate; production refused it, or took it.
Conversation bag_by_certificate(bool refused) {
  json history = json::array({{{"payment_id", "credit_card_9012"}, {"amount", 249}}});
  Conversation c = omar_asks_for_a_bag(history);
  const json args = {{"reservation_id", "K1NW8N"},
                     {"total_baggages", 1},
                     {"nonfree_baggages", 1},
                     {"payment_id", "certificate_8100"}};
  if (refused) {
    c.call("update_reservation_baggages", args,
           "Error: a travel certificate cannot pay for baggage");
    return c;
  }
  history.push_back({{"payment_id", "certificate_8100"}, {"amount", 35}});
  c.call("update_reservation_baggages", args,
         {{"reservation_id", "K1NW8N"}, {"payment_history", history}});
  return c;
}

std::string world_with(const std::string& dir, const std::string& extra) {
  return testing::write_temp(
      dir, "world.yaml",
      testing::read_text(testing::source_path("scenarios/worlds/airline-support.yaml")) + extra);
}

TEST(InstrumentRules, ACertificateThatPaysOnlyForFlightsIsRefusedForBags) {
  const std::string dir = testing::temp_dir("instrument-rules");
  const json refused = json::array({bag_by_certificate(true).dump(3)});
  // Without the rule the sandbox takes the certificate: production refused it.
  ReplayResult taken =
      testing::replay_example(dir, "airline-support", refused, false, world_with(dir, ""));
  ASSERT_EQ(taken.sessions.size(), 1u);
  EXPECT_EQ(taken.sessions[0].verdict, "diverged");
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: payment, op: debit, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: debit, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    ReplayResult r = testing::replay_example(dir, "airline-support", refused, false,
                                             world_with(dir, kRules), faults);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why << " under " << faults;
    // A crash leaves the agent without an answer; the saga, recovered, is refused all the same.
    const bool crash = faults.find("crash") != std::string::npos;
    EXPECT_EQ(r.report.outcomes.count(crash ? "no_answer" : "payment_method_not_allowed"), 1u)
        << json(r.report.outcomes).dump() << " under " << faults;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing") << faults;
  }
  // Where production took it, the sandbox's airline refuses: a divergence with its code.
  ReplayResult r = testing::replay_example(dir, "airline-support",
                                           json::array({bag_by_certificate(false).dump(3)}), false,
                                           world_with(dir, kRules));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "diverged");
  EXPECT_EQ(r.sessions[0].code, "payment_method_not_allowed") << r.sessions[0].why;
}

TEST(InstrumentRules, ValidateRefusesARuleThatNamesNothingAPaymentCanBeFor) {
  const std::string dir = testing::temp_dir("instrument-rules-bad");
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {"instrument_rules: [{prefix: certificate_, pays_for: [cancel]}]\n",
            "instrument_rules[0].pays_for"},
           {"instrument_rules: [{pays_for: [purchase]}]\n", "instrument_rules[0].prefix"},
           {"instrument_rules: [{prefix: c_}, {prefix: c_}]\n", "instrument_rules[1].prefix"},
           {"instrument_rules: [{prefix: c_, pays: [purchase]}]\n", "pays"},
           {"instrument_rules: [{prefix: c_, remainder: refund}]\n",
            "instrument_rules[0].remainder"}}) {
    Scenario s = default_scenario();
    try {
      load_world_file(s, testing::write_temp(dir, "w.yaml", text));
      ADD_FAILURE() << "accepted " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
}

// Omar pays a $35 bag with his $200 certificate, then another: production refused the second,
// the certificate's rest having been forfeited at the first.
json two_bags_by_certificate() {
  json history = json::array({{{"payment_id", "credit_card_9012"}, {"amount", 249}}});
  Conversation c = omar_asks_for_a_bag(history);
  json args = {{"reservation_id", "K1NW8N"},
               {"total_baggages", 1},
               {"nonfree_baggages", 1},
               {"payment_id", "certificate_8100"}};
  history.push_back({{"payment_id", "certificate_8100"}, {"amount", 35}});
  c.call("update_reservation_baggages", args,
         {{"reservation_id", "K1NW8N"}, {"payment_history", history}});
  c.say("user", "And one more bag, on the same certificate.");
  c.say("assistant", "Another bag is $35.00 on certificate_8100. Shall I?");
  c.say("user", "Yes.");
  args["total_baggages"] = 2;
  c.call("update_reservation_baggages", args, "Error: certificate_8100 has no balance left");
  return c.dump(4);
}

TEST(InstrumentRules, ACertificatesRemainderIsForfeitedAtItsFirstUseWhereTheWorldSaysSo) {
  const std::string dir = testing::temp_dir("instrument-forfeit");
  const json sessions = json::array({two_bags_by_certificate()});
  // Kept: the sandbox pays the second bag from the rest, where production could not.
  ReplayResult kept =
      testing::replay_example(dir, "airline-support", sessions, false, world_with(dir, ""));
  ASSERT_EQ(kept.sessions.size(), 1u);
  EXPECT_EQ(kept.sessions[0].verdict, "diverged");
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: payment, op: debit, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: payment, op: debit, kind: outage, nth: 1}\n"),
        std::string("- {provider: orchestrator, op: debit, kind: crash, nth: 1, "
                    "restart_after: 1s}\n")}) {
    ReplayResult r = testing::replay_example(
        dir, "airline-support", sessions, false,
        world_with(dir, "instrument_rules:\n  - {prefix: certificate_, remainder: forfeit}\n"),
        faults);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_NE(r.sessions[0].verdict, "diverged") << r.sessions[0].why << " under " << faults;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "charged 35.00 to certificate_8100")
        << faults;
    EXPECT_EQ(r.report.metrics.at("duplicate_charges"), 0) << faults;
    EXPECT_EQ(r.report.metrics.at("fault_rules_never_fired"), 0) << faults;
  }
}

// The fake's ledger: the debit takes $35 and forfeits $165; a second debit finds nothing; the
// first given back whole returns the certificate to its $200.
TEST(InstrumentRules, AForfeitedRemainderComesBackOnlyWithTheWholeDebit) {
  const std::string dir = testing::temp_dir("instrument-forfeit-ledger");
  Scenario s = default_scenario();
  load_world_file(
      s, testing::write_temp(dir, "w.yaml",
                             "stored_value: [{id: certificate_1, user: u, balance_cents: 20000}]\n"
                             "instrument_rules: [{prefix: certificate_, remainder: forfeit}]\n"));
  World w;
  furnish_world(w, s);
  w.seed_existing(1, "u", s.existing, 0);
  ProviderRequest req;
  req.op = Op::kDebit;
  req.user = 1;
  req.key = 1;
  req.text = "certificate_1";
  req.amount = 3500;
  ProviderReply first = w.stored_value.act(req, 0);
  ASSERT_TRUE(first.ok()) << error_name(first.error);
  req.key = 2;
  req.amount = 100;
  EXPECT_EQ(w.stored_value.act(req, 0).error, ErrorCode::kInsufficientFunds);
  req.op = Op::kBalance;
  EXPECT_EQ(w.stored_value.act(req, 0).amount, 0);
  req.op = Op::kCredit;
  req.ref = first.id;
  req.amount = 1000;
  ASSERT_TRUE(w.stored_value.act(req, 0).ok());
  req.op = Op::kBalance;
  EXPECT_EQ(w.stored_value.act(req, 0).amount, 1000);  // part given back: only that part
  req.op = Op::kCredit;
  req.amount = 2500;
  ASSERT_TRUE(w.stored_value.act(req, 0).ok());
  req.op = Op::kBalance;
  EXPECT_EQ(w.stored_value.act(req, 0).amount, 20000);
}

}  // namespace
}  // namespace checkride
