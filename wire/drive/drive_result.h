#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/histogram.h"

namespace checkride {

// What one drive measured (or its shards, added up): everything the fakes' control API needs
// to make the ground-truth report, and the wall-clock figures kept beside it.
struct DriveResult {
  nlohmann::json templates = nlohmann::json::array();  // per template: name, recorded_success,
                                                       // tools (the report request's form)
  std::map<std::string, LogHistogram> latency;         // "request", "session", "action.<name>"
  std::map<std::string, int64_t> metrics;              // the drive_* counters
  std::vector<nlohmann::json> sessions;  // the agent's view of each played session, by user
  // Wall-clock figures, for NAME.run.json.
  int64_t started = 0, played = 0, dropped = 0, unstarted = 0;
  uint64_t requests = 0;
  double wall_seconds = 0;

  // Adds another shard's: histograms bucket by bucket, counters summed, sessions joined,
  // wall time the longer of the two (the shards run side by side).
  void add(const DriveResult& other);
  // Puts the sessions in user order, as the report takes them (once, after the adds).
  void sort_sessions();
};

// Where the fakes' control API is.
struct ControlLink {
  std::string url;
  std::string token;  // its Bearer token; empty: none
};

// GET /__checkride/health: the fakes' clock (`now_ms`) and world id (`world`). Null, with
// why not in `why`, when the control API does not answer it.
nlohmann::json control_health(const ControlLink& control, std::string& why);

// Asks the fakes' control API for the ground-truth report over `r` (its sessions posted in
// pages ahead of the request), writes STEM.json, STEM.md and STEM.run.json and prints the
// summary unless quiet. Exit code: 0 gates met, 1 a gate failed, 3 the control API failed
// or a file could not be written. `shards`: how many drives the result adds up (1: one).
int report_from_fakes(const ControlLink& control, const DriveResult& r, const std::string& stem,
                      int shards, bool quiet, std::ostream& out, std::ostream& err);

}  // namespace checkride
