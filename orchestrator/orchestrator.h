#pragma once
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "orchestrator/action_catalog.h"
#include "orchestrator/audit_log.h"
#include "orchestrator/branch_coverage.h"
#include "orchestrator/config.h"
#include "orchestrator/effects.h"
#include "orchestrator/retry.h"
#include "orchestrator/store.h"
#include "protocol/payment_event.h"

namespace checkride {

struct StepKind;
struct SagaPlan;
struct CompensationRule;

// What the orchestrator did with a payment webhook (wire mode answers by it).
enum class EventVerdict : uint8_t {
  kApplied,       // it acted on it, or learned from it
  kDuplicate,     // an event it already acted on: nothing happens again
  kIgnored,       // about a payment none of its sagas made, or nothing to learn
  kBadSignature,  // refused: Stripe-Signature did not verify (answered 400)
};

struct Escalation {
  SessionId session = 0;
  std::string action;
  std::string reason;
  int64_t total = 0;
  std::string params;  // the model's params, for the reviewer
};

// The real orchestrator, sans I/O: it takes inputs with the current time and appends the
// effects it wants performed to `out`. It never reads a clock, opens a socket, sleeps or
// draws an unseeded random number; the simulator and the HTTP service drive the same code.
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

  int in_flight() const { return in_flight_; }
  const std::vector<Escalation>& review_queue() const { return review_queue_; }
  const AuditLog& audit() const { return audit_; }
  int breaker_openings() const { return breakers_.opened(); }
  // The rarely taken branches this instance ran (a restarted one starts from zero).
  const BranchCoverage& coverage() const { return coverage_; }

 private:
  enum class PendingKind : uint8_t { kStep, kCompensation, kRefresh, kQuery, kFireAndForget };
  struct Pending {
    PendingKind kind;
    Op op;
    SagaId saga;
    UserId user;
    SessionId session;
    uint64_t request_id;
    uint16_t index = 0;  // a step or compensation on a tender: which one
  };
  enum class TimerKind : uint8_t { kRetry, kHoldExpiry, kAuthenticationTimeout };
  struct TimerCtx {
    TimerKind kind;
    SagaId saga;
  };
  struct Waiter {
    SessionId session;
    uint64_t request_id;
    bool for_hold;  // createBooking: answered once the hold exists
  };
  struct TokenState {
    bool refreshing = false;
    Time refreshed_at = -1;  // a token fresher than the skew is used, not refreshed again
    std::vector<SagaId> waiting;
  };
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
  void attach_or_answer(SagaRecord& s, const ActionRequest& req, bool for_hold, Time now,
                        Effects& out);
  void start_query(const ActionRequest& req, Op op, const HandlerInput& in, Time now, Effects& out);
  void start_saga(const ActionSpec& spec, const ActionRequest& req, const HandlerInput& in,
                  uint64_t cart, SagaId retry_salt, Time now, Effects& out);
  void confirm_booking(const ActionRequest& req, const HandlerInput& in, Time now, Effects& out);
  void start_on_existing(const ActionSpec& spec, const ActionRequest& req, const HandlerInput& in,
                         Time now, Effects& out);
  SagaRecord record_on_existing(const SagaPlan& plan, const ActionSpec& spec,
                                const ActionRequest& req, const HandlerInput& in);
  const char* take_over_target(SagaRecord& rec, const SagaRecord& target,
                               const SagaPlan& plan) const;
  bool charge_checks(SagaRecord& s, Time now, ActionStatus& status, std::string& code);
  void take_tenders(SagaRecord& s, const HandlerInput& in);
  bool split_covers_total(SagaRecord& s, std::string& code) const;

