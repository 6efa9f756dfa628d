#pragma once
// The one place a decided call fault strikes a provider call, for both hosts.
//
// The sequence lives here only: a reset, then an injected error, then no answer at all (the
// request never reaches the provider); otherwise the call reaches the provider after any
// added delay, a key rotation and the token faults change the world first, the provider
// acts, a hold_expiry shortens what it created, and a lost_response loses the answer after
// the provider committed. Each host turns the outcome into virtual time (simulator/) or into
// HTTP (wire/); neither repeats the sequence.
#include "fakes/world.h"
#include "protocol/ids.h"
#include "protocol/provider.h"
#include "protocol/time.h"
#include "scenario/fault_plan.h"

namespace checkride {

// What became of one provider call under its fault.
struct CallOutcome {
  enum class Fate {
    kReset,       // the connection was reset: nothing ran
    kError,       // answered with an injected error: nothing ran
    kNoAnswer,    // never reached the provider and is never answered: the caller times out
    kAnswered,    // the provider ran; its answer goes back
    kAnswerLost,  // the provider ran and committed; its answer never arrives
    kHeldByHost,  // the host answered before the provider (the wire's idempotent replay)
  };
  Fate fate = Fate::kAnswered;
  ErrorCode error = ErrorCode::kNone;  // kError: the error answered
  int http_status = 0;                 // kError: its HTTP status
  Duration retry_after = 0;            // kError: the Retry-After it carries
  Duration added_delay = 0;            // latency faults: added before the provider answers
  bool key_rotated = false;            // key_rotation: a new signing key before the call
  bool token_expired = false;          // token_expiry: the call's token expired before it ran
  bool refresh_revoked = false;        // refresh_revoked: the user's refresh tokens revoked
  ObjectId shortened = 0;              // hold_expiry: the reservation or hold made to lapse
  Time lapses_at = 0;                  // ... at this time

  bool provider_ran() const { return fate == Fate::kAnswered || fate == Fate::kAnswerLost; }
};

const char* call_fate_name(CallOutcome::Fate fate);

// What the applier does at the provider, under the host's guard (a reference, so the hot path
// allocates nothing).
class ProviderStep {
 public:
  virtual void operator()(World& world, Time now) = 0;

 protected:
  ~ProviderStep() = default;
};

// A host's side of one provider call, driven by apply_call_fault.
class FaultedCall {
 public:
  virtual ~FaultedCall() = default;
  // The call is about to reach the provider after `delay`. The host waits it out (the wire
  // sleeps; the simulator adds it to the call's latency), or answers it itself and returns
  // false (the wire's idempotent replay).
  virtual bool reach_provider(Duration delay) = 0;
  // Runs `step` on the world, under whatever guards it (the wire's lock), at the host's now.
  virtual void at_provider(ProviderStep& step) = 0;
  // The provider acts; returns the object the call created, or 0 (none, or it failed).
  virtual ObjectId act(World& world, Time now) = 0;
  // The token the call carries, and whose it is.
  virtual TokenId token() const = 0;
  virtual UserId user(const World& world, Time now) const = 0;
  // key_rotation: a party that verifies JWTs gets a new key (the wire; a simulated run has
  // none, and its fault plan never fires the rule).
  virtual void rotate_signing_key(bool keep_old_key) = 0;
};

CallOutcome apply_call_fault(const CallFault& fault, Op op, FaultedCall& call);

}  // namespace checkride
