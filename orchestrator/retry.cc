#include "orchestrator/retry.h"

#include <algorithm>

namespace checkride {

Duration backoff_delay(const RetryConfig& config, uint64_t seed, uint64_t key, int attempt,
                       Duration retry_after) {
  Duration ceiling = config.base;
  for (int i = 1; i < attempt && ceiling < config.cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, config.cap);
  uint64_t r = mix64(mix64(seed, key), static_cast<uint64_t>(attempt));
  Duration jittered =
      ceiling / 2 + static_cast<Duration>(r % static_cast<uint64_t>(ceiling / 2 + 1));
  return std::max(jittered, retry_after);  // a 429's Retry-After is a floor
}

void CircuitBreakers::on_result(Provider p, bool retryable_failure, Time now) {
  auto& s = state_[static_cast<int>(p)];
  if (!retryable_failure) {
    s.failures = 0;
    return;
  }
  if (++s.failures >= config_.breaker_failures && s.open_until <= now) {
    s.open_until = now + config_.breaker_cooldown;
    s.failures = 0;
    ++opened_;
  }
}

}  // namespace checkride
