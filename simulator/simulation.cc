#include "simulator/simulation.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "fakes/payments.h"
#include "protocol/invariant.h"
#include "scenario/evidence.h"
#include "scenario/fault_counts.h"
#include "scenario/latency.h"
#include "simulator/simulated_call.h"

namespace checkride {
namespace {

constexpr Duration kRetireRecheck = 1000;  // a finished but unsettled session is looked at again

std::string fmt_time(Time t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "t=%lld.%03llds", static_cast<long long>(t / 1000),
                static_cast<long long>(t % 1000));
  return buf;
}

}  // namespace

Simulation::Simulation(const Scenario& scenario, const ActionCatalog& actions,
                       std::vector<CompiledTemplate> templates, SimulationOptions options)
    : scenario_(scenario),
      actions_(actions),
      templates_(std::move(templates)),
      mix_(scenario, templates_),
      options_(options),
      faults_(scenario.faults, scenario.seed, FaultHost::kSimulated),
      arrivals_stream_(scenario.seed, "arrivals"),
      mix_stream_(scenario.seed, "mix"),
      latency_salt_{hash_bytes("latency:catalog", 15), hash_bytes("latency:payment", 15),
                    hash_bytes("latency:booking", 15), hash_bytes("latency:identity", 16)},
      checkers_(scenario, templates_) {
  world_ = std::make_unique<World>(scenario.access_ttl);
  furnish_world(*world_, scenario);
  store_ = std::make_unique<MemoryStore>(options.keep_audit);
  config_ = scenario.orchestrator;
  config_.service_token = world_->identity.client_credentials(kAllApiScopes, 0, 365 * 24 * kHour);
  orchestrator_ = std::make_unique<Orchestrator>(actions_, config_, *store_);
  session_latency_ = &latency_["session"];
  webhooks_ = needs_payment_webhooks(scenario, templates_);
  world_->payments.emit_events(webhooks_);
}

Simulation::~Simulation() = default;

void Simulation::fold(uint64_t a, uint64_t b) { fingerprint_ = mix64(fingerprint_ ^ a, b); }

uint64_t Simulation::entropy(SessionId session) {
  SessionOutcome* o = session != 0 ? outcomes_.find(session) : nullptr;
  uint64_t n = o != nullptr ? o->draws++ : draws_without_session_++;
  return mix64(mix64(scenario_.seed, o != nullptr ? session : 0), n);
}

void Simulation::add_trace(Time now, const std::string& line) {
  trace_.push_back(fmt_time(now) + " " + line);
}

Report Simulation::run() {
  if (scenario_.concurrency > 0) {
    int64_t first = std::min(scenario_.concurrency, scenario_.sessions);
    for (int64_t i = 0; i < first; ++i) queue_.push(0, EventType::kArrival);
    arrivals_done_ = started_ + first >= scenario_.sessions;
  } else {
    queue_.push(0, EventType::kArrival);
  }
  for (auto [at, restart_after] : faults_.timed_crashes()) {
    queue_.push(at, EventType::kCrash, static_cast<uint64_t>(restart_after));
  }
  Event e;
  for (;;) {
    Time limit = arrivals_done_ ? load_end_ + scenario_.drain : std::numeric_limits<Time>::max();
    if (!queue_.pop(limit, e)) break;
    CHECKRIDE_INVARIANT(e.time >= now_, "virtual time never goes back");
    now_ = e.time;
    if (e.type != EventType::kRetire) {  // retirement is bookkeeping, not a simulated event
      ++events_;
      fold(static_cast<uint64_t>(e.time) ^ (static_cast<uint64_t>(e.type) << 56), e.a ^ (e.b << 1));
    }
    on_event(e);
  }
  return check();
}

