#pragma once
#include <cstdint>
#include <string>

#include "orchestrator/audit_log.h"
#include "orchestrator/effects.h"

namespace checkride {

// Answers an agent's action: the answer joins out.replies, and the audit log notes it.
void reply_to_action(AuditLog& audit, SessionId session, uint64_t request_id, ActionStatus status,
                     std::string code, Time now, Effects& out, std::string reference = {},
                     int64_t total = 0, Duration retry_after = 0);

}  // namespace checkride
