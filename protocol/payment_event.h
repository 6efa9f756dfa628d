#pragma once
#include <cstdint>
#include <string_view>

#include "protocol/ids.h"

namespace checkride {

// The Stripe events about a payment intent that the payments fake emits and the
// orchestrator consumes: the simulator delivers them as structs, wire mode as signed
// webhook deliveries (POST /webhooks/stripe).
enum class PaymentEventType : uint8_t {
  kRequiresAction,           // payment_intent.requires_action: 3-D Secure is needed
  kAmountCapturableUpdated,  // payment_intent.amount_capturable_updated: authorized
  kSucceeded,                // payment_intent.succeeded: captured
  kPaymentFailed,            // payment_intent.payment_failed: declined, or 3DS failed
  kCanceled,                 // payment_intent.canceled
  kChargeRefunded,           // charge.refunded
};
constexpr int kPaymentEventTypeCount = 6;

struct PaymentEvent {
  uint64_t id = 0;  // the event's id (wire mode: a hash of "evt_..."); a redelivery keeps it
  PaymentEventType type = PaymentEventType::kRequiresAction;
  ObjectId intent = 0;
  int64_t amount = 0;
  bool signature_ok = true;  // Stripe-Signature verified with the endpoint's secret
};

// Stripe's name of the event type ("payment_intent.succeeded").
std::string_view payment_event_name(PaymentEventType type);
bool parse_payment_event(std::string_view name, PaymentEventType& out);

}  // namespace checkride
