#pragma once
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "protocol/divergence.h"
#include "recorder/redactor.h"

namespace checkride {

struct RecordOnMissOptions {
  std::string cassette;   // the cassette that was replayed
  std::string model_url;  // an OpenAI-compatible endpoint
  std::string model;      // the "model" field to send
  std::string api_key;    // sent as a bearer token, never written anywhere
  std::string out;        // the new cassette
  nlohmann::json tools;   // OpenAI tool definitions for the actions
  std::set<std::string> actions;
  RedactionConfig redaction;
  int timeout_seconds = 60;
};

// vcrpy's "new episodes" for agents: for each session that diverged in the sandbox, the
// conversation up to the divergent action plus the sandbox's answer to it goes to a live
// model, and what the model does next is appended. Writes a new cassette: sessions that
// did not diverge are copied as they were; diverged ones end with the sandbox's answer and
// the live model's next turn (marked "live": true). Returns the number of sessions asked;
// a session the endpoint failed for gets a note saying why. Throws InputError on a bad
// cassette or URL.
int record_on_miss(const RecordOnMissOptions& options,
                   const std::vector<SessionDivergence>& sessions, std::ostream& out);

}  // namespace checkride
