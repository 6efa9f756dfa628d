// A sweep report as Markdown for a CI job summary: the verdict, the seeds that failed,
// pass^k per template, the totals and the fault coverage.
#include <sstream>

#include "reports/sweep_report.h"

namespace checkride {
namespace {

constexpr int kPassHatKColumns = 10;  // the JSON has every k; the table the first ten
constexpr std::size_t kFailedSeedsListed = 50;

std::string fixed3(double v) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(3);
  s << v;
  return s.str();
}

void failed_seeds(const std::vector<SeedRun>& runs, bool swarm, std::ostringstream& md) {
  std::size_t failed = 0;
  for (const auto& r : runs) failed += !r.passed;
  md << runs.size() - failed << " of " << runs.size() << " seeds met every gate.\n\n";
  if (failed == 0) return;
  md << "| seed | verdict | failed gates | fingerprint |\n|---|---|---|---|\n";
  std::size_t listed = 0;
  for (const auto& r : runs) {
    if (r.passed) continue;
    if (++listed > kFailedSeedsListed) {
      md << "| … | " << failed - kFailedSeedsListed << " more | | |\n";
      break;
    }
    std::string gates;
    for (const auto& g : r.gates) {
      if (g.passed) continue;
      gates += (gates.empty() ? "" : ", ") + g.gate.metric + " " + g.gate.text + " (actual " +
               (g.known ? format_number(g.actual) : "none") + ")";
    }
    if (!r.no_evidence.empty()) gates += (gates.empty() ? "" : ", ") + r.no_evidence;
    md << "| " << r.seed << " | " << r.verdict << " | " << gates << " | `" << r.fingerprint
       << "` |\n";
  }
  md << "\nReproduce one: `checkride run SCENARIO --seed N" << (swarm ? " --swarm" : "")
     << "`, then `--session ID --trace` for a witness.\n\n";
}

void pass_hat_k_table(const nlohmann::json& templates, int n, std::ostringstream& md) {
  int columns = std::min(n, kPassHatKColumns);
  md << "pass^k per session template: the chance that k runs drawn from the " << n
     << " all complete every intent of the template (τ-bench's pass^k).\n\n| template | c/n |";
  for (int k = 1; k <= columns; ++k) md << " k=" << k << " |";
  md << "\n|---|---|";
  for (int k = 1; k <= columns; ++k) md << "---|";
  md << "\n";
  for (const auto& [name, t] : templates.items()) {
    int trials = t["trials"], successes = t["successes"];
    md << "| " << name << " | " << successes << "/" << trials << " |";
    for (int k = 1; k <= columns; ++k) {
      md << " " << (k <= trials ? fixed3(pass_hat_k(trials, successes, k)) : "—") << " |";
    }
    md << "\n";
  }
  md << "\n";
}

}  // namespace

std::string SweepReport::to_markdown() const {
  nlohmann::json j = to_json();
  std::ostringstream md;
  std::string empty = no_evidence();
  md << "## sweep " << scenario_ << " — seeds " << first_ << ".." << last_;
  if (shard_.count > 1) md << " (shard " << shard_.index << "/" << shard_.count << ")";
  md << " ("
     << (passed()        ? "every seed met its gates"
         : empty.empty() ? "some seed failed a gate"
                         : "NO EVIDENCE: " + empty)
     << ")\n\n";
  if (swarm_) md << "Swarm: each seed drew which fault rules were on and their rates.\n\n";
  failed_seeds(runs_, swarm_, md);
  pass_hat_k_table(j["templates"], static_cast<int>(runs_.size()), md);
  md << "| total over the seeds | value |\n|---|---|\n";
  for (const auto& [k, v] : total_metrics()) md << "| " << k << " | " << format_number(v) << " |\n";
  md << "\n";
  if (!latency_.empty()) {
    md << "| latency (virtual ms) | count | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|\n";
    for (const auto& [k, h] : latency_) {
      md << "| " << k << " | " << h.count() << " | " << h.percentile(0.5) << " | "
         << h.percentile(0.9) << " | " << h.percentile(0.99) << " | " << h.max() << " |\n";
    }
    md << "\n";
  }
  if (!fault_rules_.empty()) {
    md << "| fault rule | line | fired | seeds on |\n|---|---|---|---|\n";
    for (std::size_t i = 0; i < fault_rules_.size(); ++i) {
      const FaultRuleCount& f = fault_rules_[i];
      md << "| " << f.rule << " | " << f.line << " | " << f.fired
         << (f.fired == 0 ? " ⚠️ never fired in any seed" : "") << " | "
         << rule_active_seeds_[i] << " |\n";
    }
    md << "\n";
  }
  fault_coverage_tables({}, false, branches_, md);
  if (!witnesses_.empty()) {
    md << "### Witnesses (the first " << witnesses_.size() << " in seed order)\n\n";
    for (const auto& w : witnesses_) {
      md << "- **" << w.witness.metric << "** seed " << w.seed << " session " << w.witness.session
         << "\n";
      for (const auto& e : w.witness.events) md << "  - `" << e << "`\n";
    }
    md << "\n";
  }
  return md.str();
}

}  // namespace checkride
