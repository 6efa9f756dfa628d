#pragma once
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "protocol/ids.h"
#include "protocol/time.h"

namespace checkride {

// What each session and each user has been allowed to spend so far, against the spend caps.
// A charge's amount is counted when its checks pass and given back when it comes to nothing.
class SpendLedger {
 public:
  int64_t& session(SessionId session) { return session_[session]; }
  // The user's spend on the day of `now`: a new day starts from zero.
  int64_t& today(UserId user, Time now);
  // A charge that did not happen: its amount leaves both counts.
  void give_back(SessionId session, UserId user, int64_t amount, Time now);
  void forget(SessionId session, UserId user);

 private:
  // Lookup-only maps: never iterated.
  std::unordered_map<SessionId, int64_t> session_;
  std::unordered_map<UserId, std::pair<int64_t, int64_t>> day_;  // user -> (day, spent)
};

}  // namespace checkride
