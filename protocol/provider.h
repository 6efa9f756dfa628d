#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/ids.h"
#include "protocol/object_operation.h"
#include "protocol/time.h"

namespace checkride {

enum class Provider : uint8_t { kCatalog, kPayment, kBooking, kIdentity };
constexpr int kProviderCount = 4;

// Every operation a provider offers. The simulator delivers these as typed structs;
// wire mode maps them onto HTTP shapes.
enum class Op : uint8_t {
  kSearch,         // catalog: products matching a query
  kQuote,          // catalog: deterministic price for items + coupon
  kReserve,        // catalog: hold stock with a TTL
  kCommit,         // catalog: turn a reservation into an order (or a direct sale)
  kRelease,        // catalog: give reserved stock back
  kCancelOrder,    // catalog: cancel a committed order, restock
  kAuthorize,      // payment: PaymentIntent create+confirm, manual capture
  kCapture,        // payment
  kVoid,           // payment: cancel an uncaptured PaymentIntent
  kRefund,         // payment
  kAvailability,   // booking: offers for a route/date
  kHold,           // booking: hold seats until payment_required_by
  kConfirm,        // booking: pay for a hold
  kReleaseHold,    // booking: give a hold up
  kCancelQuote,    // booking: step 1 of a two-step cancel
  kCancelConfirm,  // booking: step 2
  kRefreshToken,   // identity: refresh_token grant
  kFindBooking,    // booking: a booking by its reference (one made before the session too)
  kFindOrder,      // catalog: an order by its reference (one made before the session too)
  kUpdateBooking,  // booking: change a confirmed booking's details (passengers), no money
  kUpdateOrder,    // catalog: change a pending order's details (shipping address), no money
  kBalance,        // payment: a stored-value instrument's balance (gift card, certificate)
  kDebit,          // payment: take an amount from a stored-value instrument
  kCredit,         // payment: give (part of) a debit back to its instrument
  kReturnItems,    // catalog: return some of a delivered order's items; answers the refund
  kQuoteExtras,    // booking: the price of paid extras (checked bags) on a confirmed booking
  kAddExtras,      // booking: add them, paid by an authorized payment and/or debits
  kQuoteExchange,  // booking: what a confirmed booking's new flights cost more (or less)
  kExchange,       // booking: move it onto them at once; the difference paid or owed back
  kQuoteItemSwap,  // catalog: what swapping some of an order's items for others costs more (or
                   // less)
  kSwapItems,      // catalog: swap them at once; the difference paid or owed back
  kRepayOrder,     // catalog: a pending order is paid by another payment from now on
  kIssueCredit,    // payment: a new stored-value instrument (a travel certificate) for the user
  kDeposit,        // payment: a refund paid into a stored-value instrument the user holds
  kUpdateProfile,  // catalog: the user's own details (an address) at the shop, a write
};
constexpr int kOpCount = 35;

Provider provider_of(Op op);
std::string_view op_name(Op op);
bool parse_op(std::string_view name, Op& out);
std::string_view provider_name(Provider p);
bool parse_provider(std::string_view name, Provider& out);

enum class ErrorCode : uint8_t {
  kNone,
  kUnavailable,          // 503
  kTimeout,              // no answer before the caller's timeout
  kRateLimited,          // 429 with Retry-After
  kInvalidToken,         // 401
  kCardDeclined,         // 402 card_declined
  kInsufficientFunds,    // 402 insufficient_funds
  kIdempotencyError,     // 400: same key, different params
  kIdempotencyKeyInUse,  // 409: same key while the first is in flight
  kOutOfStock,
  kExpired,  // reservation or hold lapsed
  kNotFound,
  kInvalidState,
  kCouponExhausted,
  kCouponLimit,
  kInvalidGrant,  // refresh token revoked or rotated away
  kBadRequest,
  kNotAvailable,  // it exists and cannot be sold now: a flight that departed, landed, was cancelled
  // The world's rules (fakes/world_rules.h) refuse an operation on an order or booking:
  kNotCancellable,     // its status does not allow a cancel
  kNotChangeable,      // its status does not allow this change
  kNotReturnable,      // its status does not allow a return
  kModificationLimit,  // the operation has been done as often as the world allows
  kOutsideProduct,     // an exchange or swap for another product, not another variant
  kReasonNotAllowed,   // a cancellation reason the world does not list
  kTooLate,            // within the world's time limit before departure (not_within)
  kPartialNotAllowed,  // a return of some of an order's items where the world takes only all
  kMethodNotAllowed,   // an instrument the world's instrument_rules keep from paying for this
  kUnknownExtra,       // 404: an extra the world does not sell (docs/worlds.md `extras:`)
  kPartialExchangeNotAllowed,  // an exchange of some of an order's items where it takes all
  kPastTimeLimit,              // after the world's time limit since delivery (order_rules within)
};
constexpr int kErrorCodeCount = static_cast<int>(ErrorCode::kPastTimeLimit) + 1;
std::string_view error_name(ErrorCode e);
// The refusal when what an operation acts on is not in a status that allows it: its own code
// per kind of operation (not_cancellable, not_returnable, not_changeable).
ErrorCode status_refusal(ObjectOperation op);
int http_status_of(ErrorCode e);
// Retryable: the same request with the same key may succeed later.
bool is_retryable(ErrorCode e);

struct LineItem {
  std::string sku;
  int32_t quantity = 0;
};
// `h` carried on through each item's id and count, in order (fingerprints and identities).
uint64_t hash_line_items(const std::vector<LineItem>& items, uint64_t h);

struct ProviderRequest {
  Op op = Op::kSearch;
  IdempotencyKey key = 0;
  uint64_t trace_id = 0;  // W3C traceparent trace-id (low 64 bits)
  UserId user = 0;
  TokenId access_token = 0;  // delegated user token, for payment and booking calls
  std::vector<LineItem> items;
  // hold, quote_extras, add_extras: the world's extras by id, each at the booking's new count
  // (sorted by id).
  std::vector<LineItem> extras;
  std::string text;  // sku query, offer id, coupon code or booking reference, by op
  std::string coupon;
  ObjectId ref = 0;  // reservation, payment intent, hold or order this call acts on
  int64_t amount = 0;
  PaymentMethodId payment_method = 0;
  ObjectId payment = 0;          // the payment intent that pays for a booking
  std::vector<ObjectId> debits;  // confirm: stored-value debits that pay for it too
  Duration ttl = 0;
  // On an existing order or booking (a lookup too): what the call is part of, so the
  // provider applies the world's rules; and the reason a cancel gives.
  ObjectOperation operation = ObjectOperation::kNone;
  std::string reason;
  TokenId refresh_token = 0;
};

// Stored-value debits with what each took.
using DebitParts = std::vector<std::pair<ObjectId, int64_t>>;

struct ProviderReply {
  ErrorCode error = ErrorCode::kNone;
  Duration retry_after = 0;
  ObjectId id = 0;  // object created or acted on
  int64_t amount = 0;
  int64_t discount = 0;
  Time expires_at = 0;  // reservation/hold TTL end, or token expiry
  TokenId access_token = 0;
  TokenId refresh_token = 0;
  uint32_t scopes = 0;
  std::string_view
      status;              // provider's own status word (a static literal), e.g. "requires_capture"
  ObjectId paid_with = 0;  // find_booking, find_order: the payment intent that paid for it
  // find_booking, find_order: the stored-value debits that paid for it too, with their amounts.
  DebitParts paid_debits;
  // find_booking, find_order: the names of every instrument that paid for it (the card or
  // wallet, the stored value), where the world names them all; empty: not known.
  std::vector<std::string> paid_by;
  std::vector<std::string> found;  // search results
  // A lookup that named an operation: why the world's rules refuse it now (kNone: allowed).
  ErrorCode refusal = ErrorCode::kNone;
  bool ok() const { return error == ErrorCode::kNone; }
};

// OAuth scopes as bits; the action catalog names them.
enum Scope : uint32_t {
  kScopeCatalogRead = 1u << 0,
  kScopeOrdersWrite = 1u << 1,
  kScopePaymentsCharge = 1u << 2,
  kScopeBookingsWrite = 1u << 3,
};
// Every API scope: what a client-credentials token gets unless it asks for less.
constexpr uint32_t kAllApiScopes =
    kScopeCatalogRead | kScopeOrdersWrite | kScopePaymentsCharge | kScopeBookingsWrite;
bool parse_scope(std::string_view name, uint32_t& bit);

}  // namespace checkride
