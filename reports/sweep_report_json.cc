// A sweep report's JSON form, written and read back exactly: a shard's file is what
// `report merge` adds up, and each part a --jobs child sends its parent is the same form.
#include <algorithm>
#include <cmath>
#include <regex>

#include "protocol/input_error.h"
#include "reports/sweep_report.h"

namespace checkride {
namespace {

using json = nlohmann::json;

constexpr int kMaxPassHatK = 100;  // pass^k is listed for k = 1 .. min(trials, this)

json number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return static_cast<int64_t>(v);
  return v;
}

json gate_json(const GateResult& g) {
  json j = {{"metric", g.gate.metric}, {"expect", g.gate.text}, {"passed", g.passed}};
  if (g.known)
    j["actual"] = number(g.actual);
  else
    j["error"] = "no such metric";
  return j;
}

GateResult gate_from(const json& j) {
  GateResult g;
  g.gate.metric = j.at("metric").get<std::string>();
  g.gate.text = j.at("expect").get<std::string>();
  g.passed = j.at("passed").get<bool>();
  g.known = j.contains("actual");
  if (g.known) g.actual = j.at("actual").get<double>();
  return g;
}

json rule_json(const FaultRuleCount& f) {
  return {{"rule", f.rule}, {"line", f.line}, {"active", f.active}, {"probability", f.probability}};
}

FaultRuleCount rule_from(const json& j) {
  FaultRuleCount f;
  f.rule = j.at("rule").get<std::string>();
  f.line = j.at("line").get<int>();
  f.active = j.at("active").get<bool>();
  f.probability = j.at("probability").get<double>();
  return f;
}

json run_json(const SeedRun& r) {
  json j = {{"seed", r.seed},
            {"passed", r.passed},
            {"verdict", r.verdict},
            {"fingerprint", r.fingerprint},
            {"completion_rate", number(r.completion_rate)},
            {"duplicate_charges", number(r.duplicate_charges)},
            {"trials", r.trials}};
  json gates = json::array();
  for (const auto& g : r.gates) gates.push_back(gate_json(g));
  j["gates"] = gates;
  if (!r.no_evidence.empty()) {
    j["no_evidence"] = r.no_evidence;
    j["allow_empty"] = r.allow_empty;
  }
  if (!r.swarm_draw.empty()) {
    json draw = json::array();
    for (const auto& f : r.swarm_draw) draw.push_back(rule_json(f));
    j["swarm"] = draw;
  }
  return j;
}

SeedRun run_from(const json& j) {
  SeedRun r;
  r.seed = j.at("seed").get<uint64_t>();
  r.passed = j.at("passed").get<bool>();
  r.verdict = j.at("verdict").get<std::string>();
  r.fingerprint = j.at("fingerprint").get<std::string>();
  r.completion_rate = j.at("completion_rate").get<double>();
  r.duplicate_charges = j.at("duplicate_charges").get<double>();
  r.trials = j.at("trials").get<std::map<std::string, bool>>();
  for (const auto& g : j.at("gates")) r.gates.push_back(gate_from(g));
  if (j.contains("no_evidence")) {
    r.no_evidence = j.at("no_evidence").get<std::string>();
    r.allow_empty = j.at("allow_empty").get<bool>();
  }
  if (j.contains("swarm")) {
    for (const auto& f : j.at("swarm")) r.swarm_draw.push_back(rule_from(f));
  }
  return r;
}

LogHistogram histogram_from(const json& j) {
  for (const auto& b : j.at("buckets")) {
    if (b.at(0).get<int64_t>() < 0) throw std::out_of_range("a bucket below 0");
  }
  if (j.at("max").get<int64_t>() < 0) throw std::out_of_range("max below 0");
  return LogHistogram::from_json(j);
}

json failures_json(const StepFailures& f) {
  return {{"calls", f.calls}, {"errors", f.errors}, {"by_error", f.by_error}};
}

StepFailures failures_from(const json& j) {
  StepFailures f;
  f.calls = j.at("calls").get<uint64_t>();
  f.errors = j.at("errors").get<uint64_t>();
  f.by_error = j.at("by_error").get<std::map<std::string, uint64_t>>();
  return f;
}

json witness_json(const SeedWitness& w) {
  return {{"seed", w.seed},
          {"metric", w.witness.metric},
          {"session", w.witness.session},
          {"events", w.witness.events}};
}

SeedWitness witness_from(const json& j) {
  SeedWitness w;
  w.seed = j.at("seed").get<uint64_t>();
  w.witness.metric = j.at("metric").get<std::string>();
  w.witness.session = j.at("session").get<uint64_t>();
  w.witness.events = j.at("events").get<std::vector<std::string>>();
  return w;
}

// Every fraction in a sweep report is a rate, a probability or a sum of counts: finite and
// from 0 to 10^15 (what the report writes as a number, and reads back the same). Found by
// fuzz_sweep_report: a 3e126 where a count belongs made the integer conversion undefined behaviour.
// (The document's depth is bounded by its parse.)
void check_numbers(const json& j) {
  if (j.is_number_float()) {
    double v = j.get<double>();
    if (!std::isfinite(v) || v < 0 || v >= 1e15) {
      throw std::out_of_range("a number out of range");
    }
  } else if (j.is_structured()) {
    for (const auto& child : j) check_numbers(child);
  }
}

// A seed's record, checked: on the sweep's range, with a fingerprint, and with the verdict
// its gates and evidence give. A record that says otherwise was not written by a sweep, and
// must not turn a failed seed green in a merge.
SeedRun checked_run_from(const json& r, uint64_t first, uint64_t last) {
  static const std::regex kHex16("[0-9a-f]{16}");
  SeedRun run = run_from(r);
  if (run.seed < first || run.seed > last) throw std::out_of_range("a seed off range");
  if (!std::regex_match(run.fingerprint, kHex16)) throw std::out_of_range("a fingerprint");
  bool gates_met = true;
  for (const auto& g : run.gates) gates_met = gates_met && g.passed;
  bool empty = !run.no_evidence.empty();
  const char* verdict = !gates_met ? "FAIL" : empty ? "NO EVIDENCE" : "PASS";
  if (run.passed != (gates_met && (!empty || run.allow_empty)) || run.verdict != verdict) {
    throw std::out_of_range("seed " + std::to_string(run.seed) +
                            ": its verdict does not follow from its gates");
  }
  return run;
}

}  // namespace

