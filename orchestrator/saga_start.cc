// Starting sagas: a new one from an action, a confirmation of a held booking, one on what
// exists; and the checks a charge passes before money moves.
#include <algorithm>

#include "orchestrator/saga_engine.h"
#include "orchestrator/saga_plans.h"
#include "orchestrator/saga_steps.h"
#include "protocol/invariant.h"

namespace checkride {
namespace {

// "ord_12" -> 12 when the prefix matches, else 0.
SagaId parse_reference(const std::string& ref, std::string_view prefix) {
  if (ref.size() <= prefix.size() || ref.compare(0, prefix.size(), prefix) != 0) return 0;
  SagaId id = 0;
  for (std::size_t i = prefix.size(); i < ref.size(); ++i) {
    if (ref[i] < '0' || ref[i] > '9') return 0;
    id = id * 10 + static_cast<SagaId>(ref[i] - '0');
  }
  return id;
}

// What every saga's record starts from: its plan, whose it is, and the key its steps' keys
// derive from (the agent's own, else one per request).
SagaRecord record_for(const SagaPlan& plan, const ActionSpec& spec, const ActionRequest& req) {
  SagaRecord rec;
  rec.kind = plan.kind;
  rec.plan = spec.plan;
  rec.session = req.session;
  rec.user = req.user;
  rec.action_key = req.key != 0 ? req.key : mix64(req.session, req.request_id);
  return rec;
}

}  // namespace

void SagaEngine::attach_or_answer(SagaRecord& s, const ActionRequest& req, bool for_hold, Time now,
                                  Effects& out) {
  bool hold_ready =
      s.kind == SagaKind::kBooking && s.hold != 0 && (s.step != Step::kHold || s.done);
  if (for_hold && hold_ready) {
    reply(req.session, req.request_id, ActionStatus::kOk, "", now, out, saga_reference(s), s.total);
    return;
  }
  if (s.done || s.acked) {
    reply(req.session, req.request_id, s.outcome, s.code, now, out,
          is_success(s.outcome) ? saga_reference(s) : "", s.total);
    return;
  }
  waiters_[s.id].push_back(Waiter{req.session, req.request_id, for_hold});
}

void SagaEngine::start_query(const ActionRequest& req, Op op, const HandlerInput& in, Time,
                             Effects& out) {
  ProviderRequest pr;
  pr.op = op;
  pr.user = req.user;
  pr.items = in.items;
  pr.coupon = in.coupon;
  pr.text = op == Op::kSearch || op == Op::kAvailability ? in.query
            : op == Op::kFindBooking                     ? in.reference
                                                         : std::string();
  if (op == Op::kFindBooking) pr.access_token = config_.service_token;
  pr.trace_id = mix64(req.session, req.request_id);
  CallId id = next_call_++;
  pending_[id] = Pending{PendingKind::kQuery, op, 0, req.user, req.session, req.request_id};
  out.calls.push_back(ProviderCall{id, std::move(pr), config_.retries.call_timeout});
}

// Starts a saga on the plan `spec` names: the record holds what the handler input gives,
// the plan's first step runs at once.
SagaId SagaEngine::start_saga(const ActionSpec& spec, const ActionRequest& req,
                              const HandlerInput& in, uint64_t cart, SagaId retry_salt, Time now,
                              Effects& out) {
  const SagaPlan& plan = catalog_.plan(spec.plan);
  SagaRecord rec = record_for(plan, spec, req);
  if (retry_salt != 0) rec.action_key = mix64(rec.action_key, retry_salt);
  rec.cart_hash = cart;
  rec.items = in.items;
  rec.coupon = in.coupon;
  rec.max_total = in.max_total;
  rec.offer = in.offer;
  rec.connections = in.connections;
  rec.declared_extras = in.declared_extras;
  rec.seats = in.seats;
  rec.payment_method = req.payment_method;
  take_tenders(rec, in);
  if (plan.kind == SagaKind::kIssueCredit) rec.total = in.credit;
  if (plan.kind == SagaKind::kChangeProfile) rec.details = in.details;
  rec.step = plan.steps.front();
  SagaId id = store_.create_saga(std::move(rec));
  if (req.key != 0) store_.put_key(req.key, id);
  SagaRecord& s = *store_.saga(id);
  ++in_flight_;
  // A booking's first answer is its hold; the confirmation answers later.
  waiters_[id].push_back(Waiter{req.session, req.request_id, pauses_for_confirmation(plan)});
  audit_.append(now, "saga", s.session, id, plan.started, 0);
  run_step(s, now, out);
  return id;
}

void SagaEngine::confirm_booking(const ActionRequest& req, const HandlerInput& in, Time now,
                                 Effects& out) {
  SagaRecord* s = store_.saga(parse_reference(in.reference, "bk_"));
  if (s == nullptr || s->kind != SagaKind::kBooking || s->session != req.session) {
    reply(req.session, req.request_id, ActionStatus::kRejected, "unknown_booking", now, out);
    return;
  }
  if (s->step != Step::kAwaitConfirm || s->done) {
    // Already being confirmed (or settled): a repeat is answered with the one outcome.
    if (s->confirm_key != 0 || s->done) {
      attach_or_answer(*s, req, false, now, out);
    } else {
      reply(req.session, req.request_id, ActionStatus::kRejected, "booking_not_held", now, out);
    }
    return;
  }
  if (config_.policy.max_in_flight > 0 && in_flight_ >= config_.policy.max_in_flight) {
    reply(req.session, req.request_id, ActionStatus::kBusy, "overloaded", now, out, {}, 0, kSecond);
    return;
  }
  s->max_total = in.max_total;
  if (req.payment_method != 0) s->payment_method = req.payment_method;
  if (!in.payments.empty()) take_tenders(*s, in);  // this confirmation says how it pays
  // A confirmation the checks refuse leaves the hold waiting for a better attempt.
  ActionStatus refusal;
  std::string code;
  if (!charge_checks(*s, now, refusal, code)) {
    reply(req.session, req.request_id, refusal, code, now, out, {}, s->total);
    return;
  }
  s->confirm_key = req.key != 0 ? req.key : mix64(req.session, req.request_id);
  // Each payment attempt on a hold gets its own provider keys: a replayed key would hand
  // back the previous, voided authorization.
  if (s->payment_attempts > 0) s->confirm_key = mix64(s->confirm_key, s->payment_attempts);
  ++s->payment_attempts;
  if (req.key != 0 && !config_.defects.has(Defect::kNoIdempotencyKeys)) {
    store_.put_key(req.key, s->id);
  }
  ++in_flight_;
  waiters_[s->id].push_back(Waiter{req.session, req.request_id, false});
  advance(*s, now, out);  // from the pause to the payment
}

// A cancel or a change names what it acts on by reference. A saga of this session the store
// knows starts past the plan's lookups; anything else is looked up at the provider, when the
// plan has a lookup step (a booking or order made before the session), or else refused.
SagaRecord SagaEngine::record_on_existing(const SagaPlan& plan, const ActionSpec& spec,
                                          const ActionRequest& req, const HandlerInput& in) {
  SagaRecord rec = record_for(plan, spec, req);
  rec.reference = in.reference;
  rec.details = in.details;
  rec.reason = in.reason;
  rec.seats = in.seats;
  rec.items = in.items;  // a return: the items that come back
  if (plan.kind == SagaKind::kModifyItems || plan.kind == SagaKind::kExchangeItems) {
    // A swap: the old units leave the order (negative), the new ones join it.
    for (LineItem& old : rec.items) old.quantity = -old.quantity;
    rec.items.insert(rec.items.end(), in.new_items.begin(), in.new_items.end());
  }
  rec.extras = in.extras;
  rec.offer = in.offer;  // a change of flights: the new ones
  rec.connections = in.connections;
  rec.declared_extras = in.declared_extras;
  if (charges(plan.kind)) {  // extras: paid as the action says, by the session's card
    rec.payment_method = req.payment_method;
    rec.max_total = in.max_total;
    take_tenders(rec, in);
  }
  if (plan.kind == SagaKind::kReturnOrder) {  // where the action says the refund goes
    for (const TenderInput& p : in.payments) {
      if (p.stored_value && rec.refund_named.empty()) rec.refund_named = p.instrument;
      if (!p.stored_value && rec.card.empty()) rec.card = p.instrument;
    }
  }
  return rec;
}

// A target this session made and the store knows: what the new saga takes over from it.
// Returns the refusal code when the action cannot act on it, else "".
const char* SagaEngine::take_over_target(SagaRecord& rec, const SagaRecord& target,
                                         const SagaPlan& plan) const {
  // An order placed in this session has not been delivered: it is cancelled, not returned.
  if (!target.done || target.outcome != ActionStatus::kConfirmed ||
      plan.kind == SagaKind::kReturnOrder) {
    return ineligible_code(plan.kind);
  }
  rec.target = target.id;
  rec.order = target.order;
  rec.hold = target.hold;
  if (plan.kind == SagaKind::kChangeFlights) rec.payment = target.payment;  // refunds go there
  if (settles_difference(plan.kind)) {
    // A difference owed back goes to what paid: the stored value too when the plan can give
    // it back (else such a refund is refused at the quote).
    const bool can_give_back =
        std::find(plan.steps.begin(), plan.steps.end(), Step::kRecredit) != plan.steps.end();
    rec.stored_value_paid_before = !target.tenders.empty() && !can_give_back;
    if (can_give_back) {
      rec.paid_parts = target.tenders;
      for (Tender& t : rec.paid_parts) t.credited = 0;
      rec.refund_basis = target.total;
    }
  }
  if (plan.kind == SagaKind::kChangePayment) {
    rec.replaced_payment = target.payment;
    rec.total = target.total;
  }
  if (is_cancel(plan.kind)) {
    // The refund goes back to what paid, in proportion.
    rec.payment = target.payment;
    rec.total = target.total;
    rec.tenders = target.tenders;
    for (Tender& t : rec.tenders) t.credited = 0;
    bool can_give_back =
        std::find(plan.steps.begin(), plan.steps.end(), Step::kRecredit) != plan.steps.end();
    if (!rec.tenders.empty() && !can_give_back) return "split_refund_unsupported";
  }
  return "";
}

void SagaEngine::start_on_existing(const ActionSpec& spec, const ActionRequest& req,
                                   const HandlerInput& in, Time now, Effects& out) {
  const SagaPlan& plan = catalog_.plan(spec.plan);
  SagaKind want = target_kind(plan.kind);
  bool booking = want == SagaKind::kBooking;
  SagaRecord rec = record_on_existing(plan, spec, req, in);
  // A lookup learns the target at the provider; one the store already knows is skipped.
  auto is_lookup = [&](std::size_t i) {
    return i < plan.steps.size() && step_kind(plan.steps[i]) != nullptr &&
           step_kind(plan.steps[i])->lookup;
  };
  auto skipped_when_known = [&](std::size_t i) {
    return is_lookup(i) && step_kind(plan.steps[i])->skipped_when_known;
  };
  const SagaRecord* target = store_.saga(parse_reference(in.reference, booking ? "bk_" : "ord_"));
  bool known = target != nullptr && target->kind == want && target->session == req.session;
  std::size_t first = 0;
  if (known) {
    if (const char* refused = take_over_target(rec, *target, plan); *refused != '\0') {
      reply(req.session, req.request_id, ActionStatus::kRejected, refused, now, out);
      return;
    }
    while (skipped_when_known(first)) ++first;
  } else if (!is_lookup(0)) {
    reply(req.session, req.request_id, ActionStatus::kRejected,
          booking ? "unknown_booking" : "unknown_order", now, out);
    return;
  }
  CHECKRIDE_INVARIANT(first < plan.steps.size(), "a plan on what exists is more than lookups");
  rec.step = plan.steps[first];
  SagaId id = store_.create_saga(std::move(rec));
  if (req.key != 0) store_.put_key(req.key, id);
  SagaRecord& s = *store_.saga(id);
  ++in_flight_;
  waiters_[id].push_back(Waiter{req.session, req.request_id, false});
  run_step(s, now, out);
}

// Consent, spend caps and human review: everything a charge needs before money moves.
// Returns false with the refusal in `status`/`code`; nothing has been spent then.
bool SagaEngine::charge_checks(SagaRecord& s, Time now, ActionStatus& status, std::string& code) {
  status = ActionStatus::kRejected;
  if (!split_covers_total(s, code)) return false;
  if (s.max_total >= 0 && s.total > s.max_total) {
    code = "max_total_exceeded";
    return false;
  }
  if (!config_.defects.has(Defect::kNoConsentCheck)) {
    if (!spend_consent(s)) {
      audit_.append(now, "decision", s.session, s.id, "consent_missing", s.total);
      status = ActionStatus::kNeedsConfirmation;
      code = "confirmation_required";
      return false;
    }
  }
  const PolicyConfig& policy = config_.policy;
  int64_t& session_spend = spend_.session(s.session);
  if (policy.spend_cap_session > 0 && session_spend + s.total > policy.spend_cap_session) {
    code = "spend_cap";
    return false;
  }
  int64_t& day_spend = spend_.today(s.user, now);
  if (policy.spend_cap_day > 0 && day_spend + s.total > policy.spend_cap_day) {
    code = "daily_spend_cap";
    return false;
  }
  if (policy.review_above > 0 && s.total > policy.review_above) {
    escalate(s, "amount_above_review_threshold", now);
    status = ActionStatus::kReview;
    code = "human_review";
    return false;
  }
  session_spend += s.total;
  day_spend += s.total;
  audit_.append(now, "decision", s.session, s.id, "charge_allowed", s.total);
  return true;
}

namespace {

// What makes one charge the same charge again (a retry under a new key, a saga started
// afresh after a lost answer): the action and what it buys or changes, never the card.
uint64_t charge_identity(const SagaRecord& s) {
  uint64_t h = mix64(s.cart_hash, static_cast<uint64_t>(s.seats));
  h = hash_line_items(s.declared_extras, mix64(h, static_cast<uint64_t>(s.extras)));
  return hash_bytes(s.details.data(), s.details.size(), h) | 1;  // never 0: "unspent"
}

}  // namespace

// A change of something held (more bags on a booking) that already succeeded once in the
// session is another charge when asked again, so it is told apart by how many times it did.
// A new purchase asked again stays the same charge: de-duplication answers it.
uint64_t SagaEngine::charge_of(const SagaRecord& s) {
  const uint64_t charge = charge_identity(s);
  if (s.reference.empty()) return charge;
  uint64_t done_before = 0;
  for (SagaId id : store_.sagas_of(s.session)) {
    const SagaRecord* other = store_.saga(id);
    if (other != nullptr && other->id != s.id && other->done && is_success(other->outcome) &&
        charge_identity(*other) == charge) {
      ++done_before;
    }
  }
  return done_before == 0 ? charge : mix64(charge, done_before) | 1;
}

// The user's explicit confirmation covers one charge, up to its amount. A retry of a charge
// uses the yes that charge already took (stopping a repeated charge is idempotency's and
// de-duplication's job); any other charge takes the newest yes not yet spent, and a later
// no withdraws the yeses before it.
bool SagaEngine::spend_consent(const SagaRecord& s) {
  auto& consents = store_.consents(s.session);
  const uint64_t charge = charge_of(s);
  for (const ConsentRecord& c : consents) {
    if (c.charge == charge && c.amount >= s.total) return true;
  }
  for (auto c = consents.rbegin(); c != consents.rend(); ++c) {
    if (c->charge != 0) continue;
    if (!c->granted) return false;
    if (c->amount < s.total) continue;
    c->charge = charge;
    store_.save_consents(s.session);
    return true;
  }
  return false;
}

// The action's stored-value instruments become the saga's tenders; the card pays the rest
// when the action named one (or named no instrument at all).
void SagaEngine::take_tenders(SagaRecord& s, const HandlerInput& in) {
  s.tenders.clear();
  s.card_named = in.payments.empty();
  s.card_stated = -1;
  s.card.clear();
  for (const TenderInput& p : in.payments) {
    if (!p.stored_value) {
      s.card_named = true;
      if (s.card.empty()) s.card = p.instrument;
      if (p.amount >= 0) s.card_stated = std::max<int64_t>(s.card_stated, 0) + p.amount;
      continue;
    }
    Tender t;
    t.instrument = p.instrument;
    t.amount = p.amount;
    s.tenders.push_back(std::move(t));
  }
}

// Once the total is known: a tender without an amount pays what the others leave, and the
// parts must add up to the total (the card, when named, pays the rest). Nothing has moved.
bool SagaEngine::split_covers_total(SagaRecord& s, std::string& code) const {
  if (s.tenders.empty()) {
    // The card alone: where the world wants the parts exact, what it was said to pay is the
    // total (the card is charged the total either way).
    if (config_.payment_parts == PaymentParts::kExact && s.card_stated >= 0 &&
        s.card_stated != s.total) {
      code = "payment_total_mismatch";
      return false;
    }
    return true;
  }
  int64_t stated = 0;
  Tender* rest = nullptr;
  for (Tender& t : s.tenders) {
    if (t.amount < 0) {
      rest = &t;
      continue;
    }
    stated += t.amount;
  }
  if (stated > s.total) {
    code = "payment_exceeds_total";
    return false;
  }
  // Every part said what it pays: where the world wants them exact, they add up to the total.
  const bool all_stated = rest == nullptr && (!s.card_named || s.card_stated >= 0);
  if (config_.payment_parts == PaymentParts::kExact && all_stated &&
      stated + std::max<int64_t>(s.card_stated, 0) != s.total) {
    code = "payment_total_mismatch";
    return false;
  }
  if (rest != nullptr) rest->amount = s.total - stated;
  std::erase_if(s.tenders, [](const Tender& t) { return t.amount == 0; });
  if (!s.card_named && card_amount(s) > 0) {
    code = "payment_short";
    return false;
  }
  return true;
}

void SagaEngine::escalate(const SagaRecord& s, const std::string& reason, Time now) {
  Escalation e;
  e.session = s.session;
  e.action = s.kind == SagaKind::kBooking ? "confirmBooking" : "placeOrder";
  e.reason = reason;
  e.total = s.total;
  for (const auto& item : s.items) e.params += item.sku + "x" + std::to_string(item.quantity) + " ";
  e.params += s.offer;
  for (const std::string& c : s.connections) e.params += " " + c;
  review_queue_.push_back(std::move(e));
  audit_.append(now, "escalation", s.session, s.id, reason, s.total);
}

}  // namespace checkride
