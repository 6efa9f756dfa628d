#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace checkride {

struct RunOptions {
  std::vector<std::string> paths;      // scenario files or directories of *.yaml
  std::vector<std::string> overrides;  // --set k=v (plus --seed / --sessions)
  std::vector<std::string> defects;    // --defect NAME
  std::string out_dir = "out";
  std::vector<std::string> formats = {"json", "md"};
  bool check_determinism = false;
  uint64_t trace_session = 0;
  std::string junit_file;    // also write JUnit XML (one testcase per gate) here
  std::string audit_log;     // also write the orchestrator's audit log (JSONL) here
  bool allow_empty = false;  // accept a run that exercised nothing (else NO EVIDENCE, exit 1)
  bool swarm = false;        // draw the fault rules' activity and rates from the seed
  bool quiet = false;
  bool progress = false;  // a progress line on `err` for long runs (a TTY only)
  bool color = false;     // PASS/FAIL in colour (a TTY without NO_COLOR only)
};

// Runs every scenario, writes its reports, prints a summary. Returns the CLI exit code:
// 0 all gates met, 1 a gate failed, 2 bad input (message on `err`).
int run_scenarios(const RunOptions& options, std::ostream& out, std::ostream& err);

// Validates scenarios, cassettes, action catalogs and world catalogs. 0 or 2.
int validate_files(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

struct Scenario;
struct Report;
// Turns on the named defect switches (--defect); throws InputError on an unknown name.
void apply_defects(Scenario& scenario, const std::vector<std::string>& names);
// One simulated run of a loaded scenario (its own action catalog, if any, is read).
Report simulate_scenario(const Scenario& scenario);
// The same, printing `session`'s events into `trace`.
Report simulate_traced(const Scenario& scenario, uint64_t session, std::vector<std::string>& trace);
// The summary lines for the gates a report failed, and for a run that exercised nothing,
// each starting with `indent`.
void print_failed_gates(const Report& report, const std::string& indent, std::ostream& out);
// Writes a whole file through write_output_file: InputError for a path that can never be
// written (a directory), OutputError when a write fails.
void write_file(const std::string& path, const std::string& text);

// Scenario files under `path` (itself if a file), sorted.
std::vector<std::string> expand_scenarios(const std::string& path);

}  // namespace checkride
