#pragma once
#include <map>
#include <string>
#include <vector>

namespace checkride {

// One `expect:` entry: metric, comparison and bound, e.g. completion_rate ">= 0.95".
struct Gate {
  std::string metric;
  std::string op;  // one of == != >= <= > <
  double bound = 0;
  std::string text;  // as written, for reports
};

struct GateResult {
  Gate gate;
  double actual = 0;
  bool passed = false;
  bool known = true;  // false when the report has no such metric
};

// Parses "<= 8000", ">= 0.95", "== 0" or a bare number (meaning ==). False on anything else.
bool parse_gate(const std::string& metric, const std::string& expression, Gate& out);
std::vector<GateResult> evaluate_gates(const std::vector<Gate>& gates,
                                       const std::map<std::string, double>& metrics);

}  // namespace checkride
