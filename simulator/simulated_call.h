#pragma once
// The simulator's host side of the one fault applier (scenario/fault_applier.h): a provider
// call reaches the fake world at once, and its outcome becomes virtual time.
#include <algorithm>
#include <utility>

#include "fakes/world.h"
#include "orchestrator/effects.h"
#include "scenario/fault_applier.h"

namespace checkride {

constexpr Duration kRefusedAfter = 5;  // a connection refused answers fast

// The simulator's side of a provider call under a fault: the call reaches the fake world at
// once, with the fault's delay added to its virtual latency.
// `Act(World&, Time now, Duration latency)` runs the provider and returns what it made.
template <class Act>
class SimulatedCall final : public FaultedCall {
 public:
  SimulatedCall(World& world, const ProviderRequest& req, Time now, Duration base, Act act)
      : world_(world), req_(req), now_(now), latency_(base), act_(std::move(act)) {}
  bool reach_provider(Duration delay) override {
    latency_ += delay;
    return true;
  }
  void at_provider(ProviderStep& step) override { step(world_, now_); }
  ObjectId act(World& world, Time now) override { return act_(world, now, latency_); }
  TokenId token() const override { return req_.access_token; }
  UserId user(const World&, Time) const override { return req_.user; }
  void rotate_signing_key(bool) override {}  // nothing verifies a JWT in a simulated run

 private:
  World& world_;
  const ProviderRequest& req_;
  Time now_;
  Duration latency_;
  Act act_;
};

// When the agent's orchestrator hears of the call, and what: the outcome in virtual time.
inline Time answer_in_virtual_time(const CallOutcome& o, const ProviderCall& call, Time now,
                                   Duration base, ProviderReply& reply) {
  const Duration latency = base + o.added_delay;
  switch (o.fate) {
    case CallOutcome::Fate::kReset:  // a transport error, seen as fast as a refused connection
      reply = ProviderReply{};
      reply.error = ErrorCode::kUnavailable;
      return now + kRefusedAfter;
    case CallOutcome::Fate::kError:
      reply = ProviderReply{};
      reply.error = o.error;
      reply.retry_after = o.retry_after;
      return now + (o.error == ErrorCode::kUnavailable ? std::min<Duration>(latency, 20) : latency);
    case CallOutcome::Fate::kAnswered:
      if (latency <= call.timeout) return now + latency;
      [[fallthrough]];  // answered after the caller gave up: lost to it
    case CallOutcome::Fate::kNoAnswer:
    case CallOutcome::Fate::kAnswerLost:
    case CallOutcome::Fate::kHeldByHost:
      break;
  }
  reply = ProviderReply{};
  reply.error = ErrorCode::kTimeout;
  return now + call.timeout;
}

}  // namespace checkride
