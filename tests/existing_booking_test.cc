// Reservations that existed before the conversation: a world file seeds them (paid and
// captured), the orchestrator looks each one up at the provider (find_booking), and a cancel
// refunds the refundable part exactly once, to the payment that paid for it, under lost
// answers, an outage and a crash. Another user's reference is not found; a cancelled one is
// not cancellable; without the world, recorded successes diverge.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "protocol/cassette.h"
#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "simulator/replay.h"
#include "tests/test_support.h"
#include "wire/orchestrator/saga_codec.h"

namespace checkride {
namespace {

// The flights and the reservations in one world file.
std::string airline_world(const std::string& dir) {
  std::string offers = testing::read_text(testing::source_path("scenarios/catalogs/flights.yaml"));
  std::string bookings =
      testing::read_text(testing::source_path("scenarios/worlds/airline-reservations.yaml"));
  return testing::write_temp(dir, "world.yaml", offers + bookings);
}

ReplayResult replay_existing(const std::string& world, const std::string& faults = "") {
  ReplayOptions o;
  o.cassette = testing::source_path("scenarios/cassettes/airline-existing.jsonl");
  o.world = world;
  o.faults = faults;
  o.out_dir = testing::temp_dir("existing-replay");
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  run_replay(o, out, err, &r);
  return r;
}

// 80% of Mia's 2 x 329.00 in three sessions, all of Omar's 154.00 once.
constexpr int64_t kRefunds = 3 * 52640 + 15400;

TEST(ExistingBooking, CancelsRefundTheRefundablePartOnceAndReplayAsRecorded) {
  std::string dir = testing::temp_dir("existing-plain");
  ReplayResult r = replay_existing(airline_world(dir));
  ASSERT_EQ(r.sessions.size(), 5u);
  for (const auto& s : r.sessions) EXPECT_EQ(s.verdict, "same") << s.session << ": " << s.why;
  EXPECT_EQ(r.report.money.at("refunded"), kRefunds);
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
  EXPECT_EQ(r.report.metrics.at("duplicate_charges"), 0);
  EXPECT_EQ(r.report.metrics.at("consent_violations"), 0);  // a charge from before is no new one
  EXPECT_EQ(r.report.metrics.at("completed"), 1);
}

TEST(ExistingBooking, WithoutTheWorldTheRecordedCancelsDiverge) {
  ReplayResult r = replay_existing("");
  int diverged = 0;
  for (const auto& s : r.sessions) {
    if (s.verdict != "diverged") continue;
    ++diverged;
    EXPECT_EQ(s.code, "unknown_booking") << s.session;
  }
  // Every session with a recorded successful cancel; the other user's reference is refused
  // either way, so that session stays "same".
  EXPECT_EQ(diverged, 4);
  EXPECT_EQ(r.report.money.at("refunded"), 0);
}

struct FaultCase {
  const char* name;
  const char* rule;
  bool recovers = true;  // false: a lookup may fail in the outage, with nothing moved
};

class ExistingBookingUnderFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(ExistingBookingUnderFaults, EveryRefundExactlyOnceNothingStuckNothingEscalated) {
  std::string dir = testing::temp_dir(std::string("existing-") + GetParam().name);
  std::string faults = testing::write_temp(dir, "faults.yaml", GetParam().rule);
  ReplayResult r = replay_existing(airline_world(dir), faults);
  EXPECT_EQ(r.report.metrics.at("money_difference_cents"), 0);
  EXPECT_EQ(r.report.metrics.at("escalations"), 0);
  EXPECT_EQ(r.report.metrics.at("stuck"), 0);
  EXPECT_EQ(r.report.metrics.at("fault_rules_never_fired"), 0);
  if (GetParam().recovers) {
    EXPECT_EQ(r.report.money.at("refunded"), kRefunds);
    for (const auto& s : r.sessions) EXPECT_NE(s.verdict, "diverged") << s.session << ": " << s.why;
    return;
  }
  // A cancel that failed in the outage failed before anything moved: its lookup did.
  int64_t lost = 0;
  for (const auto& s : r.sessions) {
    if (s.verdict != "diverged") continue;
    EXPECT_EQ(s.code, "unavailable") << s.session << ": " << s.why;
    lost += s.session.rfind("omar", 0) == 0 ? 15400 : 52640;
  }
  EXPECT_GT(lost, 0);  // the outage did strike a cancel
  EXPECT_EQ(r.report.money.at("refunded"), kRefunds - lost);
}

INSTANTIATE_TEST_SUITE_P(
    All, ExistingBookingUnderFaults,
    ::testing::Values(
        FaultCase{"lost_find",
                  "[{provider: booking, op: find_booking, kind: lost_response, nth: 1}]"},
        FaultCase{"lost_cancel",
                  "[{provider: booking, op: cancel_confirm, kind: lost_response, nth: 1}]"},
        FaultCase{"lost_refund", "[{provider: payment, op: refund, kind: lost_response, nth: 2}]"},
        FaultCase{"outage", "[{provider: booking, kind: outage, from: 1s, to: 4s}]", false},
        FaultCase{"crash_at_refund",
                  "[{provider: orchestrator, op: refund, kind: crash, nth: 1, restart_after: 2s}]"},
        FaultCase{"crash_at_find",
                  "[{provider: orchestrator, op: find_booking, kind: crash, nth: 3, "
                  "restart_after: 2s}]"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ExistingBooking, AWorldFileNamesTheBookingItCannotSeed) {
  std::string dir = testing::temp_dir("existing-bad");
  const std::pair<std::string, std::string> kBad[] = {
      {"bookings:\n  - {reference: A1, offer: NOPE}\n", "bookings[0].offer"},
      {"bookings:\n  - {offer: OF-LHR-CDG-1205}\n", "bookings[0].reference"},
      {"bookings:\n  - {reference: A1, offer: OF-LHR-CDG-1205, seats: 0}\n", "bookings[0].seats"},
      {"bookings:\n  - {reference: A1, offer: OF-LHR-CDG-1205, paid_cents: -5}\n",
       "bookings[0].paid_cents"},
      {"bookings:\n  - {reference: A1, offer: OF-LHR-CDG-1205, colour: red}\n", "colour"},
      {"bookings: {reference: A1}\n", "bookings"},
  };
  std::string offers = testing::read_text(testing::source_path("scenarios/catalogs/flights.yaml"));
  for (const auto& [text, field] : kBad) {
    std::string path = testing::write_temp(dir, "w.yaml", offers + text);
    Scenario s = default_scenario();
    try {
      load_world_file(s, path);
      check_existing_bookings(s);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("w.yaml"), std::string::npos) << e.what();
    }
  }
}

TEST(ExistingBooking, ASessionPlaysAsOneUser) {
  const std::string header = R"({"format":"checkride.cassette/v1"})"
                             "\n";
  Cassette c = parse_cassette(
      header + R"({"session":"s","seq":1,"t_ms":0,"type":"user","user_id":"mia","text":"hi"})",
      "c.jsonl");
  EXPECT_EQ(c.sessions.at(0).user, "mia");
  EXPECT_THROW(
      parse_cassette(header + R"({"session":"s","seq":1,"t_ms":0,"type":"user","user_id":"mia"})"
                              "\n"
                              R"({"session":"s","seq":2,"t_ms":1,"type":"user","user_id":"bob"})",
                     "c.jsonl"),
      InputError);
  EXPECT_THROW(
      parse_cassette(header + R"({"session":"s","seq":1,"t_ms":0,"type":"user","user_id":7})",
                     "c.jsonl"),
      InputError);
}

TEST(ExistingBooking, TheDumpedWorldReadsBackAndReplaysTheSame) {
  std::string dir = testing::temp_dir("existing-dump");
  ReplayOptions o;
  o.cassette = testing::source_path("scenarios/cassettes/airline-existing.jsonl");
  o.world = airline_world(dir);
  o.dump_world = dir + "/dumped.yaml";
  o.out_dir = dir;
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult first;
  run_replay(o, out, err, &first);
  Scenario s = default_scenario();
  load_world_file(s, o.dump_world);
  EXPECT_EQ(s.existing.bookings.size(), 2u);
  EXPECT_EQ(s.offers.size(), 3u);
  o.world = o.dump_world;
  o.dump_world = dir + "/again.yaml";
  ReplayResult second;
  run_replay(o, out, err, &second);
  EXPECT_EQ(second.report.metrics, first.report.metrics);
  EXPECT_EQ(testing::read_text(dir + "/dumped.yaml"), testing::read_text(dir + "/again.yaml"));
}

TEST(ExistingBooking, TheStoreKeepsTheReferenceAndStepsByName) {
  SagaRecord s;
  s.id = 4;
  s.kind = SagaKind::kCancelBooking;
  s.step = Step::kFindBooking;
  s.reference = "ZFA04Y";
  SagaRecord back = saga_from_json(saga_to_json(s));
  EXPECT_EQ(back.step, Step::kFindBooking);
  EXPECT_EQ(back.reference, "ZFA04Y");
  // A store written when steps were numbers, and done was 12.
  nlohmann::json old = saga_to_json(s);
  old["step"] = 12;
  old.erase("reference");
  EXPECT_EQ(saga_from_json(old).step, Step::kDone);
  old["step"] = 11;
  EXPECT_EQ(saga_from_json(old).step, Step::kRefund);
}

}  // namespace
}  // namespace checkride
