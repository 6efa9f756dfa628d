#pragma once
#include "reports/report.h"
#include "scenario/fault_plan.h"

namespace checkride {

// Each fault rule with how often it struck, into the report, and `fault_rules_never_fired`.
// A simulated run and a drive (the fakes' plan) report their faults this one way.
void report_fault_counts(const FaultPlan& plan, Report& r);

}  // namespace checkride
