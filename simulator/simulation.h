#pragma once
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "fakes/world.h"
#include "orchestrator/orchestrator.h"
#include "protocol/cassette.h"
#include "reports/report.h"
#include "scenario/checkers.h"
#include "scenario/compile_templates.h"
#include "scenario/fault_plan.h"
#include "scenario/scenario.h"
#include "scenario/template_mix.h"
#include "simulator/event_queue.h"
#include "simulator/timeline_recorder.h"

namespace checkride {

// One answer an agent got for one of its steps (retries included), as on_answer sees it:
// the session's template, the step's index, the recorded step, the answer, the session's
// user and the world (the fakes' ground truth) as it stands.
struct AgentAnswer {
  uint32_t tmpl;
  uint16_t step;
  const CassetteStep& recorded;
  const ActionResult& result;
  UserId user;
  const World& world;
};

struct SimulationOptions {
  uint64_t trace_session = 0;  // print this session's events
  bool keep_audit = false;     // keep every audit record (tests); else only the chain head
  bool retire_settled = true;  // check settled sessions early and drop them (bounded memory)
  // Called every `progress_every` sessions started, with (started, total). Output only: it
  // cannot influence the run.
  std::function<void(int64_t, int64_t)> progress;
  int64_t progress_every = 1 << 16;
  // Replay: session i plays template (i-1) mod N, in order, instead of a weighted pick.
  bool sequential = false;
  // Replay: faults apply to the last session too, not only while sessions are arriving.
  bool faults_in_drain = false;
  // Sees every answer an agent gets for one of its steps. Output only, like `progress`.
  std::function<void(const AgentAnswer&)> on_answer;
};

// One deterministic run of a scenario: a single-threaded discrete-event loop on virtual
// time driving the real orchestrator against the fakes.
class Simulation {
 public:
  Simulation(const Scenario& scenario, const ActionCatalog& actions,
             std::vector<CompiledTemplate> templates, SimulationOptions options = {});
  ~Simulation();

  Report run();
  const std::vector<std::string>& trace() const { return trace_; }
  uint64_t events_processed() const { return events_; }
  const World& world() const { return *world_; }
  const MemoryStore& store() const { return *store_; }

 private:
  struct Agent {
    uint32_t tmpl;
    uint16_t step;
    uint8_t retries_used;
    uint32_t key_generation;
    uint64_t request_id;  // the answer being waited for; 0 when not waiting
    Time started;
    Time sent_at;
    UserId user;
    PaymentMethodId payment_method;
    std::vector<std::string> refs;  // sandbox ids handed back, per step (if needed)
    bool deadline_armed = false;    // a kAgentDeadline event is queued for this agent
  };

  void on_event(const Event& e);
  void arrive(Time now);
  void schedule_next_arrival(Time now);
  void start_session(Time now);
  void agent_step(SessionId id, Time now);
  void send_action(SessionId id, Agent& a, Time now, bool duplicate, bool dup_new_key);
  void on_agent_answer(const ActionResult& r, Time now);
  void agent_gives_up(SessionId id, uint64_t request_id, Time now);  // its timeout passed
  void finish_session(SessionId id, Time now);
  // workload.keep_sessions: whether session `id` runs (ids arrive in order).
  bool kept(SessionId id);
  void skip_session(Time now);
  void next_closed_arrival(Time now);  // closed model: a finished slot lets the next one in
  // Checks a finished session and drops its state everywhere once its ledger is final.
  void try_retire(SessionId id, Time now);
  void dispatch(const ProviderCall& call, Time now);
  // Payment webhooks (simulator/payment_webhooks.cc): the payments fake's new events go out
  // through the webhook fault rules, in virtual time, retried with backoff when the
  // orchestrator is down or refuses them, as Stripe retries.
  void send_payment_events(SessionId session, Time now);
  void queue_delivery(const PaymentEvent& event, SessionId session, int attempt, Time at,
                      bool forged = false);
  void on_webhook(uint32_t slot, Time now);
  void shopper_meets_3ds(ObjectId intent, SessionId session, Time now);
  void shopper_authenticates(ObjectId intent, uint64_t who, Time now);
  void payment_event_settled(SessionId session);
  void apply(Time now);
  void crash(Time now, Duration restart_after);
  void restart(Time now);
  // Faults strike while load is on; the drain after it is fault-free, unless told otherwise.
  bool loading(Time now) const {
    return options_.faults_in_drain || !arrivals_done_ || now <= load_end_;
  }
  void fold(uint64_t a, uint64_t b);
  // A fresh 64-bit draw for a call or action of `session`: the session's own n-th draw, so
  // it does not depend on how many other sessions there are (shrink removes some).
  uint64_t entropy(SessionId session);
  // Trace lines are built only for the traced session: `line` is a callable.
  template <typename MakeLine>
  void note(SessionId s, Time now, MakeLine&& line) {
    if (options_.trace_session != 0 && s == options_.trace_session) add_trace(now, line());
  }
  void add_trace(Time now, const std::string& line);
  std::shared_ptr<const nlohmann::json> params_for(const Agent& a, const CompiledTemplate& t,
                                                   int step);
  Report check();