void Simulation::on_event(const Event& e) {
  switch (e.type) {
    case EventType::kArrival:
      arrive(e.time);
      return;
    case EventType::kAgentStep:
      agent_step(e.a, e.time);
      return;
    case EventType::kAgentTimeout: {
      const Agent* agent = agents_.find(e.a);
      if (agent != nullptr && agent->request_id == e.b) agent_gives_up(e.a, e.b, e.time);
      return;
    }
    case EventType::kAgentDeadline: {
      // One armed deadline per agent instead of one event per request: most requests are
      // answered long before their timeout, so the deadline is re-armed only when due.
      Agent* agent = agents_.find(e.a);
      if (agent == nullptr) return;
      agent->deadline_armed = false;
      if (agent->request_id == 0) return;
      Time due = agent->sent_at + scenario_.agent.timeout;
      if (due <= e.time) {
        agent_gives_up(e.a, agent->request_id, e.time);
      } else {
        agent->deadline_armed = true;
        queue_.push(due, EventType::kAgentDeadline, e.a);
      }
      return;
    }
    case EventType::kAgentDuplicate: {
      if (Agent* agent = agents_.find(e.a)) send_action(e.a, *agent, e.time, true, e.b != 0);
      return;
    }
    case EventType::kProviderReply: {
      CHECKRIDE_INVARIANT(e.b < reply_slab_.size(), "a provider's answer is kept in its slot");
      ProviderReply reply = std::move(reply_slab_[e.b]);
      free_slots_.push_back(static_cast<uint32_t>(e.b));
      if (e.epoch != epoch_ || !orchestrator_) return;  // addressed to a dead instance
      fx_.clear();
      orchestrator_->on_provider_reply(e.a, reply, e.time, fx_);
      apply(e.time);
      return;
    }
    case EventType::kTimer:
      if (e.epoch != epoch_ || !orchestrator_) return;
      fx_.clear();
      orchestrator_->on_timer(e.a, e.time, fx_);
      apply(e.time);
      return;
    case EventType::kCrash:
      crash(e.time, static_cast<Duration>(e.a));
      return;
    case EventType::kRestart:
      restart(e.time);
      return;
    case EventType::kWebhook:
      on_webhook(static_cast<uint32_t>(e.a), e.time);
      return;
    case EventType::kAuthenticate:
      shopper_authenticates(e.a, e.b, e.time);
      return;
    case EventType::kRetire:
      try_retire(e.a, e.time);
      return;
  }
}

void Simulation::schedule_next_arrival(Time now) {
  if (started_ >= scenario_.sessions) {
    arrivals_done_ = true;
    load_end_ = now;
    return;
  }
  const ArrivalSpec& a = scenario_.arrival;
  double gap_ms = 0;
  switch (a.kind) {
    case ArrivalSpec::Kind::kConstant:
      gap_ms = 1.0 / std::max(a.rate_per_ms, 1e-12);
      break;
    case ArrivalSpec::Kind::kPoisson:
      gap_ms = arrivals_stream_.exponential(1.0 / std::max(a.rate_per_ms, 1e-12));
      break;
    case ArrivalSpec::Kind::kRamp: {
      // Piecewise-linear rate; before the first point the first rate, after the last the last.
      double rate = a.ramp.back().second;
      for (std::size_t i = 0; i + 1 < a.ramp.size(); ++i) {
        auto [t0, r0] = a.ramp[i];
        auto [t1, r1] = a.ramp[i + 1];
        if (now < t0) {
          rate = r0;
          break;
        }
        if (now < t1) {
          rate = r0 + (r1 - r0) * static_cast<double>(now - t0) / static_cast<double>(t1 - t0);
          break;
        }
      }
      if (now < a.ramp.front().first) rate = a.ramp.front().second;
      gap_ms = 1.0 / std::max(rate, 1e-6);
      break;
    }
  }
  // Fractional gaps accumulate so a 20000/s ramp really starts 20 sessions per millisecond.
  static_assert(sizeof(double) == 8);
  Time next = now + static_cast<Time>(gap_ms);
  double frac = gap_ms - static_cast<double>(static_cast<Time>(gap_ms));
  if (arrivals_stream_.uniform() < frac) ++next;
  queue_.push(next, EventType::kArrival);
}

void Simulation::arrive(Time now) {
  start_session(now);
  if (scenario_.concurrency <= 0) schedule_next_arrival(now);
}

