#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "reports/sweep_report.h"

namespace checkride {

struct SweepOptions {
  std::string scenario;                // one scenario file
  std::string seeds;                   // "A..B", inclusive
  std::vector<std::string> overrides;  // --set k=v
  std::vector<std::string> defects;    // --defect NAME
  std::string out_dir = "out";
  std::string junit_file;    // one testcase per gate per seed
  bool allow_empty = false;  // accept seeds that exercised nothing (else NO EVIDENCE, exit 1)
  int jobs = 1;              // processes running seeds at once
  bool swarm = false;        // each seed draws which fault rules are on, and their rates
  ShardSpec shard;           // run only this shard's seeds
  bool defer_gates = false;
  bool html =
      false;  // also NAME.sweep.html  // a shard: exit 0 when only gates failed; the merge gates
  bool quiet = false;
  bool progress = false;  // a progress line on `err` (a TTY only)
  bool color = false;     // colour in it (not with NO_COLOR)
};

// Runs the scenario once per seed of the range (of the shard's share of it), in `jobs`
// processes. A trial is one (session template, seed): it succeeds when every intent
// instantiated from the template completed in that seed's run. Writes NAME.sweep.json and
// NAME.sweep.md (a shard: NAME.shard-I-of-N.sweep.*) and returns 0 (every seed met its
// gates), 1 (some seed failed one), 2 (bad input) or 3 (a job died).
int run_sweep(const SweepOptions& options, std::ostream& out, std::ostream& err);

// "A..B" with A <= B; false on anything else.
bool parse_seed_range(const std::string& text, uint64_t& first, uint64_t& last);

// Which shard to run: `flag` (--shard I/N), else CHECKRIDE_SHARD (I/N), else
// JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's pod index) with `count` from --shards.
// Empty strings are unset. Throws InputError naming the source on a bad value.
ShardSpec resolve_shard(const std::string& flag, const std::string& checkride_shard,
                        const std::string& job_completion_index, int count);

}  // namespace checkride
