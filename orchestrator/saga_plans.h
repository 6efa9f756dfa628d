#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/saga.h"
#include "protocol/action.h"

namespace checkride {

// A handler's saga as declared steps: the order in which the one engine walks the step
// kinds of saga_steps.h. A pause (await_confirm) waits for another action to go on.
struct SagaPlan {
  std::string name;  // the handler name actions use ("place_order", or a catalog's own)
  SagaKind kind;     // the family: what starts it, what it answers, how it is cancelled
  const char* started = nullptr;  // the audit label when it starts, or nullptr
  std::vector<Step> steps;
  ActionStatus done_status = ActionStatus::kOk;  // the outcome when the last step succeeds
};

// The built-in plans, indexed by SagaKind: place_order, create_booking (with
// confirm_booking after its pause), cancel_order, cancel_booking, change_booking,
// change_order.
const std::vector<SagaPlan>& builtin_plans();
const SagaPlan& builtin_plan(SagaKind kind);

// A plan an action catalog declares from the built-in step kinds, in the family of the
// built-in plan named `like`. Checks what the engine relies on: the family's first steps,
// its required steps, each step once, and each step after the steps it needs (a capture
// after its authorization, a confirmation after the pause). "" when it holds, else why not.
std::string check_declared_plan(const SagaPlan& plan);

// The step after whose answer consent, caps and review are checked, before any money moves:
// an order's quote; a booking's hold when the plan books in one action (no await_confirm);
// kDone when the confirm_booking action checks them (a two-phase booking) or nothing is
// charged (cancels).
Step charge_checks_after(const SagaPlan& plan);

// A two-phase booking: the plan pauses after the hold (await_confirm) for confirm_booking.
bool pauses_for_confirmation(const SagaPlan& plan);

// The step after `step` in `plan`; kDone after the last one.
Step next_step(const SagaPlan& plan, Step step);

bool parse_step(std::string_view name, Step& out);

}  // namespace checkride
