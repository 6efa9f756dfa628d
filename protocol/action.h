#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "protocol/ids.h"
#include "protocol/time.h"

namespace checkride {

// One action call from the agent (the model's tool call after the agent runtime has
// attached the session context). Params stay JSON: they are what the model produced.
struct ActionRequest {
  SessionId session = 0;
  UserId user = 0;
  uint64_t request_id = 0;  // the caller's correlation id, echoed in the result
  std::string action;
  std::shared_ptr<const nlohmann::json> params;
  IdempotencyKey key = 0;
  PaymentMethodId payment_method = 0;  // the user's vaulted payment token
};

enum class ActionStatus : uint8_t {
  kOk,                 // non-charging action succeeded
  kConfirmed,          // order/booking confirmed and paid
  kRejected,           // invalid or refused by policy; nothing done
  kFailed,             // provider failure; everything compensated
  kBusy,               // admission control: retry after `retry_after`
  kNeedsConfirmation,  // explicit user confirmation for this amount is missing
  kReauthRequired,     // the user must log in again (refresh token revoked)
  kReview,             // escalated to a human; nothing charged yet
  kUnavailable,        // transport-level: orchestrator down or no answer
};
std::string_view status_name(ActionStatus s);
bool parse_status(std::string_view name, ActionStatus& out);
// Statuses an agent treats as success when comparing with a recording.
bool is_success(ActionStatus s);

struct ActionResult {
  SessionId session = 0;
  uint64_t request_id = 0;
  ActionStatus status = ActionStatus::kOk;
  std::string code;       // machine-readable reason, e.g. "schema", "max_total_exceeded"
  std::string reference;  // order or booking id the agent can refer to later
  int64_t total = 0;      // server-computed total in minor units
  Duration retry_after = 0;
};

// The user's explicit confirmation of a charge, relayed by the agent runtime.
struct ConsentGrant {
  SessionId session = 0;
  int64_t amount = 0;
  bool granted = false;
};

// The delegated OAuth grant the user gave the agent when the session began.
struct SessionGrant {
  SessionId session = 0;
  UserId user = 0;
  uint64_t access_token = 0;
  uint64_t refresh_token = 0;
  Time expires_at = 0;
  uint32_t scopes = 0;
};

}  // namespace checkride
