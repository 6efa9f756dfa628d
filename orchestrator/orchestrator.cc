#include "orchestrator/orchestrator.h"

#include <algorithm>

namespace checkride {
namespace {

// Steps that start moving a user's money or seats act on the user's delegated token; steps
// that finish or undo what the user already authorized run under the orchestrator's own
// credential, so a revoked user token can never leave a charge half-done.
bool needs_user_token(Op op) {
  return op == Op::kAuthorize || op == Op::kHold || op == Op::kConfirm;
}

bool needs_service_token(Op op) {
  Provider p = provider_of(op);
  return !needs_user_token(op) &&
         (p == Provider::kPayment || (p == Provider::kBooking && op != Op::kAvailability));
}

uint64_t cart_hash(const std::string& action, const HandlerInput& in) {
  uint64_t h = hash_bytes(action.data(), action.size());
  for (const auto& item : in.items) {
    h = hash_bytes(item.sku.data(), item.sku.size(), h);
    h = mix64(h, static_cast<uint64_t>(item.quantity));
  }
  h = hash_bytes(in.coupon.data(), in.coupon.size(), h);
  h = hash_bytes(in.offer.data(), in.offer.size(), h);
  return hash_bytes(in.reference.data(), in.reference.size(), h);
}

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

constexpr std::size_t kParsedCacheLimit = 1 << 14;

// The provider operation a forward step performs; false for steps that call nothing.
bool step_op(Step step, Op& op) {
  switch (step) {
    case Step::kQuote:
      op = Op::kQuote;
      return true;
    case Step::kReserve:
      op = Op::kReserve;
      return true;
    case Step::kAuthorize:
      op = Op::kAuthorize;
      return true;
    case Step::kCommit:
      op = Op::kCommit;
      return true;
    case Step::kCapture:
      op = Op::kCapture;
      return true;
    case Step::kHold:
      op = Op::kHold;
      return true;
    case Step::kConfirmBooking:
      op = Op::kConfirm;
      return true;
    case Step::kCancelQuote:
      op = Op::kCancelQuote;
      return true;
    case Step::kCancelConfirm:
      op = Op::kCancelConfirm;
      return true;
    case Step::kCancelOrder:
      op = Op::kCancelOrder;
      return true;
    case Step::kRefund:
      op = Op::kRefund;
      return true;
    default:
      return false;
  }
}

// Each compensation, newest first: the forward step it undoes, the op that undoes it, and
// where the forward step's object id lives.
struct CompensationRule {
  Compensation bit;
  Step forward;
  Op replay;  // the forward step's op, replayed when its outcome is unknown
  Op undo;
  ObjectId SagaRecord::*id;
};
constexpr CompensationRule kCompensations[] = {
    {kCompCancelOrder, Step::kCommit, Op::kCommit, Op::kCancelOrder, &SagaRecord::order},
    {kCompVoid, Step::kAuthorize, Op::kAuthorize, Op::kVoid, &SagaRecord::payment},
    {kCompRelease, Step::kReserve, Op::kReserve, Op::kRelease, &SagaRecord::reservation},
    {kCompReleaseHold, Step::kHold, Op::kHold, Op::kReleaseHold, &SagaRecord::hold},
};

// The compensation a forward step registers before it is sent (0 if none).
uint8_t step_compensation(Step step) {
  for (const CompensationRule& rule : kCompensations) {
    if (rule.forward == step) return rule.bit;
  }
  return 0;
}

}  // namespace

Orchestrator::Orchestrator(const ActionCatalog& catalog, const OrchestratorConfig& config,
                           Store& store)
    : catalog_(catalog),
      config_(config),
      store_(store),
      audit_(store.audit_sink(), store.audit_count(), store.audit_head()),
      breakers_(config.retries) {}

void Orchestrator::on_session_start(const SessionGrant& grant, Time now) {
  store_.put_grant(grant);
  audit_.append(now, "grant", grant.session, 0, "delegated", 0);
}

void Orchestrator::on_consent(const ConsentGrant& consent, Time now) {
  auto& list = store_.consents(consent.session);
  list.push_back(ConsentRecord{consent.amount, consent.granted});
  store_.save_consents(consent.session);
  audit_.append(now, "consent", consent.session, 0, consent.granted ? "granted" : "declined",
                consent.amount);
}

const Orchestrator::ParsedParams& Orchestrator::parse(const ActionSpec& spec,
                                                      const ActionRequest& req) {
  // Validation is a pure function of (action, params): cache it per params object, which
  // the simulator shares between sessions of one template.
  auto it = parsed_.find(req.params.get());
  if (it != parsed_.end() && it->second.spec == &spec) return it->second;
  if (parsed_.size() >= kParsedCacheLimit) parsed_.clear();
  ParsedParams p{req.params, &spec, {}, {}};
  const nlohmann::json& params = *req.params;
  if (!params.is_object()) {
    p.error = "schema: params: expected an object";
  } else if (contains_pan(params)) {
    p.error = "raw_card_number";
  } else if (std::string err; !catalog_.validate(spec, params, err)) {
    p.error = "schema: " + err;
  } else if (!catalog_.map_inputs(spec, params, p.input, err)) {
    p.error = "schema: " + err;
  }
  return parsed_[req.params.get()] = std::move(p);
}

void Orchestrator::reply(SessionId session, uint64_t request_id, ActionStatus status,
                         std::string code, Time now, Effects& out, std::string reference,
                         int64_t total, Duration retry_after) {
  if (audit_.keeping()) {
    std::string detail(status_name(status));
    if (!reference.empty()) detail += " " + reference;
    audit_.append(now, "reply", session, 0, detail, total);
  }
  ActionResult r;
  r.session = session;
  r.request_id = request_id;
  r.status = status;
  r.code = std::move(code);
  r.reference = std::move(reference);
  r.total = total;
  r.retry_after = retry_after;
  out.replies.push_back(std::move(r));
}

void Orchestrator::on_action(const ActionRequest& req, Time now, Effects& out) {
  if (audit_.keeping()) {
    // The params, so the log can become a cassette; never a card number, which the action
    // is refused for below anyway.
    std::string params = !req.params                 ? "null"
                         : contains_pan(*req.params) ? "\"<withheld: card number>\""
                                                     : req.params->dump();
    audit_.append(now, "action", req.session, 0, req.action + " " + params, 0);
  } else {
    audit_.append(now, "action", req.session, 0, req.action, 0);  // counted, not kept
  }
  const ActionSpec* spec = catalog_.find(req.action);
  if (spec == nullptr) {
    reply(req.session, req.request_id, ActionStatus::kRejected, "unknown_action", now, out);
    return;
  }
  if (!req.params) {
    reply(req.session, req.request_id, ActionStatus::kRejected, "schema: params missing", now, out);
    return;
  }
  const ParsedParams& parsed = parse(*spec, req);
  if (!parsed.error.empty()) {
    audit_.append(now, "decision", req.session, 0,
                  parsed.error == "raw_card_number" ? "refused_pan" : "refused_schema", 0);
    reply(req.session, req.request_id, ActionStatus::kRejected, parsed.error, now, out);
    return;
  }
  const HandlerInput& in = parsed.input;

  const SessionGrant* grant = store_.grant(req.user);
  if (grant == nullptr) {
    reply(req.session, req.request_id, ActionStatus::kReauthRequired, "no_grant", now, out);
    return;
  }
  if ((grant->scopes & spec->scopes) != spec->scopes) {
    reply(req.session, req.request_id, ActionStatus::kRejected, "insufficient_scope", now, out);
    return;
  }
  const PolicyConfig& policy = config_.policy;
  if (policy.max_quantity > 0) {
    for (const auto& item : in.items) {
      if (item.quantity > policy.max_quantity) {
        reply(req.session, req.request_id, ActionStatus::kRejected, "quantity_cap", now, out);
        return;
      }
    }
    if (in.seats > policy.max_quantity) {
      reply(req.session, req.request_id, ActionStatus::kRejected, "quantity_cap", now, out);
      return;
    }
  }
  if (policy.per_user_per_min > 0) {
    auto& [window, count] = rate_windows_[req.user];
    int64_t current = now / kMinute;
    if (window != current) {
      window = current;
      count = 0;
    }
    if (++count > policy.per_user_per_min) {
      reply(req.session, req.request_id, ActionStatus::kBusy, "rate_limited", now, out, {}, 0,
            (current + 1) * kMinute - now);
      return;
    }
  }

  bool use_keys = !config_.defects.has(Defect::kNoIdempotencyKeys);
  SagaId retry_salt = 0;  // the failed saga a same-key retry replaces
  if (use_keys && req.key != 0) {
    if (SagaId existing = store_.saga_for_key(req.key)) {
      SagaRecord* s = store_.saga(existing);
      // A saga that failed for a transient reason and is fully compensated may be retried
      // under the same key; anything else is answered with the one stored outcome.
      bool retryable =
          s->done &&
          (s->outcome == ActionStatus::kFailed || s->outcome == ActionStatus::kReauthRequired) &&
          s->kind != SagaKind::kCancelOrder && s->kind != SagaKind::kCancelBooking &&
          s->confirm_key == 0;
      // A booking back on its hold after a failed payment takes the confirmation again.
      bool awaiting = s->kind == SagaKind::kBooking && !s->done && s->step == Step::kAwaitConfirm &&
                      spec->handler == Handler::kConfirmBooking;
      if (awaiting) {
        confirm_booking(req, parse(*spec, req).input, now, out);
        return;
      }
      if (!retryable) {
        audit_.append(now, "decision", req.session, existing, "idempotent_replay", 0);
        attach_or_answer(*s, req, spec->handler == Handler::kCreateBooking, now, out);
        return;
      }
      audit_.append(now, "decision", req.session, existing, "retry_after_failure", 0);
      retry_salt = existing;
    }
  }
  uint64_t cart = cart_hash(req.action, in);
  if (spec->charge && !config_.defects.has(Defect::kNoSemanticDedupe)) {
    auto found = dedupe_.find(req.session);
    if (found != dedupe_.end()) {
      for (auto [hash, saga_id] : found->second) {
        SagaRecord* s = store_.saga(saga_id);
        bool failed = s->done && !is_success(s->outcome);
        // The same key is idempotency's business; this catches a repeat under a new key.
        bool same_key = req.key != 0 && req.key == s->action_key;
        if (hash == cart && !failed && !same_key) {
          audit_.append(now, "decision", req.session, saga_id, "semantic_duplicate", s->total);
          attach_or_answer(*s, req, false, now, out);
          return;
        }
      }
    }
  }

  switch (spec->handler) {
    case Handler::kSearchCatalog:
      start_query(req, Op::kSearch, in, now, out);
      return;
    case Handler::kPreviewOrder:
      start_query(req, Op::kQuote, in, now, out);
      return;
    case Handler::kSearchAvailability:
      start_query(req, Op::kAvailability, in, now, out);
      return;
    case Handler::kCancelOrder:
      start_cancel(req, in, SagaKind::kCancelOrder, now, out);
      return;
    case Handler::kCancelBooking:
      start_cancel(req, in, SagaKind::kCancelBooking, now, out);
      return;
    case Handler::kConfirmBooking:
      confirm_booking(req, in, now, out);
      return;
    default:
      break;
  }
  // Admission control: refuse new work cleanly before anything is done for it.
  if (policy.max_in_flight > 0 && in_flight_ >= policy.max_in_flight) {
    audit_.append(now, "decision", req.session, 0, "admission_busy", 0);
    reply(req.session, req.request_id, ActionStatus::kBusy, "overloaded", now, out, {}, 0, kSecond);
    return;
  }
  if (spec->handler == Handler::kPlaceOrder) {
    start_order(req, in, cart, retry_salt, now, out);
  } else {
    start_booking(req, in, retry_salt, now, out);
  }
}

void Orchestrator::attach_or_answer(SagaRecord& s, const ActionRequest& req, bool for_hold,
                                    Time now, Effects& out) {
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

void Orchestrator::start_query(const ActionRequest& req, Op op, const HandlerInput& in, Time,
                               Effects& out) {
  ProviderRequest pr;
  pr.op = op;
  pr.user = req.user;
  pr.items = in.items;
  pr.coupon = in.coupon;
  pr.text = op == Op::kSearch || op == Op::kAvailability ? in.query : std::string();
  pr.trace_id = mix64(req.session, req.request_id);
  CallId id = next_call_++;
  pending_[id] = Pending{PendingKind::kQuery, op, 0, req.user, req.session, req.request_id};
  out.calls.push_back(ProviderCall{id, std::move(pr), config_.retries.call_timeout});
}

void Orchestrator::start_order(const ActionRequest& req, const HandlerInput& in, uint64_t cart,
                               SagaId retry_salt, Time now, Effects& out) {
  SagaRecord rec;
  rec.kind = SagaKind::kOrder;
  rec.session = req.session;
  rec.user = req.user;
  rec.action_key = req.key != 0 ? req.key : mix64(req.session, req.request_id);
  if (retry_salt != 0) rec.action_key = mix64(rec.action_key, retry_salt);
  rec.cart_hash = cart;
  rec.items = in.items;
  rec.coupon = in.coupon;
  rec.max_total = in.max_total;
  rec.payment_method = req.payment_method;
  rec.step = Step::kQuote;
  SagaId id = store_.create_saga(std::move(rec));
  if (req.key != 0) store_.put_key(req.key, id);
  SagaRecord& s = *store_.saga(id);
  ++in_flight_;
  track_dedupe(s);
  waiters_[id].push_back(Waiter{req.session, req.request_id, false});
  audit_.append(now, "saga", s.session, id, "order_started", 0);
  run_step(s, now, out);
}

void Orchestrator::start_booking(const ActionRequest& req, const HandlerInput& in,
                                 SagaId retry_salt, Time now, Effects& out) {
  SagaRecord rec;
  rec.kind = SagaKind::kBooking;
  rec.session = req.session;
  rec.user = req.user;
  rec.action_key = req.key != 0 ? req.key : mix64(req.session, req.request_id);
  if (retry_salt != 0) rec.action_key = mix64(rec.action_key, retry_salt);
  rec.offer = in.offer;
  rec.seats = in.seats;
  rec.payment_method = req.payment_method;
  rec.step = Step::kHold;
  SagaId id = store_.create_saga(std::move(rec));
  if (req.key != 0) store_.put_key(req.key, id);
  SagaRecord& s = *store_.saga(id);
  ++in_flight_;
  waiters_[id].push_back(Waiter{req.session, req.request_id, true});
  audit_.append(now, "saga", s.session, id, "booking_started", 0);
  run_step(s, now, out);
}

void Orchestrator::confirm_booking(const ActionRequest& req, const HandlerInput& in, Time now,
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
  advance(*s, Step::kAuthorize, now, out);
}

void Orchestrator::start_cancel(const ActionRequest& req, const HandlerInput& in, SagaKind kind,
                                Time now, Effects& out) {
  bool booking = kind == SagaKind::kCancelBooking;
  SagaRecord* target = store_.saga(parse_reference(in.reference, booking ? "bk_" : "ord_"));
  SagaKind want = booking ? SagaKind::kBooking : SagaKind::kOrder;
  if (target == nullptr || target->kind != want || target->session != req.session) {
    reply(req.session, req.request_id, ActionStatus::kRejected,
          booking ? "unknown_booking" : "unknown_order", now, out);
    return;
  }
  if (!target->done || target->outcome != ActionStatus::kConfirmed) {
    reply(req.session, req.request_id, ActionStatus::kRejected, "not_cancellable", now, out);
    return;
  }
  SagaRecord rec;
  rec.kind = kind;
  rec.session = req.session;
  rec.user = req.user;
  rec.action_key = req.key != 0 ? req.key : mix64(req.session, req.request_id);
  rec.target = target->id;
  rec.payment = target->payment;
  rec.order = target->order;
  rec.hold = target->hold;
  rec.total = target->total;
  rec.step = booking ? Step::kCancelQuote : Step::kCancelOrder;
  SagaId id = store_.create_saga(std::move(rec));
  if (req.key != 0) store_.put_key(req.key, id);
  SagaRecord& s = *store_.saga(id);
  ++in_flight_;
  waiters_[id].push_back(Waiter{req.session, req.request_id, false});
  run_step(s, now, out);
}

// Consent, spend caps and human review: everything a charge needs before money moves.
// Returns false with the refusal in `status`/`code`; nothing has been spent then.
bool Orchestrator::charge_checks(SagaRecord& s, Time now, ActionStatus& status, std::string& code) {
  status = ActionStatus::kRejected;
  if (s.max_total >= 0 && s.total > s.max_total) {
    code = "max_total_exceeded";
    return false;
  }
  // The user's explicit confirmation covers charges up to its amount in this session. It
  // is not consumed: stopping a repeated charge is idempotency's and de-duplication's job.
  if (!config_.defects.has(Defect::kNoConsentCheck)) {
    const auto& consents = store_.consents(s.session);
    bool covered = std::any_of(consents.begin(), consents.end(), [&](const ConsentRecord& c) {
      return c.granted && c.amount >= s.total;
    });
    if (!covered) {
      audit_.append(now, "decision", s.session, s.id, "consent_missing", s.total);
      status = ActionStatus::kNeedsConfirmation;
      code = "confirmation_required";
      return false;
    }
  }
  const PolicyConfig& policy = config_.policy;
  int64_t& session_spend = spend_session_[s.session];
  if (policy.spend_cap_session > 0 && session_spend + s.total > policy.spend_cap_session) {
    code = "spend_cap";
    return false;
  }
  int64_t& day_spend = spend_today(s.user, now);
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

void Orchestrator::escalate(const SagaRecord& s, const std::string& reason, Time now) {
  Escalation e;
  e.session = s.session;
  e.action = s.kind == SagaKind::kBooking ? "confirmBooking" : "placeOrder";
  e.reason = reason;
  e.total = s.total;
  for (const auto& item : s.items) e.params += item.sku + "x" + std::to_string(item.quantity) + " ";
  e.params += s.offer;
  review_queue_.push_back(std::move(e));
  audit_.append(now, "escalation", s.session, s.id, reason, s.total);
}

int64_t& Orchestrator::spend_today(UserId user, Time now) {
  auto& [day, spent] = spend_day_[user];
  int64_t today = now / (24 * kHour);
  if (day != today) {
    day = today;
    spent = 0;
  }
  return spent;
}

bool Orchestrator::settled(SessionId session) const {
  for (SagaId id : store_.sagas_of(session)) {
    const SagaRecord* s = store_.saga(id);
    if (s != nullptr && !s->done) return false;
  }
  return true;
}

void Orchestrator::retire_session(SessionId session, UserId user) {
  for (SagaId id : store_.sagas_of(session)) waiters_.erase(id);
  dedupe_.erase(session);
  spend_session_.erase(session);
  tokens_.erase(user);
  rate_windows_.erase(user);
  spend_day_.erase(user);
  store_.retire_session(session, user);
}

void Orchestrator::track_dedupe(const SagaRecord& s) {
  if (s.kind == SagaKind::kOrder) dedupe_[s.session].emplace_back(s.cart_hash, s.id);
}

IdempotencyKey Orchestrator::step_key(const SagaRecord& s, uint64_t step_code) const {
  if (config_.defects.has(Defect::kNoIdempotencyKeys)) return 0;
  bool confirm_phase = s.kind == SagaKind::kBooking && s.confirm_key != 0 &&
                       step_code != static_cast<uint64_t>(Step::kHold);
  uint64_t base = confirm_phase ? s.confirm_key : s.action_key;
  uint64_t key = mix64(base, step_code + 1);
  if (config_.defects.has(Defect::kNewKeyPerRetry)) key = mix64(key, s.attempt + 1000);
  return key == 0 ? 1 : key;
}

ProviderRequest Orchestrator::request_for(const SagaRecord& s, Op op) const {
  ProviderRequest r;
  r.op = op;
  r.user = s.user;
  r.trace_id = mix64(s.id, s.session);
  switch (op) {
    case Op::kQuote:
    case Op::kReserve:
      r.items = s.items;
      r.coupon = s.coupon;
      r.ttl = config_.reservation_ttl;
      break;
    case Op::kCommit:
      r.ref = s.reservation;
      if (s.reservation == 0) {  // direct sale: only with commit_without_reservation
        r.items = s.items;
        r.coupon = s.coupon;
      }
      break;
    case Op::kAuthorize:
      r.amount = s.total;
      r.payment_method = s.payment_method;
      break;
    case Op::kCapture:
    case Op::kVoid:
      r.ref = s.payment;
      break;
    case Op::kRefund:
      r.ref = s.payment;
      r.amount = s.kind == SagaKind::kCancelBooking ? s.refund_amount : s.total;
      break;
    case Op::kRelease:
      r.ref = s.reservation;
      break;
    case Op::kCancelOrder:
      r.ref = s.order;
      break;
    case Op::kHold:
      r.text = s.offer;
      r.items = {LineItem{"", s.seats}};
      r.ttl = config_.hold_ttl;
      break;
    case Op::kConfirm:
      r.ref = s.hold;
      r.payment = s.payment;
      break;
    case Op::kReleaseHold:
    case Op::kCancelQuote:
    case Op::kCancelConfirm:
      r.ref = s.hold;
      break;
    default:
      break;
  }
  return r;
}

// Forward steps after money or stock is committed must finish: they retry (with capped
// backoff) until the provider answers, instead of giving up half-way.
bool Orchestrator::must_complete(const SagaRecord& s) const {
  return s.step == Step::kCapture || s.step == Step::kRefund || s.step == Step::kCancelOrder ||
         s.step == Step::kCancelConfirm;
}

void Orchestrator::run_step(SagaRecord& s, Time now, Effects& out) {
  Op op;
  if (!step_op(s.step, op)) return;
  uint8_t register_comp = step_compensation(s.step);
  if (!config_.defects.has(Defect::kNoCompensation)) s.comp |= register_comp;
  ProviderRequest req = request_for(s, op);
  req.key = op == Op::kQuote ? 0 : step_key(s, static_cast<uint64_t>(s.step));
  send(s, PendingKind::kStep, std::move(req), now, out);
}

void Orchestrator::send(SagaRecord& s, PendingKind kind, ProviderRequest req, Time now,
                        Effects& out) {
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
    TimerId t = next_timer_++;
    timers_[t] = TimerCtx{TimerKind::kRetry, s.id};
    out.timers.push_back(TimerRequest{t, until});
    store_.save(s.id);
    return;
  }
  store_.save(s.id);  // write-ahead: the record is durable before the call leaves
  audit_.append(now, "step", s.session, s.id, op_name(req.op), req.amount);
  CallId id = next_call_++;
  pending_[id] = Pending{kind, req.op, s.id, s.user, s.session, 0};
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
  audit_.append(now, "step", 0, 0, "token_refresh", 0);
  out.calls.push_back(ProviderCall{id, std::move(req), config_.retries.call_timeout});
}

void Orchestrator::on_provider_reply(CallId call, const ProviderReply& r, Time now, Effects& out) {
  auto it = pending_.find(call);
  if (it == pending_.end()) return;  // a late answer to a call already given up on
  Pending p = it->second;
  pending_.erase(it);
  Provider provider = provider_of(p.op);
  breakers_.on_result(provider, is_retryable(r.error), now);

  switch (p.kind) {
    case PendingKind::kFireAndForget:
      return;
    case PendingKind::kQuery: {
      if (r.ok()) {
        reply(p.session, p.request_id, ActionStatus::kOk, "", now, out, {}, r.amount);
      } else {
        reply(p.session, p.request_id,
              r.error == ErrorCode::kNotFound ? ActionStatus::kRejected : ActionStatus::kFailed,
              std::string(error_name(r.error)), now, out);
      }
      return;
    }
    case PendingKind::kRefresh: {
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
      } else if (is_retryable(r.error)) {
        ts.waiting = std::move(waiting);
        request_refresh(p.user, now, out);
      } else {
        // The refresh token is gone: the user must consent again. Nothing is left half-done.
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
      return;
    }
    case PendingKind::kStep:
    case PendingKind::kCompensation: {
      SagaRecord* s = store_.saga(p.saga);
      if (s == nullptr || s->done) return;
      if (r.error == ErrorCode::kInvalidToken && needs_user_token(p.op)) {
        // A 401 comes before any work: the call had no effect, so nothing to compensate.
        if (p.kind == PendingKind::kStep)
          s->comp &= static_cast<uint8_t>(~step_compensation(s->step));
        bool may_refresh =
            !s->refreshed || p.kind == PendingKind::kCompensation || must_complete(*s);
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
        on_step_reply(*s, p.op, r, now, out);
      } else {
        on_compensation_reply(*s, p.op, r, now, out);
      }
      return;
    }
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
  Duration delay = backoff_delay(config_.retries, config_.seed, s.id * 131 + s.comp,
                                 std::min<int>(s.attempt, 30), r.retry_after);
  TimerId t = next_timer_++;
  timers_[t] = TimerCtx{TimerKind::kRetry, s.id};
  out.timers.push_back(TimerRequest{t, now + delay});
  store_.save(s.id);
  return true;
}

void Orchestrator::advance(SagaRecord& s, Step next, Time now, Effects& out) {
  s.step = next;
  s.attempt = 0;
  s.ambiguous = false;
  s.refreshed = false;
  run_step(s, now, out);
}

void Orchestrator::on_step_reply(SagaRecord& s, Op, const ProviderReply& r, Time now,
                                 Effects& out) {
  // Before any retry: once an attempt may have acted, the step stays ambiguous even if
  // later attempts are refused outright.
  if (r.error == ErrorCode::kTimeout || r.error == ErrorCode::kIdempotencyKeyInUse) {
    s.ambiguous = true;  // the provider may have acted: the compensation must find out
  }
  if (!r.ok() && schedule_retry(s, r, must_complete(s), now, out)) return;
  auto definite_failure = [&](uint8_t comp_bit) {
    // Every attempt was answered with a refusal: nothing was done, nothing to undo.
    if (!s.ambiguous) s.comp &= static_cast<uint8_t>(~comp_bit);
  };
  switch (s.step) {
    case Step::kQuote:
      if (!r.ok()) {
        finish(s,
               r.error == ErrorCode::kTimeout || r.error == ErrorCode::kUnavailable
                   ? ActionStatus::kFailed
                   : ActionStatus::kRejected,
               std::string(error_name(r.error)), now, out);
        return;
      }
      s.total = r.amount;
      if (ActionStatus refusal; !charge_checks(s, now, refusal, s.code)) {
        // Say why the total is above the model's maximum when it is the coupon's doing: the
        // quote could not apply it (its budget or the user's uses ran out).
        if (s.code == "max_total_exceeded" && !s.coupon.empty() && r.discount == 0) {
          s.code = "max_total_exceeded_coupon_not_applied";
        }
        finish(s, refusal, s.code, now, out);
        return;
      }
      advance(s,
              config_.defects.has(Defect::kCommitWithoutReservation) ? Step::kAuthorize
                                                                     : Step::kReserve,
              now, out);
      return;
    case Step::kReserve:
      if (!r.ok()) {
        definite_failure(kCompRelease);
        fail(s, ActionStatus::kFailed, std::string(error_name(r.error)), now, out);
        return;
      }
      s.reservation = r.id;
      s.total = r.amount;
      advance(s, Step::kAuthorize, now, out);
      return;
    case Step::kAuthorize:
      if (r.id != 0) s.payment = r.id;  // a declined intent exists too, and gets voided
      if (!r.ok()) {
        if (r.id == 0) definite_failure(kCompVoid);
        fail(s, ActionStatus::kFailed, std::string(error_name(r.error)), now, out);
        return;
      }
      if (r.status == "requires_action") {
        fail(s, ActionStatus::kFailed, "authentication_required", now, out);
        return;
      }
      advance(s, s.kind == SagaKind::kBooking ? Step::kConfirmBooking : Step::kCommit, now, out);
      return;
    case Step::kCommit:
      if (!r.ok()) {
        definite_failure(kCompCancelOrder);
        fail(s, ActionStatus::kFailed,
             r.error == ErrorCode::kExpired ? "reservation_expired"
                                            : std::string(error_name(r.error)),
             now, out);
        return;
      }
      s.order = r.id;
      s.comp &= static_cast<uint8_t>(~kCompRelease);  // the reservation became the order
      if (config_.defects.has(Defect::kAckBeforeCapture)) {
        // The defect: tell the agent it is done, then fire the capture once and forget it.
        ProviderRequest cap = request_for(s, Op::kCapture);
        cap.key = step_key(s, static_cast<uint64_t>(Step::kCapture));
        cap.access_token = config_.service_token;
        CallId id = next_call_++;
        pending_[id] =
            Pending{PendingKind::kFireAndForget, Op::kCapture, s.id, s.user, s.session, 0};
        out.calls.push_back(ProviderCall{id, std::move(cap), config_.retries.call_timeout});
        s.comp = 0;
        finish(s, ActionStatus::kConfirmed, "", now, out);
        return;
      }
      advance(s, Step::kCapture, now, out);
      return;
    case Step::kConfirmBooking:
      if (!r.ok()) {
        fail(s, ActionStatus::kFailed,
             r.error == ErrorCode::kExpired ? "hold_expired" : std::string(error_name(r.error)),
             now, out);
        return;
      }
      s.comp &= static_cast<uint8_t>(~kCompReleaseHold);
      advance(s, Step::kCapture, now, out);
      return;
    case Step::kCapture:
      // Without an idempotency key a retried capture finds the intent already captured.
      if (r.ok() || r.status == "succeeded") {
        s.comp = 0;
        finish(s, ActionStatus::kConfirmed, "", now, out);
      } else {
        fail(s, ActionStatus::kFailed, std::string(error_name(r.error)), now, out);
      }
      return;
    case Step::kHold:
      if (!r.ok()) {
        definite_failure(kCompReleaseHold);
        fail(s, is_retryable(r.error) ? ActionStatus::kFailed : ActionStatus::kRejected,
             std::string(error_name(r.error)), now, out);
        return;
      }
      s.hold = r.id;
      s.total = r.amount;
      s.hold_expires_at = r.expires_at;
      s.step = Step::kAwaitConfirm;
      s.attempt = 0;
      --in_flight_;
      store_.save(s.id);
      {
        TimerId t = next_timer_++;
        timers_[t] = TimerCtx{TimerKind::kHoldExpiry, s.id};
        out.timers.push_back(TimerRequest{t, s.hold_expires_at});
      }
      answer_waiters(s, true, now, out);
      return;
    case Step::kCancelOrder:
      if (!r.ok()) {
        finish(s, ActionStatus::kFailed, std::string(error_name(r.error)), now, out);
        return;
      }
      advance(s, Step::kRefund, now, out);
      return;
    case Step::kCancelQuote:
      if (!r.ok()) {
        finish(s, ActionStatus::kFailed, std::string(error_name(r.error)), now, out);
        return;
      }
      s.refund_amount = r.amount;
      advance(s, Step::kCancelConfirm, now, out);
      return;
    case Step::kCancelConfirm:
      if (!r.ok()) {
        finish(s, ActionStatus::kFailed, std::string(error_name(r.error)), now, out);
        return;
      }
      s.refund_amount = r.amount;
      if (s.refund_amount <= 0) {
        finish(s, ActionStatus::kOk, "", now, out);
        return;
      }
      advance(s, Step::kRefund, now, out);
      return;
    case Step::kRefund:
      if (r.ok()) {
        if (SagaRecord* t = store_.saga(s.target)) {
          t->code = "cancelled";
          store_.save(t->id);
        }
        finish(s, ActionStatus::kOk, "", now, out);
      } else {
        escalate(s, "refund_failed", now);
        finish(s, ActionStatus::kFailed, std::string(error_name(r.error)), now, out);
      }
      return;
    default:
      return;
  }
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

// Undoes registered steps newest first. When an id is unknown (the step's answer was lost),
// the step is first replayed with its own idempotency key to learn what it did.
void Orchestrator::compensate_next(SagaRecord& s, Time now, Effects& out) {
  for (const CompensationRule& rule : kCompensations) {
    if (!(s.comp & rule.bit)) continue;
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

void Orchestrator::on_compensation_reply(SagaRecord& s, Op op, const ProviderReply& r, Time now,
                                         Effects& out) {
  if (schedule_retry(s, r, true, now, out)) return;
  s.attempt = 0;
  s.refreshed = false;
  switch (op) {
    // Replays that learn an id: success means there is something to undo next.
    case Op::kCommit:
      if (r.ok())
        s.order = r.id;
      else
        s.comp &= static_cast<uint8_t>(~kCompCancelOrder);
      break;
    case Op::kAuthorize:
      if (r.id != 0)
        s.payment = r.id;
      else
        s.comp &= static_cast<uint8_t>(~kCompVoid);
      break;
    case Op::kReserve:
      if (r.ok())
        s.reservation = r.id;
      else
        s.comp &= static_cast<uint8_t>(~kCompRelease);
      break;
    case Op::kHold:
      if (r.ok())
        s.hold = r.id;
      else
        s.comp &= static_cast<uint8_t>(~kCompReleaseHold);
      break;
    // The undo itself: done whether it succeeded or was already moot.
    case Op::kCancelOrder:
      s.comp &= static_cast<uint8_t>(~kCompCancelOrder);
      break;
    case Op::kVoid:
      if (!r.ok() && r.status == "succeeded") {
        // The capture went through after all (its answer was lost): an authorization can
        // no longer be voided, so the money goes back as a refund. The bit stays set until
        // the refund answers; after a crash the void is replayed and leads here again.
        audit_.append(now, "decision", s.session, s.id, "refund_instead_of_void", s.total);
        ProviderRequest refund = request_for(s, Op::kRefund);
        refund.key = step_key(s, 200 + kCompVoid);
        send(s, PendingKind::kCompensation, std::move(refund), now, out);
        return;
      }
      s.comp &= static_cast<uint8_t>(~kCompVoid);
      break;
    case Op::kRefund:
      if (!r.ok()) escalate(s, "refund_after_capture_failed", now);
      s.comp &= static_cast<uint8_t>(~kCompVoid);
      break;
    case Op::kRelease:
      s.comp &= static_cast<uint8_t>(~kCompRelease);
      break;
    case Op::kReleaseHold:
      s.comp &= static_cast<uint8_t>(~kCompReleaseHold);
      break;
    default:
      s.comp = 0;
      break;
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
  bool charged_path = s.kind == SagaKind::kOrder || s.kind == SagaKind::kBooking;
  if (charged_path && !is_success(status) && s.total > 0 && s.step != Step::kQuote) {
    // Give the spend back: nothing was charged.
    spend_session_[s.session] -= s.total;
    spend_today(s.user, now) -= s.total;
  }
  s.done = true;
  s.step = Step::kDone;
  s.compensating = false;
  s.outcome = status;
  s.code = std::move(code);
  s.items.clear();
  s.items.shrink_to_fit();
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
    if (s.done) return;
    if (s.kind == SagaKind::kOrder || s.kind == SagaKind::kBooking) {
      if (s.step != Step::kQuote) spend_session_[s.session] += s.total;
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
      continue;
    }
    ++in_flight_;
    if (s.compensating) {
      compensate_next(s, now, out);
    } else {
      s.ambiguous = true;  // the step was written before it was sent: it may have acted
      run_step(s, now, out);
    }
  }
}

}  // namespace checkride
