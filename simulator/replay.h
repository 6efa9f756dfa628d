#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "protocol/divergence.h"
#include "reports/report.h"

namespace checkride {

struct ReplayOptions {
  std::string cassette;
  std::string scenario;  // optional: world, orchestrator config, agent, faults, expect:
  std::string faults;    // optional: fault rules to add (scenario `faults:` syntax)
  std::string actions;   // optional action catalog when there is no scenario
  std::string world;     // optional world file: what existed before the sessions
  // With `world`: also infer what it lacks from the recording (else what a call names and
  // the world lacks is refused, as the real system would).
  bool infer_missing = false;
  std::string dump_world;  // optional: write the world the replay used here (a world file)
  std::string out_dir = "out";
  bool fail_on_divergence = false;
  bool allow_empty = false;  // accept a replay that exercised nothing (else NO EVIDENCE)
  bool html = false;         // also NAME.html: the report with the verdict per session
  bool quiet = false;
};

struct ReplayResult {
  std::string name;  // the report's name: the cassette's file stem
  Report report;     // ground-truth metrics of the replay, plus replay_* counts
  std::vector<SessionDivergence> sessions;  // one per recorded session, in cassette order
  bool inferred_world = false;              // some of the world was inferred from the recording
  std::vector<std::string> inferred;        // what was inferred, one line each
  std::string actions;                // the action catalog used: a path, or "" for the built-in one
  std::vector<std::string> warnings;  // e.g. the catalog changed since the recording
};

// Plays each recorded session once, in order and one at a time, through the real
// orchestrator and the fakes (with the scenario's world, or one inferred from the cassette),
// and compares every answer with the recorded one. Throws InputError on bad input.
ReplayResult replay_cassette(const ReplayOptions& options);

// `checkride replay`: runs replay_cassette, writes NAME.json/.md (the standard report) and
// NAME.replay.json/.md (per-session divergence), prints a summary. Exit code: 0, 1 when a
// gate fails (or a session diverged, with fail_on_divergence), 2 on bad input.
int run_replay(const ReplayOptions& options, std::ostream& out, std::ostream& err,
               ReplayResult* result = nullptr);

std::string divergence_markdown(const ReplayResult& result);

}  // namespace checkride
