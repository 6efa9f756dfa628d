#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/action.h"
#include "reports/histogram.h"
#include "scenario/checkers.h"
#include "scenario/compiled_template.h"
#include "scenario/scenario.h"
#include "wire/drive/drive_progress.h"

namespace checkride {

using SteadyTime = std::chrono::steady_clock::time_point;

struct DriveStats {
  std::map<std::string, LogHistogram> latency;  // "action.<name>", "request", "session"
  uint64_t requests = 0;
  uint64_t transport_errors = 0;  // no HTTP answer (refused, reset, timed out)
  uint64_t http_errors = 0;       // 4xx/5xx from the orchestrator
  void merge(const DriveStats& o);
};

// What the agent saw, as the fakes' report endpoint takes it (docs/wire.md).
struct DrivenSession {
  std::string id;  // the session id sent to the orchestrator
  uint64_t user = 0;
  uint32_t tmpl = 0;
  nlohmann::json outcome;
};

// What every session of a drive shares.
struct SessionContext {
  AgentSpec agent;
  double think_scale = 0;
  std::function<Time(SteadyTime)> wire_time;  // the fakes' clock at a steady-clock instant
  DriveProgress* progress = nullptr;          // told each action's latency (none: not watched)
  // Per template, per step: its params dumped once (empty for a step whose params take a
  // reference from an earlier answer, and for consent steps), from params_texts().
  const std::vector<std::vector<std::string>>* params_text = nullptr;
};

// What SessionContext::params_text holds for `templates`.
std::vector<std::vector<std::string>> params_texts(const std::vector<CompiledTemplate>& templates);

// One HTTP request a session wants sent, and the answer it gets.
struct SessionRequest {
  enum class To { kOrchestrator, kControl } to = To::kOrchestrator;
  std::string path;
  std::string body;   // JSON
  bool sign = false;  // signed with the drive's secret (orchestrator); else the control token
};
struct SessionAnswer {
  bool transport_error = false;
  std::string transport_what;  // the failure's name, e.g. "timed out"
  int status = 0;
  std::string body;
};

// One session played as the simulator's agent plays it (the same steps, retry policy and
// outcome bookkeeping), with no I/O of its own: it says what to send or how long to wait,
// and is told each answer. The drive's event loop runs many of them on few threads.
class SessionMachine {
 public:
  enum class Next { kSend, kWait, kDone };

  // Plays `t` as session `id`; latency counts from `intended` (the slot the open model gave
  // it), so a late start shows in the figures instead of vanishing.
  SessionMachine(const SessionContext& context, std::string id, uint32_t tmpl,
                 const CompiledTemplate& t, SteadyTime intended, DriveStats& stats);

  // What to do now: send `request` (then call answered), wait until `until` (then call next
  // again), or nothing more (done).
  Next next(SteadyTime now, SessionRequest& request, SteadyTime& until);
  void answered(const SessionAnswer& answer, SteadyTime now);

  // Ends the session where it stands after something that should never happen (an
  // exception from the JSON library): it counts as not started, with `what` as the reason.
  void abandon(const std::string& what) {
    error_ = "internal error in session " + out_.id + ": " + what;
    phase_ = Phase::kDone;
  }

  // When done: whether the session started (the fakes gave it a shopper), else why not.
  bool started() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  DrivenSession& result() { return out_; }

 private:
  enum class Phase { kShopper, kOpen, kStep, kDone };
  void shopper_answered(const SessionAnswer& a);
  void open_answered(const SessionAnswer& a, SteadyTime now);
  void consent_answered(const SessionAnswer& a, SteadyTime now);
  void action_answered(const SessionAnswer& a, SteadyTime now);
  void retry_after(Duration delay, SteadyTime now);
  void finish(SteadyTime now, bool finished);
  std::string action_body();

  const SessionContext& context_;
  const CompiledTemplate& t_;
  DriveStats& stats_;
  SteadyTime intended_;
  Phase phase_ = Phase::kShopper;
  DrivenSession out_;
  std::string error_;
  std::string user_, method_;  // the shopper's customer id and payment method
  nlohmann::json grant_;
  SessionOutcome outcome_;
  std::vector<std::string> refs_;  // per step: the reference its answer named
  std::size_t k_ = 0;              // the step being played
  int retries_used_ = 0;
  int open_attempts_ = 0;
  uint32_t key_generation_ = 0;
  uint64_t next_request_ = 1;
  SteadyTime step_start_;  // when the next request should go out
  SteadyTime wake_;        // a retry's delay ends
  bool thought_ = false;   // this attempt's think time is already added
  bool waiting_ = false;   // a retry delay is pending
};

}  // namespace checkride
