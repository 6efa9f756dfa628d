#include "orchestrator/action_reply.h"

namespace checkride {

void reply_to_action(AuditLog& audit, SessionId session, uint64_t request_id, ActionStatus status,
                     std::string code, Time now, Effects& out, std::string reference, int64_t total,
                     Duration retry_after) {
  if (audit.keeping()) {
    std::string detail(status_name(status));
    if (!reference.empty()) detail += " " + reference;
    audit.append(now, "reply", session, 0, detail, total);
  }
  ActionResult r;
  r.session = session;
  r.request_id = request_id;
  r.status = status;
  r.code = std::move(code);
  r.reference = std::move(reference);
  r.total = total;
  r.retry_after = retry_after;
  out.replies.push_back(std::move(r));
}

}  // namespace checkride
