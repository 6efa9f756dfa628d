#pragma once
#include <vector>

#include "protocol/action.h"
#include "protocol/provider.h"

namespace checkride {

struct ProviderCall {
  CallId id = 0;
  ProviderRequest request;
  Duration timeout = 0;  // the host answers with kTimeout if nothing came back by then
};

struct TimerRequest {
  TimerId id = 0;
  Time at = 0;
};

// What the sans-I/O core asks its host to do. The host performs calls, then replies, then
// timers, each in vector order: that order is part of the contract, for determinism.
struct Effects {
  std::vector<ProviderCall> calls;
  std::vector<ActionResult> replies;
  std::vector<TimerRequest> timers;
  void clear() {
    calls.clear();
    replies.clear();
    timers.clear();
  }
  bool empty() const { return calls.empty() && replies.empty() && timers.empty(); }
};

}  // namespace checkride
