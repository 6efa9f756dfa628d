#pragma once
#include <vector>

#include "orchestrator/saga.h"
#include "protocol/action.h"

namespace checkride {

// A handler's saga as declared steps: the order in which the one engine walks the step
// kinds of saga_steps.h. A pause (await_confirm) waits for another action to go on.
struct SagaPlan {
  SagaKind kind;
  const char* started;  // the audit label when it starts, or nullptr
  std::vector<Step> steps;
  ActionStatus done_status;  // the outcome when the last step succeeds
};

const SagaPlan& saga_plan(SagaKind kind);
// The step after `step` in `plan`; kDone after the last one.
Step next_step(const SagaPlan& plan, Step step);

}  // namespace checkride