void Simulation::start_session(Time now) {
  ++started_;
  CHECKRIDE_INVARIANT(started_ <= scenario_.sessions,
                      "no more sessions start than the scenario asks for");
  if (options_.progress && started_ % options_.progress_every == 0) {
    options_.progress(started_, scenario_.sessions);
  }
  SessionId id = static_cast<SessionId>(started_);
  uint32_t tmpl = 0;
  if (options_.sequential) {
    tmpl = static_cast<uint32_t>((started_ - 1) % static_cast<int64_t>(templates_.size()));
  } else {
    tmpl = mix_.pick(mix_stream_);
  }
  const CompiledTemplate& t = templates_[tmpl];
  if (!kept(id)) {
    skip_session(now);
    return;
  }

  timeline_.add(TimelineRecorder::kStarted, now);
  SessionOutcome outcome;
  outcome.tmpl = tmpl;
  outcome.flags = SessionOutcome::kStarted | (t.intent ? SessionOutcome::kIntent : 0);
  const uint64_t outcome_id = outcomes_.add(outcome);
  CHECKRIDE_INVARIANT(outcome_id == id, "a session's outcome takes its own id");

  // Each shopper: its own user, its own payment method, its own delegated grant.
  CardBehaviour card = CardBehaviour::kSucceeds;
  for (const auto& step : t.steps) {
    if (!step.payment_method.empty()) parse_card_behaviour(step.payment_method, card);
  }
  Agent a{tmpl, 0, 0, 0, 0, now, 0, id, world_->payments.add_method(id, card), {}};
  if (t.has_substitutions) a.refs.resize(t.steps.size());
  world_->seed_existing(id, t.user, scenario_.existing, now);
  SessionGrant grant = world_->identity.login(id, id, kAllApiScopes, now);
  if (orchestrator_) orchestrator_->on_session_start(grant, now);
  agents_.add(std::move(a));
  note(id, now, [&] { return "session starts from " + t.name; });
  Duration think = t.steps.empty() ? 0 : t.steps.front().think;
  queue_.push(now + think, EventType::kAgentStep, id);
}

std::shared_ptr<const nlohmann::json> Simulation::params_for(const Agent& a,
                                                             const CompiledTemplate& t, int step) {
  const CassetteStep& s = t.steps[step];
  if (s.substitutions.empty()) return s.params;
  auto copy = std::make_shared<nlohmann::json>(*s.params);
  for (const auto& [pointer, from] : s.substitutions) {
    if (!a.refs[from].empty()) (*copy)[nlohmann::json::json_pointer(pointer)] = a.refs[from];
  }
  return copy;
}

void Simulation::agent_step(SessionId id, Time now) {
  Agent* agent = agents_.find(id);
  if (agent == nullptr) return;
  Agent& a = *agent;
  const CompiledTemplate& t = templates_[a.tmpl];
  if (a.step >= t.steps.size()) {
    finish_session(id, now);
    return;
  }
  const CassetteStep& step = t.steps[a.step];
  if (step.kind == CassetteStep::Kind::kConfirm) {
    if (!orchestrator_) {  // the agent runtime retries relaying the user's answer
      queue_.push(now + scenario_.agent.retry_delay, EventType::kAgentStep, id);
      return;
    }
    SessionOutcome& o = *outcomes_.find(id);
    if (step.granted) o.on_consent(step.amount, now);
    orchestrator_->on_consent(ConsentGrant{id, step.amount, step.granted}, now);
    note(id, now, [&] {
      return std::string("user ") + (step.granted ? "confirms " : "declines ") +
             std::to_string(step.amount) + " cents";
    });
    ++a.step;
    Duration think = a.step < t.steps.size() ? t.steps[a.step].think : 0;
    queue_.push(now + think, EventType::kAgentStep, id);
    return;
  }
  send_action(id, a, now, false, false);
}

void Simulation::send_action(SessionId id, Agent& a, Time now, bool duplicate, bool dup_new_key) {
  const CompiledTemplate& t = templates_[a.tmpl];
  if (a.step >= t.steps.size()) return;
  const CassetteStep& step = t.steps[a.step];
  bool charge = t.charge[a.step];
  ActionRequest req;
  req.session = id;
  req.user = a.user;
  req.action = step.action;
  req.payment_method = a.payment_method;
  uint32_t generation = a.key_generation + (duplicate && dup_new_key ? 1000 : 0);
  req.key = mix64(mix64(scenario_.seed, id), (static_cast<uint64_t>(a.step) << 32) | generation);
  bool active = loading(now);
  const uint64_t draw = entropy(id);
  bool broken = !duplicate && a.retries_used == 0 &&
                faults_.malformed(step.action, charge, now, active, draw);
  req.params = broken ? t.malformed[a.step] : params_for(a, t, a.step);
  req.request_id = next_request_++;
  if (!duplicate) {
    a.request_id = req.request_id;
    a.sent_at = now;
    bool dup_key = false;
    const uint64_t dup_draw = mix64(draw, 0xd0b);
    if (faults_.duplicate(step.action, charge, now, active, dup_key, dup_draw)) {
      queue_.push(now + 250, EventType::kAgentDuplicate, id, dup_key ? 1 : 0);
    }
  }
  note(id, now, [&] {
    return std::string("agent -> ") + step.action + (broken ? " (malformed)" : "") +
           (duplicate ? " (duplicate)" : "") + " request " + std::to_string(req.request_id);
  });
  if (!duplicate && !a.deadline_armed) {
    a.deadline_armed = true;
    queue_.push(now + scenario_.agent.timeout, EventType::kAgentDeadline, id);
  }
  if (!orchestrator_) {
    if (!duplicate) queue_.push(now + kRefusedAfter, EventType::kAgentTimeout, id, a.request_id);
    return;
  }
  fx_.clear();
  orchestrator_->on_action(req, now, fx_);
  apply(now);
}

