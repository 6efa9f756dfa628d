// Undoing: a failed saga gives back what its registered steps did, newest first; a booking
// whose payment failed goes back to its hold.
#include <algorithm>

#include "orchestrator/saga_engine.h"
#include "orchestrator/saga_plans.h"
#include "orchestrator/saga_steps.h"
#include "protocol/invariant.h"

namespace checkride {

void SagaEngine::fail(SagaRecord& s, ActionStatus status, std::string code, Time now,
                      Effects& out) {
  s.outcome = status;
  s.code = std::move(code);
  // A booking whose payment attempt failed keeps its hold (it is valid until
  // payment_required_by): undo the payment, then wait for another confirmBooking.
  s.back_to_hold = s.kind == SagaKind::kBooking && s.confirm_key != 0 && s.hold != 0 &&
                   (s.step == Step::kAuthorize || s.step == Step::kConfirmBooking) &&
                   s.code != "hold_expired" && (s.hold_expires_at > now);
  if (s.back_to_hold) s.comp &= static_cast<uint8_t>(~kCompReleaseHold);
  if (s.comp != 0 && !config_.defects.has(Defect::kNoCompensation)) {
    s.compensating = true;
    s.attempt = 0;
    s.refreshed = false;
    audit_.append(now, "saga", s.session, s.id, "compensating", 0);
    compensate_next(s, now, out);
    return;
  }
  if (s.back_to_hold) {
    back_to_hold(s, now, out);
    return;
  }
  finish(s, s.outcome, s.code, now, out);
}

// Every attempt of the current step was refused outright: it did nothing to undo.
void SagaEngine::forget_attempt(SagaRecord& s) {
  const StepKind* kind = step_kind(s.step);
  if (kind == nullptr) return;
  if (kind->per_tender) {
    // Only this tender's attempt: the debits before it still need giving back.
    if (s.index < s.tenders.size()) s.tenders[s.index].sent = false;
    return;
  }
  s.comp = without(s.comp, kind->registers);
}

// The newest tender whose debit may stand: its debit is given back, or, when its answer was
// lost, replayed with its own key to learn it. False when no tender needs undoing.
bool SagaEngine::compensate_tender(SagaRecord& s, const CompensationRule& rule, Time now,
                                   Effects& out) {
  for (std::size_t i = s.tenders.size(); i-- > 0;) {
    const Tender& t = s.tenders[i];
    if (t.debit != 0 && t.credited < t.amount) {
      ProviderRequest req = request_for(s, rule.undo, i);
      req.key = step_key(s, tender_code(100 + rule.bit, i));
      send(s, PendingKind::kCompensation, std::move(req), now, out, i);
      return true;
    }
    if (t.debit == 0 && t.sent) {
      ProviderRequest req = request_for(s, rule.replay, i);
      req.key = step_key(s, tender_code(static_cast<uint64_t>(rule.forward), i));
      send(s, PendingKind::kCompensation, std::move(req), now, out, i);
      return true;
    }
  }
  return false;
}

void SagaEngine::on_tender_compensated(SagaRecord& s, Op op, std::size_t index,
                                       const ProviderReply& r, Time now) {
  CHECKRIDE_INVARIANT(index < s.tenders.size(), "a tender's compensation for no tender");
  Tender& t = s.tenders[index];
  if (op == Op::kDebit) {  // the replay: it took the money (undo next) or it did not
    if (r.ok()) {
      t.debit = r.id;
    } else {
      t.sent = false;
    }
    return;
  }
  // The credit, or an answer that it was already given back: either way nothing is owed.
  if (!r.ok() && r.error != ErrorCode::kInvalidState) escalate(s, "recredit_failed", now);
  t.credited = t.amount;
}

// Undoes registered steps newest first. When an id is unknown (the step's answer was lost),
// the step is first replayed with its own idempotency key to learn what it did.
void SagaEngine::compensate_next(SagaRecord& s, Time now, Effects& out) {
  for (const CompensationRule& rule : compensation_rules()) {
    if (!(s.comp & rule.bit)) continue;
    if (rule.per_tender) {
      if (compensate_tender(s, rule, now, out)) return;
      s.comp = without(s.comp, rule.bit);  // every tender's debit is given back
      continue;
    }
    ProviderRequest req;
    if (s.*rule.id == 0) {  // outcome unknown: replay the step with its key to learn it
      req = request_for(s, rule.replay);
      req.key = step_key(s, static_cast<uint64_t>(rule.forward));
    } else {
      req = request_for(s, rule.undo);
      req.key = step_key(s, 100 + rule.bit);
    }
    send(s, PendingKind::kCompensation, std::move(req), now, out);
    return;
  }
  if (s.back_to_hold) {
    back_to_hold(s, now, out);
  } else {
    finish(s, s.outcome, s.code, now, out);
  }
}

void SagaEngine::on_compensation_reply(SagaRecord& s, Op op, std::size_t index,
                                       const ProviderReply& r, Time now, Effects& out) {
  if (schedule_retry(s, r, true, now, out)) return;
  s.attempt = 0;
  s.refreshed = false;
  const CompensationRule* rule = nullptr;
  for (const CompensationRule& c : compensation_rules()) {
    if (op == c.replay || op == c.undo || op == c.fallback) rule = &c;
  }
  CHECKRIDE_INVARIANT(rule != nullptr, "a compensation answered for an op no rule sends");
  if (rule->per_tender) {
    on_tender_compensated(s, op, index, r, now);
  } else if (op == rule->replay) {
    // A replay that learns an id: success means there is something to undo next.
    if (rule->learns_from_id ? r.id != 0 : r.ok()) {
      s.*rule->id = r.id;
    } else {
      s.comp = without(s.comp, rule->bit);
    }
  } else if (op == rule->undo && !r.ok() && rule->fallback_when != nullptr &&
             r.status == rule->fallback_when) {
    // The undo came too late (the capture went through after all, its answer lost): undo
    // by the fallback. The bit stays set until it answers; after a crash the undo is
    // replayed and leads here again.
    audit_.append(now, "decision", s.session, s.id, rule->fallback_decision, s.total);
    ProviderRequest fallback = request_for(s, rule->fallback);
    fallback.key = step_key(s, 200 + rule->bit);
    send(s, PendingKind::kCompensation, std::move(fallback), now, out);
    return;
  } else {
    // The undo itself (or its fallback): done whether it succeeded or was already moot.
    if (op == rule->fallback && !r.ok()) escalate(s, rule->fallback_escalation, now);
    s.comp = without(s.comp, rule->bit);
  }
  compensate_next(s, now, out);
}

void SagaEngine::back_to_hold(SagaRecord& s, Time now, Effects& out) {
  spend_.give_back(s.session, s.user, s.total, now);
  s.compensating = false;
  s.back_to_hold = false;
  s.step = Step::kAwaitConfirm;
  s.confirm_key = 0;
  s.payment = 0;
  s.attempt = 0;
  s.comp = kCompReleaseHold;
  --in_flight_;
  store_.save(s.id);
  audit_.append(now, "saga", s.session, s.id, "payment_failed_hold_kept", s.total);
  auto it = waiters_.find(s.id);
  if (it == waiters_.end()) return;
  for (const Waiter& w : it->second) reply(w.session, w.request_id, s.outcome, s.code, now, out);
  waiters_.erase(it);
}

}  // namespace checkride
