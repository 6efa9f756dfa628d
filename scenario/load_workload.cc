// The workload section: how many sessions, when they arrive, which cassettes they play, how
// the agent and the 3-D Secure shoppers behave.
#include <algorithm>

#include "scenario/scenario_sections.h"

namespace checkride {
namespace {

// `keep_sessions: [3, 17]`: the arrivals stay as they were, but only these sessions run.
void parse_keep_sessions(Scenario& s, const YAML::Node& list, MapReader& m) {
  if (!list.IsSequence() || list.size() == 0 || list.size() > 100000) {
    m.fail(list, "keep_sessions", "expected a list of 1 to 100000 session numbers");
  }
  for (const auto& n : list) {
    int64_t id = 0;
    if (!n.IsScalar() || !parse_whole(n.Scalar(), id) || id < 1 || id > s.sessions) {
      m.fail(n, "keep_sessions",
             "expected session numbers from 1 to workload.sessions (" + std::to_string(s.sessions) +
                 "), got '" + (n.IsScalar() ? n.Scalar() : "") + "'");
    }
    s.keep_sessions.push_back(id);
  }
  std::sort(s.keep_sessions.begin(), s.keep_sessions.end());
  if (std::adjacent_find(s.keep_sessions.begin(), s.keep_sessions.end()) != s.keep_sessions.end()) {
    m.fail(list, "keep_sessions", "names a session twice");
  }
}

// arrival: {rate}, {poisson} or {ramp: [[time, rate], ...]}.
void parse_arrival(Scenario& s, MapReader& m, const std::string& file) {
  YAML::Node a = m.get("arrival");
  MapReader am(a, file, "workload.arrival");
  if (am.has("rate")) {
    s.arrival.kind = ArrivalSpec::Kind::kConstant;
    s.arrival.rate_per_ms = parse_rate(am.get("rate"), file, "workload.arrival.rate");
    if (s.arrival.rate_per_ms <= 0) am.fail(am.get("rate"), "rate", "expected a rate above 0");
  } else if (am.has("poisson")) {
    s.arrival.kind = ArrivalSpec::Kind::kPoisson;
    s.arrival.rate_per_ms = parse_rate(am.get("poisson"), file, "workload.arrival.poisson");
    if (s.arrival.rate_per_ms <= 0) {
      am.fail(am.get("poisson"), "poisson", "expected a rate above 0");
    }
  } else if (am.has("ramp")) {
    s.arrival.kind = ArrivalSpec::Kind::kRamp;
    YAML::Node ramp = am.get("ramp");
    if (!ramp.IsSequence() || ramp.size() == 0)
      am.fail(ramp, "ramp", "expected a list of [time, rate]");
    Time last = -1;
    for (const auto& point : ramp) {
      if (!point.IsSequence() || point.size() != 2) {
        am.fail(point, "ramp", "expected each point as [time, rate], e.g. [5m, 2000/s]");
      }
      Duration t;
      if (!point[0].IsScalar() || !parse_duration(point[0].Scalar(), t)) {
        am.fail(point[0], "ramp", "expected a duration like 5m, got '" + point[0].Scalar() + "'");
      }
      if (t <= last) am.fail(point[0], "ramp", "expected ramp times to increase");
      last = t;
      s.arrival.ramp.emplace_back(t, parse_rate(point[1], file, "workload.arrival.ramp"));
    }
    bool arrives = false;
    for (const auto& point : s.arrival.ramp) arrives = arrives || point.second > 0;
    if (!arrives) am.fail(ramp, "ramp", "expected some point with a rate above 0");
  }
  am.finish();
}

// mix: [{cassette, weight}], the cassettes the sessions play.
void parse_mix(Scenario& s, MapReader& m, const std::string& file) {
  if (!m.has("mix")) m.fail(YAML::Node(), "mix", "missing; expected a list of {cassette, weight}");
  YAML::Node mix = m.get("mix");
  if (!mix.IsSequence() || mix.size() == 0) m.fail(mix, "mix", "expected a non-empty list");
  int i = 0;
  for (const auto& n : mix) {
    MapReader mm(n, file, "workload.mix[" + std::to_string(i++) + "]");
    MixEntry e;
    e.cassette = resolve(s.path, mm.str("cassette", ""));
    e.weight = mm.bounded("weight", 1, 1, 1000000);
    if (e.weight <= 0) mm.fail(n, "weight", "expected a positive integer");
    if (mm.str("cassette", "").empty()) mm.fail(n, "cassette", "missing");
    mm.finish();
    s.mix.push_back(e);
  }
}

// agent: what the simulated agent does when the orchestrator's answer diverges.
void parse_agent(Scenario& s, MapReader& m, const std::string& file) {
  MapReader am(m.get("agent"), file, "workload.agent");
  std::string policy = am.str("on_divergence", "retry");
  if (policy == "continue")
    s.agent.on_divergence = AgentSpec::OnDivergence::kContinue;
  else if (policy == "stop")
    s.agent.on_divergence = AgentSpec::OnDivergence::kStop;
  else if (policy == "retry")
    s.agent.on_divergence = AgentSpec::OnDivergence::kRetry;
  else
    am.fail(am.get("on_divergence"), "on_divergence", "expected continue, stop or retry");
  s.agent.retries = am.bounded("retries", s.agent.retries, 0, 1000);
  s.agent.new_key_on_retry = am.boolean("new_key_on_retry", false);
  s.agent.timeout = am.duration("timeout", s.agent.timeout);
  s.agent.retry_delay = am.duration("retry_delay", s.agent.retry_delay);
  am.finish();
}

// three_d_secure: how the shoppers asked for 3-D Secure behave.
void parse_three_d_secure(Scenario& s, MapReader& m, const std::string& file) {
  MapReader cm(m.get("three_d_secure"), file, "workload.three_d_secure");
  ChallengeSpec& c = s.three_d_secure;
  c.passes = cm.real("passes", c.passes);
  c.fails = cm.real("fails", c.fails);
  for (const char* key : {"passes", "fails"}) {
    double v = std::string(key) == "passes" ? c.passes : c.fails;
    if (v < 0 || v > 1) cm.fail(cm.get(key), key, "expected a number in [0, 1]");
  }
  if (c.passes + c.fails > 1) {
    cm.fail(cm.get(cm.has("fails") ? "fails" : "passes"), cm.has("fails") ? "fails" : "passes",
            "passes + fails is more than 1 (the rest are the shoppers who walk away)");
  }
  if (cm.has("after")) {
    c.after = parse_latency(cm.get("after"), file, "workload.three_d_secure.after");
  }
  cm.finish();
}

}  // namespace

void parse_workload(Scenario& s, MapReader& top) {
  if (!top.has("workload")) top.fail(YAML::Node(), "workload", "missing; expected a mapping");
  MapReader m(top.get("workload"), top.file(), "workload");
  s.sessions = m.in_range("sessions", s.sessions, 1, kMaxSessions);
  s.concurrency = m.in_range("concurrency", 0, 0, kMaxSessions);
  if (m.has("keep_sessions")) parse_keep_sessions(s, m.get("keep_sessions"), m);
  if (m.has("arrival")) parse_arrival(s, m, top.file());
  parse_mix(s, m, top.file());
  if (m.has("agent")) parse_agent(s, m, top.file());
  if (m.has("three_d_secure")) parse_three_d_secure(s, m, top.file());
  s.drain = m.duration("drain", s.drain);
  m.finish();
}

}  // namespace checkride
