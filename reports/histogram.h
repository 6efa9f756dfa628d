#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

namespace checkride {

// HDR-style log-bucket histogram of non-negative integers (virtual milliseconds): exact
// below 32, then 16 linear sub-buckets per power of two (relative error under 6.25%).
// Two histograms merge exactly by adding counts, so shards and seeds add up.
class LogHistogram {
 public:
  void record(int64_t value);
  void merge(const LogHistogram& other);
  uint64_t count() const { return count_; }
  int64_t max() const { return max_; }
  // Smallest bucket upper bound with at least q of the values at or below it (<= max).
  int64_t percentile(double q) const;
  nlohmann::json to_json() const;  // {"count","max","p50","p90","p99","buckets":[[lo,n]...]}
  static LogHistogram from_json(const nlohmann::json& j);

  static int bucket_of(int64_t value);
  static int64_t bucket_low(int bucket);
  static int64_t bucket_high(int bucket);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  int64_t max_ = 0;
};

}  // namespace checkride
