// Admission: the declared list of named gates every action passes before any work starts
// for it (Envoy's fault filter reads this way). Each gate is a small check with its reason
// code; adding a check is one entry in kAdmission.
#include "orchestrator/orchestrator.h"
#include "orchestrator/saga_plans.h"

namespace checkride {
namespace {

uint64_t cart_hash(const std::string& action, const HandlerInput& in) {
  uint64_t h = hash_line_items(in.items, hash_bytes(action.data(), action.size()));
  h = hash_bytes(in.coupon.data(), in.coupon.size(), h);
  h = hash_bytes(in.offer.data(), in.offer.size(), h);
  for (const std::string& c : in.connections) h = hash_bytes(c.data(), c.size(), h);
  h = hash_line_items(in.declared_extras, h);
  if (in.credit != 0) h = mix64(h, static_cast<uint64_t>(in.credit));
  return hash_bytes(in.reference.data(), in.reference.size(), h);
}

}  // namespace

// In order: a gate refuses with its status and code (or the one it sets in the Admission),
// or answers the action itself (handled), or lets it pass to the next.
const Orchestrator::AdmissionGate Orchestrator::kAdmission[] = {
    {"audit", &Orchestrator::gate_audit, ActionStatus::kRejected, ""},
    {"catalog", &Orchestrator::gate_catalog, ActionStatus::kRejected, "unknown_action"},
    {"params", &Orchestrator::gate_params, ActionStatus::kRejected, "schema: params missing"},
    {"schema", &Orchestrator::gate_schema, ActionStatus::kRejected, ""},
    {"grant", &Orchestrator::gate_grant, ActionStatus::kReauthRequired, "no_grant"},
    {"scope", &Orchestrator::gate_scope, ActionStatus::kRejected, "insufficient_scope"},
    {"quantity", &Orchestrator::gate_quantity, ActionStatus::kRejected, "quantity_cap"},
    {"rate", &Orchestrator::gate_rate, ActionStatus::kBusy, "rate_limited"},
    {"idempotency", &Orchestrator::gate_idempotency, ActionStatus::kRejected, ""},
    {"dedupe", &Orchestrator::gate_dedupe, ActionStatus::kRejected, ""},
    {"route", &Orchestrator::gate_route, ActionStatus::kRejected, ""},
    {"admission", &Orchestrator::gate_in_flight, ActionStatus::kBusy, "overloaded"},
};

void Orchestrator::on_action(const ActionRequest& req, Time now, Effects& out) {
  Admission a(req, now, out);
  for (const AdmissionGate& gate : kAdmission) {
    switch ((this->*gate.check)(a)) {
      case GateVerdict::kPass:
        continue;
      case GateVerdict::kHandled:
        return;
      case GateVerdict::kRefuse:
        reply(req.session, req.request_id, gate.status, a.code.empty() ? gate.code : a.code, now,
              out, {}, 0, a.retry_after);
        return;
    }
  }
  SagaId id = engine_.start_saga(*a.spec, req, a.parsed->input, a.cart, a.retry_salt, now, out);
  track_dedupe(*store_.saga(id));
}

// Every action is audited; its params are kept when the log is (so it can become a
// cassette), never a card number, which the schema gate refuses anyway.
Orchestrator::GateVerdict Orchestrator::gate_audit(Admission& a) {
  const ActionRequest& req = a.req;
  if (audit_.keeping()) {
    std::string params = !req.params                 ? "null"
                         : contains_pan(*req.params) ? "\"<withheld: card number>\""
                                                     : req.params->dump();
    audit_.append(a.now, "action", req.session, 0, req.action + " " + params, 0);
  } else {
    audit_.append(a.now, "action", req.session, 0, req.action, 0);  // counted, not kept
  }
  return GateVerdict::kPass;
}

Orchestrator::GateVerdict Orchestrator::gate_catalog(Admission& a) {
  a.spec = catalog_.find(a.req.action);
  return a.spec == nullptr ? GateVerdict::kRefuse : GateVerdict::kPass;
}

Orchestrator::GateVerdict Orchestrator::gate_params(Admission& a) {
  return a.req.params ? GateVerdict::kPass : GateVerdict::kRefuse;
}

Orchestrator::GateVerdict Orchestrator::gate_schema(Admission& a) {
  a.parsed = &parse(*a.spec, a.req);
  if (a.parsed->error.empty()) return GateVerdict::kPass;
  audit_.append(a.now, "decision", a.req.session, 0,
                a.parsed->error == "raw_card_number" ? "refused_pan" : "refused_schema", 0);
  a.code = a.parsed->error;
  return GateVerdict::kRefuse;
}

Orchestrator::GateVerdict Orchestrator::gate_grant(Admission& a) {
  a.grant = store_.grant(a.req.user);
  return a.grant == nullptr ? GateVerdict::kRefuse : GateVerdict::kPass;
}

Orchestrator::GateVerdict Orchestrator::gate_scope(Admission& a) {
  return (a.grant->scopes & a.spec->scopes) == a.spec->scopes ? GateVerdict::kPass
                                                              : GateVerdict::kRefuse;
}

Orchestrator::GateVerdict Orchestrator::gate_quantity(Admission& a) {
  const int32_t cap = config_.policy.max_quantity;
  if (cap <= 0) return GateVerdict::kPass;
  const HandlerInput& in = a.parsed->input;
  for (const auto& item : in.items) {
    if (item.quantity > cap) return GateVerdict::kRefuse;
  }
  return in.seats > cap ? GateVerdict::kRefuse : GateVerdict::kPass;
}

// At most per_user_per_min actions a user a calendar minute; the refusal says when the next
// minute starts.
Orchestrator::GateVerdict Orchestrator::gate_rate(Admission& a) {
  const int32_t limit = config_.policy.per_user_per_min;
  if (limit <= 0) return GateVerdict::kPass;
  auto& [window, count] = rate_windows_[a.req.user];
  const int64_t current = a.now / kMinute;
  if (window != current) {
    window = current;
    count = 0;
  }
  if (++count <= limit) return GateVerdict::kPass;
  a.retry_after = (current + 1) * kMinute - a.now;
  return GateVerdict::kRefuse;
}

// The agent's key names one saga: its outcome is answered again, or a failed saga that is
// fully compensated is retried under the same key.
Orchestrator::GateVerdict Orchestrator::gate_idempotency(Admission& a) {
  const ActionRequest& req = a.req;
  if (config_.defects.has(Defect::kNoIdempotencyKeys) || req.key == 0) return GateVerdict::kPass;
  const SagaId existing = store_.saga_for_key(req.key);
  if (existing == 0) return GateVerdict::kPass;
  SagaRecord* s = store_.saga(existing);
  const bool retryable =
      s->done &&
      (s->outcome == ActionStatus::kFailed || s->outcome == ActionStatus::kReauthRequired) &&
      !acts_on_existing(s->kind) && s->confirm_key == 0;
  // A booking back on its hold after a failed payment takes the confirmation again.
  const bool awaiting = s->kind == SagaKind::kBooking && !s->done &&
                        s->step == Step::kAwaitConfirm &&
                        a.spec->handler == Handler::kConfirmBooking;
  if (awaiting) {
    engine_.confirm_booking(req, parse(*a.spec, req).input, a.now, a.out);
    return GateVerdict::kHandled;
  }
  if (!retryable) {
    audit_.append(a.now, "decision", req.session, existing, "idempotent_replay", 0);
    // Only a two-phase booking answers its hold first; a booking paid in the same action
    // answers with how the whole booking ended, retries included.
    const bool for_hold = a.spec->handler == Handler::kCreateBooking &&
                          pauses_for_confirmation(catalog_.plan(s->plan));
    engine_.attach_or_answer(*s, req, for_hold, a.now, a.out);
    return GateVerdict::kHandled;
  }
  audit_.append(a.now, "decision", req.session, existing, "retry_after_failure", 0);
  a.retry_salt = existing;
  return GateVerdict::kPass;
}

// A repeat of a charge, or of a certificate, under a new key is the same intent: it joins
// the saga already under way (the same key is the idempotency gate's business).
Orchestrator::GateVerdict Orchestrator::gate_dedupe(Admission& a) {
  const ActionRequest& req = a.req;
  a.cart = cart_hash(req.action, a.parsed->input);
  const bool dedupes = a.spec->charge || catalog_.plan(a.spec->plan).kind == SagaKind::kIssueCredit;
  if (!dedupes || config_.defects.has(Defect::kNoSemanticDedupe)) return GateVerdict::kPass;
  auto found = dedupe_.find(req.session);
  if (found == dedupe_.end()) return GateVerdict::kPass;
  for (auto [hash, saga_id] : found->second) {
    SagaRecord* s = store_.saga(saga_id);
    const bool failed = s->done && !is_success(s->outcome);
    const bool same_key = req.key != 0 && req.key == s->action_key;
    if (hash == a.cart && !failed && !same_key) {
      audit_.append(a.now, "decision", req.session, saga_id, "semantic_duplicate", s->total);
      engine_.attach_or_answer(*s, req, false, a.now, a.out);
      return GateVerdict::kHandled;
    }
  }
  return GateVerdict::kPass;
}

// Queries, actions on what exists and confirmations go their own way; new sagas go on to
// admission control.
Orchestrator::GateVerdict Orchestrator::gate_route(Admission& a) {
  const ActionRequest& req = a.req;
  const HandlerInput& in = a.parsed->input;
  switch (a.spec->handler) {
    case Handler::kSearchCatalog:
      engine_.start_query(req, Op::kSearch, in, a.now, a.out);
      return GateVerdict::kHandled;
    case Handler::kPreviewOrder:
      engine_.start_query(req, Op::kQuote, in, a.now, a.out);
      return GateVerdict::kHandled;
    case Handler::kSearchAvailability:
      engine_.start_query(req, Op::kAvailability, in, a.now, a.out);
      return GateVerdict::kHandled;
    case Handler::kFindBooking:
      engine_.start_query(req, Op::kFindBooking, in, a.now, a.out);
      return GateVerdict::kHandled;
    case Handler::kLookup:
      // A read of the team's own systems, which are not in the sandbox: nothing to call.
      // The params were checked; a replay answers it as it was recorded.
      reply(req.session, req.request_id, ActionStatus::kOk, "", a.now, a.out);
      return GateVerdict::kHandled;
    case Handler::kCancelOrder:
    case Handler::kCancelBooking:
    case Handler::kChangeBooking:
    case Handler::kChangeOrder:
    case Handler::kReturnOrder:
    case Handler::kAddExtras:
    case Handler::kChangeFlights:
    case Handler::kModifyItems:
    case Handler::kExchangeItems:
    case Handler::kChangePayment:
      engine_.start_on_existing(*a.spec, req, in, a.now, a.out);
      return GateVerdict::kHandled;
    case Handler::kConfirmBooking:
      engine_.confirm_booking(req, in, a.now, a.out);
      return GateVerdict::kHandled;
    default:
      return GateVerdict::kPass;
  }
}

// Admission control: new work is refused cleanly before anything is done for it.
Orchestrator::GateVerdict Orchestrator::gate_in_flight(Admission& a) {
  const int32_t cap = config_.policy.max_in_flight;
  if (cap <= 0 || engine_.in_flight() < cap) return GateVerdict::kPass;
  audit_.append(a.now, "decision", a.req.session, 0, "admission_busy", 0);
  a.retry_after = kSecond;
  return GateVerdict::kRefuse;
}

}  // namespace checkride
