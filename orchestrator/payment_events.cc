#include <algorithm>

#include "orchestrator/orchestrator.h"
#include "orchestrator/saga_steps.h"
#include "protocol/invariant.h"

// Payment webhooks: how a 3-D Secure authorization ends, and what happens to a payment after
// its saga finished. The rules a real handler needs: believe only a verified event, act on
// each event once (its id is kept with its saga, so a restart remembers), never let an event
// fulfil twice, un-fulfil or reopen a finished saga.
namespace checkride {

// The authorize step answered requires_action: the customer must pass 3-D Secure first. The
// saga stays on its step, written with its deadline, and waits for the payment's webhook.
void Orchestrator::await_authentication(SagaRecord& s, Time now, Effects& out) {
  s.awaiting_authentication = true;
  s.authentication_deadline = now + config_.authentication_timeout;
  store_.save(s.id);
  audit_.append(now, "saga", s.session, s.id, "awaiting_authentication", s.total);
  arm_authentication_timeout(s, now, out);
}

void Orchestrator::arm_authentication_timeout(const SagaRecord& s, Time now, Effects& out) {
  TimerId t = next_timer_++;
  timers_[t] = TimerCtx{TimerKind::kAuthenticationTimeout, s.id};
  out.timers.push_back(TimerRequest{t, std::max(now, s.authentication_deadline)});
}

EventVerdict Orchestrator::on_payment_event(const PaymentEvent& e, Time now, Effects& out) {
  if (!e.signature_ok && !config_.defects.has(Defect::kNoWebhookSignatureCheck)) {
    ++coverage_.webhooks_bad_signature;
    audit_.append(now, "webhook", 0, 0, "bad_signature", 0);
    return EventVerdict::kBadSignature;
  }
  auto it = payment_sagas_.find(e.intent);
  SagaRecord* found = it == payment_sagas_.end() ? nullptr : store_.saga(it->second);
  if (found == nullptr) {  // not a payment of ours, or not one we know of yet
    keep_early(e);
    return EventVerdict::kIgnored;
  }
  SagaRecord& s = *found;
  // The no_webhook_dedupe defect keeps no record of what it handled.
  const bool dedupe = !config_.defects.has(Defect::kNoWebhookDedupe);
  if (dedupe) {
    if (std::find(s.events.begin(), s.events.end(), e.id) != s.events.end()) {
      ++coverage_.webhooks_duplicate;
      return EventVerdict::kDuplicate;
    }
    s.events.push_back(e.id);
    store_.save(s.id);  // before acting: a crash after this never acts on it twice
  }
  audit_.append(now, "webhook", s.session, s.id, payment_event_name(e.type), e.amount);
  if (s.awaiting_authentication && !s.done && e.intent == s.payment) {
    authentication_ended(s, e, now, out);
    return EventVerdict::kApplied;
  }
  if (!dedupe && s.authenticated && e.type == PaymentEventType::kAmountCapturableUpdated) {
    fulfil_again(s, e, out);
    return EventVerdict::kApplied;
  }
  if (s.done && is_success(s.outcome) && e.intent == s.payment) learn_payment_state(s, e, now);
  return EventVerdict::kApplied;
}

void Orchestrator::authentication_ended(SagaRecord& s, const PaymentEvent& e, Time now,
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

void Orchestrator::keep_early(const PaymentEvent& e) {
  if (e.intent == 0) return;
  std::vector<PaymentEvent>& kept = early_events_[e.intent];
  if (kept.empty()) early_order_.push_back(e.intent);
  kept.push_back(e);
  while (early_order_.size() > kEarlyIntentsKept) {
    early_events_.erase(early_order_.front());
    early_order_.pop_front();
  }
}

// An answer named `intent`: the events that came before it now find their saga, in the
// order they came (a redelivery among them is a duplicate as ever).
void Orchestrator::replay_early_events(ObjectId intent, Time now, Effects& out) {
  auto it = early_events_.find(intent);
  if (it == early_events_.end()) return;
  std::vector<PaymentEvent> events = std::move(it->second);
  early_events_.erase(it);
  early_order_.erase(std::find(early_order_.begin(), early_order_.end(), intent));
  ++coverage_.webhooks_early;
  for (const PaymentEvent& e : events) on_payment_event(e, now, out);
}

// A finished saga's payment changed afterwards (a refund from the dashboard, a late failure):
// the order reports it. Its outcome and step stay as they are.
void Orchestrator::learn_payment_state(SagaRecord& s, const PaymentEvent& e, Time now) {
  const char* state = nullptr;
  if (e.type == PaymentEventType::kChargeRefunded) state = "refunded";
  if (e.type == PaymentEventType::kPaymentFailed) state = "payment_failed";
  if (e.type == PaymentEventType::kCanceled) state = "canceled";
  if (state == nullptr || s.payment_state == state) return;
  const ActionStatus outcome = s.outcome;
  s.payment_state = state;
  store_.save(s.id);
  audit_.append(now, "decision", s.session, s.id, std::string("payment_") + state, e.amount);
  CHECKRIDE_INVARIANT(s.done && s.step == Step::kDone && s.outcome == outcome,
                      "a payment event reopened a finished saga");
}

// The no_webhook_dedupe defect: a lazy handler fulfils on every delivery saying the payment
// is authorized, straight from the cart and under a key of its own, so a redelivered event
// ships the order again.
void Orchestrator::fulfil_again(SagaRecord& s, const PaymentEvent& e, Effects& out) {
  ProviderRequest commit = request_for(s, Op::kCommit);
  commit.ref = 0;
  commit.items = s.items;
  commit.coupon = s.coupon;
  commit.key = mix64(mix64(s.action_key, e.id), next_call_);
  send_untracked(s, std::move(commit), out);
}

}  // namespace checkride
