#include "reports/sweep_report.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "protocol/input_error.h"
#include "protocol/invariant.h"

namespace checkride {
// Metrics a sweep does not sum: recomputed from the sums, the histograms and the coverage,
// or (mapped_tool_calls, a property of the recordings) left per seed.
const std::set<std::string>& sweep_derived_metrics() {
  static const std::set<std::string> kDerived = {
      "completion_rate", "mapped_tool_calls", "p50_session_ms",         "p90_session_ms",
      "p99_session_ms",  "max_session_ms",    "fault_rules_never_fired"};
  return kDerived;
}

double pass_hat_k(int n, int c, int k) {
  if (k <= 0 || k > n || k > c) return 0;
  double p = 1;
  for (int i = 0; i < k; ++i) p *= static_cast<double>(c - i) / static_cast<double>(n - i);
  return p;
}

SweepReport::SweepReport(std::string scenario, std::string scenario_sha256, uint64_t first,
                         uint64_t last, bool swarm, ShardSpec shard)
    : scenario_(std::move(scenario)),
      scenario_sha256_(std::move(scenario_sha256)),
      first_(first),
      last_(last),
      swarm_(swarm),
      shard_(shard) {}

uint64_t SweepReport::expected_seeds() const {
  uint64_t n = last_ - first_ + 1;
  auto index = static_cast<uint64_t>(shard_.index), count = static_cast<uint64_t>(shard_.count);
  return index < n ? (n - index + count - 1) / count : 0;
}

void SweepReport::add(const Report& r) {
  // The seed as a part of its own, added like any other part: one way of adding up.
  SweepReport part(scenario_, scenario_sha256_, first_, last_, swarm_, shard_);
  SeedRun run;
  run.seed = r.seed;
  run.passed = r.passed();
  run.verdict = r.verdict();
  run.fingerprint = fingerprint_hex(r.fingerprint);
  run.completion_rate = r.metrics.at("completion_rate");
  run.duplicate_charges = r.metrics.at("duplicate_charges");
  run.gates = r.gates;
  run.no_evidence = r.no_evidence;
  run.allow_empty = r.allow_empty;
  for (const auto& [name, t] : r.templates) {
    if (t.intents == 0) continue;  // a template absent from a seed's run is not a trial there
    run.trials[name] = t.completed == t.intents;
    if (!t.session.empty()) part.template_sessions_[name] = t.session;
  }
  if (r.swarm) run.swarm_draw = r.fault_rules;
  for (auto& f : run.swarm_draw) f.fired = 0;
  part.runs_.push_back(std::move(run));
  for (const auto& [k, v] : r.metrics) {
    if (!sweep_derived_metrics().count(k)) part.sums_[k] = v;
  }
  part.latency_ = r.latency;
  part.failures_by_step_ = r.failures_by_step;
  part.flows_ = r.flows;
  part.money_ = r.money;
  part.outcomes_ = r.outcomes;
  for (const auto& f : r.fault_rules) {
    part.fault_rules_.push_back(FaultRuleCount{f.rule, f.line, f.fired, f.active, 1});
    part.rule_active_seeds_.push_back(f.active ? 1 : 0);
  }
  part.branches_ = r.branches;
  for (const auto& w : r.witnesses) part.witnesses_.push_back(SeedWitness{r.seed, w});
  merge(part, "seed " + std::to_string(r.seed));
}

void SweepReport::sort_and_trim() {
  // Stable: a seed's witnesses keep the order its report gave them.
  std::stable_sort(witnesses_.begin(), witnesses_.end(),
                   [](const SeedWitness& a, const SeedWitness& b) { return a.seed < b.seed; });
  if (witnesses_.size() > kMaxWitnesses) witnesses_.resize(kMaxWitnesses);
}

void SweepReport::merge(const SweepReport& o, const std::string& origin) {
  auto differs = [&](const std::string& field, const std::string& mine, const std::string& theirs) {
    if (mine != theirs) {
      throw InputError(origin, 0, field,
                       "'" + theirs + "' is not the sweep being merged ('" + mine +
                           "'): only shards of one sweep add up");
    }
  };
  differs("scenario", scenario_, o.scenario_);
  differs("scenario_sha256", scenario_sha256_, o.scenario_sha256_);
  differs("seeds", std::to_string(first_) + ".." + std::to_string(last_),
          std::to_string(o.first_) + ".." + std::to_string(o.last_));
  differs("swarm", swarm_ ? "true" : "false", o.swarm_ ? "true" : "false");
  // Both parts hold each seed once, in order (from_json checks a file's): a seed of the
  // other part is found by binary search, and each merge costs what it adds, not the total.
  auto by_seed = [](const SeedRun& a, const SeedRun& b) { return a.seed < b.seed; };
  for (const auto& r : o.runs_) {
    if (std::binary_search(runs_.begin(), runs_.end(), r, by_seed)) {
      throw InputError(origin, 0, "runs",
                       "seed " + std::to_string(r.seed) + " is already in another part");
    }
  }
  if (!fault_rules_.empty() && !o.fault_rules_.empty()) {
    bool same = fault_rules_.size() == o.fault_rules_.size();
    for (std::size_t i = 0; same && i < fault_rules_.size(); ++i) {
      same = fault_rules_[i].rule == o.fault_rules_[i].rule;
    }
    if (!same) throw InputError(origin, 0, "fault_coverage.rules", "other fault rules");
  }
  const std::size_t runs_before = runs_.size();
  for (const auto& r : o.runs_) {  // seeds mostly arrive in order: mostly an append
    runs_.insert(std::upper_bound(runs_.begin(), runs_.end(), r, by_seed), r);
  }
  CHECKRIDE_INVARIANT(runs_.size() == runs_before + o.runs_.size(),
                      "a merge holds every seed of both parts, once");
  for (const auto& [k, v] : o.template_sessions_) template_sessions_[k] = v;
  for (const auto& [k, v] : o.sums_) sums_[k] += v;
  for (const auto& [k, h] : o.latency_) latency_[k].merge(h);
  for (const auto& [k, f] : o.failures_by_step_) {
    StepFailures& sum = failures_by_step_[k];
    sum.calls += f.calls;
    sum.errors += f.errors;
    for (const auto& [e, n] : f.by_error) sum.by_error[e] += n;
  }
  flows_ += o.flows_;
  for (const auto& [k, v] : o.money_) money_[k] += v;
  for (const auto& [k, v] : o.outcomes_) outcomes_[k] += v;
  if (fault_rules_.empty()) {
    fault_rules_ = o.fault_rules_;
    rule_active_seeds_ = o.rule_active_seeds_;
  } else {
    for (std::size_t i = 0; i < o.fault_rules_.size(); ++i) {
      fault_rules_[i].fired += o.fault_rules_[i].fired;
      fault_rules_[i].active = fault_rules_[i].active || o.fault_rules_[i].active;
      rule_active_seeds_[i] += o.rule_active_seeds_[i];
    }
  }
  for (const auto& [k, v] : o.branches_) branches_[k] += v;
  witnesses_.insert(witnesses_.end(), o.witnesses_.begin(), o.witnesses_.end());
  sort_and_trim();
}

void SweepReport::finish_merge(const std::vector<int>& shard_indexes, const std::string& origin) {
  std::set<int> indexes(shard_indexes.begin(), shard_indexes.end());
  for (int i = 0; i < shard_.count; ++i) {
    if (!indexes.count(i)) {
      throw InputError(origin, 0, "shard",
                       "shard " + std::to_string(i) + "/" + std::to_string(shard_.count) +
                           " is missing: a merge of some shards would pass on seeds never run");
    }
  }
  uint64_t expected = last_ - first_ + 1;
  if (runs_.size() != expected) {
    throw InputError(origin, 0, "runs",
                     "the shards hold " + std::to_string(runs_.size()) + " seeds of the " +
                         std::to_string(expected) + " in " + std::to_string(first_) + ".." +
                         std::to_string(last_));
  }
  shard_ = ShardSpec{};
}

bool SweepReport::passed() const {
  if (runs_.empty()) return false;
  for (const auto& r : runs_) {
    if (!r.passed) return false;
  }
  return true;
}

std::string SweepReport::no_evidence() const {
  for (const auto& r : runs_) {
    if (!r.no_evidence.empty() && !r.allow_empty) {
      return "seed " + std::to_string(r.seed) + ": " + r.no_evidence;
    }
  }
  return "";
}

std::map<std::string, double> SweepReport::total_metrics() const {
  std::map<std::string, double> m = sums_;
  double intents = m.count("intents") ? m.at("intents") : 0;
  double completed = m.count("completed") ? m.at("completed") : 0;
  m["completion_rate"] = intents > 0 ? completed / intents : 0;
  auto session = latency_.find("session");
  if (session != latency_.end()) {
    m["p50_session_ms"] = static_cast<double>(session->second.percentile(0.5));
    m["p90_session_ms"] = static_cast<double>(session->second.percentile(0.9));
    m["p99_session_ms"] = static_cast<double>(session->second.percentile(0.99));
    m["max_session_ms"] = static_cast<double>(session->second.max());
  }
  double never = 0;
  for (const auto& f : fault_rules_) never += f.active && f.fired == 0;
  m["fault_rules_never_fired"] = never;
  return m;
}

std::vector<Report> SweepReport::seed_reports() const {
  std::vector<Report> out;
  for (const auto& run : runs_) {
    Report r;
    r.scenario = scenario_;
    r.seed = run.seed;
    r.fingerprint = std::stoull(run.fingerprint.empty() ? "0" : run.fingerprint, nullptr, 16);
    r.gates = run.gates;
    r.no_evidence = run.no_evidence;
    r.allow_empty = run.allow_empty;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace checkride
