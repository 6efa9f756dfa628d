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
  uint64_t recovered_holds = 0;  // ... paused bookings whose hold expiry was re-armed

  void add(const BranchCoverage& other);
  // Every branch by name, zeros included, so a report shows what never ran:
  // "compensation.void", "compensation.replay_capture", "retry.timeout", "recovery.step"...
  std::map<std::string, uint64_t> named() const;
};

}  // namespace checkride
