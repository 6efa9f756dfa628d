#include "reports/gates.h"

#include <charconv>
#include <cmath>

namespace checkride {

bool parse_gate(const std::string& metric, const std::string& expression, Gate& out) {
  std::string_view s = expression;
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
  };
  s = trim(s);
  std::string op = "==";
  for (const char* candidate : {">=", "<=", "==", "!=", ">", "<"}) {
    std::string_view c = candidate;
    if (s.substr(0, c.size()) == c) {
      op = std::string(c);
      s.remove_prefix(c.size());
      break;
    }
  }
  s = trim(s);
  double bound;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), bound);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return false;
  out = Gate{metric, op, bound, expression};
  return true;
}

std::vector<GateResult> evaluate_gates(const std::vector<Gate>& gates,
                                       const std::map<std::string, double>& metrics) {
  std::vector<GateResult> results;
  for (const Gate& g : gates) {
    GateResult r{g, 0, false, true};
    auto it = metrics.find(g.metric);
    if (it == metrics.end()) {
      r.known = false;
    } else {
      double a = it->second;
      r.actual = a;
      const double eps = 1e-9;
      if (g.op == "==")
        r.passed = std::fabs(a - g.bound) <= eps;
      else if (g.op == "!=")
        r.passed = std::fabs(a - g.bound) > eps;
      else if (g.op == ">=")
        r.passed = a >= g.bound - eps;
      else if (g.op == "<=")
        r.passed = a <= g.bound + eps;
      else if (g.op == ">")
        r.passed = a > g.bound;
      else if (g.op == "<")
        r.passed = a < g.bound;
    }
    results.push_back(r);
  }
  return results;
}

}  // namespace checkride
