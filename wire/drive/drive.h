#pragma once
#include <iosfwd>
#include <string>

#include "protocol/time.h"
#include "reports/sweep_report.h"

namespace checkride {

struct DriveOptions {
  std::string orchestrator;  // base URL of any orchestrator speaking docs/wire.md's action API
  std::string control = "http://127.0.0.1:12110";  // the fakes' control API
  std::string control_token;
  std::string secret;  // HMAC key for signed requests; empty: unsigned
  std::string scenario;
  std::string cassette;   // when no scenario: drive this cassette's sessions
  double rate = 10;       // sessions started per second (open model)
  double ramp_to = 0;     // > 0: the rate climbs linearly from `rate` to this over the duration
  double duration_s = 0;  // 0: until `sessions` have started
  int64_t sessions = 0;   // 0: the scenario's sessions (or one per cassette session)
  int connections = 16;   // keep-alive connections, one session at a time each
  int loops = 0;  // event-loop threads the connections are shared out among (0: one per core)
  double think_scale = 0;      // recorded think time is multiplied by this (0: no thinking)
  Duration max_lag = kSecond;  // a session starting later than this after its slot is dropped
  Duration drain_timeout = 60 * kSecond;
  std::string out_dir = "out";
  std::string name;  // report file stem; default: the scenario's name
  bool quiet = false;
  bool progress = false;  // a progress line on stderr (a TTY only)
  // One shard of a drive across machines: it plays the arrivals whose index is its own
  // modulo the count, and keeps what it measured in NAME.shard-I-of-N.json for `report
  // merge`, which asks the fakes for the one report (docs/wire.md, drive across machines).
  ShardSpec shard;
};

// `checkride drive`: plays cassette sessions against an orchestrator over HTTP at an
// open-model arrival rate, then asks the fakes' control API for the ground-truth report and
// writes it like a simulated run. Exit code: 0 gates met, 1 a gate failed, 2 bad input,
// 3 the orchestrator or fakes could not be reached.
int run_drive(const DriveOptions& options, std::ostream& out, std::ostream& err);

}  // namespace checkride
