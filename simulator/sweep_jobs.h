#pragma once
#include <functional>
#include <string>
#include <vector>

#include "reports/sweep_report.h"
#include "scenario/scenario.h"

namespace checkride {

// Runs each scenario (one per seed) and hands each seed's part of the sweep report,
// `blank` plus that seed, to `on_part`. With jobs > 1, `jobs` forked processes share the
// seeds (seed i to process i mod jobs) and send each part back as one line of JSON; with
// one job the part makes the same JSON round trip, so --jobs never changes a byte of the
// report. No threads: each process is single-threaded, as a simulated run must be.
// Returns "" or what went wrong (a process that died, an answer that did not parse).
std::string run_seeds(const std::vector<Scenario>& runs, int jobs, bool allow_empty,
                      const SweepReport& blank,
                      const std::function<void(const SweepReport&)>& on_part);

}  // namespace checkride
