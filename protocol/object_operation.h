#pragma once
#include <cstdint>
#include <string_view>

namespace checkride {

// What a call does to an order or booking that exists. A world's rules name these: which
// a status allows, how often each may happen, what status each leaves behind. A request on
// an existing object carries its operation, so the provider can check them before anything
// moves (a lookup answers whether the operation is allowed) and again on the write itself.
enum class ObjectOperation : uint8_t {
  kNone,           // not an operation on an existing object (a purchase, a read)
  kCancel,         // an order or booking cancelled, refunded to what paid
  kReturn,         // some of a delivered order's items back
  kExchange,       // some of a delivered order's items for others
  kModifyItems,    // some of a pending order's items for others
  kChangeDetails,  // an order's shipping address, a booking's passengers: no money
  kChangePayment,  // an order paid by another instrument
  kChangeFlights,  // a booking moved onto other flights
  kAddExtras,      // paid extras on a booking (bags)
  // The caller undoes a step of its own (a compensation: an order it committed in the
  // session is cancelled). No business rule applies to that, and to nothing else.
  kUndo,
};
constexpr int kObjectOperationCount = 10;

std::string_view operation_name(ObjectOperation op);
bool parse_operation(std::string_view name, ObjectOperation& out);
// Whether an order (else a booking) can undergo it.
bool applies_to_orders(ObjectOperation op);
bool applies_to_bookings(ObjectOperation op);
// Whether a payment can be for it: a purchase (kNone) or a change that may cost money.
bool takes_payment(ObjectOperation op);

}  // namespace checkride