void Simulation::agent_gives_up(SessionId id, uint64_t request_id, Time now) {
  ActionResult r;
  r.session = id;
  r.request_id = request_id;
  r.status = ActionStatus::kUnavailable;
  r.code = "no_answer";
  on_agent_answer(r, now);
}

void Simulation::on_agent_answer(const ActionResult& answer, Time now) {
  fold(answer.session, (static_cast<uint64_t>(answer.status) << 48) ^ answer.request_id);
  Agent* agent = agents_.find(answer.session);
  if (agent == nullptr || agent->request_id != answer.request_id) return;  // stale or a dup
  Agent& a = *agent;
  a.request_id = 0;
  const CompiledTemplate& t = templates_[a.tmpl];
  const CassetteStep& step = t.steps[a.step];
  ActionResult r = answer;
  if (t.as_recorded[a.step] && r.status == ActionStatus::kOk) {
    // A lookup of the team's own systems, which the sandbox does not hold: the orchestrator
    // took the call, and the agent gets what the recording got.
    r.status = step.has_recorded           ? step.recorded
               : is_success(step.recorded) ? ActionStatus::kOk
                                           : ActionStatus::kFailed;
    if (!is_success(r.status)) r.code = "as_recorded";
    ++lookups_as_recorded_;
  }
  note(r.session, now, [&] {
    return std::string("agent <- ") + std::string(status_name(r.status)) +
           (r.code.empty() ? "" : " (" + r.code + ")") +
           (r.reference.empty() ? "" : " " + r.reference);
  });
  auto hist = action_latency_by_name_.find(step.action);
  if (hist == action_latency_by_name_.end()) {
    hist = action_latency_by_name_.emplace(step.action, &latency_["action." + step.action]).first;
  }
  hist->second->record(now - a.sent_at);
  if (options_.on_answer) options_.on_answer(AgentAnswer{a.tmpl, a.step, step, r, a.user, *world_});

  if (t.charge[a.step]) {
    timeline_.add(is_success(r.status) ? TimelineRecorder::kConfirmed : TimelineRecorder::kRefused,
                  now);
  }
  outcomes_.find(r.session)->on_answer(t.charge[a.step], r.status,
                                       t.charge[a.step] ? checkers_.reason_id(r.code) : 0);

  bool expected = step.answered_as_recorded(r.status);
  if (expected || scenario_.agent.on_divergence == AgentSpec::OnDivergence::kContinue) {
    if (t.has_substitutions && !r.reference.empty()) a.refs[a.step] = r.reference;
    ++a.step;
    a.retries_used = 0;
    Duration think = a.step < t.steps.size() ? t.steps[a.step].think : 0;
    queue_.push(now + think, EventType::kAgentStep, r.session);
    return;
  }
  if (scenario_.agent.on_divergence == AgentSpec::OnDivergence::kRetry &&
      a.retries_used < scenario_.agent.retries) {
    ++a.retries_used;
    if (r.status == ActionStatus::kReauthRequired) {
      // The user logs in again and delegates a fresh grant.
      SessionGrant grant = world_->identity.login(r.session, a.user, kAllApiScopes, now);
      if (orchestrator_) orchestrator_->on_session_start(grant, now);
    }
    if (scenario_.agent.new_key_on_retry) ++a.key_generation;
    Duration delay = r.status == ActionStatus::kBusy && r.retry_after > 0
                         ? r.retry_after
                         : scenario_.agent.retry_delay;
    queue_.push(now + delay, EventType::kAgentStep, r.session);
    return;
  }
  finish_session(r.session, now);
}

