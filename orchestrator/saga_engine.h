#pragma once
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "orchestrator/action_catalog.h"
#include "orchestrator/audit_log.h"
#include "orchestrator/branch_coverage.h"
#include "orchestrator/config.h"
#include "orchestrator/effects.h"
#include "orchestrator/retry.h"
#include "orchestrator/spend_ledger.h"
#include "orchestrator/store.h"
#include "protocol/payment_event.h"

namespace checkride {

struct StepKind;
struct SagaPlan;
struct CompensationRule;

struct Escalation {
  SessionId session = 0;
  std::string action;
  std::string reason;
  int64_t total = 0;
  std::string params;  // the model's params, for the reviewer
};

// The one saga engine: it walks any handler's declared plan (saga_plans.h) over the step
// kinds of saga_steps.h, registers each compensation before its step is sent, retries,
// refreshes tokens, compensates newest first and answers the agent. It owns what is in
// flight: the calls awaiting an answer, the timers, the agents waiting on a saga, the token
// refreshes, the spend so far and the review queue. Admission decides what it starts.
class SagaEngine {
 public:
  SagaEngine(const ActionCatalog& catalog, const OrchestratorConfig& config, Store& store,
             AuditLog& audit, BranchCoverage& coverage);

  // Work that admission let in. start_saga returns the new saga's id.
  void start_query(const ActionRequest& req, Op op, const HandlerInput& in, Time now, Effects& out);
  SagaId start_saga(const ActionSpec& spec, const ActionRequest& req, const HandlerInput& in,
                    uint64_t cart, SagaId retry_salt, Time now, Effects& out);
  void confirm_booking(const ActionRequest& req, const HandlerInput& in, Time now, Effects& out);
  void start_on_existing(const ActionSpec& spec, const ActionRequest& req, const HandlerInput& in,
                         Time now, Effects& out);
  // A repeat of what saga `s` does: answered with its outcome, or at it when it ends.
  void attach_or_answer(SagaRecord& s, const ActionRequest& req, bool for_hold, Time now,
                        Effects& out);

  void on_provider_reply(CallId call, const ProviderReply& reply, Time now, Effects& out);
  void on_timer(TimerId timer, Time now, Effects& out);
  // After a crash: resumes every saga the Store holds as in flight, with the same keys.
  void recover(Time now, Effects& out);

  // 3-D Secure ended for a saga waiting on it (the payment's webhook said how).
  void authentication_ended(SagaRecord& s, const PaymentEvent& e, Time now, Effects& out);
  // The no_webhook_dedupe defect: fulfils again from the cart.
  void fulfil_again(SagaRecord& s, const PaymentEvent& e, Effects& out);
  // The payment intents that step answers named since the last call, with their sagas: the
  // webhooks about them find their saga by it.
  std::vector<std::pair<ObjectId, SagaId>> take_named_payments();

  // Forgets what the engine keeps for a retired session and its user (before the store does).
  void retire(SessionId session, UserId user);

  int in_flight() const { return in_flight_; }
  const std::vector<Escalation>& review_queue() const { return review_queue_; }
  int breaker_openings() const { return breakers_.opened(); }

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

  // Starting (saga_start.cc).
  SagaRecord record_on_existing(const SagaPlan& plan, const ActionSpec& spec,
                                const ActionRequest& req, const HandlerInput& in);
  const char* take_over_target(SagaRecord& rec, const SagaRecord& target,
                               const SagaPlan& plan) const;
  bool charge_checks(SagaRecord& s, Time now, ActionStatus& status, std::string& code);
  bool spend_consent(const SagaRecord& s);
  bool refund_elsewhere(SagaRecord& s, const std::string& instrument) const;
  const char* route_return_refund(SagaRecord& s) const;
  const char* route_difference_refund(SagaRecord& s) const;
  bool named_card_refused(const SagaRecord& s) const;
  bool keep_difference(SagaRecord& s, const StepKind& kind, int64_t difference, Time now,
                       Effects& out);
  uint64_t charge_of(const SagaRecord& s);
  void take_tenders(SagaRecord& s, const HandlerInput& in);
  bool split_covers_total(SagaRecord& s, std::string& code) const;
  void escalate(const SagaRecord& s, const std::string& reason, Time now);

