#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scenario/compiled_template.h"
#include "scenario/rng.h"
#include "scenario/scenario.h"
#include "scenario/template_mix.h"
#include "wire/drive/drive.h"
#include "wire/drive/drive_progress.h"
#include "wire/drive/session_machine.h"

namespace checkride {

// What a drive counted, for its report and its run figures.
struct DriveTally {
  std::vector<DrivenSession> driven;
  static constexpr std::size_t kMaxErrors = 5;
  std::vector<std::string> errors;  // the first few sessions the fakes could not start
  DriveStats total;
  int64_t started = 0;
  int64_t dropped = 0;  // the target rate could not be held: counted, not absorbed
  int64_t dropped_requests = 0;
  int64_t unstarted = 0;  // the fakes could not give the session a shopper
  int64_t unsettled = 0;  // still in flight at the orchestrator when the drain ran out
  int64_t unknown = 0;    // the orchestrator never said whether they settled
  double load_seconds = 0;

  // Takes in another loop's tally (its sessions moved; the first few errors kept).
  void add(DriveTally&& other);
};

// What the load plays.
struct LoadInput {
  const DriveOptions& options;
  const Scenario& scenario;
  const std::vector<CompiledTemplate>& templates;
  const TemplateMix& mix;
  int64_t sessions;  // the whole schedule's (every shard's)
  SteadyTime start;
  std::function<Time(SteadyTime)> wire_time;
  std::string session_prefix;                         // session i is PREFIX<i+1>
  std::vector<std::vector<std::string>> params_text;  // params_texts(templates)
};

// The open-model load on `options.loops` event loops, a thread each: arrivals at the
// schedule's times, played by `options.connections` lanes shared out among the loops, each
// lane a keep-alive connection to the orchestrator and one to the fakes' control API, one
// session at a time. An arrival that waited past max_lag for a free lane is dropped, and
// counted. Every arrival draws its template in order, so the shards of a drive play between
// them the sessions one unsharded drive would: a shard plays the arrivals whose index is its
// own modulo the shard count, and of those each loop every loops-th.
// Throws InputError on a URL it cannot use.
void play_load(const LoadInput& in, DriveProgress& progress, DriveTally& tally);

}  // namespace checkride
