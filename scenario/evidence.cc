#include "scenario/evidence.h"

#include <string>

namespace checkride {

ToolCoverage tool_coverage(const std::vector<CompiledTemplate>& templates) {
  ToolCoverage coverage;
  for (const CompiledTemplate& t : templates) add_coverage(coverage, t.tools);
  return coverage;
}

namespace {

// The tools a user would look at first: the most called ones that mapped to nothing.
std::string unmapped_tools(const ToolCoverage& coverage) {
  std::string names;
  int listed = 0;
  for (const auto& [tool, c] : coverage) {
    if (c.mapped > 0) continue;
    if (++listed > 5) {
      names += ", …";
      break;
    }
    names += (names.empty() ? "" : ", ") + tool;
  }
  return names;
}

// Cancels and returns move money too: a run whose refunds reached someone exercised the
// money path, and money_difference_cents checks each refund to the cent.
bool money_went_back(const Report& report) {
  auto refunded = report.money.find("refunded");
  return refunded != report.money.end() && refunded->second > 0;
}

}  // namespace

void judge_evidence(Report& report, const std::vector<CompiledTemplate>& templates) {
  report.tool_calls = tool_coverage(templates);
  report.metrics["mapped_tool_calls"] = mapped_ratio(report.tool_calls);
  const ToolCallCount total = coverage_total(report.tool_calls);
  auto intents = report.metrics.find("intents");
  if (total.calls == 0) {
    report.no_evidence = "the recordings hold no tool call";
  } else if (total.mapped == 0) {
    report.no_evidence = "none of the " + std::to_string(total.calls) +
                         " recorded tool calls mapped to an action of the catalog (tools: " +
                         unmapped_tools(report.tool_calls) + ")";
  } else if ((intents == report.metrics.end() || intents->second == 0) &&
             !money_went_back(report)) {
    report.no_evidence = "no charge-bearing action ran (intents = 0) and nothing was refunded";
  } else {
    report.no_evidence.clear();
  }
}

}  // namespace checkride
