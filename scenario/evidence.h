#pragma once
#include <vector>

#include "reports/report.h"
#include "scenario/compiled_template.h"

namespace checkride {

// The tool calls of the recordings a run plays, each session template counted once.
ToolCoverage tool_coverage(const std::vector<CompiledTemplate>& templates);

// Fills in what the recordings exercised: `tool_calls`, the `mapped_tool_calls` metric, and
// `no_evidence` when no recorded tool call mapped to an action or no charge-bearing action
// ran (intents = 0). Both hosts judge their reports with it.
void judge_evidence(Report& report, const std::vector<CompiledTemplate>& templates);

}  // namespace checkride
