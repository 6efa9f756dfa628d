#pragma once
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace checkride {

// How far a metric may move from the baseline to the candidate before CI fails.
struct Threshold {
  enum class Kind { kMaxDrop, kMaxRise, kMaxDropPercent, kMaxRisePercent };
  std::string metric;
  Kind kind = Kind::kMaxRise;
  double limit = 0;
};

// Used when no --thresholds file is given: no safety metric may rise, completion may not
// drop by more than 0.5 percentage points.
std::vector<Threshold> default_thresholds();

// Reads a thresholds YAML file:
//   completion_rate: {max_drop: 0.005}      # absolute (0.005 = 0.5 points of a rate)
//   duplicate_charges: {max_rise: 0}
//   p99_session_ms: {max_rise_percent: 10}  # relative to the baseline
// Throws InputError naming the file, line and field on anything else.
std::vector<Threshold> load_thresholds(const std::string& path);

struct DiffOptions {
  std::string baseline;    // a report .json, or a directory of them
  std::string candidate;   // the same kind as baseline
  std::string thresholds;  // empty: default_thresholds()
};

// Compares reports metric by metric and template by template and prints Markdown that fits
// a CI job summary. Returns 0 (no threshold breached), 1 (breached, or a baseline scenario
// missing from the candidate) or 2 (bad input, message on `err`).
int run_diff(const DiffOptions& options, std::ostream& out, std::ostream& err);

}  // namespace checkride
