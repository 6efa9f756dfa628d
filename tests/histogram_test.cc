#include "reports/histogram.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "reports/gates.h"

namespace checkride {
namespace {

TEST(LogHistogram, PercentilesStayWithinBucketError) {
  LogHistogram h;
  for (int v = 1; v <= 10000; ++v) h.record(v);
  EXPECT_NEAR(h.percentile(0.5), 5000, 5000 * 0.0625);
  EXPECT_NEAR(h.percentile(0.99), 9900, 9900 * 0.0625);
  EXPECT_EQ(h.max(), 10000);
}

TEST(LogHistogram, MergingShardsEqualsRecordingEverythingOnce) {
  LogHistogram a, b, all;
  for (int v = 0; v < 5000; ++v) {
    (v % 3 ? a : b).record(v * 7);
    all.record(v * 7);
  }
  a.merge(b);
  EXPECT_EQ(a.to_json(), all.to_json());
  EXPECT_EQ(LogHistogram::from_json(all.to_json()).to_json(), all.to_json());
}

TEST(Gates, ComparisonsAndBareNumbers) {
  Gate g;
  ASSERT_TRUE(parse_gate("completion_rate", ">= 0.95", g));
  ASSERT_FALSE(parse_gate("x", ">= lots", g));
  std::vector<Gate> gates(2);
  parse_gate("completion_rate", ">= 0.95", gates[0]);
  parse_gate("duplicate_charges", "0", gates[1]);
  auto results = evaluate_gates(gates, {{"completion_rate", 0.96}, {"duplicate_charges", 1}});
  EXPECT_TRUE(results[0].passed);
  EXPECT_FALSE(results[1].passed);
}

}  // namespace
}  // namespace checkride
