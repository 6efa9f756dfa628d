// What paid a change of something a user already holds (a booking's extras or exchange, an
// order's item swap): the payment intent and stored-value debits the change request names.
// Kept on the object so the checkers count them as charges of their own, never as a second
// charge of the booking or order itself.
#pragma once
#include <algorithm>
#include <vector>

#include "protocol/provider.h"

namespace checkride {

// Records `req`'s payment (unless it is the object's own `paid_by`, which a change that owes
// money back names for the refund) and its debits, each once.
inline void note_change_payment(ObjectId paid_by, const ProviderRequest& req,
                                std::vector<ObjectId>& payments, std::vector<ObjectId>& debits) {
  auto add = [](std::vector<ObjectId>& list, ObjectId id) {
    if (id != 0 && std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
  };
  if (req.payment != paid_by) add(payments, req.payment);
  for (ObjectId d : req.debits) add(debits, d);
}

}  // namespace checkride
