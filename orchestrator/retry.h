#pragma once
#include <array>

#include "orchestrator/config.h"
#include "protocol/ids.h"
#include "protocol/provider.h"

namespace checkride {

// Exponential backoff with full jitter. The jitter is a pure function of the seed, the
// step's key and the attempt, so a retry schedule replays exactly.
Duration backoff_delay(const RetryConfig& config, uint64_t seed, uint64_t key, int attempt,
                       Duration retry_after);

// One breaker per provider: after `breaker_failures` consecutive retryable failures it
// opens for `breaker_cooldown`; calls then wait instead of hammering the provider.
class CircuitBreakers {
 public:
  explicit CircuitBreakers(const RetryConfig& config) : config_(config) {}
  // 0 if the call may go now, otherwise the time it may go.
  Time blocked_until(Provider p, Time now) const {
    const auto& s = state_[static_cast<int>(p)];
    return s.open_until > now ? s.open_until : 0;
  }
  void on_result(Provider p, bool retryable_failure, Time now);
  int opened() const { return opened_; }

 private:
  struct State {
    int32_t failures = 0;
    Time open_until = 0;
  };
  RetryConfig config_;
  std::array<State, kProviderCount> state_{};
  int opened_ = 0;
};

}  // namespace checkride