  const Scenario& scenario_;
  const ActionCatalog& actions_;
  std::vector<CompiledTemplate> templates_;
  TemplateMix mix_;  // after templates_: it strips their "N:" prefixes
  SimulationOptions options_;

  OrchestratorConfig config_;  // the scenario's, plus the service credential
  std::unique_ptr<World> world_;
  std::unique_ptr<MemoryStore> store_;
  std::unique_ptr<Orchestrator> orchestrator_;
  uint32_t epoch_ = 0;
  int64_t crashes_ = 0;
  BranchCoverage branch_coverage_;  // what instances that crashed ran
  TimelineRecorder timeline_;
  Effects fx_;
  std::vector<Effects> spare_effects_;  // emptied effect buffers, kept for their capacity
  EventQueue queue_;
  FaultPlan faults_;
  Stream arrivals_stream_;
  Stream mix_stream_;
  uint64_t latency_salt_[kProviderCount];
  uint64_t draws_without_session_ = 0;

  RetiringTable<Agent> agents_;             // id = session id; retired when it finishes
  RetiringTable<SessionOutcome> outcomes_;  // id = session id; retired once checked
  Checkers checkers_;
  std::vector<ProviderReply> reply_slab_;
  std::vector<uint32_t> free_slots_;
  struct Delivery {
    PaymentEvent event;
    SessionId session;
    int attempt;
    bool forged;  // an attacker's: never retried, whatever the answer
  };
  uint64_t sessions_retired_ = 0;  // checked early and let go (try_retire)
  uint64_t sessions_skipped_ = 0;  // not kept (keep_sessions): their ids retired at once
  bool webhooks_ = false;          // a 3-D Secure card or a webhook fault: payment events go out
  std::vector<Delivery> delivery_slab_;
  std::vector<uint32_t> free_deliveries_;
  // Per session: deliveries in flight and shoppers still in 3-D Secure. Its ledger may still
  // change while any is left (lookup only, never iterated).
  std::unordered_map<SessionId, int32_t> payment_events_due_;
  uint64_t next_request_ = 1;
  int64_t started_ = 0;
  std::size_t next_kept_ = 0;
  int64_t lookups_as_recorded_ = 0;  // lookup answers that came from the recording
  bool arrivals_done_ = false;
  Time load_end_ = 0;
  Time now_ = 0;
  uint64_t fingerprint_ = 0xcbf29ce484222325ULL;
  uint64_t events_ = 0;
  std::map<std::string, LogHistogram> latency_;
  LogHistogram* session_latency_;
  std::unordered_map<std::string, LogHistogram*> action_latency_by_name_;
  struct OpCounts {
    uint64_t calls = 0;
    std::array<uint64_t, kErrorCodeCount> errors{};  // index: ErrorCode (kNone unused)
  };
  std::array<OpCounts, kOpCount> op_counts_{};  // per provider op; named in check()
  std::vector<std::string> trace_;
};

// Whether a run emits payment webhooks: a session's card asks for 3-D Secure, or a rule acts
// on their delivery. Other runs have none to wait for, so they stay as fast as before.
bool needs_payment_webhooks(const Scenario& scenario,
                            const std::vector<CompiledTemplate>& templates);

}  // namespace checkride
