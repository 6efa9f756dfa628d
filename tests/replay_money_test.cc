// Money in the verdict (issue 29): a replay compares what each write moved in the sandbox's
// ledgers with what its recorded result states, per instrument; a difference is a divergence
// of its own (amount_differs) even when both answers succeeded. The report says how many
// writes were compared on money, and per session what moved on each side.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "orchestrator/action_catalog.h"
#include "protocol/input_error.h"
#include "simulator/replay.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

using nlohmann::json;

// One session of the shipped airline cassette (its header first), with `patch` applied to
// each event.
std::string one_session(const std::string& session,
                        const std::function<void(json&)>& patch = nullptr) {
  std::istringstream in(
      testing::read_text(testing::source_path("scenarios/cassettes/airline-support.jsonl")));
  std::string line, out;
  bool header = true;
  while (std::getline(in, line)) {
    json ev = json::parse(line);
    if (!header && ev.value("session", "") != session) continue;
    if (header) {
      // The copy lives elsewhere: name the shipped catalog by its absolute path.
      ev["action_catalog"]["path"] =
          testing::source_path("scenarios/catalogs/airline-support.yaml");
      ev["action_catalog"].erase("sha256");
    } else if (patch) {
      patch(ev);
    }
    header = false;
    out += ev.dump() + "\n";
  }
  return out;
}

ReplayResult replay_text(const std::string& dir, const std::string& cassette) {
  ReplayOptions o;
  o.cassette = testing::write_temp(dir, "session.jsonl", cassette);
  o.world = testing::source_path("scenarios/worlds/airline-support.yaml");
  o.out_dir = dir + "/out";
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  EXPECT_NE(run_replay(o, out, err, &r), 2) << err.str();
  return r;
}

// Mia's two passengers each add a $35 bag on ZFA04Y: $70 by card. The recorded result's
// payment history gains the bag fee (`fee` dollars).
std::string bags_recorded_as(double fee) {
  return one_session("10:1", [fee](json& ev) {
    if (ev.value("call_id", "") != "call_10_1_3" || ev.value("type", "") != "result") return;
    json history = json::array({{{"payment_id", "credit_card_4421"}, {"amount", 398}}});
    history.push_back({{"payment_id", "credit_card_4421"}, {"amount", fee}});
    ev["result"]["payment_history"] = history;
  });
}

TEST(ReplayMoney, AWriteWhoseSandboxMovedTheRecordedAmountIsSame) {
  const std::string dir = testing::temp_dir("money-same");
  ReplayResult r = replay_text(dir, bags_recorded_as(70));
  ASSERT_EQ(r.sessions.size(), 1u);
  const SessionDivergence& s = r.sessions[0];
  EXPECT_EQ(s.verdict, "same") << s.why;
  EXPECT_EQ(s.writes, 1);
  EXPECT_EQ(s.writes_compared, 1);
  EXPECT_EQ(s.money_recorded.describe(), "charged 70.00 to card");
  EXPECT_EQ(s.money_sandbox.describe(), "charged 70.00 to card");
  EXPECT_EQ(r.report.metrics.at("replay_writes_money_compared"), 1);
  const std::string md = testing::read_text(dir + "/out/session.replay.md");
  EXPECT_NE(md.find("Money compared on 1 of 1 writes"), std::string::npos) << md;
  EXPECT_NE(md.find("| 10:1 | same | 1 of 1 | charged 70.00 to card | charged 70.00 to card |"),
            std::string::npos)
      << md;
}

// Production charged $35 where the sandbox charges $70: the same "ok" both sides, and the
// verdict was "same". Now it diverges, and says by how much.
TEST(ReplayMoney, TheSameStatusWithOtherMoneyDivergesAsAmountDiffers) {
  const std::string dir = testing::temp_dir("money-differs");
  ReplayResult r = replay_text(dir, bags_recorded_as(35));
  ASSERT_EQ(r.sessions.size(), 1u);
  const SessionDivergence& s = r.sessions[0];
  EXPECT_EQ(s.verdict, "diverged");
  EXPECT_EQ(s.code, "amount_differs");
  EXPECT_EQ(s.action, "update_reservation_baggages");
  EXPECT_NE(s.why.find("recorded charged 35.00 to card; sandbox charged 70.00 to card"),
            std::string::npos)
      << s.why;
  EXPECT_EQ(r.report.metrics.at("replay_money_differs"), 1);
  // Other money is no PASS: the default gates hold replay_money_differs at 0.
  EXPECT_FALSE(r.report.passed());
  json replay = json::parse(testing::read_text(dir + "/out/session.replay.json"));
  EXPECT_EQ(replay["sessions"][0]["money"]["recorded_cents"]["charged"]["card"], 3500);
  EXPECT_EQ(replay["sessions"][0]["money"]["sandbox_cents"]["charged"]["card"], 7000);
  EXPECT_EQ(replay["money_coverage"]["compared"], 1);
}

