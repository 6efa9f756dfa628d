#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace checkride {

struct ShrinkOptions {
  std::string scenario;
  int64_t seed = -1;                   // -1: the scenario's
  std::vector<std::string> defects;    // --defect
  std::vector<std::string> overrides;  // --set
  std::string gate;                    // the gate to keep failing ("" : the first that fails)
  std::string out_dir = "out";
  int max_runs = 4000;  // candidate runs the search may spend
  bool quiet = false;
};

// What a shrink found: the smallest scenario it could make that still fails the gate.
struct ShrinkResult {
  Scenario original;  // as loaded, with the defects
  Scenario minimal;
  std::string gate;   // "duplicate_charges 0"
  double actual = 0;  // the gate's metric in the minimal run
  int64_t sessions_before = 0, sessions_after = 0;
  std::size_t rules_before = 0, rules_after = 0;
  int64_t sessions_arriving = 0;      // workload.sessions of the minimal scenario
  std::vector<std::string> narrowed;  // "faults[0]: 60s-120s -> 61.2s-62s"
  int runs = 0;                       // candidate runs made
  uint64_t witness_session = 0;       // the session the trace follows
};

// Delta debugging (Zeller's ddmin) from a failing run: fewer sessions (a subset of the
// arrivals: each session keeps its arrival time, template and random draws, so the others
// do not shift), fewer fault rules (a kept rule keeps its stream), narrower fault windows
// and a shorter load phase, each candidate kept only when it still fails the same gate.
// Every candidate run is deterministic, so the result is exact. Throws InputError when the
// scenario is bad or the run fails no gate (or not the one named).
ShrinkResult shrink_scenario(const ShrinkOptions& options);

// `checkride shrink`: writes NAME.min.yaml (loads and fails the same gate), the minimal
// run's report and trace (NAME.min.{json,md,trace.txt}) and prints the reduction. 0 when it
// wrote them; 2 on bad input or nothing to shrink; 3 if the minimal file did not fail again.
int run_shrink(const ShrinkOptions& options, std::ostream& out, std::ostream& err);

}  // namespace checkride
