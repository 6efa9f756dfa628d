#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/cassette.h"
#include "protocol/tool_coverage.h"

namespace checkride {

// A cassette session compiled for replay: params parsed once, shared by every session
// instantiated from it.
struct CompiledTemplate {
  std::string name;     // "cassette-file#session-id"
  std::string session;  // the session id alone: what a diff matches across renamed files
  std::string user;     // the user it plays as: whose existing bookings it finds
  std::vector<CassetteStep> steps;
  std::vector<std::shared_ptr<const nlohmann::json>> malformed;  // per step, the broken variant
  std::vector<bool> charge;                                      // per step: charge-bearing action
  std::vector<bool> as_recorded;  // per step: a lookup of the team's systems, answered as recorded
  bool intent = false;
  bool has_substitutions = false;
  bool recorded_success = false;  // the recording ended with a confirmed charge
  ToolCoverage tools;             // the recording's tool calls and how they map
};

}  // namespace checkride
