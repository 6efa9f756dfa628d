#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/object_operation.h"
#include "protocol/provider.h"

namespace checkride {

// How many times each operation has been done to one order or booking.
using OperationCounts = std::array<int32_t, kObjectOperationCount>;

// A status an order or booking can be in, and the operations it allows (a bit per
// ObjectOperation).
struct StatusRule {
  std::string name;
  uint32_t allows = 0;
  bool allows_op(ObjectOperation op) const { return (allows >> static_cast<int>(op)) & 1u; }
};

// The business's rules for one kind of object (orders or bookings), as a world states them:
// its life cycle and the limits on what may be done to it. The fakes hold it and check every
// operation against it before anything moves (WorldRules::refusal).
struct ObjectRules {
  std::vector<StatusRule> statuses;  // as declared
  int16_t initial = 0;               // what one made in the session starts as
  // The status each operation leaves behind (-1: unchanged; a partial return, say).
  std::array<int16_t, kObjectOperationCount> after{};
  std::array<int32_t, kObjectOperationCount> at_most{};  // 0: no limit
  std::vector<std::string> cancel_reasons;               // empty: any reason, or none
  bool exchange_within_product = false;  // orders: a swap keeps each product's units
  bool partial_returns = true;           // orders: a return may take some of the items
  bool partial_exchanges = true;         // orders: an exchange may swap some of the items
  // bookings: how long before the first flight departs each operation stops (0: never).
  std::array<Duration, kObjectOperationCount> not_within{};
  // orders: how long after the order's delivered_at each operation stays allowed (0: always).
  std::array<Duration, kObjectOperationCount> within{};
  std::string time_limits_origin = {};  // where not_within or within was declared, for messages
  int time_limits_line = 0;

  // The index of the status named `name`, -1 if it is not declared.
  int16_t find(std::string_view name) const;
  std::string_view name_of(int16_t status) const { return statuses[status].name; }
};

struct WorldRules {
  ObjectRules orders = default_order_rules();
  ObjectRules bookings = default_booking_rules();

  // Why an operation on an object in `status` that has had `done` is refused now, kNone
  // when it is allowed. `reason` is a cancel's stated reason.
  static ErrorCode refusal(const ObjectRules& rules, int16_t status, const OperationCounts& done,
                           ObjectOperation op, std::string_view reason);
  // The status after `op` succeeds on an object in `status`.
  static int16_t status_after(const ObjectRules& rules, int16_t status, ObjectOperation op);

  // Every shop and airline the shipped examples model: a pending order is cancelled or
  // changed, a delivered one returned or exchanged; a confirmed booking cancelled or changed.
  static ObjectRules default_order_rules();
  static ObjectRules default_booking_rules();
};

}  // namespace checkride
