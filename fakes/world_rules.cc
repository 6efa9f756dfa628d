#include "fakes/world_rules.h"

#include <algorithm>
#include <initializer_list>

namespace checkride {
namespace {

uint32_t bits(std::initializer_list<ObjectOperation> ops) {
  uint32_t out = 0;
  for (ObjectOperation op : ops) out |= 1u << static_cast<int>(op);
  return out;
}

ObjectRules with_statuses(std::vector<StatusRule> statuses, std::string_view cancelled) {
  ObjectRules r;
  r.statuses = std::move(statuses);
  r.after.fill(-1);
  r.after[static_cast<int>(ObjectOperation::kCancel)] = r.find(cancelled);
  return r;
}

}  // namespace

int16_t ObjectRules::find(std::string_view name) const {
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i].name == name) return static_cast<int16_t>(i);
  }
  return -1;
}

ObjectRules WorldRules::default_order_rules() {
  using O = ObjectOperation;
  return with_statuses(
      {{"pending", bits({O::kCancel, O::kModifyItems, O::kChangeDetails, O::kChangePayment})},
       {"processed", 0},
       {"shipped", 0},
       {"delivered", bits({O::kReturn, O::kExchange})},
       {"cancelled", 0},
       {"returned", 0},
       {"exchanged", 0}},
      "cancelled");
}

ObjectRules WorldRules::default_booking_rules() {
  using O = ObjectOperation;
  return with_statuses(
      {{"confirmed", bits({O::kCancel, O::kChangeFlights, O::kAddExtras, O::kChangeDetails})},
       {"flown", 0},
       {"cancelled", 0}},
      "cancelled");
}

ErrorCode WorldRules::refusal(const ObjectRules& rules, int16_t status, const OperationCounts& done,
                              ObjectOperation op, std::string_view reason) {
  if (op == ObjectOperation::kNone) return ErrorCode::kNone;
  if (status < 0 || static_cast<std::size_t>(status) >= rules.statuses.size() ||
      !rules.statuses[status].allows_op(op)) {
    return status_refusal(op);
  }
  const int i = static_cast<int>(op);
  if (rules.at_most[i] > 0 && done[i] >= rules.at_most[i]) return ErrorCode::kModificationLimit;
  if (op == ObjectOperation::kCancel && !rules.cancel_reasons.empty() &&
      std::find(rules.cancel_reasons.begin(), rules.cancel_reasons.end(), reason) ==
          rules.cancel_reasons.end()) {
    return ErrorCode::kReasonNotAllowed;
  }
  return ErrorCode::kNone;
}

int16_t WorldRules::status_after(const ObjectRules& rules, int16_t status, ObjectOperation op) {
  int16_t next = rules.after[static_cast<int>(op)];
  return next < 0 ? status : next;
}

}  // namespace checkride
