#include "orchestrator/payment_events.h"

#include <algorithm>

#include "protocol/invariant.h"

namespace checkride {

PaymentEvents::PaymentEvents(const OrchestratorConfig& config, Store& store, AuditLog& audit,
                             BranchCoverage& coverage)
    : config_(config), store_(store), audit_(audit), coverage_(coverage) {}

PaymentEvents::Routed PaymentEvents::route(const PaymentEvent& e, Time now) {
  if (!e.signature_ok && !config_.defects.has(Defect::kNoWebhookSignatureCheck)) {
    ++coverage_.webhooks_bad_signature;
    audit_.append(now, "webhook", 0, 0, "bad_signature", 0);
    return {EventVerdict::kBadSignature};
  }
  auto it = sagas_.find(e.intent);
  SagaRecord* found = it == sagas_.end() ? nullptr : store_.saga(it->second);
  if (found == nullptr) {  // not a payment of ours, or not one we know of yet
    keep_early(e);
    return {EventVerdict::kIgnored};
  }
  SagaRecord& s = *found;
  // The no_webhook_dedupe defect keeps no record of what it handled.
  const bool dedupe = !config_.defects.has(Defect::kNoWebhookDedupe);
  if (dedupe) {
    if (std::find(s.events.begin(), s.events.end(), e.id) != s.events.end()) {
      ++coverage_.webhooks_duplicate;
      return {EventVerdict::kDuplicate};
    }
    s.events.push_back(e.id);
    store_.save(s.id);  // before acting: a crash after this never acts on it twice
  }
  audit_.append(now, "webhook", s.session, s.id, payment_event_name(e.type), e.amount);
  if (s.awaiting_authentication && !s.done && e.intent == s.payment) {
    return {EventVerdict::kApplied, SagaAct::kEndAuthentication, &s};
  }
  if (!dedupe && s.authenticated && e.type == PaymentEventType::kAmountCapturableUpdated) {
    return {EventVerdict::kApplied, SagaAct::kFulfilAgain, &s};
  }
  if (s.done && is_success(s.outcome) && e.intent == s.payment) learn_payment_state(s, e, now);
  return {EventVerdict::kApplied};
}

void PaymentEvents::track(ObjectId intent, SagaId saga) { sagas_[intent] = saga; }

void PaymentEvents::forget(ObjectId intent) { sagas_.erase(intent); }

void PaymentEvents::keep_early(const PaymentEvent& e) {
  if (e.intent == 0) return;
  std::vector<PaymentEvent>& kept = early_events_[e.intent];
  if (kept.empty()) early_order_.push_back(e.intent);
  kept.push_back(e);
  while (early_order_.size() > kEarlyIntentsKept) {
    early_events_.erase(early_order_.front());
    early_order_.pop_front();
  }
  CHECKRIDE_INVARIANT(early_events_.size() == early_order_.size(),
                      "an early event's intent is kept without its place in line");
}

std::vector<PaymentEvent> PaymentEvents::take_early(ObjectId intent) {
  auto it = early_events_.find(intent);
  if (it == early_events_.end()) return {};
  std::vector<PaymentEvent> events = std::move(it->second);
  early_events_.erase(it);
  early_order_.erase(std::find(early_order_.begin(), early_order_.end(), intent));
  ++coverage_.webhooks_early;
  return events;
}

// A finished saga's payment changed afterwards (a refund from the dashboard, a late failure):
// the order reports it. Its outcome and step stay as they are.
void PaymentEvents::learn_payment_state(SagaRecord& s, const PaymentEvent& e, Time now) {
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

}  // namespace checkride
