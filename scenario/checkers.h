#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/world.h"
#include "reports/report.h"
#include "scenario/compiled_template.h"
#include "scenario/scenario.h"

namespace checkride {

// What the agent side saw in one session, kept until the session is checked.
struct SessionOutcome {
  uint32_t tmpl = 0;
  uint16_t flags = 0;
  uint16_t reason = 0;      // the last charge answer's reason code (Checkers::reason_id), 0 none
  int64_t max_consent = 0;  // largest amount the user explicitly confirmed
  Time first_consent = -1;
  uint32_t draws = 0;  // random draws made for this session's calls (Simulation::entropy)
  // Yeses the user gave, each covering one charge (saturating); kConsentsUntold when a wire
  // report did not say, and then not counted against the charges.
  uint8_t consents = 0;
  static constexpr uint8_t kConsentsUntold = 255;
  enum : uint16_t {
    kIntent = 1,
    kToldConfirmed = 2,
    kToldFailed = 4,
    kFinished = 8,
    kEscalated = 16,
    kThrottled = 32,
    kStarted = 64,
    kConfirmedBefore = 128,  // some charge-bearing step was confirmed, the latest or not
  };
  // The user said yes to `amount` at `at`.
  void on_consent(int64_t amount, Time at) {
    max_consent = std::max(max_consent, amount);
    if (first_consent < 0) first_consent = at;
    if (consents < kConsentsUntold - 1) ++consents;
  }
  // Folds one answer the agent got into what it was told: a charge-bearing step's latest
  // answer decides confirmed / failed / throttled; a review anywhere means escalated.
  void on_answer(bool charge, ActionStatus status, uint16_t reason_id = 0) {
    if (charge) {
      reason = reason_id;
      flags &= static_cast<uint16_t>(~(kToldConfirmed | kToldFailed | kThrottled));
      if (status == ActionStatus::kConfirmed)
        flags |= kToldConfirmed | kConfirmedBefore;
      else if (status == ActionStatus::kBusy)
        flags |= kThrottled;
      else if (status != ActionStatus::kUnavailable)
        flags |= kToldFailed;
    }
    if (status == ActionStatus::kReview) flags |= kEscalated;
  }
};

// The agent's view as `drive` posts it to the fakes' /__checkride/report (docs/wire.md):
// {user, template, intent, told, finished, escalated, throttled, max_consent,
// first_consent_ms, consents}.
nlohmann::json session_outcome_json(UserId user, const SessionOutcome& o);
// The inverse; false with `error` saying what was expected.
bool parse_session_outcome(const nlohmann::json& j, std::size_t templates, UserId& user,
                           SessionOutcome& o, std::string& error);

// The checkers. Every metric comes from the fakes' ledgers (ground truth) and the agent's
// view of each session, never from what the orchestrator says about itself.
//
// Sessions are checked one at a time, as soon as their ledger can no longer change (the
// host then drops that ledger), and the rest at the end of the run; the global checks
// (stock, seats, coupon budgets) run at the end. So a run of any length keeps only the
// sessions still in flight.
class Checkers {
 public:
  Checkers(const Scenario& scenario, const std::vector<CompiledTemplate>& templates);
  Checkers(const Checkers&) = delete;  // per_session_ points into this one's metrics_
  Checkers& operator=(const Checkers&) = delete;

  // Reads the session's user's ledger (user id = session id) and what its agent was told.
  void check_session(SessionId session, const SessionOutcome& outcome, const World& world);
  // The id a reason code ("out_of_stock") is kept under in SessionOutcome; 0 for none.
  uint16_t reason_id(const std::string& code);

  // Adds the global checks and returns the report (metrics, money, witnesses); the caller
  // adds latency and evaluates the gates.
  Report finish(const World& world);

 private:
  void offend(const char* metric, SessionId session, const SessionOutcome& outcome,
              const World& world, int64_t count = 1);
  void overrun_witness(const std::string& metric, const std::string& what, int64_t capacity,
                       int64_t given, const std::string& unit, const std::string& id_prefix,
                       const std::vector<Overrun>& overruns);
  void witness(const std::string& metric, SessionId session, const SessionOutcome& outcome,
               const World& world);
  void check_payments(SessionId session, const SessionOutcome& outcome, const World& world);
  void check_holds_and_totals(SessionId session, const SessionOutcome& outcome, const World& world);
  void check_fulfilment(SessionId session, const SessionOutcome& outcome, const World& world);
  void check_issued(SessionId session, const SessionOutcome& outcome, const World& world);
  void check_stored_value(SessionId session, const SessionOutcome& outcome, const World& world,
                          int64_t debited, int64_t credited, int64_t kept, int32_t orders);

  void count_outcome(std::string_view outcome);

  const Scenario& scenario_;
  const std::vector<CompiledTemplate>& templates_;
  std::map<std::string, double> metrics_;
  std::map<std::string, std::vector<Witness>> witnesses_;  // first three per metric
  std::vector<TemplateStats> by_template_;                 // index: template
  std::map<std::string, uint16_t> reason_ids_;
  std::vector<std::string> reason_names_{""};              // index: reason id
  std::map<std::string, uint64_t, std::less<>> outcomes_;  // how intents ended, by reason
  struct PerSession {  // metrics_'s counters that every session adds to
    double *sessions, *intents, *completed, *escalations, *throttled;
  } per_session_{};
  int64_t captured_ = 0, refunded_ = 0, confirmed_totals_ = 0;
  // Stored value, also inside captured_ and refunded_; shown apart when a run has any.
  int64_t debited_ = 0, credited_ = 0;
  bool any_stored_value_ = false;
  int64_t issued_ = 0;  // certificates given away
  bool any_credit_ = false;
};

}  // namespace checkride
