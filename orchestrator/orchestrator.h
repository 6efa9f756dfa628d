#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "orchestrator/action_catalog.h"
#include "orchestrator/audit_log.h"
#include "orchestrator/branch_coverage.h"
#include "orchestrator/config.h"
#include "orchestrator/effects.h"
#include "orchestrator/payment_events.h"
#include "orchestrator/saga_engine.h"
#include "orchestrator/store.h"
#include "protocol/payment_event.h"

namespace checkride {

// The real orchestrator, sans I/O: it takes inputs with the current time and appends the
// effects it wants performed to `out`. It never reads a clock, opens a socket, sleeps or
// draws an unseeded random number; the simulator and the HTTP service drive the same code.
//
// A thin front: an action passes admission (the declared gates of admission.cc) and goes to
// the saga engine; provider answers and timers go to the engine; payment webhooks go to the
// payment-event handler, which tells the engine what they end.
class Orchestrator {
 public:
  Orchestrator(const ActionCatalog& catalog, const OrchestratorConfig& config, Store& store);

  // The user's delegated OAuth grant for a session.
  void on_session_start(const SessionGrant& grant, Time now);
  void on_consent(const ConsentGrant& consent, Time now);
  void on_action(const ActionRequest& request, Time now, Effects& out);
  void on_provider_reply(CallId call, const ProviderReply& reply, Time now, Effects& out);
  void on_timer(TimerId timer, Time now, Effects& out);
  // A payment webhook. Only a verified one is believed; each event acts once (its id is kept
  // with the saga it concerns); a finished saga learns from it but never reopens.
  EventVerdict on_payment_event(const PaymentEvent& event, Time now, Effects& out);
  // After a crash: resumes every saga the Store holds as in flight, with the same keys.
  void recover(Time now, Effects& out);

  // True when every saga of the session has finished (compensations included): nothing
  // the orchestrator does can change that session's ledger any more.
  bool settled(SessionId session) const;
  // Forgets a settled session and its user: sagas, keys, consents, grant and every cache
  // keyed by them. The host calls it once the session's outcome is recorded, which keeps a
  // long run's memory to what is in flight.
  void retire_session(SessionId session, UserId user);

  int in_flight() const { return engine_.in_flight(); }
  const std::vector<Escalation>& review_queue() const { return engine_.review_queue(); }
  const AuditLog& audit() const { return audit_; }
  int breaker_openings() const { return engine_.breaker_openings(); }
  // The rarely taken branches this instance ran (a restarted one starts from zero).
  const BranchCoverage& coverage() const { return coverage_; }

 private:
  struct ParsedParams {
    std::shared_ptr<const nlohmann::json> keep_alive;
    const ActionSpec* spec;
    std::string error;  // empty when valid
    HandlerInput input;
  };

  // One action on its way through admission: what the gates learned of it so far.
  struct Admission {
    Admission(const ActionRequest& req, Time now, Effects& out) : req(req), now(now), out(out) {}
    const ActionRequest& req;
    Time now;
    Effects& out;
    const ActionSpec* spec = nullptr;
    const ParsedParams* parsed = nullptr;
    const SessionGrant* grant = nullptr;
    SagaId retry_salt = 0;  // the failed saga a same-key retry replaces
    uint64_t cart = 0;      // what the action buys, for the dedupe of repeats
    std::string code;       // a refusal's code, when the gate's own says too little
    Duration retry_after = 0;
  };
  enum class GateVerdict : uint8_t { kPass, kRefuse, kHandled };
  struct AdmissionGate {
    const char* name;
    GateVerdict (Orchestrator::*check)(Admission&);
    ActionStatus status;  // kRefuse answers with this status...
    const char* code;     // ...and this code (unless the check set one)
  };
  static const AdmissionGate kAdmission[];
  GateVerdict gate_audit(Admission& a);
  GateVerdict gate_catalog(Admission& a);
  GateVerdict gate_params(Admission& a);
  GateVerdict gate_schema(Admission& a);
  GateVerdict gate_grant(Admission& a);
  GateVerdict gate_scope(Admission& a);
  GateVerdict gate_quantity(Admission& a);
  GateVerdict gate_rate(Admission& a);
  GateVerdict gate_idempotency(Admission& a);
  GateVerdict gate_dedupe(Admission& a);
  GateVerdict gate_route(Admission& a);
  GateVerdict gate_in_flight(Admission& a);

  const ParsedParams& parse(const ActionSpec& spec, const ActionRequest& req);
  void reply(SessionId session, uint64_t request_id, ActionStatus status, std::string code,
             Time now, Effects& out, std::string reference = {}, int64_t total = 0,
             Duration retry_after = 0);
  // A payment the engine's steps named: its webhooks that came early act now.
  void payments_named(Time now, Effects& out);
  void track_dedupe(const SagaRecord& s);

  const ActionCatalog& catalog_;
  OrchestratorConfig config_;
  Store& store_;
  AuditLog audit_;
  BranchCoverage coverage_;
  SagaEngine engine_;
  PaymentEvents payments_;

  // Lookup-only maps: never iterated, so their order cannot reach an effect.
  std::unordered_map<SessionId, std::vector<std::pair<uint64_t, SagaId>>> dedupe_;
  std::unordered_map<UserId, std::pair<int64_t, int32_t>> rate_windows_;
  std::unordered_map<const nlohmann::json*, ParsedParams> parsed_;
};

}  // namespace checkride
