#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace checkride {

// How a recording's tool calls map onto the action catalog, per tool name: every call, the
// ones that became actions the catalog knows, and the ones kept as notes (not actions).
// calls - mapped - notes are actions no catalog in use knows (unknown_action on replay).
struct ToolCallCount {
  uint64_t calls = 0;
  uint64_t mapped = 0;
  uint64_t notes = 0;
};
using ToolCoverage = std::map<std::string, ToolCallCount>;

inline void add_coverage(ToolCoverage& into, const ToolCoverage& more) {
  for (const auto& [tool, c] : more) {
    ToolCallCount& t = into[tool];
    t.calls += c.calls;
    t.mapped += c.mapped;
    t.notes += c.notes;
  }
}

inline ToolCallCount coverage_total(const ToolCoverage& coverage) {
  ToolCallCount total;
  for (const auto& [tool, c] : coverage) {
    total.calls += c.calls;
    total.mapped += c.mapped;
    total.notes += c.notes;
  }
  return total;
}

// The `mapped_tool_calls` metric: mapped / calls, 0 when nothing was called.
inline double mapped_ratio(const ToolCoverage& coverage) {
  ToolCallCount t = coverage_total(coverage);
  return t.calls ? static_cast<double>(t.mapped) / static_cast<double>(t.calls) : 0.0;
}

// Lines for a terminal: a total, then one line per tool with its calls, mapped and notes.
// Each line starts with `indent`.
std::string coverage_text(const ToolCoverage& coverage, const std::string& indent);

}  // namespace checkride
