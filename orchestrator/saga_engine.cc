#include <algorithm>

#include "orchestrator/orchestrator.h"
#include "orchestrator/saga_plans.h"
#include "orchestrator/saga_steps.h"
#include "protocol/invariant.h"

// The one saga engine: it walks any handler's declared plan (saga_plans.h) over the step
// kinds of saga_steps.h, registers each compensation before its step is sent, retries,
// refreshes tokens, compensates newest first and answers the agent. Nothing here knows
// which handler a saga belongs to beyond what its plan and its steps declare.
namespace checkride {
namespace {

// Steps that start moving a user's money or seats act on the user's delegated token; steps
// that finish or undo what the user already authorized run under the orchestrator's own
// credential, so a revoked user token can never leave a charge half-done.
bool needs_user_token(Op op) {
  return op == Op::kAuthorize || op == Op::kHold || op == Op::kConfirm || op == Op::kDebit;
}

bool needs_service_token(Op op) {
  Provider p = provider_of(op);
  return !needs_user_token(op) &&
         (p == Provider::kPayment || (p == Provider::kBooking && op != Op::kAvailability));
}

uint8_t without(uint8_t bits, uint8_t off) { return static_cast<uint8_t>(bits & ~off); }

// The key code of a step's repetition on tender `index`: each tender has its own key.
uint64_t tender_code(uint64_t base, std::size_t index) { return base + ((index + 1) << 8); }

}  // namespace

IdempotencyKey Orchestrator::step_key(const SagaRecord& s, uint64_t step_code) const {
  if (config_.defects.has(Defect::kNoIdempotencyKeys)) return 0;
  bool confirm_phase = s.kind == SagaKind::kBooking && s.confirm_key != 0 &&
                       step_code != static_cast<uint64_t>(Step::kHold);
  uint64_t base = confirm_phase ? s.confirm_key : s.action_key;
  uint64_t key = mix64(base, step_code + 1);
  if (config_.defects.has(Defect::kNewKeyPerRetry)) key = mix64(key, s.attempt + 1000);
  return key == 0 ? 1 : key;
}

// The request of `op` for saga `s`: the op's declared fields, taken from the record (and
// from tender `index` for the ops on a tender).
ProviderRequest Orchestrator::request_for(const SagaRecord& s, Op op, std::size_t index) const {
  ProviderRequest r;
  r.op = op;
  r.user = s.user;
  r.trace_id = mix64(s.id, s.session);
  const uint32_t fields = request_fields(op);
  bool direct = (fields & kSendItemsIfDirect) && s.reservation == 0;  // commit_without_reservation
  if ((fields & kSendItems) || direct) {
    r.items = s.items;
    r.coupon = s.coupon;
  }
  if (fields & kSendReservationTtl) r.ttl = config_.reservation_ttl;
  if (fields & kSendReservation) r.ref = s.reservation;
  if (fields & kSendCharge) {
    r.amount = card_amount(s);
    r.payment_method = s.payment_method;
  }
  if (fields & kSendPayment) r.ref = s.payment;
  if (fields & kSendCardRefund) {
    // Undoing a capture gives back what the card paid; a cancel or a return, its share.
    r.amount = s.compensating ? card_amount(s) : refund_share(s, owed_back(s), -1);
  }
  if (fields & kSendOrder) r.ref = s.order;
  if (fields & kSendOffer) {
    r.text = s.offer;
    r.items = {LineItem{"", s.seats}};
    for (const std::string& c : s.connections) r.items.push_back(LineItem{c, s.seats});
  }
  if (fields & kSendHoldTtl) r.ttl = config_.hold_ttl;
  if (fields & kSendHold) r.ref = s.hold;
  if (fields & kSendHoldPayment) r.payment = s.payment;
  if (fields & kSendReference) r.text = s.reference;
  if (fields & kSendSeats) r.items = {LineItem{"", s.seats}};
  if (fields & kSendDetails) r.text = s.details;
  if (fields & kSendExtras) r.items = {LineItem{"", s.extras}};
  if (fields & kSendCreditAmount) r.amount = s.total;
  if (fields & kSendNewFlights) {
    r.text = s.offer;
    r.items = {LineItem{"", s.seats}};
    for (const std::string& c : s.connections) r.items.push_back(LineItem{c, s.seats});
  }
  if ((fields & (kSendTender | kSendTenderDebit)) && index < s.tenders.size()) {
    const Tender& t = s.tenders[index];
    r.text = t.instrument;
    r.amount = t.amount;
    if (fields & kSendTenderDebit) {
      r.ref = t.debit;
      r.amount = s.compensating ? t.amount - t.credited
                                : refund_share(s, owed_back(s), static_cast<int>(index));
    }
  }
  if (fields & kSendDebits) {
    for (const Tender& t : s.tenders) r.debits.push_back(t.debit);
  }
  return r;
}

// Forward steps after money or stock is committed must finish: they retry (with capped
// backoff) until the provider answers, instead of giving up half-way.
bool Orchestrator::must_complete(const SagaRecord& s) const {
  const StepKind* kind = step_kind(s.step);
  return kind != nullptr && kind->must_complete;
}

void Orchestrator::run_step(SagaRecord& s, Time now, Effects& out) {
  const StepKind* kind = step_kind(s.step);
  if (kind == nullptr) return;  // a pause, or done: nothing to call
  if (!config_.defects.has(Defect::kNoCompensation)) s.comp |= kind->registers;
  uint64_t code = static_cast<uint64_t>(s.step);
  if (kind->per_tender) {
    CHECKRIDE_INVARIANT(s.index < s.tenders.size(), "a tender step stands past the last tender");
    code = tender_code(code, s.index);
    // Written ahead with the record: after a crash or a lost answer the debit is learned.
    if (kind->registers != 0) s.tenders[s.index].sent = true;
  }
  ProviderRequest req = request_for(s, kind->op, s.index);
  if (kind->sends_ref != nullptr) {
    req.ref = s.*kind->sends_ref;  // the replaced payment, refunded in full
    req.amount = s.total;
  }
  if (kind->op == Op::kCredit && req.amount <= 0) {
    advance(s, now, out);  // this tender's share of the refund rounds to nothing
    return;
  }
  req.key = kind->keyed ? step_key(s, code) : 0;
  send(s, PendingKind::kStep, std::move(req), now, out, s.index);
}

void Orchestrator::send(SagaRecord& s, PendingKind kind, ProviderRequest req, Time now,
                        Effects& out, std::size_t index) {
  if (needs_user_token(req.op)) {
    const SessionGrant* grant = store_.grant(s.user);
    bool stale = grant == nullptr || grant->expires_at - config_.token_refresh_skew <= now;
    if (stale && grant != nullptr && grant->expires_at > now) {
      auto ts = tokens_.find(s.user);
      if (ts != tokens_.end() && ts->second.refreshed_at == now) stale = false;
    }
    if (stale && grant != nullptr && !config_.defects.has(Defect::kNoTokenRefresh)) {
      tokens_[s.user].waiting.push_back(s.id);
      store_.save(s.id);
      request_refresh(s.user, now, out);
      return;
    }
    req.access_token = grant ? grant->access_token : 0;
  } else if (needs_service_token(req.op)) {
    req.access_token = config_.service_token;
  }
  Provider provider = provider_of(req.op);
  if (Time until = breakers_.blocked_until(provider, now)) {
    ++coverage_.breaker_waits;
    TimerId t = next_timer_++;
    timers_[t] = TimerCtx{TimerKind::kRetry, s.id};
    out.timers.push_back(TimerRequest{t, until});
    store_.save(s.id);
    return;
  }
  store_.save(s.id);  // write-ahead: the record is durable before the call leaves
  audit_.append(now, "step", s.session, s.id, op_name(req.op), req.amount);
  CallId id = next_call_++;
  pending_[id] = Pending{kind, req.op, s.id, s.user, s.session, 0, static_cast<uint16_t>(index)};
  if (kind == PendingKind::kCompensation) ++coverage_.compensations[static_cast<int>(req.op)];
  out.calls.push_back(ProviderCall{id, std::move(req), config_.retries.call_timeout});
}

void Orchestrator::request_refresh(UserId user, Time now, Effects& out) {
  TokenState& ts = tokens_[user];
  if (ts.refreshing) return;  // single flight: rotation makes a second refresh fail
  const SessionGrant* grant = store_.grant(user);
  ts.refreshing = true;
  ProviderRequest req;
  req.op = Op::kRefreshToken;
  req.user = user;
  req.refresh_token = grant ? grant->refresh_token : 0;
  CallId id = next_call_++;
  pending_[id] = Pending{PendingKind::kRefresh, req.op, 0, user, 0, 0};
  ++coverage_.token_refreshes;
  audit_.append(now, "step", 0, 0, "token_refresh", 0);
  out.calls.push_back(ProviderCall{id, std::move(req), config_.retries.call_timeout});
}

void Orchestrator::on_provider_reply(CallId call, const ProviderReply& r, Time now, Effects& out) {
  auto it = pending_.find(call);
  if (it == pending_.end()) return;  // a late answer to a call already given up on
  Pending p = it->second;
  pending_.erase(it);
  breakers_.on_result(provider_of(p.op), is_retryable(r.error), now);
  switch (p.kind) {
    case PendingKind::kFireAndForget:
      return;
    case PendingKind::kQuery:
      on_query_reply(p, r, now, out);
      return;
    case PendingKind::kRefresh:
      on_refresh_reply(p, r, now, out);
      return;
    case PendingKind::kStep:
    case PendingKind::kCompensation:
      on_saga_reply(p, r, now, out);
      return;
  }
}

void Orchestrator::on_query_reply(const Pending& p, const ProviderReply& r, Time now,
                                  Effects& out) {
  if (r.ok()) {
    reply(p.session, p.request_id, ActionStatus::kOk, "", now, out, {}, r.amount);
    return;
  }
  bool missing = r.error == ErrorCode::kNotFound;
  reply(p.session, p.request_id, missing ? ActionStatus::kRejected : ActionStatus::kFailed,
        missing && p.op == Op::kFindBooking ? "unknown_booking" : std::string(error_name(r.error)),
        now, out);
}

// A token refresh answered: the sagas waiting on it go on, wait for another try, or (the
// refresh token is gone) end: the user must consent again, and nothing is left half-done.
void Orchestrator::on_refresh_reply(const Pending& p, const ProviderReply& r, Time now,
                                    Effects& out) {
  TokenState& ts = tokens_[p.user];
  ts.refreshing = false;
  std::vector<SagaId> waiting;
  waiting.swap(ts.waiting);
  if (r.ok()) {
    ts.refreshed_at = now;
    SessionGrant g = *store_.grant(p.user);
    g.access_token = r.access_token;
    g.refresh_token = r.refresh_token;
    g.expires_at = r.expires_at;
    store_.put_grant(g);
    for (SagaId id : waiting) {
      SagaRecord& s = *store_.saga(id);
      if (s.compensating)
        compensate_next(s, now, out);
      else
        run_step(s, now, out);
    }
    return;
  }
  if (is_retryable(r.error)) {
    ts.waiting = std::move(waiting);
    request_refresh(p.user, now, out);
    return;
  }
  audit_.append(now, "decision", 0, 0, "reauth_required", 0);
  for (SagaId id : waiting) {
    SagaRecord& s = *store_.saga(id);
    if (s.compensating) {
      // Compensations cannot wait for the user; hand them to a human.
      escalate(s, "compensation_needs_reauth", now);
      finish(s, s.outcome, s.code, now, out);
    } else {
      fail(s, ActionStatus::kReauthRequired, "refresh_token_revoked", now, out);
    }
  }
}

void Orchestrator::on_saga_reply(const Pending& p, const ProviderReply& r, Time now, Effects& out) {
  SagaRecord* s = store_.saga(p.saga);
  if (s == nullptr || s->done) return;
  if (r.error == ErrorCode::kInvalidToken && needs_user_token(p.op)) {
    // A 401 comes before any work: the call had no effect, so nothing to compensate.
    if (p.kind == PendingKind::kStep) forget_attempt(*s);
    bool may_refresh = !s->refreshed || p.kind == PendingKind::kCompensation || must_complete(*s);
    if (!config_.defects.has(Defect::kNoTokenRefresh) && may_refresh) {
      s->refreshed = true;  // refresh once per step on a 401
      SessionGrant g = *store_.grant(s->user);
      g.expires_at = now;
      store_.put_grant(g);
      tokens_[s->user].waiting.push_back(s->id);
      request_refresh(s->user, now, out);
      return;
    }
  }
  if (p.kind == PendingKind::kStep) {
    on_step_reply(*s, r, now, out);
  } else {
    on_compensation_reply(*s, p.op, p.index, r, now, out);
  }
}

bool Orchestrator::schedule_retry(SagaRecord& s, const ProviderReply& r, bool forever, Time now,
                                  Effects& out) {
  if (!is_retryable(r.error)) return false;
  // 409 idempotency_key_in_use: the first request with this key is still running at the
  // provider. It is not a failure: ask again with the same key until it has an answer, and
  // never void what may be about to succeed.
  const bool in_flight = r.error == ErrorCode::kIdempotencyKeyInUse;
  if (!forever && !in_flight && s.attempt >= config_.retries.max) return false;
  if (s.attempt < 250) ++s.attempt;
  ++coverage_.retries[static_cast<int>(r.error)];
  // Jitter keyed by the action's own key, not the saga id: it does not shift when other
  // sessions come and go.
  Duration delay = backoff_delay(config_.retries, config_.seed, s.action_key * 131 + s.comp,
                                 std::min<int>(s.attempt, 30), r.retry_after);
  TimerId t = next_timer_++;
  timers_[t] = TimerCtx{TimerKind::kRetry, s.id};
  out.timers.push_back(TimerRequest{t, now + delay});
  store_.save(s.id);
  return true;
}

// Goes on to the step after the current one in the saga's plan.
void Orchestrator::advance(SagaRecord& s, Time now, Effects& out) {
  const SagaPlan& plan = catalog_.plan(s.plan);
  const StepKind* current = step_kind(s.step);
  if (current != nullptr && current->per_tender && s.index + 1u < s.tenders.size()) {
    ++s.index;  // the same step on the next tender
    s.attempt = 0;
    s.ambiguous = false;
    s.refreshed = false;
    run_step(s, now, out);
    return;
  }
  s.index = 0;
  Step next = next_step(plan, s.step);
  if (next == Step::kReserve && config_.defects.has(Defect::kCommitWithoutReservation)) {
    next = next_step(plan, next);  // the defect: sell straight from stock
  }
  while (next != Step::kDone && skipped(s, next)) next = next_step(plan, next);
  if (next == Step::kDone) {
    finish(s, plan.done_status, "", now, out);
    return;
  }
  if (next == Step::kAwaitConfirm) {
    pause_for_confirmation(s, now, out);
    return;
  }
  s.step = next;
  s.attempt = 0;
  s.ambiguous = false;
  s.refreshed = false;
  run_step(s, now, out);
}

// A booking's hold exists: the agent gets its reference, and the saga waits for the
// confirmation (or the hold's expiry).
void Orchestrator::pause_for_confirmation(SagaRecord& s, Time now, Effects& out) {
  s.step = Step::kAwaitConfirm;
  s.attempt = 0;
  --in_flight_;
  store_.save(s.id);
  TimerId t = next_timer_++;
  timers_[t] = TimerCtx{TimerKind::kHoldExpiry, s.id};
  out.timers.push_back(TimerRequest{t, s.hold_expires_at});
  answer_waiters(s, true, now, out);
}

void Orchestrator::on_step_reply(SagaRecord& s, const ProviderReply& r, Time now, Effects& out) {
  // Before any retry: once an attempt may have acted, the step stays ambiguous even if
  // later attempts are refused outright.
  if (r.error == ErrorCode::kTimeout || r.error == ErrorCode::kIdempotencyKeyInUse) {
    s.ambiguous = true;  // the provider may have acted: the compensation must find out
  }
  const StepKind* found = step_kind(s.step);
  CHECKRIDE_INVARIANT(found != nullptr, "a step answered for a saga that stands on no step");
  const StepKind& kind = *found;
  if (!r.ok() && schedule_retry(s, r, kind.must_complete, now, out)) return;
  if (kind.id_even_if_refused && r.id != 0) s.*kind.keeps_id = r.id;
  // Its webhooks name the intent: they find the saga by it.
  if (kind.keeps_id == &SagaRecord::payment && r.id != 0) payment_sagas_[r.id] = s.id;
  if (r.ok() || (kind.ok_status != nullptr && r.status == kind.ok_status)) {
    step_succeeded(s, kind, r, now, out);
  } else {
    step_failed(s, kind, r, now, out);
  }
  if (kind.keeps_id == &SagaRecord::payment && r.id != 0) replay_early_events(r.id, now, out);
}

void Orchestrator::step_failed(SagaRecord& s, const StepKind& kind, const ProviderReply& r,
                               Time now, Effects& out) {
  bool refused_outright = !kind.id_even_if_refused || r.id == 0;
  if (!s.ambiguous && refused_outright) {
    // Every attempt was answered with a refusal: nothing was done, nothing to undo.
    forget_attempt(s);
  }
  std::string code = std::string(error_name(r.error));
  if (r.error == ErrorCode::kExpired && kind.expired_code != nullptr) code = kind.expired_code;
  if (r.error == ErrorCode::kNotFound && kind.not_found_code != nullptr) code = kind.not_found_code;
  ActionStatus status = ActionStatus::kFailed;
  if (kind.fail_status == FailStatus::kRejectedUnlessTransient && r.error != ErrorCode::kTimeout &&
      r.error != ErrorCode::kUnavailable) {
    status = ActionStatus::kRejected;
  }
  if (kind.fail_status == FailStatus::kRejectedUnlessRetryable && !is_retryable(r.error)) {
    status = ActionStatus::kRejected;
  }
  switch (kind.on_failure) {
    case OnFailure::kCompensate:
      fail(s, status, std::move(code), now, out);
      return;
    case OnFailure::kEscalate:
      escalate(s, kind.escalation, now);
      [[fallthrough]];
    case OnFailure::kFinish:
      finish(s, status, std::move(code), now, out);
      return;
  }
}

void Orchestrator::step_succeeded(SagaRecord& s, const StepKind& kind, const ProviderReply& r,
                                  Time now, Effects& out) {
  if (kind.keeps_id != nullptr && !kind.id_even_if_refused) s.*kind.keeps_id = r.id;
  if (kind.keeps_amount != nullptr) s.*kind.keeps_amount = r.amount;
  if (kind.keeps_payment != nullptr) {
    s.*kind.keeps_payment = r.paid_with;
    if (!r.paid_debits.empty() && !keep_paid_debits(s, r.paid_debits)) {
      finish(s, ActionStatus::kRejected, "split_refund_unsupported", now, out);
      return;
    }
  }
  if (kind.keeps_expiry) s.hold_expires_at = r.expires_at;
  if (kind.keeps_difference) {
    s.total = std::max<int64_t>(r.amount, 0);
    s.refund_amount = std::max<int64_t>(-r.amount, 0);
    if (!kind.keyed && s.refund_amount > 0 && s.stored_value_paid_before) {  // a quote
      finish(s, ActionStatus::kRejected, "split_refund_unsupported", now, out);
      return;
    }
  }
  s.comp = without(s.comp, kind.settles);
  if (kind.per_tender) {
    Tender& t = s.tenders[s.index];
    if (kind.covers_tender && r.amount < t.amount) {
      fail(s, ActionStatus::kRejected, "insufficient_balance", now, out);
      return;
    }
    if (kind.registers != 0) t.debit = r.id;  // the debit: given back if a later step fails
  }
  if (kind.needs_status != nullptr && r.status != kind.needs_status) {
    finish(s, ActionStatus::kRejected, ineligible_code(s.kind), now, out);
    return;
  }
  if (kind.awaits_status != nullptr && r.status == kind.awaits_status) {
    await_authentication(s, now, out);
    return;
  }
  // A change that costs nothing more charges nothing: no consent or cap applies to it.
  bool charges_now = !acts_on_existing(s.kind) || s.total > 0;
  if (kind.step == charge_checks_after(catalog_.plan(s.plan)) && charges_now) {
    if (ActionStatus refusal; !charge_checks(s, now, refusal, s.code)) {
      // Say why the total is above the model's maximum when it is the coupon's doing: the
      // quote could not apply it (its budget or the user's uses ran out).
      if (s.code == "max_total_exceeded" && !s.coupon.empty() && r.discount == 0) {
        s.code = "max_total_exceeded_coupon_not_applied";
      }
      // Nothing moved money yet; what the step holds (a booking's seats) is given back.
      fail(s, refusal, s.code, now, out);
      return;
    }
  }
  if (kind.marks_target_cancelled && is_cancel(s.kind)) {
    if (SagaRecord* t = store_.saga(s.target)) {
      t->code = "cancelled";
      store_.save(t->id);
    }
  }
  if (kind.ends_if_nothing_to_refund && s.refund_amount <= 0) {
    finish(s, ActionStatus::kOk, "", now, out);
    return;
  }
  if (kind.step == Step::kCommit && config_.defects.has(Defect::kAckBeforeCapture)) {
    ack_before_capture(s, now, out);
    return;
  }
  advance(s, now, out);
}

// What the provider says paid for something with stored value, so what is owed back goes to
// each instrument in proportion. A plan that refunds but cannot re-credit would send it all
// to the card: one that always refunds (the replaced payment) is refused now, with nothing
// done; one that refunds a difference is refused at the quote if it owes any back.
bool Orchestrator::keep_paid_debits(SagaRecord& s, const DebitParts& paid) const {
  const std::vector<Step>& steps = catalog_.plan(s.plan).steps;
  auto has = [&](Step step) { return std::find(steps.begin(), steps.end(), step) != steps.end(); };
  if (has(Step::kRecredit)) {
    if (!s.tenders.empty()) return true;  // learned before a crash: the lookup ran again
    for (const auto& [debit, amount] : paid) {
      Tender t;
      t.amount = amount;
      t.debit = debit;
      s.tenders.push_back(std::move(t));
    }
    return true;
  }
  if (has(Step::kRefundReplaced)) return false;
  s.stored_value_paid_before = has(Step::kRefund);
  return true;
}

// The ack_before_capture defect: tell the agent it is done, then fire the capture once and
// forget it.
void Orchestrator::ack_before_capture(SagaRecord& s, Time now, Effects& out) {
  ProviderRequest cap = request_for(s, Op::kCapture);
  cap.key = step_key(s, static_cast<uint64_t>(Step::kCapture));
  cap.access_token = config_.service_token;
  send_untracked(s, std::move(cap), out);
  s.comp = 0;
  finish(s, ActionStatus::kConfirmed, "", now, out);
}

// A call whose answer nobody waits for (the defects' one-shot calls): not written ahead, not
// retried, its answer dropped on arrival.
void Orchestrator::send_untracked(const SagaRecord& s, ProviderRequest req, Effects& out) {
  CallId id = next_call_++;
  pending_[id] = Pending{PendingKind::kFireAndForget, req.op, s.id, s.user, s.session, 0};
  out.calls.push_back(ProviderCall{id, std::move(req), config_.retries.call_timeout});
}

void Orchestrator::fail(SagaRecord& s, ActionStatus status, std::string code, Time now,
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

// A step with nothing to do for this saga: one per tender without tenders, the card's part
// when stored value pays it all.
bool Orchestrator::skipped(const SagaRecord& s, Step step) const {
  const StepKind* kind = step_kind(step);
  if (kind == nullptr) return false;
  if (kind->per_tender && s.tenders.empty()) return true;
  if (kind->sends_ref != nullptr && s.*kind->sends_ref == 0) return true;  // nothing to act on
  // Card steps run as declared, except where stored value or a change's difference can leave
  // the card nothing to do.
  if (kind->card == CardPart::kNone || (s.tenders.empty() && !settles_difference(s.kind))) {
    return false;
  }
  if (kind->card == CardPart::kRefunds) {
    return s.payment == 0 || refund_share(s, owed_back(s), -1) <= 0;
  }
  return card_amount(s) <= 0;
}

// Every attempt of the current step was refused outright: it did nothing to undo.
void Orchestrator::forget_attempt(SagaRecord& s) {
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
bool Orchestrator::compensate_tender(SagaRecord& s, const CompensationRule& rule, Time now,
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

void Orchestrator::on_tender_compensated(SagaRecord& s, Op op, std::size_t index,
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
void Orchestrator::compensate_next(SagaRecord& s, Time now, Effects& out) {
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

void Orchestrator::on_compensation_reply(SagaRecord& s, Op op, std::size_t index,
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

void Orchestrator::back_to_hold(SagaRecord& s, Time now, Effects& out) {
  spend_session_[s.session] -= s.total;
  spend_today(s.user, now) -= s.total;
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

void Orchestrator::finish(SagaRecord& s, ActionStatus status, std::string code, Time now,
                          Effects& out) {
  bool was_active = s.step != Step::kAwaitConfirm || s.compensating;
  if (charges(s.kind) && !is_success(status) && s.total > 0 && !is_before_charge_checks(s.step)) {
    // Give the spend back: nothing was charged.
    spend_session_[s.session] -= s.total;
    spend_today(s.user, now) -= s.total;
  }
  if (is_success(status)) s.comp = 0;  // it all stands: nothing is owed back
  s.done = true;
  s.step = Step::kDone;
  s.compensating = false;
  s.outcome = status;
  s.code = std::move(code);
  // The no_webhook_dedupe defect's handler fulfils from the cart after the saga ended.
  if (!config_.defects.has(Defect::kNoWebhookDedupe)) {
    s.items.clear();
    s.items.shrink_to_fit();
  }
  if (was_active) --in_flight_;
  store_.save(s.id);
  audit_.append(now, "saga", s.session, s.id, status_name(status), s.total);
  answer_waiters(s, false, now, out);
}

void Orchestrator::answer_waiters(SagaRecord& s, bool hold_phase_only, Time now, Effects& out) {
  auto it = waiters_.find(s.id);
  if (it == waiters_.end()) return;
  std::vector<Waiter> keep;
  for (const Waiter& w : it->second) {
    if (hold_phase_only) {
      if (w.for_hold) {
        reply(w.session, w.request_id, ActionStatus::kOk, "", now, out, saga_reference(s), s.total);
      } else {
        keep.push_back(w);
      }
      continue;
    }
    ActionStatus status = s.outcome;
    std::string reference = is_success(status) ? saga_reference(s) : "";
    if (w.for_hold && s.kind == SagaKind::kBooking && s.hold != 0 &&
        status != ActionStatus::kRejected && s.confirm_key != 0) {
      status = ActionStatus::kOk;  // the hold it asked for did exist
      reference = saga_reference(s);
    }
    reply(w.session, w.request_id, status, s.code, now, out, reference, s.total);
  }
  if (keep.empty())
    waiters_.erase(it);
  else
    it->second = std::move(keep);
}

void Orchestrator::on_timer(TimerId timer, Time now, Effects& out) {
  auto it = timers_.find(timer);
  if (it == timers_.end()) return;
  TimerCtx ctx = it->second;
  timers_.erase(it);
  SagaRecord* s = store_.saga(ctx.saga);
  if (s == nullptr || s->done) return;
  if (ctx.kind == TimerKind::kHoldExpiry) {
    if (s->step == Step::kAwaitConfirm) {
      // The user never confirmed: give the seats back ourselves rather than let them lapse.
      ++in_flight_;
      s->step = Step::kHold;
      fail(*s, ActionStatus::kFailed, "hold_expired", now, out);
    }
    return;
  }
  if (ctx.kind == TimerKind::kAuthenticationTimeout) {
    if (s->awaiting_authentication) {  // the customer never finished 3-D Secure
      s->awaiting_authentication = false;
      ++coverage_.authentication_timeouts;
      fail(*s, ActionStatus::kFailed, "authentication_timeout", now, out);
    }
    return;
  }
  if (s->compensating)
    compensate_next(*s, now, out);
  else
    run_step(*s, now, out);
}

void Orchestrator::recover(Time now, Effects& out) {
  audit_.append(now, "recover", 0, 0, "restart", 0);
  in_flight_ = 0;
  std::vector<SagaId> resume;
  store_.for_each_saga([&](const SagaRecord& s) {
    track_dedupe(s);
    if (s.payment != 0 && charges(s.kind)) payment_sagas_[s.payment] = s.id;
    if (s.done) return;
    if (charges(s.kind)) {
      if (!is_before_charge_checks(s.step)) spend_session_[s.session] += s.total;
    }
    resume.push_back(s.id);
  });
  if (config_.defects.has(Defect::kNoCrashRecovery)) return;
  for (SagaId id : resume) {
    SagaRecord& s = *store_.saga(id);
    s.attempt = 0;
    s.refreshed = false;
    if (s.step == Step::kAwaitConfirm && !s.compensating) {
      TimerId t = next_timer_++;
      timers_[t] = TimerCtx{TimerKind::kHoldExpiry, s.id};
      out.timers.push_back(TimerRequest{t, std::max(now, s.hold_expires_at)});
      ++coverage_.recovered_holds;
      continue;
    }
    if (s.awaiting_authentication) {  // its webhook is still to come: Stripe redelivers it
      ++in_flight_;
      ++coverage_.recovered_authentications;
      arm_authentication_timeout(s, now, out);
      continue;
    }
    ++in_flight_;
    if (s.compensating) {
      ++coverage_.recovered_compensations;
      compensate_next(s, now, out);
    } else {
      ++coverage_.recovered_steps;
      s.ambiguous = true;  // the step was written before it was sent: it may have acted
      run_step(s, now, out);
    }
  }
}

}  // namespace checkride