  // Calls and tokens (saga_calls.cc).
  IdempotencyKey step_key(const SagaRecord& s, uint64_t step_code) const;
  ProviderRequest request_for(const SagaRecord& s, Op op, std::size_t index = 0) const;
  void add_booking_fields(const SagaRecord& s, uint32_t fields, ProviderRequest& r) const;
  void send(SagaRecord& s, PendingKind kind, ProviderRequest req, Time now, Effects& out,
            std::size_t index = 0);
  void send_untracked(const SagaRecord& s, ProviderRequest req, Effects& out);
  void request_refresh(UserId user, Time now, Effects& out);
  void on_refresh_reply(const Pending& p, const ProviderReply& r, Time now, Effects& out);

  // Walking the plan (saga_engine.cc).
  void on_query_reply(const Pending& p, const ProviderReply& r, Time now, Effects& out);
  void on_saga_reply(const Pending& p, const ProviderReply& r, Time now, Effects& out);
  void run_step(SagaRecord& s, Time now, Effects& out);
  void on_step_reply(SagaRecord& s, const ProviderReply& r, Time now, Effects& out);
  void step_failed(SagaRecord& s, const StepKind& kind, const ProviderReply& r, Time now,
                   Effects& out);
  bool keep_paid_debits(SagaRecord& s, const DebitParts& paid) const;
  void step_succeeded(SagaRecord& s, const StepKind& kind, const ProviderReply& r, Time now,
                      Effects& out);
  void pause_for_confirmation(SagaRecord& s, Time now, Effects& out);
  void ack_before_capture(SagaRecord& s, Time now, Effects& out);
  bool skipped(const SagaRecord& s, Step step) const;
  // Goes on to the next step of the saga's plan (or finishes, or pauses).
  void advance(SagaRecord& s, Time now, Effects& out);
  void finish(SagaRecord& s, ActionStatus status, std::string code, Time now, Effects& out);
  void answer_waiters(SagaRecord& s, bool hold_phase_only, Time now, Effects& out);
  // Retries a retryable failure; returns false when the step's retries are used up.
  bool schedule_retry(SagaRecord& s, const ProviderReply& r, bool forever, Time now, Effects& out);
  bool must_complete(const SagaRecord& s) const;
  void reply(SessionId session, uint64_t request_id, ActionStatus status, std::string code,
             Time now, Effects& out, std::string reference = {}, int64_t total = 0,
             Duration retry_after = 0);

  // 3-D Secure's wait (saga_authentication.cc).
  void await_authentication(SagaRecord& s, Time now, Effects& out);
  void arm_authentication_timeout(const SagaRecord& s, Time now, Effects& out);

  // Undoing (saga_compensation.cc).
  void fail(SagaRecord& s, ActionStatus status, std::string code, Time now, Effects& out);
  void forget_attempt(SagaRecord& s);
  void compensate_next(SagaRecord& s, Time now, Effects& out);
  void on_compensation_reply(SagaRecord& s, Op op, std::size_t index, const ProviderReply& r,
                             Time now, Effects& out);
  bool compensate_tender(SagaRecord& s, const CompensationRule& rule, Time now, Effects& out);
  void on_tender_compensated(SagaRecord& s, Op op, std::size_t index, const ProviderReply& r,
                             Time now);
  void back_to_hold(SagaRecord& s, Time now, Effects& out);

  const ActionCatalog& catalog_;
  const OrchestratorConfig& config_;
  Store& store_;
  AuditLog& audit_;
  BranchCoverage& coverage_;
  CircuitBreakers breakers_;
  SpendLedger spend_;

  CallId next_call_ = 1;
  TimerId next_timer_ = 1;
  int in_flight_ = 0;
  // Lookup-only maps: never iterated, so their order cannot reach an effect.
  std::unordered_map<CallId, Pending> pending_;
  std::unordered_map<TimerId, TimerCtx> timers_;
  std::unordered_map<SagaId, std::vector<Waiter>> waiters_;
  std::unordered_map<UserId, TokenState> tokens_;
  std::vector<std::pair<ObjectId, SagaId>> named_payments_;
  std::vector<Escalation> review_queue_;
};

}  // namespace checkride