json SweepReport::to_json() const {
  json j;
  j["format"] = "checkride.sweep/v1";
  j["scenario"] = scenario_;
  j["scenario_sha256"] = scenario_sha256_;
  j["seeds"] = {first_, last_};
  j["swarm"] = swarm_;
  if (shard_.count > 1) j["shard"] = {{"index", shard_.index}, {"count", shard_.count}};
  j["passed"] = passed();
  j["verdict"] = !no_evidence().empty() ? "NO EVIDENCE" : passed() ? "PASS" : "FAIL";
  json runs = json::array();
  for (const auto& r : runs_) runs.push_back(run_json(r));
  j["runs"] = runs;

  // pass^k per template, recomputed from the seeds' trials.
  std::map<std::string, std::pair<int, int>> tally;  // template -> (trials, successes)
  for (const auto& r : runs_) {
    for (const auto& [name, ok] : r.trials) {
      ++tally[name].first;
      tally[name].second += ok;
    }
  }
  const int n = static_cast<int>(runs_.size());
  json templates = json::object();
  for (const auto& [name, t] : tally) {
    json pk = json::array();
    for (int k = 1; k <= std::min(n, kMaxPassHatK); ++k) {
      pk.push_back(k <= t.first ? json(pass_hat_k(t.first, t.second, k)) : json(nullptr));
    }
    templates[name] = {{"trials", t.first}, {"successes", t.second}, {"pass_hat_k", pk}};
    auto s = template_sessions_.find(name);
    if (s != template_sessions_.end()) templates[name]["session"] = s->second;
  }
  j["templates"] = templates;

  json metrics = json::object();
  for (const auto& [k, v] : total_metrics()) metrics[k] = number(v);
  json latency = json::object();
  for (const auto& [k, h] : latency_) latency[k] = h.to_json();
  json failures = json::object();
  for (const auto& [k, f] : failures_by_step_) failures[k] = failures_json(f);
  j["totals"] = {{"metrics", metrics},
                 {"latency_ms", latency},
                 {"failures_by_step", failures},
                 {"flows", flows_},
                 {"money_cents", money_},
                 {"outcomes", outcomes_},
                 {"template_sessions", template_sessions_}};
  json rules = json::array();
  for (std::size_t i = 0; i < fault_rules_.size(); ++i) {
    const FaultRuleCount& f = fault_rules_[i];
    rules.push_back({{"rule", f.rule},
                     {"line", f.line},
                     {"fired", f.fired},
                     {"seeds_active", rule_active_seeds_[i]}});
  }
  j["fault_coverage"] = {{"rules", rules}, {"branches", branches_}};
  json witnesses = json::array();
  for (const auto& w : witnesses_) witnesses.push_back(witness_json(w));
  j["witnesses"] = witnesses;
  return j;
}

