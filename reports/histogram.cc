#include "reports/histogram.h"

#include <algorithm>
#include <bit>
#include <nlohmann/json.hpp>

namespace checkride {

int LogHistogram::bucket_of(int64_t value) {
  if (value < 32) return static_cast<int>(std::max<int64_t>(value, 0));
  int e = 63 - std::countl_zero(static_cast<uint64_t>(value));  // value in [2^e, 2^(e+1))
  int sub = static_cast<int>((value >> (e - 4)) & 15);
  return 32 + (e - 5) * 16 + sub;
}

int64_t LogHistogram::bucket_low(int bucket) {
  if (bucket < 32) return bucket;
  int e = (bucket - 32) / 16 + 5;
  int sub = (bucket - 32) % 16;
  return (int64_t{1} << e) + (static_cast<int64_t>(sub) << (e - 4));
}

int64_t LogHistogram::bucket_high(int bucket) {
  if (bucket < 32) return bucket;
  int e = (bucket - 32) / 16 + 5;
  return bucket_low(bucket) + (int64_t{1} << (e - 4)) - 1;
}

void LogHistogram::record(int64_t value) {
  int b = bucket_of(value);
  if (static_cast<std::size_t>(b) >= counts_.size()) counts_.resize(b + 1, 0);
  ++counts_[b];
  ++count_;
  max_ = std::max(max_, value);
}

void LogHistogram::merge(const LogHistogram& other) {
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

int64_t LogHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count_) + 0.999999);
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_high(static_cast<int>(i)), max_);
  }
  return max_;
}

nlohmann::json LogHistogram::to_json() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i]) buckets.push_back({bucket_low(static_cast<int>(i)), counts_[i]});
  }
  return {{"count", count_},         {"max", max_},
          {"p50", percentile(0.50)}, {"p90", percentile(0.90)},
          {"p99", percentile(0.99)}, {"buckets", buckets}};
}

LogHistogram LogHistogram::from_json(const nlohmann::json& j) {
  LogHistogram h;
  for (const auto& b : j.at("buckets")) {
    int bucket = bucket_of(b.at(0).get<int64_t>());
    uint64_t n = b.at(1).get<uint64_t>();
    if (static_cast<std::size_t>(bucket) >= h.counts_.size()) h.counts_.resize(bucket + 1, 0);
    h.counts_[bucket] += n;
    h.count_ += n;
  }
  h.max_ = j.at("max").get<int64_t>();
  return h;
}

}  // namespace checkride
