#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/action.h"

namespace checkride {

// POST /v1/actions as it travels (docs/wire.md). Ids are the caller's strings; the service
// maps them onto its dense ids.
struct WireAction {
  std::string session;      // the agent session
  std::string user;         // the identity provider's subject, e.g. "user_3"
  uint64_t request_id = 0;  // echoed in the result
  std::string action;       // tool name
  std::shared_ptr<const nlohmann::json> params;
  std::string idempotency_key;  // stays the same across the agent's retries of one step
  std::string payment_method;   // the user's vaulted payment method, e.g. "pm_3"
};

// Parses a request body; on failure returns false and names the field and what was
// expected in `error`.
bool parse_wire_action(const std::string& body, WireAction& out, std::string& error);
nlohmann::json wire_action_json(const WireAction& a);
// wire_action_json(a).dump(), byte for byte, with the params already dumped as
// `params_text` (a load generator dumps each step's params once, not per request).
std::string wire_action_text(const WireAction& a, std::string_view params_text);

// The action result: status name, code, reference, total (minor units), retry_after_ms.
nlohmann::json action_result_json(const ActionResult& r);
bool parse_action_result(const nlohmann::json& j, ActionResult& out, std::string& error);

}  // namespace checkride
