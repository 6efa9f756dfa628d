#include "orchestrator/orchestrator.h"

#include "orchestrator/action_reply.h"
#include "orchestrator/saga_plans.h"

namespace checkride {
namespace {

constexpr std::size_t kParsedCacheLimit = 1 << 14;

}  // namespace

Orchestrator::Orchestrator(const ActionCatalog& catalog, const OrchestratorConfig& config,
                           Store& store)
    : catalog_(catalog),
      config_(config),
      store_(store),
      audit_(store.audit_sink(), store.audit_count(), store.audit_head()),
      engine_(catalog_, config_, store_, audit_, coverage_),
      payments_(config_, store_, audit_, coverage_) {}

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
  reply_to_action(audit_, session, request_id, status, std::move(code), now, out,
                  std::move(reference), total, retry_after);
}

void Orchestrator::on_provider_reply(CallId call, const ProviderReply& reply, Time now,
                                     Effects& out) {
  engine_.on_provider_reply(call, reply, now, out);
  payments_named(now, out);
}

void Orchestrator::payments_named(Time now, Effects& out) {
  for (auto [intent, saga] : engine_.take_named_payments()) {
    payments_.track(intent, saga);
    for (const PaymentEvent& e : payments_.take_early(intent)) on_payment_event(e, now, out);
  }
}

void Orchestrator::on_timer(TimerId timer, Time now, Effects& out) {
  engine_.on_timer(timer, now, out);
}

EventVerdict Orchestrator::on_payment_event(const PaymentEvent& event, Time now, Effects& out) {
  PaymentEvents::Routed routed = payments_.route(event, now);
  switch (routed.act) {
    case PaymentEvents::SagaAct::kNothing:
      break;
    case PaymentEvents::SagaAct::kEndAuthentication:
      engine_.authentication_ended(*routed.saga, event, now, out);
      break;
    case PaymentEvents::SagaAct::kFulfilAgain:
      engine_.fulfil_again(*routed.saga, event, out);
      break;
  }
  return routed.verdict;
}

// The admission's dedupe and the payments' index are rebuilt from the store before the
// engine resumes what was in flight.
void Orchestrator::recover(Time now, Effects& out) {
  store_.for_each_saga([&](const SagaRecord& s) {
    track_dedupe(s);
    if (s.payment != 0 && charges(s.kind)) payments_.track(s.payment, s.id);
  });
  engine_.recover(now, out);
}

bool Orchestrator::settled(SessionId session) const {
  for (SagaId id : store_.sagas_of(session)) {
    const SagaRecord* s = store_.saga(id);
    if (s != nullptr && !s->done) return false;
  }
  return true;
}

void Orchestrator::retire_session(SessionId session, UserId user) {
  for (SagaId id : store_.sagas_of(session)) {
    const SagaRecord* s = store_.saga(id);
    if (s != nullptr && s->payment != 0) payments_.forget(s->payment);
  }
  engine_.retire(session, user);
  dedupe_.erase(session);
  rate_windows_.erase(user);
  store_.retire_session(session, user);
}

void Orchestrator::track_dedupe(const SagaRecord& s) {
  if (s.kind == SagaKind::kOrder || s.kind == SagaKind::kIssueCredit) {
    dedupe_[s.session].emplace_back(s.cart_hash, s.id);
  }
}

}  // namespace checkride
