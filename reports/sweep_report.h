#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "reports/report.h"

namespace checkride {

// pass^k as τ-bench defines it: the chance that k trials drawn from n, c of which
// succeeded, all succeed: C(c,k) / C(n,k).
double pass_hat_k(int n, int c, int k);

// Metrics a sweep does not sum but recomputes from its sums, histograms and coverage.
const std::set<std::string>& sweep_derived_metrics();

// One seed of a sweep: what the sweep's report shows per seed, and what pass^k and a merge
// are recomputed from.
struct SeedRun {
  uint64_t seed = 0;
  bool passed = false;
  std::string verdict;
  std::string fingerprint;
  double completion_rate = 0;
  double duplicate_charges = 0;
  std::vector<GateResult> gates;
  std::string no_evidence;
  bool allow_empty = false;
  std::map<std::string, bool> trials;      // template -> every intent of it completed
  std::vector<FaultRuleCount> swarm_draw;  // under --swarm: each rule on or off, its rate
};

// A witness of a sweep: the seed it came from, so `run --seed N --session S --trace`
// replays it.
struct SeedWitness {
  uint64_t seed = 0;
  Witness witness;
};

// Which shard of a sweep this is: seeds first+index, first+index+count, ...
struct ShardSpec {
  int index = 0;
  int count = 1;  // 1: not sharded
};

// A sweep's report, built one seed at a time and added up exactly: counts and money are
// summed, latency histograms merge bucket by bucket, pass^k is recomputed from the
// per-seed trials, witnesses are the first kMaxWitnesses in seed order, and fault coverage
// is summed. Merging is commutative and associative, so one process, --jobs N processes
// and N shards merged by `report merge` give byte-identical files.
class SweepReport {
 public:
  static constexpr std::size_t kMaxWitnesses = 20;

  SweepReport() = default;
  SweepReport(std::string scenario, std::string scenario_sha256, uint64_t first, uint64_t last,
              bool swarm, ShardSpec shard);

  // Adds one seed's run.
  void add(const Report& report);
  // Adds another part of the same sweep (a seed, a job's seeds or a shard). Throws
  // InputError (naming `origin`) when it is of another sweep or repeats a seed.
  void merge(const SweepReport& other, const std::string& origin);
  // The shards' sum as one unsharded sweep: every shard of the count present once, every
  // seed of the range run. Throws InputError naming what is missing.
  void finish_merge(const std::vector<int>& shard_indexes, const std::string& origin);

  nlohmann::json to_json() const;
  // Throws InputError naming `origin` and the field when `j` is not a sweep report.
  static SweepReport from_json(const nlohmann::json& j, const std::string& origin);
  std::string to_markdown() const;

  bool passed() const;
  // "" when every seed exercised something; else the first seed's reason, "seed 3: ...".
  std::string no_evidence() const;
  const std::string& scenario() const { return scenario_; }
  const std::vector<SeedRun>& runs() const { return runs_; }
  const ShardSpec& shard() const { return shard_; }
  uint64_t first_seed() const { return first_; }
  uint64_t last_seed() const { return last_; }
  // The seeds this part must hold: its shard's share of the range.
  uint64_t expected_seeds() const;
  // The totals as metrics: sums, with rates and percentiles recomputed from them.
  std::map<std::string, double> total_metrics() const;
  // A Report per seed holding what JUnit needs (scenario, seed, gates, evidence).
  std::vector<Report> seed_reports() const;

 private:
  void sort_and_trim();

  std::string scenario_;
  std::string scenario_sha256_;
  uint64_t first_ = 0, last_ = 0;
  bool swarm_ = false;
  ShardSpec shard_;
  std::vector<SeedRun> runs_;  // by seed
  std::map<std::string, std::string> template_sessions_;
  std::map<std::string, double> sums_;  // summable metrics, summed over seeds
  std::map<std::string, LogHistogram> latency_;
  std::map<std::string, StepFailures> failures_by_step_;
  uint64_t flows_ = 0;
  std::map<std::string, int64_t> money_;
  std::map<std::string, uint64_t> outcomes_;
  std::vector<FaultRuleCount> fault_rules_;  // fired summed; `active` true if on in any seed
  std::vector<uint64_t> rule_active_seeds_;  // per rule: seeds in which it was on
  std::map<std::string, uint64_t> branches_;
  std::vector<SeedWitness> witnesses_;
};

}  // namespace checkride