SweepReport SweepReport::from_json(const json& j, const std::string& origin) {
  if (!j.is_object() || !j.contains("format") || j["format"] != "checkride.sweep/v1") {
    throw InputError(origin, 0, "format", "expected \"checkride.sweep/v1\" (a sweep report)");
  }
  std::string field = "";
  try {
    check_numbers(j);
    SweepReport s;
    field = "scenario";
    s.scenario_ = j.at("scenario").get<std::string>();
    s.scenario_sha256_ = j.at("scenario_sha256").get<std::string>();
    field = "seeds";
    s.first_ = j.at("seeds").at(0).get<uint64_t>();
    s.last_ = j.at("seeds").at(1).get<uint64_t>();
    if (s.last_ < s.first_) throw std::out_of_range("the range ends before it starts");
    s.swarm_ = j.at("swarm").get<bool>();
    field = "shard";
    if (j.contains("shard")) {
      s.shard_.index = j.at("shard").at("index").get<int>();
      s.shard_.count = j.at("shard").at("count").get<int>();
      if (s.shard_.count < 2 || s.shard_.index < 0 || s.shard_.index >= s.shard_.count) {
        throw std::out_of_range("expected 0 <= index < count, count >= 2");
      }
    }
    field = "runs";
    for (const auto& r : j.at("runs")) s.runs_.push_back(checked_run_from(r, s.first_, s.last_));
    std::sort(s.runs_.begin(), s.runs_.end(),
              [](const SeedRun& a, const SeedRun& b) { return a.seed < b.seed; });
    for (std::size_t i = 1; i < s.runs_.size(); ++i) {
      if (s.runs_[i].seed == s.runs_[i - 1].seed) {
        throw std::out_of_range("seed " + std::to_string(s.runs_[i].seed) + " twice");
      }
    }
    field = "totals";
    const json& totals = j.at("totals");
    for (const auto& [k, v] : totals.at("metrics").items()) {
      if (sweep_derived_metrics().count(k)) continue;
      s.sums_[k] = v.get<double>();
      if (std::fabs(s.sums_[k]) >= 1e15) throw std::out_of_range("a sum above 10^15");
    }
    for (const auto& [k, h] : totals.at("latency_ms").items()) s.latency_[k] = histogram_from(h);
    for (const auto& [k, f] : totals.at("failures_by_step").items()) {
      s.failures_by_step_[k] = failures_from(f);
    }
    s.flows_ = totals.at("flows").get<uint64_t>();
    s.money_ = totals.at("money_cents").get<std::map<std::string, int64_t>>();
    s.outcomes_ = totals.at("outcomes").get<std::map<std::string, uint64_t>>();
    s.template_sessions_ = totals.at("template_sessions").get<std::map<std::string, std::string>>();
    field = "fault_coverage";
    for (const auto& r : j.at("fault_coverage").at("rules")) {
      FaultRuleCount f;
      f.rule = r.at("rule").get<std::string>();
      f.line = r.at("line").get<int>();
      f.fired = r.at("fired").get<int64_t>();
      uint64_t active = r.at("seeds_active").get<uint64_t>();
      f.active = active > 0;
      s.fault_rules_.push_back(f);
      s.rule_active_seeds_.push_back(active);
    }
    s.branches_ = j.at("fault_coverage").at("branches").get<std::map<std::string, uint64_t>>();
    field = "witnesses";
    for (const auto& w : j.at("witnesses")) s.witnesses_.push_back(witness_from(w));
    s.sort_and_trim();
    return s;
  } catch (const json::exception& e) {
    throw InputError(origin, 0, field, std::string("not a sweep report's field: ") + e.what());
  } catch (const std::out_of_range& e) {
    throw InputError(origin, 0, field, std::string("not a sweep report's field: ") + e.what());
  }
}

}  // namespace checkride
