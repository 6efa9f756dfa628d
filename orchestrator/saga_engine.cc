// The one saga engine: it walks any handler's declared plan (saga_plans.h) over the step
// kinds of saga_steps.h. Nothing here knows which handler a saga belongs to beyond what its
// plan and its steps declare.
#include "orchestrator/saga_engine.h"

#include <algorithm>

#include "orchestrator/action_reply.h"
#include "orchestrator/saga_plans.h"
#include "orchestrator/saga_steps.h"
#include "protocol/invariant.h"

namespace checkride {

SagaEngine::SagaEngine(const ActionCatalog& catalog, const OrchestratorConfig& config, Store& store,
                       AuditLog& audit, BranchCoverage& coverage)
    : catalog_(catalog),
      config_(config),
      store_(store),
      audit_(audit),
      coverage_(coverage),
      breakers_(config.retries) {}

void SagaEngine::reply(SessionId session, uint64_t request_id, ActionStatus status,
                       std::string code, Time now, Effects& out, std::string reference,
                       int64_t total, Duration retry_after) {
  reply_to_action(audit_, session, request_id, status, std::move(code), now, out,
                  std::move(reference), total, retry_after);
}

std::vector<std::pair<ObjectId, SagaId>> SagaEngine::take_named_payments() {
  std::vector<std::pair<ObjectId, SagaId>> named;
  named.swap(named_payments_);
  return named;
}

void SagaEngine::retire(SessionId session, UserId user) {
  for (SagaId id : store_.sagas_of(session)) waiters_.erase(id);
  spend_.forget(session, user);
  tokens_.erase(user);
}

// Forward steps after money or stock is committed must finish: they retry (with capped
// backoff) until the provider answers, instead of giving up half-way.
bool SagaEngine::must_complete(const SagaRecord& s) const {
  const StepKind* kind = step_kind(s.step);
  return kind != nullptr && kind->must_complete;
}

void SagaEngine::run_step(SagaRecord& s, Time now, Effects& out) {
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

void SagaEngine::on_provider_reply(CallId call, const ProviderReply& r, Time now, Effects& out) {
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

void SagaEngine::on_query_reply(const Pending& p, const ProviderReply& r, Time now, Effects& out) {
  if (r.ok()) {
    reply(p.session, p.request_id, ActionStatus::kOk, "", now, out, {}, r.amount);
    return;
  }
  bool missing = r.error == ErrorCode::kNotFound;
  reply(p.session, p.request_id, missing ? ActionStatus::kRejected : ActionStatus::kFailed,
        missing && p.op == Op::kFindBooking ? "unknown_booking" : std::string(error_name(r.error)),
        now, out);
}

void SagaEngine::on_saga_reply(const Pending& p, const ProviderReply& r, Time now, Effects& out) {
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

bool SagaEngine::schedule_retry(SagaRecord& s, const ProviderReply& r, bool forever, Time now,
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
void SagaEngine::advance(SagaRecord& s, Time now, Effects& out) {
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
void SagaEngine::pause_for_confirmation(SagaRecord& s, Time now, Effects& out) {
  s.step = Step::kAwaitConfirm;
  s.attempt = 0;
  --in_flight_;
  store_.save(s.id);
  TimerId t = next_timer_++;
  timers_[t] = TimerCtx{TimerKind::kHoldExpiry, s.id};
  out.timers.push_back(TimerRequest{t, s.hold_expires_at});
  answer_waiters(s, true, now, out);
}

void SagaEngine::on_step_reply(SagaRecord& s, const ProviderReply& r, Time now, Effects& out) {
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
  if (kind.keeps_id == &SagaRecord::payment && r.id != 0) named_payments_.emplace_back(r.id, s.id);
  if (r.ok() || (kind.ok_status != nullptr && r.status == kind.ok_status)) {
    step_succeeded(s, kind, r, now, out);
  } else {
    step_failed(s, kind, r, now, out);
  }
}

void SagaEngine::step_failed(SagaRecord& s, const StepKind& kind, const ProviderReply& r, Time now,
                             Effects& out) {
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

void SagaEngine::step_succeeded(SagaRecord& s, const StepKind& kind, const ProviderReply& r,
                                Time now, Effects& out) {
  if (kind.keeps_id != nullptr && !kind.id_even_if_refused) s.*kind.keeps_id = r.id;
  if (kind.keeps_amount != nullptr) s.*kind.keeps_amount = r.amount;
  if (kind.keeps_payment != nullptr) {
    s.*kind.keeps_payment = r.paid_with;
    if (!r.paid_debits.empty() && !keep_paid_debits(s, r.paid_debits)) {
      finish(s, ActionStatus::kRejected, "split_refund_unsupported", now, out);
      return;
    }
    s.paid_by = r.paid_by;
    if (const char* no = route_return_refund(s); no != nullptr) {
      finish(s, ActionStatus::kRejected, no, now, out);
      return;
    }
  }
  if (kind.keeps_expiry) s.hold_expires_at = r.expires_at;
  if (kind.keeps_difference && !keep_difference(s, kind, r.amount, now, out)) return;
  s.comp = without(s.comp, kind.settles);
  if (kind.per_tender) {
    Tender& t = s.tenders[s.index];
    if (kind.covers_tender && r.amount < t.amount) {
      fail(s, ActionStatus::kRejected, "insufficient_balance", now, out);
      return;
    }
    if (kind.registers != 0) t.debit = r.id;  // the debit: given back if a later step fails
  }
  if (kind.lookup && r.refusal != ErrorCode::kNone) {
    finish(s, ActionStatus::kRejected, std::string(error_name(r.refusal)), now, out);
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
bool SagaEngine::keep_paid_debits(SagaRecord& s, const DebitParts& paid) const {
  const std::vector<Step>& steps = catalog_.plan(s.plan).steps;
  auto has = [&](Step step) { return std::find(steps.begin(), steps.end(), step) != steps.end(); };
  auto parts = [&] {
    std::vector<Tender> list;
    for (const auto& [debit, amount] : paid) {
      Tender t;
      t.amount = amount;
      t.debit = debit;
      list.push_back(std::move(t));
    }
    return list;
  };
  if (has(Step::kRecredit) && settles_difference(s.kind)) {
    // Whether anything is owed back is known at the quote: the parts wait beside the
    // tenders the action named to pay with.
    s.paid_parts = parts();
    s.refund_basis = s.total;  // what the lookup said it was paid
    return true;
  }
  if (has(Step::kRecredit)) {
    if (!s.tenders.empty()) return true;  // learned before a crash: the lookup ran again
    s.tenders = parts();
    return true;
  }
  if (has(Step::kRefundReplaced)) return false;
  s.stored_value_paid_before = has(Step::kRefund);
  return true;
}

// A change's quote: the difference charged, or owed back to what paid (each part its share,
// by the refund order). False when it ended the saga: a refund this plan cannot give back,
// or one asked to go to stored value that never paid.
bool SagaEngine::keep_difference(SagaRecord& s, const StepKind& kind, int64_t difference, Time now,
                                 Effects& out) {
  s.total = std::max<int64_t>(difference, 0);
  s.refund_amount = std::max<int64_t>(-difference, 0);
  if (kind.keyed) return true;  // the change itself, answering what it settled
  if (s.refund_amount == 0) {
    s.paid_parts.clear();  // nothing goes back: what paid before does not matter
    s.refund_basis = 0;
    return true;
  }
  if (s.stored_value_paid_before) {
    finish(s, ActionStatus::kRejected, "split_refund_unsupported", now, out);
    return false;
  }
  if (const char* no = route_difference_refund(s); no != nullptr) {
    finish(s, ActionStatus::kRejected, no, now, out);
    return false;
  }
  if (!s.paid_parts.empty()) s.tenders = std::move(s.paid_parts);
  s.paid_parts.clear();
  return true;
}

namespace {

// Whether `instrument` paid for the saga's target: 1 yes, 0 no, -1 not known (its lookup did
// not say by name what paid).
int paid_for_target(const SagaRecord& s, const std::string& instrument) {
  if (s.paid_by.empty()) return -1;
  return std::find(s.paid_by.begin(), s.paid_by.end(), instrument) != s.paid_by.end() ? 1 : 0;
}

}  // namespace

// A return's refund, where the action named where it goes: back to what paid when what it
// named paid (or nothing says it did not); into stored value of the user's that did not pay
// where the world allows it; a card or wallet that did not pay, see named_card_refused. The
// refusal, or nullptr to go on.
const char* SagaEngine::route_return_refund(SagaRecord& s) const {
  if (s.kind != SagaKind::kReturnOrder) return nullptr;  // a change's waits for its quote
  if (!s.refund_named.empty()) {
    const int paid = paid_for_target(s, s.refund_named);
    if (paid == 1 || (paid < 0 && !s.tenders.empty())) return nullptr;
    if (!refund_elsewhere(s, s.refund_named)) return "refund_method_not_allowed";
    s.tenders.clear();  // all of it goes into the named instrument, none back to what paid
    return nullptr;
  }
  return named_card_refused(s) ? "refund_method_not_allowed" : nullptr;
}

// The same for a change's difference owed back (once the quote says money is owed): the
// stored value the action named, else its card.
const char* SagaEngine::route_difference_refund(SagaRecord& s) const {
  bool elsewhere = false;
  if (s.paid_by.empty()) {
    elsewhere = s.paid_parts.empty() && !s.tenders.empty();  // named stored value never paid
  } else {
    for (const Tender& t : s.tenders)
      elsewhere = elsewhere || paid_for_target(s, t.instrument) == 0;
  }
  if (elsewhere) {
    // Into one instrument, and only where the world allows it.
    if (!refund_elsewhere(s, s.tenders.size() == 1 ? s.tenders.front().instrument : ""))
      return "refund_method_not_allowed";
    s.tenders.clear();
    s.paid_parts.clear();
    return nullptr;
  }
  return s.tenders.empty() && named_card_refused(s) ? "refund_method_not_allowed" : nullptr;
}

// A card or wallet named for a refund that did not pay: refused unless the world takes any of
// the user's own (the refund then goes back to the charge, as a card refund does).
bool SagaEngine::named_card_refused(const SagaRecord& s) const {
  return !s.card.empty() && paid_for_target(s, s.card) == 0 &&
         config_.refund_to != RefundTo::kAnyOwn;
}

// A refund owed where the action named stored value that did not pay: paid into it when the
// world allows a refund there (`refunds: {to: ...}`), else false (it is refused).
bool SagaEngine::refund_elsewhere(SagaRecord& s, const std::string& instrument) const {
  if (config_.refund_to == RefundTo::kOriginal || instrument.empty()) return false;
  s.refund_to = instrument;
  return true;
}

// The ack_before_capture defect: tell the agent it is done, then fire the capture once and
// forget it.
void SagaEngine::ack_before_capture(SagaRecord& s, Time now, Effects& out) {
  ProviderRequest cap = request_for(s, Op::kCapture);
  cap.key = step_key(s, static_cast<uint64_t>(Step::kCapture));
  cap.access_token = config_.service_token;
  send_untracked(s, std::move(cap), out);
  s.comp = 0;
  finish(s, ActionStatus::kConfirmed, "", now, out);
}

// A step with nothing to do for this saga: one per tender without tenders, the card's part
// when stored value pays it all.
bool SagaEngine::skipped(const SagaRecord& s, Step step) const {
  const StepKind* kind = step_kind(step);
  if (kind == nullptr) return false;
  if (kind->per_tender && s.tenders.empty()) return true;
  // Only free extras (a bag allowance) cost nothing: nothing is paid for them, by any part.
  // (Those steps all come after the quote, whose answer the total is.)
  const bool free_extras = s.kind == SagaKind::kAddExtras && s.total == 0;
  if (free_extras && (kind->per_tender || kind->card == CardPart::kPays)) return true;
  // A refund into another instrument of the user's: checked, then paid in, and nothing is
  // given back to what paid.
  if (kind->step == Step::kCheckRefundTo || kind->step == Step::kDepositRefund) {
    return s.refund_to.empty();
  }
  if (kind->card == CardPart::kRefunds && !s.refund_to.empty()) return true;
  // A change that owes money back takes nothing: of the steps per tender only the give-back
  // runs, on the parts that paid.
  if (kind->per_tender && kind->op != Op::kCredit && settles_difference(s.kind) &&
      s.refund_amount > 0) {
    return true;
  }
  if (kind->sends_ref != nullptr && s.*kind->sends_ref == 0) return true;  // nothing to act on
  // Card steps run as declared, except where stored value or a change's difference can leave
  // the card nothing to do.
  if (kind->card == CardPart::kNone ||
      (s.tenders.empty() && !settles_difference(s.kind) && !free_extras)) {
    return false;
  }
  if (kind->card == CardPart::kRefunds) {
    return s.payment == 0 || refund_share(s, owed_back(s), -1, config_.refund_order) <= 0;
  }
  return card_amount(s) <= 0;
}

void SagaEngine::finish(SagaRecord& s, ActionStatus status, std::string code, Time now,
                        Effects& out) {
  bool was_active = s.step != Step::kAwaitConfirm || s.compensating;
  if (charges(s.kind) && !is_success(status) && s.total > 0 && !is_before_charge_checks(s.step)) {
    // Give the spend back: nothing was charged.
    spend_.give_back(s.session, s.user, s.total, now);
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

void SagaEngine::answer_waiters(SagaRecord& s, bool hold_phase_only, Time now, Effects& out) {
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

void SagaEngine::on_timer(TimerId timer, Time now, Effects& out) {
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

void SagaEngine::recover(Time now, Effects& out) {
  audit_.append(now, "recover", 0, 0, "restart", 0);
  in_flight_ = 0;
  std::vector<SagaId> resume;
  store_.for_each_saga([&](const SagaRecord& s) {
    if (s.done) return;
    if (charges(s.kind)) {
      if (!is_before_charge_checks(s.step)) spend_.session(s.session) += s.total;
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
