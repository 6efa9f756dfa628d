#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>

#include "protocol/time.h"

namespace checkride {

// Stripe's Idempotency-Key contract at the HTTP level, as Stripe keeps it: the first
// response for a key (errors included) is stored byte for byte and replayed for the same
// key and parameters; the same key with other parameters is refused; the same key while the
// first request is still executing gets a 409; keys expire after 24 hours. A request a
// fault answered before it executed stores nothing, so its retry executes.
class HttpIdempotency {
 public:
  static constexpr Duration kKeyLifetime = 24 * kHour;
  enum class Lookup { kNew, kReplay, kMismatch, kInFlight };
  struct Stored {
    int status = 0;
    std::string body;
  };

  // `scoped_key` is the key qualified by its owner (FakeState::idempotency_scope).
  Lookup begin(const std::string& scoped_key, uint64_t fingerprint, Time now, Stored& replay);
  void finish(const std::string& scoped_key, int status, std::string body, Time now);
  void abandon(const std::string& scoped_key);
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    uint64_t fingerprint = 0;
    bool in_flight = true;
    Time expires_at = 0;
    Stored stored;
  };
  std::unordered_map<std::string, Entry> entries_;  // lookup only, never iterated
};

}  // namespace checkride
