// 3-D Secure: a saga waits on its authorize step for the payment's webhook, until its
// deadline; what the webhook says ends the wait.
#include <algorithm>

#include "orchestrator/saga_engine.h"
#include "orchestrator/saga_plans.h"
#include "orchestrator/saga_steps.h"
#include "protocol/invariant.h"

namespace checkride {

// The authorize step answered requires_action: the customer must pass 3-D Secure first. The
// saga stays on its step, written with its deadline, and waits for the payment's webhook.
void SagaEngine::await_authentication(SagaRecord& s, Time now, Effects& out) {
  s.awaiting_authentication = true;
  s.authentication_deadline = now + config_.authentication_timeout;
  store_.save(s.id);
  audit_.append(now, "saga", s.session, s.id, "awaiting_authentication", s.total);
  arm_authentication_timeout(s, now, out);
}

void SagaEngine::arm_authentication_timeout(const SagaRecord& s, Time now, Effects& out) {
  TimerId t = next_timer_++;
  timers_[t] = TimerCtx{TimerKind::kAuthenticationTimeout, s.id};
  out.timers.push_back(TimerRequest{t, std::max(now, s.authentication_deadline)});
}

void SagaEngine::authentication_ended(SagaRecord& s, const PaymentEvent& e, Time now,
                                      Effects& out) {
  const StepKind* kind = step_kind(s.step);
  CHECKRIDE_INVARIANT(kind != nullptr && kind->awaits_status != nullptr,
                      "a saga awaits authentication on a step that never waits");
  switch (e.type) {
    case PaymentEventType::kAmountCapturableUpdated: {
      s.awaiting_authentication = false;
      s.authenticated = true;
      ++coverage_.webhooks_authenticated;
      // The step's answer, as it would have been without 3-D Secure: authorized.
      ProviderReply authorized;
      authorized.id = e.intent;
      authorized.amount = e.amount;
      authorized.status = "requires_capture";
      step_succeeded(s, *kind, authorized, now, out);
      return;
    }
    case PaymentEventType::kPaymentFailed:
    case PaymentEventType::kCanceled:
      s.awaiting_authentication = false;
      // The intent may still be voided (Stripe cancels one awaiting a payment method).
      fail(
          s, ActionStatus::kFailed,
          e.type == PaymentEventType::kPaymentFailed ? "authentication_failed" : "payment_canceled",
          now, out);
      return;
    default:
      return;  // requires_action again, or nothing that ends the wait
  }
}

// The no_webhook_dedupe defect: a lazy handler fulfils on every delivery saying the payment
// is authorized, straight from the cart and under a key of its own, so a redelivered event
// ships the order again.
void SagaEngine::fulfil_again(SagaRecord& s, const PaymentEvent& e, Effects& out) {
  ProviderRequest commit = request_for(s, Op::kCommit);
  commit.ref = 0;
  commit.items = s.items;
  commit.coupon = s.coupon;
  commit.key = mix64(mix64(s.action_key, e.id), next_call_);
  send_untracked(s, std::move(commit), out);
}

}  // namespace checkride
