#pragma once
#include <cstdint>
#include <vector>

#include "protocol/ids.h"
#include "protocol/time.h"

namespace checkride {

// A commit that took a SKU, an offer or a coupon past what it had: the ground truth the
// oversell and coupon-overspend witnesses name. Only the first few are kept.
struct Overrun {
  UserId user;
  ObjectId id;  // the order or hold
  Time at;
  int64_t past;  // units or cents past capacity right after this commit
};

constexpr std::size_t kOverrunsKept = 3;

inline void note_overrun(std::vector<Overrun>& list, UserId user, ObjectId id, Time at,
                         int64_t past) {
  if (past > 0 && list.size() < kOverrunsKept) list.push_back(Overrun{user, id, at, past});
}

}  // namespace checkride