bool Simulation::kept(SessionId id) {
  if (scenario_.keep_sessions.empty()) return true;
  const auto& keep = scenario_.keep_sessions;
  while (next_kept_ < keep.size() && keep[next_kept_] < static_cast<int64_t>(id)) ++next_kept_;
  return next_kept_ < keep.size() && keep[next_kept_] == static_cast<int64_t>(id);
}

void Simulation::skip_session(Time now) {
  // The ids stay in step with the arrivals: a skipped session takes its id and frees it.
  outcomes_.retire(outcomes_.add(SessionOutcome{}));
  ++sessions_skipped_;
  agents_.retire(agents_.add(Agent{}));
  next_closed_arrival(now);
}

void Simulation::next_closed_arrival(Time now) {
  if (scenario_.concurrency > 0 && started_ < scenario_.sessions) {
    queue_.push(now, EventType::kArrival);
    if (started_ + 1 >= scenario_.sessions) {
      arrivals_done_ = true;
      load_end_ = now;
    }
  }
}

void Simulation::finish_session(SessionId id, Time now) {
  Agent* agent = agents_.find(id);
  if (agent == nullptr) return;
  session_latency_->record(now - agent->started);
  timeline_.add(TimelineRecorder::kFinished, now);
  SessionOutcome& outcome = *outcomes_.find(id);
  CHECKRIDE_INVARIANT(!(outcome.flags & SessionOutcome::kFinished), "a session finishes once");
  outcome.flags |= SessionOutcome::kFinished;
  note(id, now, [] { return std::string("session ends"); });
  agents_.retire(id);
  if (options_.retire_settled) try_retire(id, now);
  next_closed_arrival(now);
}

void Simulation::try_retire(SessionId id, Time now) {
  const SessionOutcome* outcome = outcomes_.find(id);
  if (outcome == nullptr) return;
  CHECKRIDE_INVARIANT(outcome->flags & SessionOutcome::kFinished,
                      "only a session its shopper finished retires");
  // Final once the orchestrator has settled every saga of the session (it can send nothing
  // more for it), no reservation or hold of the user is waiting to lapse, and no payment
  // event of it is still on its way (nor a shopper still in 3-D Secure).
  bool final = orchestrator_ && orchestrator_->settled(id) && !world_->user_has_pending_holds(id) &&
               payment_events_due_.count(id) == 0;
  if (!final) {
    queue_.push(now + kRetireRecheck, EventType::kRetire, id);
    return;
  }
  checkers_.check_session(id, *outcome, *world_);
  world_->retire_user(id);
  orchestrator_->retire_session(id, id);
  outcomes_.retire(id);
  ++sessions_retired_;
}

Report Simulation::check() {
  // Sessions not retired yet (unfinished, unsettled, or retirement off) in id order.
  CHECKRIDE_INVARIANT(
      sessions_retired_ + sessions_skipped_ + outcomes_.live() == outcomes_.issued(),
      "every session is retired once, or checked at the end");
  outcomes_.for_each(
      [&](uint64_t id, const SessionOutcome& o) { checkers_.check_session(id, o, *world_); });
  Report r = checkers_.finish(*world_);
  r.metrics["orchestrator_crashes"] = static_cast<double>(crashes_);
  // Only where a lookup could be answered so: other reports stay as they were.
  bool any_lookup = false;
  for (const auto& t : templates_) {
    for (bool l : t.as_recorded) any_lookup = any_lookup || l;
  }
  if (any_lookup) r.metrics["lookups_as_recorded"] = static_cast<double>(lookups_as_recorded_);
  r.latency = latency_;
  const LogHistogram& sl = latency_.at("session");
  r.metrics["p50_session_ms"] = static_cast<double>(sl.percentile(0.5));
  r.metrics["p90_session_ms"] = static_cast<double>(sl.percentile(0.9));
  r.metrics["p99_session_ms"] = static_cast<double>(sl.percentile(0.99));
  r.metrics["max_session_ms"] = static_cast<double>(sl.max());
  for (int op = 0; op < kOpCount; ++op) {
    const OpCounts& counts = op_counts_[op];
    if (counts.calls == 0) continue;
    Op o = static_cast<Op>(op);
    StepFailures& sf = r.failures_by_step[std::string(provider_name(provider_of(o))) + "." +
                                          std::string(op_name(o))];
    sf.calls = counts.calls;
    for (int e = 1; e < kErrorCodeCount; ++e) {
      if (counts.errors[e] == 0) continue;
      sf.errors += counts.errors[e];
      sf.by_error[std::string(error_name(static_cast<ErrorCode>(e)))] = counts.errors[e];
    }
  }
  r.fingerprint = mix64(fingerprint_, static_cast<uint64_t>(r.metrics["completed"]));
  judge_evidence(r, templates_);
  report_fault_counts(faults_, r);
  r.swarm = scenario_.swarm;
  BranchCoverage branches = branch_coverage_;
  if (orchestrator_) branches.add(orchestrator_->coverage());
  r.branches = branches.named();
  r.timeline = timeline_.finish();
  r.gates = evaluate_gates(scenario_.expect, r.metrics);
  return r;
}

