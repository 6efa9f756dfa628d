#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "protocol/provider.h"

namespace checkride {

// Which of the orchestrator's rarely taken branches ran: each compensation call sent (by op),
// each retry scheduled (by the error that asked for it), each token refresh, each wait on an
// open circuit breaker and each recovery path after a restart. A fault scenario whose
// recovery code never ran proves nothing about that code ("sometimes" assertions).
// Counting only: nothing here changes what the orchestrator does.
struct BranchCoverage {
  std::array<uint64_t, kOpCount> compensations{};   // compensation calls sent, by op
  std::array<uint64_t, kErrorCodeCount> retries{};  // retries scheduled, by the error
  uint64_t token_refreshes = 0;                     // refreshes sent (before expiry or on a 401)
  uint64_t breaker_waits = 0;                       // calls held back by an open breaker
  uint64_t recovered_steps = 0;                     // after a restart: sagas resumed at their step
  uint64_t recovered_compensations = 0;             // ... resumed mid-compensation
  uint64_t recovered_holds = 0;            // ... paused bookings whose hold expiry was re-armed
  uint64_t recovered_authentications = 0;  // ... 3-D Secure waits whose deadline was re-armed
  uint64_t webhooks_authenticated = 0;     // a 3-D Secure wait ended by its webhook
  uint64_t webhooks_duplicate = 0;         // a redelivered event, not acted on again
  uint64_t webhooks_early = 0;             // events that came before the answer naming their intent
  uint64_t webhooks_bad_signature = 0;     // an event refused: its signature did not verify
  uint64_t authentication_timeouts = 0;    // a 3-D Secure wait that ran out

  void add(const BranchCoverage& other);
  // Every branch by name, zeros included, so a report shows what never ran:
  // "compensation.void", "compensation.replay_capture", "retry.timeout", "recovery.step"...
  std::map<std::string, uint64_t> named() const;
};

}  // namespace checkride
