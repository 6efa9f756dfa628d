#pragma once
#include <cstdint>
#include <string>

#include "protocol/money_tally.h"

namespace checkride {

// How one recorded session fared when replayed in the sandbox: the first event where the
// sandbox answered differently from the recording, and why. Shared by replay (which finds
// it) and the recorder (which asks a live model what to do next, --record-on-miss).
struct SessionDivergence {
  std::string session;  // the cassette's session id
  // "same": every answer matched; "recovered": an answer differed but a retry got the
  // recorded one; "diverged": a step never got the recorded answer.
  std::string verdict = "same";
  int line = 0;   // cassette line of the first divergent action (0 when same)
  int step = -1;  // its index among the session's replayed steps
  std::string call_id;
  std::string action;
  std::string recorded;                // the recorded status
  std::string recorded_inferred_from;  // how the recorded status was inferred, "" if it was not
  std::string sandbox;                 // the status the sandbox answered
  std::string code;  // the orchestrator's reason code, e.g. "no_answer", "out_of_stock"
  int64_t recorded_total = -1;
  int64_t sandbox_total = -1;
  std::string why;  // one sentence for a person
  int steps_answered = 0;
  int steps = 0;  // action steps in the recording
  // Consents in the recording: relayed by the agent runtime, or read from the conversation
  // by an importer (a "yes" after a stated total).
  int consents_explicit = 0;
  int consents_inferred = 0;
  // Money: the writes the recording says succeeded (of kinds that can move money), those
  // whose recorded result states what moved, its sum over them, and what the sandbox's
  // ledgers moved in the whole session.
  int writes = 0;
  int writes_compared = 0;
  MoneyTally money_recorded, money_sandbox;
};

}  // namespace checkride
