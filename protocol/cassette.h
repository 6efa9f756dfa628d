#pragma once
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/action.h"

namespace checkride {

// One step of a recorded session, compiled once so that replay touches no JSON text.
struct CassetteStep {
  enum class Kind : uint8_t { kAction, kConfirm };
  Kind kind = Kind::kAction;
  Duration think = 0;  // recorded gap before this step
  int line = 0;        // where it came from, for messages
  // action
  std::string call_id;
  std::string action;
  std::shared_ptr<const nlohmann::json> params;
  bool has_recorded = false;  // the recording's own status, not one inferred from its text
  ActionStatus recorded = ActionStatus::kOk;
  std::string inferred_from;    // with an inferred status: what it was inferred from
  int64_t recorded_total = -1;  // the recorded result's total_cents, if any
  std::shared_ptr<const nlohmann::json> recorded_result;  // what the tool answered, if anything
  // params that name an id an earlier step got back: JSON pointer -> that step's index
  std::vector<std::pair<std::string, int>> substitutions;
  std::string payment_method;  // Stripe test payment method named in params, if any
  // confirm
  int64_t amount = 0;
  bool granted = false;
  // confirm: how an importer read the consent from the conversation ("" when the agent
  // runtime relayed an explicit one).
  std::string consent_inferred_from;

  // Whether an answer is the one the recording got: the same status, or, when the
  // recording's status was only inferred (ok or failed), the same outcome: success for a
  // recorded success, a failure of any kind for a recorded failure. The agent moves on when
  // it is; replay counts a divergence when it is not.
  bool answered_as_recorded(ActionStatus status) const {
    return has_recorded ? status == recorded : is_success(status) == is_success(recorded);
  }
};

struct SessionTemplate {
  std::string id;
  std::string user;  // the user it plays as (a world's existing bookings are theirs); "": id
  std::vector<CassetteStep> steps;
  // Tool calls the recording kept as notes (not actions), by tool name, in order.
  std::vector<std::string> note_tools;
};

struct Cassette {
  std::string path;
  nlohmann::json header;
  std::vector<SessionTemplate> sessions;
};

// Every string in `node` (a call's params) that is one of `ids` (recorded ids, each with the
// index of the step that got it back): its JSON pointer (below `pointer`) and that step.
void find_id_uses(const nlohmann::json& node, const std::string& pointer,
                  const std::map<std::string, int>& ids,
                  std::vector<std::pair<std::string, int>>& out);

// Reads a checkride.cassette/v1 JSONL file. Throws InputError naming the file, the line
// and the field on anything malformed.
Cassette load_cassette(const std::string& path);
Cassette parse_cassette(const std::string& text, const std::string& origin);

}  // namespace checkride
