#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "protocol/action.h"
#include "protocol/provider.h"
#include "protocol/time.h"

namespace checkride {

// Counters behind GET /metrics, rendered in the Prometheus text exposition format.
class ServiceMetrics {
 public:
  void action_answered(ActionStatus status, Duration took);
  void provider_call(Op op, ErrorCode error);
  void refused(const std::string& why);  // signature refusals, by first word
  void bad_request() { ++bad_requests_; }
  void store_failed() { ++store_failures_; }
  // `gauges` are read under the service's lock by the caller.
  std::string render(int in_flight, uint64_t audit_records, std::size_t queued_calls) const;

 private:
  static constexpr int kStatuses = static_cast<int>(ActionStatus::kUnavailable) + 1;
  static constexpr std::array<Duration, 12> kBucketsMs = {5,   10,   25,   50,   100,   250,
                                                          500, 1000, 2500, 5000, 10000, 30000};
  std::array<std::atomic<uint64_t>, kStatuses> actions_{};
  std::array<std::atomic<uint64_t>, kBucketsMs.size() + 1> latency_buckets_{};
  std::atomic<uint64_t> latency_sum_ms_{0};
  std::array<std::array<std::atomic<uint64_t>, kErrorCodeCount>, kOpCount> calls_{};
  std::atomic<uint64_t> unsigned_{0}, stale_{0}, replayed_{0}, forged_{0};
  std::atomic<uint64_t> bad_requests_{0};
  std::atomic<uint64_t> store_failures_{0};
};

}  // namespace checkride
