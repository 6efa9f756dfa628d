#include "scenario/fault_counts.h"

#include <limits>

namespace checkride {

void report_fault_counts(const FaultPlan& plan, Report& r) {
  int64_t never = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const FaultRule& rule = plan.rule(i);
    const bool timed_crash = rule.kind == FaultKind::kCrash && rule.at >= 0;
    Time to = rule.to == std::numeric_limits<Time>::max() ? -1 : rule.to;
    if (timed_crash) to = rule.at + rule.restart_after;
    const Time from = timed_crash ? rule.at : rule.from;
    r.fault_rules.push_back(FaultRuleCount{describe_fault(rule, i), rule.line, plan.fired(i),
                                           rule.active, rule.probability, from, to});
    // A rule the swarm draw switched off for this seed could not fire: not a gap in coverage.
    never += rule.active && plan.fired(i) == 0;
  }
  r.metrics["fault_rules_never_fired"] = static_cast<double>(never);
}

}  // namespace checkride
