#include "protocol/object_operation.h"

#include <array>

namespace checkride {
namespace {

struct OperationInfo {
  std::string_view name;
  bool orders;
  bool bookings;
};

constexpr std::array<OperationInfo, kObjectOperationCount> kOperations = {{
    {"none", false, false},
    {"cancel", true, true},
    {"return", true, false},
    {"exchange", true, false},
    {"modify_items", true, false},
    {"change_details", true, true},
    {"change_payment", true, false},
    {"change_flights", false, true},
    {"add_extras", false, true},
    {"undo", false, false},
}};

}  // namespace

std::string_view operation_name(ObjectOperation op) {
  return kOperations[static_cast<int>(op)].name;
}

bool parse_operation(std::string_view name, ObjectOperation& out) {
  for (int i = 1; i < kObjectOperationCount; ++i) {
    if (kOperations[i].name == name) {
      out = static_cast<ObjectOperation>(i);
      return true;
    }
  }
  return false;
}

bool applies_to_orders(ObjectOperation op) { return kOperations[static_cast<int>(op)].orders; }
bool applies_to_bookings(ObjectOperation op) { return kOperations[static_cast<int>(op)].bookings; }

bool takes_payment(ObjectOperation op) {
  using O = ObjectOperation;
  return op == O::kNone || op == O::kExchange || op == O::kModifyItems || op == O::kChangePayment ||
         op == O::kChangeFlights || op == O::kAddExtras;
}

}  // namespace checkride
