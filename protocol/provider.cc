#include "protocol/provider.h"

#include <array>

namespace checkride {
namespace {

struct OpInfo {
  Op op;
  Provider provider;
  std::string_view name;
};

constexpr std::array<OpInfo, kOpCount> kOps = {{
    {Op::kSearch, Provider::kCatalog, "search"},
    {Op::kQuote, Provider::kCatalog, "quote"},
    {Op::kReserve, Provider::kCatalog, "reserve"},
    {Op::kCommit, Provider::kCatalog, "commit"},
    {Op::kRelease, Provider::kCatalog, "release"},
    {Op::kCancelOrder, Provider::kCatalog, "cancel_order"},
    {Op::kAuthorize, Provider::kPayment, "authorize"},
    {Op::kCapture, Provider::kPayment, "capture"},
    {Op::kVoid, Provider::kPayment, "void"},
    {Op::kRefund, Provider::kPayment, "refund"},
    {Op::kAvailability, Provider::kBooking, "availability"},
    {Op::kHold, Provider::kBooking, "hold"},
    {Op::kConfirm, Provider::kBooking, "confirm"},
    {Op::kReleaseHold, Provider::kBooking, "release_hold"},
    {Op::kCancelQuote, Provider::kBooking, "cancel_quote"},
    {Op::kCancelConfirm, Provider::kBooking, "cancel_confirm"},
    {Op::kRefreshToken, Provider::kIdentity, "token"},
    {Op::kFindBooking, Provider::kBooking, "find_booking"},
    {Op::kFindOrder, Provider::kCatalog, "find_order"},
    {Op::kUpdateBooking, Provider::kBooking, "update_booking"},
    {Op::kUpdateOrder, Provider::kCatalog, "update_order"},
    {Op::kBalance, Provider::kPayment, "balance"},
    {Op::kDebit, Provider::kPayment, "debit"},
    {Op::kCredit, Provider::kPayment, "credit"},
    {Op::kReturnItems, Provider::kCatalog, "return_items"},
    {Op::kQuoteExtras, Provider::kBooking, "quote_extras"},
    {Op::kAddExtras, Provider::kBooking, "add_extras"},
    {Op::kQuoteExchange, Provider::kBooking, "quote_exchange"},
    {Op::kExchange, Provider::kBooking, "exchange"},
    {Op::kQuoteItemSwap, Provider::kCatalog, "quote_item_swap"},
    {Op::kSwapItems, Provider::kCatalog, "swap_items"},
    {Op::kRepayOrder, Provider::kCatalog, "repay_order"},
    {Op::kIssueCredit, Provider::kPayment, "issue_credit"},
    {Op::kDeposit, Provider::kPayment, "deposit"},
    {Op::kUpdateProfile, Provider::kCatalog, "update_profile"},
}};

constexpr std::array<std::string_view, kProviderCount> kProviders = {"catalog", "payment",
                                                                     "booking", "identity"};
}  // namespace

Provider provider_of(Op op) { return kOps[static_cast<int>(op)].provider; }
std::string_view op_name(Op op) { return kOps[static_cast<int>(op)].name; }

bool parse_op(std::string_view name, Op& out) {
  for (const auto& info : kOps) {
    if (info.name == name) {
      out = info.op;
      return true;
    }
  }
  return false;
}

std::string_view provider_name(Provider p) { return kProviders[static_cast<int>(p)]; }

bool parse_provider(std::string_view name, Provider& out) {
  for (int i = 0; i < kProviderCount; ++i) {
    if (kProviders[i] == name) {
      out = static_cast<Provider>(i);
      return true;
    }
  }
  return false;
}

uint64_t hash_line_items(const std::vector<LineItem>& items, uint64_t h) {
  for (const LineItem& item : items) {
    h = hash_bytes(item.sku.data(), item.sku.size(), h);
    h = mix64(h, static_cast<uint64_t>(item.quantity));
  }
  return h;
}

std::string_view error_name(ErrorCode e) {
  switch (e) {
    case ErrorCode::kNone:
      return "none";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kInvalidToken:
      return "invalid_token";
    case ErrorCode::kCardDeclined:
      return "card_declined";
    case ErrorCode::kInsufficientFunds:
      return "insufficient_funds";
    case ErrorCode::kIdempotencyError:
      return "idempotency_error";
    case ErrorCode::kIdempotencyKeyInUse:
      return "idempotency_key_in_use";
    case ErrorCode::kOutOfStock:
      return "out_of_stock";
    case ErrorCode::kExpired:
      return "expired";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kInvalidState:
      return "invalid_state";
    case ErrorCode::kCouponExhausted:
      return "coupon_exhausted";
    case ErrorCode::kCouponLimit:
      return "coupon_limit";
    case ErrorCode::kInvalidGrant:
      return "invalid_grant";
    case ErrorCode::kBadRequest:
      return "bad_request";
    case ErrorCode::kNotAvailable:
      return "not_available";
    case ErrorCode::kNotCancellable:
      return "not_cancellable";
    case ErrorCode::kNotChangeable:
      return "not_changeable";
    case ErrorCode::kNotReturnable:
      return "not_returnable";
    case ErrorCode::kModificationLimit:
      return "modification_limit_reached";
    case ErrorCode::kOutsideProduct:
      return "exchange_outside_product";
    case ErrorCode::kReasonNotAllowed:
      return "cancel_reason_not_allowed";
    case ErrorCode::kTooLate:
      return "too_close_to_departure";
    case ErrorCode::kPartialNotAllowed:
      return "partial_return_not_allowed";
    case ErrorCode::kMethodNotAllowed:
      return "payment_method_not_allowed";
    case ErrorCode::kUnknownExtra:
      return "unknown_extra";
    case ErrorCode::kPartialExchangeNotAllowed:
      return "partial_exchange_not_allowed";
    case ErrorCode::kPastTimeLimit:
      return "time_limit_passed";
  }
  return "unknown";
}

ErrorCode status_refusal(ObjectOperation op) {
  switch (op) {
    case ObjectOperation::kCancel:
      return ErrorCode::kNotCancellable;
    case ObjectOperation::kReturn:
      return ErrorCode::kNotReturnable;
    default:
      return ErrorCode::kNotChangeable;
  }
}

int http_status_of(ErrorCode e) {
  switch (e) {
    case ErrorCode::kNone:
      return 200;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kInvalidToken:
      return 401;
    case ErrorCode::kCardDeclined:
    case ErrorCode::kInsufficientFunds:
      return 402;
    case ErrorCode::kIdempotencyKeyInUse:
    case ErrorCode::kNotAvailable:
    case ErrorCode::kNotCancellable:
    case ErrorCode::kNotChangeable:
    case ErrorCode::kNotReturnable:
    case ErrorCode::kModificationLimit:
    case ErrorCode::kTooLate:
    case ErrorCode::kPartialNotAllowed:
    case ErrorCode::kMethodNotAllowed:
    case ErrorCode::kPartialExchangeNotAllowed:
    case ErrorCode::kPastTimeLimit:
      return 409;
    case ErrorCode::kNotFound:
    case ErrorCode::kUnknownExtra:
      return 404;
    default:
      return 400;
  }
}

bool is_retryable(ErrorCode e) {
  return e == ErrorCode::kUnavailable || e == ErrorCode::kTimeout || e == ErrorCode::kRateLimited ||
         e == ErrorCode::kIdempotencyKeyInUse;
}

bool parse_scope(std::string_view name, uint32_t& bit) {
  if (name == "catalog:read")
    bit = kScopeCatalogRead;
  else if (name == "orders:write")
    bit = kScopeOrdersWrite;
  else if (name == "payments:charge")
    bit = kScopePaymentsCharge;
  else if (name == "bookings:write")
    bit = kScopeBookingsWrite;
  else
    return false;
  return true;
}

}  // namespace checkride
