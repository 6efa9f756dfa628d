#pragma once
#include <cstdint>

#include "orchestrator/defects.h"
#include "protocol/time.h"

namespace checkride {

struct PolicyConfig {
  int64_t spend_cap_session = 0;  // 0 = no cap (minor units per session)
  int64_t spend_cap_day = 0;      // per user per virtual day
  int32_t max_quantity = 0;       // per line item; 0 = no cap
  int32_t per_user_per_min = 0;   // actions per user per minute; 0 = unlimited
  int64_t review_above = 0;       // totals above this go to human review; 0 = never
  int32_t max_in_flight = 0;      // admission control: sagas in flight; 0 = unlimited
};

struct RetryConfig {
  int32_t max = 4;  // retries after the first attempt
  Duration base = 100;
  Duration cap = 5 * kSecond;
  Duration call_timeout = 10 * kSecond;
  int32_t breaker_failures = 20;  // consecutive failures that open a provider's breaker
  Duration breaker_cooldown = 2 * kSecond;
};

// How a refund is split over what paid for the thing it refunds (a card and stored value):
// each part in proportion to what it paid, or the card first, or the stored value first (in
// the order the parts paid), each part up to what it paid. A world states it (`refunds:`).
enum class RefundOrder : uint8_t { kProportional, kCardFirst, kStoredValueFirst };

// Whether a payment's stated parts must add up to the total exactly, or may exceed it (the
// card is charged only the rest). A world states it (`payment: {parts: exact}`).
enum class PaymentParts : uint8_t { kAtMost, kExact };

// Where a refund may go besides back to what paid: nowhere else, into a stored-value
// instrument the user holds (a gift card), or into any instrument of the user's. A world
// states it (`refunds: {to: own_gift_card}`).
enum class RefundTo : uint8_t { kOriginal, kOwnGiftCard, kAnyOwn };

struct OrchestratorConfig {
  PolicyConfig policy;
  RefundOrder refund_order = RefundOrder::kProportional;
  RefundTo refund_to = RefundTo::kOriginal;
  PaymentParts payment_parts = PaymentParts::kAtMost;
  RetryConfig retries;
  DefectSet defects;
  uint64_t seed = 0;  // jitter seed
  Duration reservation_ttl = 10 * kMinute;
  Duration hold_ttl = 20 * kMinute;
  // How long an authorization waits for the customer's 3-D Secure (its webhook) before the
  // saga gives up and voids it. Shorter than the reservation's TTL, so the stock held for
  // the shopper is released by the saga rather than left to lapse.
  Duration authentication_timeout = 5 * kMinute;
  Duration token_refresh_skew = 30 * kSecond;  // refresh this long before expiry
  uint64_t service_token = 0;                  // the orchestrator's client-credentials token
};

}  // namespace checkride
