#include "wire/fakes/http_idempotency.h"

namespace checkride {

HttpIdempotency::Lookup HttpIdempotency::begin(const std::string& key, uint64_t fingerprint,
                                               Time now, Stored& replay) {
  auto it = entries_.find(key);
  if (it != entries_.end() && !it->second.in_flight && it->second.expires_at <= now) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    Entry e;
    e.fingerprint = fingerprint;
    e.expires_at = now + kKeyLifetime;
    entries_.emplace(key, std::move(e));
    return Lookup::kNew;
  }
  if (it->second.fingerprint != fingerprint) return Lookup::kMismatch;
  if (it->second.in_flight) return Lookup::kInFlight;
  replay = it->second.stored;
  return Lookup::kReplay;
}

void HttpIdempotency::finish(const std::string& key, int status, std::string body, Time now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.in_flight = false;
  it->second.expires_at = now + kKeyLifetime;
  it->second.stored = Stored{status, std::move(body)};
}

void HttpIdempotency::abandon(const std::string& key) { entries_.erase(key); }

}  // namespace checkride
