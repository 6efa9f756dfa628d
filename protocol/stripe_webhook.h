#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/payment_event.h"

namespace checkride {

// Stripe webhooks as both sides of the wire see them: the payments fake signs its
// deliveries, the orchestrator service verifies and reads them.

// Stripe-Signature for `payload` at unix time `t`: "t=<t>,v1=<hex HMAC-SHA256(secret,
// "<t>.<payload>")>", as stripe.webhooks.constructEvent verifies it.
std::string stripe_signature(const std::string& secret, int64_t t, const std::string& payload);

// True when `header` carries a timestamp within `tolerance_s` of `now_unix` and a v1
// signature of it and `payload` under `secret` (any of several v1 entries, as Stripe sends
// one per secret while one rolls). False with `error` saying what did not verify.
bool verify_stripe_signature(std::string_view header, const std::string& payload,
                             const std::string& secret, int64_t now_unix, int64_t tolerance_s,
                             std::string& error);

// What the orchestrator reads of an event: its id, type, the payment intent it is about
// (data.object.id, or data.object.payment_intent for a charge) and the amount (capturable,
// or refunded).
struct StripeEventFields {
  std::string id;
  std::string type;
  bool known_type = false;  // one of PaymentEventType's: the others are acknowledged, unread
  PaymentEventType kind = PaymentEventType::kRequiresAction;
  std::string intent;
  int64_t amount = 0;
};
// False with `error` naming the field when the body is not a Stripe event.
bool parse_stripe_event(const std::string& body, StripeEventFields& out, std::string& error);

}  // namespace checkride
