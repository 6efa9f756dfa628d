#include "protocol/payment_event.h"

namespace checkride {
namespace {

constexpr std::string_view kNames[kPaymentEventTypeCount] = {
    "payment_intent.requires_action", "payment_intent.amount_capturable_updated",
    "payment_intent.succeeded",       "payment_intent.payment_failed",
    "payment_intent.canceled",        "charge.refunded",
};

}  // namespace

std::string_view payment_event_name(PaymentEventType type) {
  return kNames[static_cast<int>(type)];
}

bool parse_payment_event(std::string_view name, PaymentEventType& out) {
  for (int i = 0; i < kPaymentEventTypeCount; ++i) {
    if (kNames[i] == name) {
      out = static_cast<PaymentEventType>(i);
      return true;
    }
  }
  return false;
}

}  // namespace checkride
