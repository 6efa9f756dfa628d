#include "orchestrator/spend_ledger.h"

namespace checkride {

int64_t& SpendLedger::today(UserId user, Time now) {
  auto& [day, spent] = day_[user];
  int64_t current = now / (24 * kHour);
  if (day != current) {
    day = current;
    spent = 0;
  }
  return spent;
}

void SpendLedger::give_back(SessionId session, UserId user, int64_t amount, Time now) {
  session_[session] -= amount;
  today(user, now) -= amount;
}

void SpendLedger::forget(SessionId session, UserId user) {
  session_.erase(session);
  day_.erase(user);
}

}  // namespace checkride
