#include "protocol/tool_coverage.h"

#include <algorithm>
#include <cstdio>

namespace checkride {
namespace {

// A tool name from someone else's transcript: no control characters reach a terminal.
std::string printable(const std::string& name) {
  std::string out = name;
  for (char& ch : out) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  }
  return out;
}

}  // namespace

std::string coverage_text(const ToolCoverage& coverage, const std::string& indent) {
  const ToolCallCount total = coverage_total(coverage);
  std::string out = indent + "tool calls: " + std::to_string(total.mapped) + " of " +
                    std::to_string(total.calls) + " mapped to an action, " +
                    std::to_string(total.notes) + " kept as notes";
  const uint64_t unknown = total.calls - total.mapped - total.notes;
  if (unknown > 0) out += ", " + std::to_string(unknown) + " unknown to the action catalog";
  out += "\n";
  std::size_t width = 4;
  for (const auto& [tool, c] : coverage)
    width = std::max(width, std::min<std::size_t>(tool.size(), 48));
  char line[160];
  std::snprintf(line, sizeof line, "%-*s %8s %8s %8s\n", static_cast<int>(width), "tool", "calls",
                "mapped", "notes");
  out += indent + "  " + line;
  for (const auto& [tool, c] : coverage) {
    std::snprintf(
        line, sizeof line, "%-*.*s %8llu %8llu %8llu\n", static_cast<int>(width),
        static_cast<int>(width), printable(tool).c_str(), static_cast<unsigned long long>(c.calls),
        static_cast<unsigned long long>(c.mapped), static_cast<unsigned long long>(c.notes));
    out += indent + "  " + line;
  }
  return out;
}

}  // namespace checkride