void Simulation::apply(Time now) {
  // Swap out: dispatch and delivery must not see the buffer the next input will fill (they
  // may feed the orchestrator again). The buffers swapped in are spares kept with their
  // capacity, so a steady run allocates none for its effects.
  Effects fx;
  if (!spare_effects_.empty()) {
    fx = std::move(spare_effects_.back());
    spare_effects_.pop_back();
  }
  std::swap(fx, fx_);
  for (const auto& call : fx.calls) dispatch(call, now);
  for (const auto& t : fx.timers) queue_.push(t.at, EventType::kTimer, t.id, 0, epoch_);
  for (const auto& r : fx.replies) on_agent_answer(r, now);
  fx.clear();
  spare_effects_.push_back(std::move(fx));
}

void Simulation::dispatch(const ProviderCall& call, Time now) {
  const ProviderRequest& req = call.request;
  Provider provider = provider_of(req.op);
  const uint64_t draw = entropy(req.user);
  CallFault f = faults_.for_call(req.op, now, loading(now), draw);
  Stream latency_draws = Stream::from_state(mix64(draw, latency_salt_[static_cast<int>(provider)]));
  const Duration base = draw_latency(scenario_.latency[static_cast<int>(provider)], latency_draws);
  ProviderReply reply;
  SimulatedCall simulated(*world_, req, now, base, [&](World& world, Time at, Duration latency) {
    reply = world.handle(req, at, at + latency);
    if (webhooks_ && provider == Provider::kPayment) send_payment_events(req.user, at);
    return reply.ok() ? reply.id : ObjectId{0};
  });
  const CallOutcome outcome = apply_call_fault(f, req.op, simulated);
  const Time deliver_at = answer_in_virtual_time(outcome, call, now, base, reply);
  CHECKRIDE_INVARIANT(deliver_at >= now, "an answer never arrives before its call left");
  OpCounts& counts = op_counts_[static_cast<int>(req.op)];
  ++counts.calls;
  ++counts.errors[static_cast<int>(reply.error)];
  note(req.user, now, [&] {
    return "orchestrator -> " + std::string(provider_name(provider)) + "." +
           std::string(op_name(req.op)) + " key=" + std::to_string(req.key % 100000) + " => " +
           (reply.ok() ? std::string(reply.status) : std::string(error_name(reply.error))) +
           " at " + fmt_time(deliver_at);
  });
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(reply_slab_.size());
    reply_slab_.push_back(std::move(reply));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    reply_slab_[slot] = std::move(reply);
  }
  queue_.push(deliver_at, EventType::kProviderReply, call.id, slot, epoch_);
  Duration restart_after;
  if (faults_.crash_after(req.op, restart_after)) {
    queue_.push(now, EventType::kCrash, static_cast<uint64_t>(restart_after));
  }
}

void Simulation::crash(Time now, Duration restart_after) {
  if (!orchestrator_) return;
  faults_.timed_crash_happened(now);
  branch_coverage_.add(orchestrator_->coverage());  // what the dead instance ran still counts
  orchestrator_.reset();  // in-flight replies and timers to this instance are lost
  ++epoch_;
  ++crashes_;
  fold(0xdead, static_cast<uint64_t>(now));
  queue_.push(now + restart_after, EventType::kRestart);
}

void Simulation::restart(Time now) {
  CHECKRIDE_INVARIANT(!orchestrator_, "a restart follows a crash, never replaces a live instance");
  orchestrator_ = std::make_unique<Orchestrator>(actions_, config_, *store_);
  fx_.clear();
  orchestrator_->recover(now, fx_);
  apply(now);
}

}  // namespace checkride
