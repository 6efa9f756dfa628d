#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace checkride {

struct SweepOptions {
  std::string scenario;                // one scenario file
  std::string seeds;                   // "A..B", inclusive
  std::vector<std::string> overrides;  // --set k=v
  std::string out_dir = "reports";
  std::string junit_file;    // one testcase per gate per seed
  bool allow_empty = false;  // accept seeds that exercised nothing (else NO EVIDENCE, exit 1)
  bool quiet = false;
};

// pass^k as τ-bench defines it: the chance that k trials drawn from n, c of which
// succeeded, all succeed: C(c,k) / C(n,k).
double pass_hat_k(int n, int c, int k);

// Runs the scenario once per seed. A trial is one (session template, seed): it succeeds
// when every intent instantiated from the template completed in that seed's run. Reports
// pass^k per template for k = 1..n seeds, writes NAME.sweep.json and NAME.sweep.md, and
// returns 0 (every seed met its gates), 1 (some seed failed one) or 2 (bad input).
int run_sweep(const SweepOptions& options, std::ostream& out, std::ostream& err);

// "A..B" with A <= B; false on anything else.
bool parse_seed_range(const std::string& text, uint64_t& first, uint64_t& last);

}  // namespace checkride
