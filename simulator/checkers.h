#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fakes/world.h"
#include "reports/report.h"
#include "simulator/compiled_template.h"
#include "simulator/scenario.h"

namespace checkride {

// What the agent side saw in one session, kept until the session is checked.
struct SessionOutcome {
  uint32_t tmpl = 0;
  uint16_t flags = 0;
  int64_t max_consent = 0;  // largest amount the user explicitly confirmed
  Time first_consent = -1;
  enum : uint16_t {
    kIntent = 1,
    kToldConfirmed = 2,
    kToldFailed = 4,
    kFinished = 8,
    kEscalated = 16,
    kThrottled = 32,
    kStarted = 64,
  };
};

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

  // Reads the session's user's ledger (user id = session id) and what its agent was told.
  void check_session(SessionId session, const SessionOutcome& outcome, const World& world);
  // Adds the global checks and returns the report (metrics, money, witnesses); the caller
  // adds latency and evaluates the gates.
  Report finish(const World& world);

 private:
  void offend(const char* metric, SessionId session, const SessionOutcome& outcome,
              const World& world, int64_t count = 1);
  void witness(const std::string& metric, SessionId session, const SessionOutcome& outcome,
               const World& world);

  const Scenario& scenario_;
  const std::vector<CompiledTemplate>& templates_;
  std::map<std::string, double> metrics_;
  std::map<std::string, std::vector<Witness>> witnesses_;  // first three per metric
  std::vector<TemplateStats> by_template_;                 // index: template
  int64_t captured_ = 0, refunded_ = 0, confirmed_totals_ = 0;
};

}  // namespace checkride