  void on_query_reply(const Pending& p, const ProviderReply& r, Time now, Effects& out);
  void on_refresh_reply(const Pending& p, const ProviderReply& r, Time now, Effects& out);
  void on_saga_reply(const Pending& p, const ProviderReply& r, Time now, Effects& out);
  void run_step(SagaRecord& s, Time now, Effects& out);
  void on_step_reply(SagaRecord& s, const ProviderReply& r, Time now, Effects& out);
  void step_failed(SagaRecord& s, const StepKind& kind, const ProviderReply& r, Time now,
                   Effects& out);
  bool keep_paid_debits(SagaRecord& s, const DebitParts& paid) const;
  void step_succeeded(SagaRecord& s, const StepKind& kind, const ProviderReply& r, Time now,
                      Effects& out);
  void pause_for_confirmation(SagaRecord& s, Time now, Effects& out);
  void await_authentication(SagaRecord& s, Time now, Effects& out);
  void arm_authentication_timeout(const SagaRecord& s, Time now, Effects& out);
  void authentication_ended(SagaRecord& s, const PaymentEvent& e, Time now, Effects& out);
  void learn_payment_state(SagaRecord& s, const PaymentEvent& e, Time now);
  void fulfil_again(SagaRecord& s, const PaymentEvent& e, Effects& out);
  void keep_early(const PaymentEvent& e);
  void replay_early_events(ObjectId intent, Time now, Effects& out);
  void ack_before_capture(SagaRecord& s, Time now, Effects& out);
  void send_untracked(const SagaRecord& s, ProviderRequest req, Effects& out);
  void compensate_next(SagaRecord& s, Time now, Effects& out);
  void on_compensation_reply(SagaRecord& s, Op op, std::size_t index, const ProviderReply& r,
                             Time now, Effects& out);
  bool compensate_tender(SagaRecord& s, const CompensationRule& rule, Time now, Effects& out);
  void on_tender_compensated(SagaRecord& s, Op op, std::size_t index, const ProviderReply& r,
                             Time now);
  bool skipped(const SagaRecord& s, Step step) const;
  void forget_attempt(SagaRecord& s);
  // Goes on to the next step of the saga's plan (or finishes, or pauses).
  void advance(SagaRecord& s, Time now, Effects& out);
  void fail(SagaRecord& s, ActionStatus status, std::string code, Time now, Effects& out);
  void finish(SagaRecord& s, ActionStatus status, std::string code, Time now, Effects& out);
  void back_to_hold(SagaRecord& s, Time now, Effects& out);
  void answer_waiters(SagaRecord& s, bool hold_phase_only, Time now, Effects& out);
  // Retries a retryable failure; returns false when the step's retries are used up.
  bool schedule_retry(SagaRecord& s, const ProviderReply& r, bool forever, Time now, Effects& out);
  void send(SagaRecord& s, PendingKind kind, ProviderRequest req, Time now, Effects& out,
            std::size_t index = 0);
  void request_refresh(UserId user, Time now, Effects& out);
  IdempotencyKey step_key(const SagaRecord& s, uint64_t step_code) const;
  ProviderRequest request_for(const SagaRecord& s, Op op, std::size_t index = 0) const;
  bool must_complete(const SagaRecord& s) const;
  void escalate(const SagaRecord& s, const std::string& reason, Time now);
  void track_dedupe(const SagaRecord& s);
  int64_t& spend_today(UserId user, Time now);

  const ActionCatalog& catalog_;
  OrchestratorConfig config_;
  Store& store_;
  AuditLog audit_;
  CircuitBreakers breakers_;
  BranchCoverage coverage_;

  CallId next_call_ = 1;
  TimerId next_timer_ = 1;
  int in_flight_ = 0;
  // Lookup-only maps: never iterated, so their order cannot reach an effect.
  std::unordered_map<CallId, Pending> pending_;
  std::unordered_map<TimerId, TimerCtx> timers_;
  std::unordered_map<SagaId, std::vector<Waiter>> waiters_;
  std::unordered_map<UserId, TokenState> tokens_;
  std::unordered_map<ObjectId, SagaId> payment_sagas_;  // a payment intent -> its saga
  // Events about an intent no saga knows yet: its authorization's answer was lost and is
  // being asked again, while the shopper already authenticated. Applied once an answer names
  // the intent; the oldest intents' are dropped past kEarlyIntentsKept.
  static constexpr std::size_t kEarlyIntentsKept = 4096;
  std::unordered_map<ObjectId, std::vector<PaymentEvent>> early_events_;
  std::deque<ObjectId> early_order_;
  std::unordered_map<SessionId, std::vector<std::pair<uint64_t, SagaId>>> dedupe_;
  std::unordered_map<UserId, std::pair<int64_t, int32_t>> rate_windows_;
  std::unordered_map<SessionId, int64_t> spend_session_;
  std::unordered_map<UserId, std::pair<int64_t, int64_t>> spend_day_;  // user -> (day, spent)
  std::unordered_map<const nlohmann::json*, ParsedParams> parsed_;
  std::vector<Escalation> review_queue_;
};

}  // namespace checkride
