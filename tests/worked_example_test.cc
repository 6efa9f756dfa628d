// The airline-support worked example (docs/worked-examples.md), a tool set checkride did not
// shape: its transcripts (written by scenarios/generate/airline_support.py from the world)
// import with every tool call mapped, replay "same" in the seeded world and in the world
// inferred from the recorded lookups, a recorded failure the sandbox does not reproduce
// diverges, and the money holds under lost answers and a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "orchestrator/action_catalog.h"
#include "protocol/cassette.h"
#include "protocol/catalog_ref.h"
#include "recorder/importer.h"
#include "recorder/result_status.h"
#include "simulator/replay.h"
#include "tests/test_support.h"
#include "tests/worked_import.h"

namespace checkride {
namespace {

const char* kCatalog = "scenarios/catalogs/airline-support.yaml";
const char* kWorld = "scenarios/worlds/airline-support.yaml";
// Task 15: half of 2 x 259.00 for R7GC2M, $75 of it to the gift card that paid $150.
constexpr int64_t kRefundedPerTrial = 31840 + 24900 + 37450 + 46000 + 25900;

std::string import_transcripts(const std::string& transcripts, const std::string& dir,
                               std::string* summary = nullptr) {
  return testing::import_worked_transcripts(kCatalog, transcripts, dir + "/airline-support.jsonl",
                                            summary);
}

ReplayResult replay(const std::string& cassette, const std::string& world,
                    const std::string& faults = "") {
  ReplayOptions o;
  o.cassette = cassette;
  o.world = world;
  o.faults = faults;
  o.out_dir = testing::temp_dir("worked-replay");
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  run_replay(o, out, err, &r);
  return r;
}

TEST(WorkedExample, EveryToolCallMapsAndTheShippedCassetteIsTheImport) {
  std::string dir = testing::temp_dir("worked-import");
  std::string summary;
  std::string cassette = import_transcripts(
      testing::source_path("scenarios/transcripts/airline-support.json"), dir, &summary);
  EXPECT_NE(summary.find("96 of 96 mapped to an action, 0 kept as notes"), std::string::npos)
      << summary;
  EXPECT_EQ(
      testing::cassette_events(cassette),
      testing::cassette_events(testing::source_path("scenarios/cassettes/airline-support.jsonl")))
      << "the shipped cassette is stale: re-run the import in docs/worked-examples.md";
  Cassette c = load_cassette(cassette);
  ASSERT_EQ(c.sessions.size(), 30u);
  EXPECT_EQ(c.sessions.front().id, "1:1");
  EXPECT_EQ(c.sessions.front().user, "mia_li_3668");
}

TEST(WorkedExample, RecordedSuccessesReplaySameInTheSeededWorldWithTheFaresRefunds) {
  ReplayResult r = replay(testing::source_path("scenarios/cassettes/airline-support.jsonl"),
                          testing::source_path(kWorld));
  ASSERT_EQ(r.sessions.size(), 30u);
  for (const auto& s : r.sessions) EXPECT_EQ(s.verdict, "same") << s.session << ": " << s.why;
  // The shipped cassette names the shipped catalog's text: re-import after editing it.
  for (const auto& w : r.warnings) ADD_FAILURE() << w;
  // Per trial: 80% of 2 x 199.00, all of 249.00, half of 749.00 (business), and 749.00 less
  // 289.00 when Q9X2LP moves to economy (task 14).
  EXPECT_EQ(r.report.money.at("refunded"), kRefundedPerTrial * 2);
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
  EXPECT_EQ(r.report.metrics.at("completion_rate"), 1);
  EXPECT_EQ(r.report.metrics.at("intents"), 14);
  EXPECT_EQ(r.report.metrics.at("mapped_tool_calls"), 1);
  EXPECT_EQ(r.report.metrics.at("lookups_as_recorded"), 60);
  // Per trial: $198 from Sofia's gift card (task 5), $200 from Omar's certificate (task 9);
  // and the $150 Raj's gift card paid for R7GC2M before each of his 8 sessions.
  EXPECT_EQ(r.report.money.at("stored_value_debited"), 2 * (19800 + 20000) + 8 * 15000);
  // Task 15 cancels R7GC2M: of the $259 refunded, $75 goes back to the gift card (150/518).
  EXPECT_EQ(r.report.money.at("stored_value_credited"), 2 * 7500);
}

// Without a world the lookups still describe the reservations, so every call answers as
// recorded. But the fare rules, bag prices and other flights' fares are not in the
// recording: the money moved differs, and the verdict says so (it said "same" before money
// was compared). The report lists what was inferred.
TEST(WorkedExample, WithoutAWorldTheRecordedLookupsDescribeTheReservations) {
  ReplayResult r = replay(testing::source_path("scenarios/cassettes/airline-support.jsonl"), "");
  int money_differs = 0;
  for (const auto& s : r.sessions) {
    if (s.verdict == "same") continue;
    // Only when the answer is the recorded one is a difference in money its divergence.
    EXPECT_EQ(s.code, "amount_differs") << s.session << ": " << s.why;
    ++money_differs;
  }
  // Per trial: cancels refunded in full (tasks 1, 3, 15), bags at a guessed price (10),
  // flights and cabins at guessed fares (11, 13, 14).
  EXPECT_EQ(money_differs, 14);
  EXPECT_EQ(r.report.metrics.at("replay_money_differs"), 14);
  EXPECT_FALSE(r.inferred.empty());
  EXPECT_GT(r.report.money.at("refunded"), 0);  // the fare rules are unknown: refunded in full
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
  // R7GC2M's recorded payment history names the gift card's $150 of $518: cancelled and
  // refunded in full (task 15), the gift card gets all of its part back, per trial.
  EXPECT_EQ(r.report.money.at("stored_value_credited"), 2 * 15000);
}

TEST(WorkedExample, ARecordedFailureTheSandboxDoesNotReproduceDiverges) {
  std::string dir = testing::temp_dir("worked-failure");
  auto conversations = nlohmann::json::parse(
      testing::read_text(testing::source_path("scenarios/transcripts/airline-support.json")));
  // In task 1, trial 1 the airline refused the cancel; in the seeded world the reservation
  // stands, so the sandbox cancels it.
  nlohmann::json& messages = conversations.at(0).at("messages");
  std::string cancel_call;
  for (auto& m : messages) {
    if (m.contains("tool_calls") &&
        m["tool_calls"][0]["function"]["name"] == "cancel_reservation") {
      cancel_call = m["tool_calls"][0]["id"];
    }
    if (!cancel_call.empty() && m["role"] == "tool" && m["tool_call_id"] == cancel_call) {
      m["content"] = "Error: reservation ZFA04Y cannot be cancelled online";
    }
  }
  ASSERT_FALSE(cancel_call.empty());
  std::string text = conversations.dump();
  std::string transcripts = testing::write_temp(dir, "failed.json", text);
  ReplayResult r = replay(import_transcripts(transcripts, dir), testing::source_path(kWorld));
  int diverged = 0;
  for (const auto& s : r.sessions) {
    if (s.verdict != "diverged") continue;
    ++diverged;
    EXPECT_EQ(s.session, "1:1");
    EXPECT_EQ(s.action, "cancel_reservation");
    EXPECT_EQ(s.recorded, "failed");
    EXPECT_EQ(s.sandbox, "ok");
    EXPECT_NE(s.recorded_inferred_from.find("error"), std::string::npos)
        << s.recorded_inferred_from;
  }
  EXPECT_EQ(diverged, 1);
}

// Booking and paying in one call checks consent on the held total before any money moves;
// without a yes, nothing is charged and the seats go back.
TEST(WorkedExample, ABookingWithoutTheUsersYesChargesNothingAndReleasesTheSeats) {
  std::string dir = testing::temp_dir("worked-no-consent");
  auto conversations = nlohmann::json::parse(
      testing::read_text(testing::source_path("scenarios/transcripts/airline-support.json")));
  for (auto& m : conversations.at(3).at("messages")) {  // task 4: Raj books HAT003
    if (m["role"] == "user" && m["content"] == "Yes, book it.") m["content"] = "Hmm.";
  }
  std::string transcripts = testing::write_temp(dir, "no-yes.json", conversations.dump());
  ReplayResult r = replay(import_transcripts(transcripts, dir), testing::source_path(kWorld));
  bool seen = false;
  for (const auto& s : r.sessions) {
    if (s.session != "4:1") continue;
    seen = true;
    EXPECT_EQ(s.verdict, "diverged");
    EXPECT_EQ(s.sandbox, "needs_confirmation") << s.why;
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(r.report.metrics.at("orphan_holds"), 0);
  EXPECT_EQ(r.report.metrics.at("consent_violations"), 0);
  EXPECT_EQ(r.report.metrics.at("completed"), 13);
}

// Passengers change by name; a different head count is a different fare and is refused,
// with nothing moved.
TEST(WorkedExample, PassengersChangeByNameButNotByCount) {
  std::string dir = testing::temp_dir("worked-passengers");
  auto conversations = nlohmann::json::parse(
      testing::read_text(testing::source_path("scenarios/transcripts/airline-support.json")));
  bool changed = false;
  for (auto& m : conversations.at(7).at("messages")) {  // task 8: a name fixed on ZFA04Y
    if (!m.contains("tool_calls")) continue;
    auto& fn = m["tool_calls"][0]["function"];
    if (fn["name"] != "update_reservation_passengers") continue;
    auto args = nlohmann::json::parse(fn["arguments"].get<std::string>());
    args["passengers"].push_back({{"first_name", "Tag"}, {"last_name", "Along"}});
    fn["arguments"] = args.dump();
    changed = true;
  }
  ASSERT_TRUE(changed);
  std::string transcripts = testing::write_temp(dir, "more.json", conversations.dump());
  ReplayResult r = replay(import_transcripts(transcripts, dir), testing::source_path(kWorld));
  int diverged = 0;
  for (const auto& s : r.sessions) {
    if (s.verdict == "same") continue;
    ++diverged;
    EXPECT_EQ(s.session, "8:1");
    EXPECT_EQ(s.sandbox, "rejected") << s.why;
    EXPECT_EQ(s.code, "bad_request") << s.why;
  }
  EXPECT_EQ(diverged, 1);
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
}

TEST(WorkedExample, LostAnswersAndACrashChargeNoOneTwiceAndLeaveNoHold) {
  std::string dir = testing::temp_dir("worked-faults");
  std::string faults = testing::write_temp(dir, "faults.yaml", R"([
    {provider: booking, op: hold, kind: lost_response, nth: 1},
    {provider: payment, op: capture, kind: lost_response, nth: 2},
    {provider: payment, op: refund, kind: lost_response, nth: 1},
    {provider: booking, op: cancel_confirm, kind: lost_response, nth: 3},
    {provider: booking, op: update_booking, kind: lost_response, nth: 1},
    {provider: orchestrator, op: authorize, kind: crash, nth: 3, restart_after: 2s}])");
  ReplayResult r = replay(testing::source_path("scenarios/cassettes/airline-support.jsonl"),
                          testing::source_path(kWorld), faults);
  for (const char* safety :
       {"duplicate_charges", "orphan_holds", "orphan_authorizations", "charged_without_order",
        "order_without_charge", "money_difference_cents", "stuck", "fault_rules_never_fired"}) {
    EXPECT_EQ(r.report.metrics.at(safety), 0) << safety;
  }
  EXPECT_EQ(r.report.money.at("refunded"), kRefundedPerTrial * 2);
}

}  // namespace
}  // namespace checkride