// A result that states no money leaves the write uncompared, and the report says so: a
// "same" there rests on status alone.
TEST(ReplayMoney, AWriteWhoseResultStatesNoMoneyIsCountedAsNotCompared) {
  const std::string dir = testing::temp_dir("money-unstated");
  ReplayResult r = replay_text(
      dir, one_session("10:1", [](json& ev) {
        if (ev.value("call_id", "") == "call_10_1_3" && ev.value("type", "") == "result") {
          ev["result"] = {{"ok", true}};
        }
      }));
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].verdict, "same");
  EXPECT_EQ(r.sessions[0].writes, 1);
  EXPECT_EQ(r.sessions[0].writes_compared, 0);
  const std::string md = testing::read_text(dir + "/out/session.replay.md");
  EXPECT_NE(md.find("Money compared on 0 of 1 writes"), std::string::npos) << md;
  EXPECT_NE(md.find("rests on status alone"), std::string::npos) << md;
}

// A refund split over what paid: Raj's R7GC2M, $150 of $518 from his gift card, is cancelled
// with 50% back, $75 to the gift card and $184 to the card. Recorded otherwise per
// instrument (all of it to the card), it diverges though the totals agree.
TEST(ReplayMoney, MoneyIsComparedPerInstrumentWhereTheResultNamesThem) {
  const std::string dir = testing::temp_dir("money-instrument");
  auto cancel_refunds = [](double card, double gift) {
    return one_session("15:1", [card, gift](json& ev) {
      if (ev.value("type", "") != "result" || ev.value("call_id", "") != "call_15_1_4") return;
      json history = json::array({{{"payment_id", "credit_card_2201"}, {"amount", 368}},
                                  {{"payment_id", "gift_card_7702"}, {"amount", 150}}});
      history.push_back({{"payment_id", "credit_card_2201"}, {"amount", -card}});
      if (gift != 0) history.push_back({{"payment_id", "gift_card_7702"}, {"amount", -gift}});
      ev["result"]["payment_history"] = history;
    });
  };
  ReplayResult split = replay_text(dir, cancel_refunds(184, 75));
  ASSERT_EQ(split.sessions.size(), 1u);
  EXPECT_EQ(split.sessions[0].verdict, "same") << split.sessions[0].why;
  EXPECT_EQ(split.sessions[0].money_sandbox.describe(),
            "refunded 184.00 to card, refunded 75.00 to gift_card_7702");
  ReplayResult card_only =
      replay_text(testing::temp_dir("money-instrument-2"), cancel_refunds(259, 0));
  EXPECT_EQ(card_only.sessions[0].code, "amount_differs") << card_only.sessions[0].why;
}

TEST(ReplayMoney, ACatalogMoneyStatementThatCannotBeReadIsExitTwoNamingTheField) {
  const std::string base =
      "actions:\n  - name: pay\n    handler: place_order\n    charge: true\n"
      "    scopes: [orders:write, payments:charge]\n"
      "    params: {type: object}\n";
  struct Case {
    const char* money;
    const char* field;
  } cases[] = {
      {"    money: {charged: amount}\n", "actions[0].money.charged"},
      {"    money: {history: /h}\n", "actions[0].money.entry"},
      {"    money: {history: /h, entry: {amount: /a}, kinds: {payment: paid}}\n",
       "actions[0].money.kinds.payment"},
      {"    money: {refund: /r}\n", "actions[0].money.refund"},
      {"    money: {}\n", "actions[0].money"},
  };
  for (const auto& c : cases) {
    try {
      ActionCatalog::from_yaml_text(base + c.money, "catalog.yaml");
      ADD_FAILURE() << c.money << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace checkride
