#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "protocol/time.h"
#include "reports/report.h"

namespace checkride {

// Counts what happens per second of virtual time (a few counters per event, no
// allocation after the run's first seconds), then folds the seconds into at most
// Timeline::kMaxBuckets equal buckets for the report's charts.
class TimelineRecorder {
 public:
  enum Series : uint8_t { kStarted, kFinished, kConfirmed, kRefused, kSeriesCount };
  void add(Series series, Time now) {
    auto second = static_cast<std::size_t>(now < 0 ? 0 : now / 1000);
    if (second >= kMaxSeconds) second = kMaxSeconds - 1;  // a year on: the last bucket
    if (second >= seconds_.size()) seconds_.resize(second + 1);
    ++seconds_[second][series];
  }
  Timeline finish() const;

 private:
  static constexpr std::size_t kMaxSeconds = 366u * 24 * 3600;
  std::vector<std::array<uint64_t, kSeriesCount>> seconds_;
};

}  // namespace checkride
