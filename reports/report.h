#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/tool_coverage.h"
#include "reports/gates.h"
#include "reports/histogram.h"

namespace checkride {

// A violation made explainable: the session and the minimal events that show it.
struct Witness {
  std::string metric;
  uint64_t session = 0;
  std::vector<std::string> events;
};

// What one scenario fault rule did in the run: a rule that never struck tested nothing.
struct FaultRuleCount {
  std::string rule;  // "faults[2]: payment capture lost_response"
  int line = 0;      // where it was declared
  int64_t fired = 0;
  // Under --swarm the seed draws whether the rule is on and how often it strikes.
  bool active = true;
  double probability = 1;
  // Its window in virtual ms, for charts: [from, to), to < 0 when it never closes.
  int64_t from = 0;
  int64_t to = -1;
};

// What happened over virtual time, in equal buckets (at most kMaxBuckets of them): sessions
// started and finished, and the agents' answers to charge-bearing actions.
struct Timeline {
  static constexpr std::size_t kMaxBuckets = 120;
  int64_t bucket_ms = 1000;
  std::vector<uint64_t> started, finished, confirmed, refused;
};

struct StepFailures {
  uint64_t calls = 0;
  uint64_t errors = 0;
  std::map<std::string, uint64_t> by_error;
};

// Per cassette session template: how its instantiated sessions fared (for diffs between
// models: which intents newly fail).
struct TemplateStats {
  std::string session;  // the cassette's session id, the template's own name
  uint64_t sessions = 0;
  uint64_t intents = 0;
  uint64_t completed = 0;
};

// The result of one run, as checkers computed it from ground truth. Everything in it is
// deterministic; wall-clock figures live in RunStats and never reach the report file.
struct Report {
  std::string scenario;
  std::string description;
  uint64_t seed = 0;
  uint64_t fingerprint = 0;
  std::vector<std::string> defects;
  std::map<std::string, double> metrics;
  std::map<std::string, LogHistogram> latency;           // "session", "action.placeOrder", ...
  std::map<std::string, StepFailures> failures_by_step;  // "payment.capture", ...
  std::map<std::string, int64_t> money;
  std::vector<Witness> witnesses;
  std::map<std::string, TemplateStats> templates;  // "cassette#session" -> stats
  std::vector<GateResult> gates;
  uint64_t flows = 0;       // sagas started, the denominator of failures per 100 flows
  ToolCoverage tool_calls;  // the recordings' tool calls and how they map, each template once
  std::vector<FaultRuleCount> fault_rules;  // each fault rule and how often it struck
  bool swarm = false;                       // the rules' activity and rates drawn from the seed
  // Fault coverage of the orchestrator's branches: "compensation.void", "retry.timeout",
  // "recovery.step"... Each counts how often it ran; zeros show what was never exercised.
  std::map<std::string, uint64_t> branches;
  Timeline timeline;
  std::map<std::string, uint64_t> outcomes;  // intents by how they ended: confirmed or a reason
  // Why the run exercised nothing (no charge-bearing action ran, no tool call mapped to an
  // action), or "" when it exercised something. Such a run is never PASS...
  std::string no_evidence;
  bool allow_empty = false;  // ...unless --allow-empty accepts it.

  bool passed() const;
  // "PASS", "FAIL" (a gate failed) or "NO EVIDENCE" (the gates held, but on nothing).
  std::string verdict() const;
};

struct RunStats {
  double wall_seconds = 0;
  uint64_t events = 0;
  uint64_t sessions = 0;
  long peak_rss_kb = 0;
};

// Canonical JSON: "format": "checkride.report/v1", sorted keys, no wall-clock fields.
nlohmann::json report_to_json(const Report& r);
std::string report_to_markdown(const Report& r);
// The fault rules (fired, swarm draw) and the branches the orchestrator ran, as Markdown.
void fault_coverage_tables(const std::vector<FaultRuleCount>& rules, bool swarm,
                           const std::map<std::string, uint64_t>& branches, std::ostringstream& md);
std::string fingerprint_hex(uint64_t f);
// How reports print a number: integers plainly, anything else with four decimals.
std::string format_number(double v);

}  // namespace checkride
