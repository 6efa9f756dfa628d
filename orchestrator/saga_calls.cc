// The calls a saga sends: each op's request from the record, its idempotency key, its token
// (refreshed single-flight when stale), the breaker's wait.
#include <algorithm>

#include "orchestrator/saga_engine.h"
#include "orchestrator/saga_plans.h"
#include "orchestrator/saga_steps.h"
#include "protocol/invariant.h"

namespace checkride {

IdempotencyKey SagaEngine::step_key(const SagaRecord& s, uint64_t step_code) const {
  if (config_.defects.has(Defect::kNoIdempotencyKeys)) return 0;
  bool confirm_phase = s.kind == SagaKind::kBooking && s.confirm_key != 0 &&
                       step_code != static_cast<uint64_t>(Step::kHold);
  uint64_t base = confirm_phase ? s.confirm_key : s.action_key;
  uint64_t key = mix64(base, step_code + 1);
  if (config_.defects.has(Defect::kNewKeyPerRetry)) key = mix64(key, s.attempt + 1000);
  return key == 0 ? 1 : key;
}

// The fields of a call on a booking: its flights and seats, its hold and what pays it, extras.
void SagaEngine::add_booking_fields(const SagaRecord& s, uint32_t fields,
                                    ProviderRequest& r) const {
  if (fields & (kSendOffer | kSendNewFlights)) {
    r.text = s.offer;
    r.items = {LineItem{"", s.seats}};
    for (const std::string& c : s.connections) r.items.push_back(LineItem{c, s.seats});
  }
  if (fields & kSendOffer) r.extras = s.declared_extras;  // bought with it: priced into the hold
  if (fields & kSendHoldTtl) r.ttl = config_.hold_ttl;
  if (fields & kSendHold) r.ref = s.hold;
  if (fields & kSendHoldPayment) r.payment = s.payment;
  if (fields & kSendSeats) r.items = {LineItem{"", s.seats}};
  if (fields & kSendExtras) {  // the world's extras by name, else a count of paid bags
    r.items = {LineItem{"", s.extras}};
    r.extras = s.declared_extras;
  }
}

// The request of `op` for saga `s`: the op's declared fields, taken from the record (and
// from tender `index` for the ops on a tender).
ProviderRequest SagaEngine::request_for(const SagaRecord& s, Op op, std::size_t index) const {
  ProviderRequest r;
  r.op = op;
  r.user = s.user;
  r.trace_id = mix64(s.id, s.session);
  const uint32_t fields = request_fields(op);
  bool direct = (fields & kSendItemsIfDirect) && s.reservation == 0;  // commit_without_reservation
  if ((fields & kSendItems) || direct) {
    r.items = s.items;
    r.coupon = s.coupon;
    // The world's extras bought with the order (gift wrap), priced with its items.
    if (op == Op::kQuote || op == Op::kReserve || op == Op::kCommit) r.extras = s.declared_extras;
  }
  if (fields & kSendReservationTtl) r.ttl = config_.reservation_ttl;
  if (fields & kSendReservation) r.ref = s.reservation;
  if (fields & kSendCharge) {
    r.amount = card_amount(s);
    r.payment_method = s.payment_method;
    r.text = s.card;  // the provider charges the user's card of that name, when it names them
  }
  if (fields & kSendPayment) r.ref = s.payment;
  if (fields & kSendCardRefund) {
    // Undoing a capture gives back what the card paid; a cancel or a return, its share.
    r.amount =
        s.compensating ? card_amount(s) : refund_share(s, owed_back(s), -1, config_.refund_order);
  }
  if (fields & kSendOrder) r.ref = s.order;
  add_booking_fields(s, fields, r);
  if (fields & kSendReference) r.text = s.reference;
  if (fields & kSendDetails) r.text = s.details;
  if (fields & kSendCreditAmount) r.amount = s.total;
  if (fields & kSendRefundTo) {
    r.text = s.refund_to;
    r.amount = owed_back(s);
  }
  // A balance read without tenders: the instrument a refund is to be paid into.
  if ((fields & kSendTender) && s.tenders.empty()) r.text = s.refund_to;
  if ((fields & (kSendTender | kSendTenderDebit)) && index < s.tenders.size()) {
    const Tender& t = s.tenders[index];
    r.text = t.instrument;
    r.amount = t.amount;
    if (fields & kSendTenderDebit) {
      r.ref = t.debit;
      r.amount = s.compensating
                     ? t.amount - t.credited
                     : refund_share(s, owed_back(s), static_cast<int>(index), config_.refund_order);
    }
  }
  // The debits that pay it; a change that owes money back paid nothing (its tenders are the
  // parts that paid before, owed their share).
  if ((fields & kSendDebits) && !(settles_difference(s.kind) && s.refund_amount > 0)) {
    for (const Tender& t : s.tenders) r.debits.push_back(t.debit);
  }
  // What it does to the order or booking, so the provider applies the world's rules to it;
  // undoing a step of its own is never refused by them.
  if (provider_of(op) == Provider::kCatalog || provider_of(op) == Provider::kBooking) {
    r.operation = s.compensating ? ObjectOperation::kUndo : object_operation(s.kind);
    if (is_cancel(s.kind)) r.reason = s.reason;
  }
  // What a debit pays for (none: a purchase), which the world's instrument rules may refuse.
  if (op == Op::kDebit) r.operation = object_operation(s.kind);
  return r;
}

void SagaEngine::send(SagaRecord& s, PendingKind kind, ProviderRequest req, Time now, Effects& out,
                      std::size_t index) {
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

// A call whose answer nobody waits for (the defects' one-shot calls): not written ahead, not
// retried, its answer dropped on arrival.
void SagaEngine::send_untracked(const SagaRecord& s, ProviderRequest req, Effects& out) {
  CallId id = next_call_++;
  pending_[id] = Pending{PendingKind::kFireAndForget, req.op, s.id, s.user, s.session, 0};
  out.calls.push_back(ProviderCall{id, std::move(req), config_.retries.call_timeout});
}

void SagaEngine::request_refresh(UserId user, Time now, Effects& out) {
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

// A token refresh answered: the sagas waiting on it go on, wait for another try, or (the
// refresh token is gone) end: the user must consent again, and nothing is left half-done.
void SagaEngine::on_refresh_reply(const Pending& p, const ProviderReply& r, Time now,
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

}  // namespace checkride
