// A crash right after each saga step is sent, for orders and bookings: after restart and
// drain, nothing is charged twice, nothing is left held or authorized, no false success.
#include <gtest/gtest.h>

#include "tests/test_support.h"

namespace checkride {
namespace {

struct CrashPoint {
  std::string cassette;
  std::string catalog;
  std::string op;
};

class CrashAtStep : public ::testing::TestWithParam<CrashPoint> {};

TEST_P(CrashAtStep, RecoversWithNoDuplicateNoOrphanNoFalseSuccess) {
  const CrashPoint& c = GetParam();
  std::string dir = testing::temp_dir("crash-" + c.op + "-" + std::to_string(c.cassette.size()));
  std::string yaml =
      "scenario: crash-at-" + c.op +
      "\nseed: 5\nworld:\n  catalog: " + testing::source_path("scenarios/catalogs/" + c.catalog) +
      "\n  coupons: [{code: SPRING, off_cents: 500, budget_cents: 100000000, per_user: 1}]\n"
      "workload:\n  sessions: 60\n  arrival: {rate: 5/s}\n  mix: [{cassette: " +
      testing::source_path("scenarios/cassettes/" + c.cassette) +
      "}]\n  agent: {on_divergence: retry, retries: 4, timeout: 15s, retry_delay: 5s}\n"
      "  drain: 30m\nfaults:\n"
      "  - {provider: orchestrator, op: " +
      c.op +
      ", kind: crash, nth: 3, restart_after: 4s}\n"
      "  - {provider: orchestrator, op: " +
      c.op + ", kind: crash, nth: 20, restart_after: 1s}\n";
  Report r = testing::run_scenario_file(testing::write_temp(dir, "s.yaml", yaml));
  EXPECT_EQ(r.metrics.at("orchestrator_crashes"), 2);
  EXPECT_EQ(r.metrics.at("duplicate_charges"), 0);
  EXPECT_EQ(r.metrics.at("orphan_holds"), 0);
  EXPECT_EQ(r.metrics.at("orphan_authorizations"), 0);
  EXPECT_EQ(r.metrics.at("false_success"), 0);
  EXPECT_EQ(r.metrics.at("charged_without_order"), 0);
  EXPECT_EQ(r.metrics.at("stuck"), 0);
  EXPECT_GE(r.metrics.at("completion_rate"), 0.95);
}

INSTANTIATE_TEST_SUITE_P(
    OrderAndBookingSteps, CrashAtStep,
    ::testing::Values(CrashPoint{"orders-happy.jsonl", "shop.yaml", "quote"},
                      CrashPoint{"orders-happy.jsonl", "shop.yaml", "reserve"},
                      CrashPoint{"orders-happy.jsonl", "shop.yaml", "authorize"},
                      CrashPoint{"orders-happy.jsonl", "shop.yaml", "commit"},
                      CrashPoint{"orders-happy.jsonl", "shop.yaml", "capture"},
                      CrashPoint{"book-flight.jsonl", "flights.yaml", "hold"},
                      CrashPoint{"book-flight.jsonl", "flights.yaml", "authorize"},
                      CrashPoint{"book-flight.jsonl", "flights.yaml", "confirm"},
                      CrashPoint{"book-flight.jsonl", "flights.yaml", "capture"}),
    [](const auto& info) {
      return (info.param.catalog == "shop.yaml" ? std::string("order_") : std::string("booking_")) +
             info.param.op;
    });

}  // namespace
}  // namespace checkride
