#include "orchestrator/saga_plans.h"

#include <algorithm>

#include "protocol/invariant.h"

namespace checkride {

const SagaPlan& saga_plan(SagaKind kind) {
  static const SagaPlan kPlans[] = {
      {SagaKind::kOrder,
       "order_started",
       {Step::kQuote, Step::kReserve, Step::kAuthorize, Step::kCommit, Step::kCapture},
       ActionStatus::kConfirmed},
      {SagaKind::kBooking,
       "booking_started",
       {Step::kHold, Step::kAwaitConfirm, Step::kAuthorize, Step::kConfirmBooking, Step::kCapture},
       ActionStatus::kConfirmed},
      {SagaKind::kCancelOrder, nullptr, {Step::kCancelOrder, Step::kRefund}, ActionStatus::kOk},
      {SagaKind::kCancelBooking,
       nullptr,
       {Step::kCancelQuote, Step::kCancelConfirm, Step::kRefund},
       ActionStatus::kOk},
  };
  const SagaPlan& plan = kPlans[static_cast<std::size_t>(kind)];
  CHECKRIDE_INVARIANT(plan.kind == kind, "the plans are listed in SagaKind order");
  return plan;
}

Step next_step(const SagaPlan& plan, Step step) {
  auto it = std::find(plan.steps.begin(), plan.steps.end(), step);
  // A saga only ever stands on a step of its own plan: anything else is a corrupt record.
  CHECKRIDE_INVARIANT(it != plan.steps.end(), "a saga stands on a step outside its plan");
  if (it == plan.steps.end() || ++it == plan.steps.end()) return Step::kDone;
  return *it;
}

}  // namespace checkride
