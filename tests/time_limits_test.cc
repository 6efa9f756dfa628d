// Time limits and partial returns as the world's rules (issue 30, part 5): "no cancel within
// 24 h of departure" and "a return takes the whole order" were not expressible, so a sandbox
// cancelled what the airline refused and took back half an order the shop would not.
#include <gtest/gtest.h>

#include "fakes/world.h"
#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "tests/airline_extras.h"
#include "tests/conversation_builder.h"
#include "tests/world_text.h"

namespace checkride {
namespace {

using nlohmann::json;
using testing::cancel;
using testing::Conversation;
using testing::world_at;

ReplayResult replay(const std::string& dir, bool refused, const std::string& now,
                    const std::string& faults = "") {
  return testing::replay_example(dir, "airline-support", json::array({cancel(refused).dump(5)}),
                                 false, world_at(dir, now), faults);
}

// 22 h before departure: refused with its own reason, as production did, under faults too;
// 26 h before: cancelled and refunded.
TEST(TimeLimits, ACancelWithinTheLimitBeforeDepartureIsRefusedWithItsOwnReason) {
  for (const std::string& faults :
       {std::string(),
        std::string("- {provider: booking, op: find_booking, kind: lost_response, nth: 1}\n"),
        std::string("- {provider: booking, op: find_booking, kind: outage, nth: 1}\n")}) {
    const std::string dir = testing::temp_dir("time-limit-late");
    ReplayResult r = replay(dir, true, "2026-12-09T10:00:00Z", faults);
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_EQ(r.sessions[0].verdict, "same") << r.sessions[0].why << " under " << faults;
    EXPECT_EQ(r.sessions[0].money_sandbox.describe(), "nothing");
    EXPECT_EQ(r.report.metrics.at("fault_rules_never_fired"), 0) << faults;
  }
  // The same refusal 26 h before: the sandbox cancels, so the limit is what refused it.
  ReplayResult in_time =
      replay(testing::temp_dir("time-limit-in-time"), true, "2026-12-09T06:00:00Z");
  ASSERT_EQ(in_time.sessions.size(), 1u);
  EXPECT_EQ(in_time.sessions[0].verdict, "diverged");
  const std::string dir = testing::temp_dir("time-limit-early");
  ReplayResult early = replay(dir, false, "2026-12-09T06:00:00Z",
                              "- {provider: orchestrator, op: cancel_confirm, kind: crash, nth: 1, "
                              "restart_after: 1s}\n");
  ASSERT_EQ(early.sessions.size(), 1u);
  EXPECT_NE(early.sessions[0].verdict, "diverged") << early.sessions[0].why;
  EXPECT_EQ(early.sessions[0].money_sandbox.describe(), "refunded 249.00 to card");
  // Production cancelled 22 h before: the sandbox's airline refuses, and the replay says so.
  ReplayResult late =
      replay(testing::temp_dir("time-limit-diverged"), false, "2026-12-09T10:00:00Z");
  ASSERT_EQ(late.sessions.size(), 1u);
  EXPECT_EQ(late.sessions[0].verdict, "diverged");
  EXPECT_EQ(late.sessions[0].code, "too_close_to_departure") << late.sessions[0].why;
}

// A shop that takes back whole orders only: some of the items is refused, all of them taken.
TEST(TimeLimits, AWorldWithoutPartialReturnsTakesBackTheWholeOrderOnly) {
  World w;
  testing::seed_world_text(
      w,
      "skus: [{id: A, price_cents: 1000, stock: 5}, {id: B, price_cents: 500, stock: 5}]\n"
      "orders: [{reference: W1, user: u, status: delivered,\n"
      "          items: [{sku: A, quantity: 2}, {sku: B, quantity: 1}]}]\n"
      "order_rules: {partial_returns: false}\n");
  ASSERT_EQ(w.catalog.orders_of(1).size(), 1u);
  ProviderRequest req;
  req.op = Op::kReturnItems;
  req.user = 1;
  req.key = 1;
  req.ref = w.catalog.orders_of(1).front();
  req.operation = ObjectOperation::kReturn;
  req.items = {{"A", 1}};
  EXPECT_EQ(w.catalog.handle(req, 0, 0).error, ErrorCode::kPartialNotAllowed);
  req.key = 2;
  req.items = {{"A", 2}, {"B", 1}};
  ProviderReply all = w.catalog.handle(req, 0, 0);
  EXPECT_TRUE(all.ok()) << error_name(all.error);
  EXPECT_EQ(all.amount, 2500);
}

TEST(TimeLimits, ValidateRefusesLimitsThatCouldNeverApplyNamingTheField) {
  const std::string offer =
      "offers: [{id: F1, price_cents: 100, capacity: 9, departs_at: \"2026-12-10T08:00:00Z\"}]\n";
  testing::expect_world_refused(offer + "booking_rules: {not_within: {cancel: 24h}}\n",
                                "booking_rules.not_within");  // no now:
  testing::expect_world_refused(
      "now: 2026-12-09T10:00:00Z\noffers: [{id: F1, price_cents: 100}]\n"
      "booking_rules: {not_within: {cancel: 24h}}\n",
      "booking_rules.not_within");  // no flight says when it leaves
  testing::expect_world_refused(
      offer + "now: 2026-12-09T10:00:00Z\nbooking_rules: {not_within: {cancel: soon}}\n",
      "booking_rules.not_within.cancel");
  testing::expect_world_refused(
      offer + "now: 2026-12-09T10:00:00Z\nbooking_rules: {not_within: {return: 1h}}\n",
      "booking_rules.not_within.return");
  testing::expect_world_refused(
      "skus: [{id: A, price_cents: 100}]\norder_rules: {not_within: {cancel: 1h}}\n",
      "order_rules.not_within");
  testing::expect_world_refused("now: 2026-02-30T10:00:00Z\n", "now");
  testing::expect_world_refused("offers: [{id: F1, price_cents: 100, departs_at: tomorrow}]\n",
                                "offers[0].departs_at");
}

TEST(TimeLimits, CalendarTimesReadAndWriteBackTheSameInstant) {
  int64_t t = 0;
  ASSERT_TRUE(parse_utc_time("2026-12-10T08:00:00Z", t));
  EXPECT_EQ(t, 1796889600);
  EXPECT_EQ(format_utc_time(t), "2026-12-10T08:00:00Z");
  ASSERT_TRUE(parse_utc_time("2024-02-29 23:59", t));
  EXPECT_EQ(format_utc_time(t), "2024-02-29T23:59:00Z");
  for (const char* bad : {"2023-02-29T00:00:00Z", "2026-13-01T00:00Z", "2026-12-10", "",
                          "2026-12-10T24:00:00Z", "2026-12-10T08:00:00+02:00", "1969-12-31T00:00Z"})
    EXPECT_FALSE(parse_utc_time(bad, t)) << bad;
}

}  // namespace
}  // namespace checkride
