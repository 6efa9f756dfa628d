#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/action.h"
#include "reports/histogram.h"
#include "scenario/checkers.h"
#include "scenario/compiled_template.h"
#include "scenario/scenario.h"
#include "wire/drive/drive_progress.h"

namespace httplib {
class Client;
}

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

// One keep-alive connection pair (orchestrator, control API) playing sessions one at a time
// as the simulator's agent would: the same steps, retry policy and outcome bookkeeping.
class SessionPlayer {
 public:
  SessionPlayer(const std::string& orchestrator, const std::string& control,
                const std::string& control_token, const std::string& secret, const AgentSpec& agent,
                double think_scale, std::function<Time(SteadyTime)> wire_time);
  ~SessionPlayer();

  // Plays `t` as session `id`; latency counts from `intended` (the slot the open model gave
  // it), so a late start shows in the figures instead of vanishing. False when the fakes'
  // control API could not create a shopper (the session never started).
  bool play(const std::string& id, uint32_t tmpl, const CompiledTemplate& t, SteadyTime intended,
            DrivenSession& out, std::string& error);

  DriveStats& stats() { return stats_; }
  // Each answered action request is also told to `progress` (none: not watched).
  void set_progress(DriveProgress* progress) { progress_ = progress; }

 private:
  struct Answer {
    bool transport_error = false;
    std::string transport_what;  // httplib's name for the failure, e.g. "Read"
    int status = 0;
    nlohmann::json body;
  };
  Answer post(httplib::Client& c, const std::string& path, const nlohmann::json& body, bool sign);
  // Where one session stands while it plays.
  struct Playthrough {
    std::string user;    // the shopper's customer id
    std::string method;  // their payment method
    nlohmann::json grant;
    SessionOutcome outcome;
    std::vector<std::string> refs;  // per step: the reference its answer named
    std::size_t k = 0;              // the step being played
    int retries_used = 0;
    uint32_t key_generation = 0;
    SteadyTime step_start;  // when the next request should go out
  };
  bool start_shopper(const std::string& id, const CompiledTemplate& t, Playthrough& p,
                     DrivenSession& out, std::string& error);
  bool open_session(const Playthrough& p);
  bool play_consent(const std::string& id, const CassetteStep& step, Playthrough& p);
  ActionResult send_action(const std::string& id, const CassetteStep& step, Playthrough& p,
                           SteadyTime& answered);
  bool play_action(const std::string& id, const CompiledTemplate& t, Playthrough& p);

  std::unique_ptr<httplib::Client> orchestrator_, control_;
  std::string control_token_, secret_;
  AgentSpec agent_;
  double think_scale_;
  std::function<Time(SteadyTime)> wire_time_;
  DriveStats stats_;
  DriveProgress* progress_ = nullptr;
  uint64_t next_request_ = 1;
};

}  // namespace checkride
