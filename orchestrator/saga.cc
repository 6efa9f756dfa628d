#include "orchestrator/saga.h"

#include <algorithm>
#include <iterator>

namespace checkride {

// Each step's name, in Step order.
constexpr const char* kStepNames[] = {
    "quote",                    // kQuote
    "reserve",                  // kReserve
    "authorize",                // kAuthorize
    "commit",                   // kCommit
    "capture",                  // kCapture
    "hold",                     // kHold
    "await_confirm",            // kAwaitConfirm
    "confirm",                  // kConfirmBooking
    "cancel_quote",             // kCancelQuote
    "cancel_confirm",           // kCancelConfirm
    "cancel_order",             // kCancelOrder
    "refund",                   // kRefund
    "find_booking",             // kFindBooking
    "find_order",               // kFindOrder
    "update_booking",           // kUpdateBooking
    "update_order",             // kUpdateOrder
    "check_balance",            // kCheckBalance
    "debit",                    // kDebit
    "recredit",                 // kRecredit
    "find_delivered_order",     // kFindDeliveredOrder
    "return_items",             // kReturnItems
    "find_booking_for_extras",  // kFindBookingForExtras
    "quote_extras",             // kQuoteExtras
    "add_extras",               // kAttachExtras
    "quote_exchange",           // kQuoteExchange
    "exchange",                 // kExchange
    "quote_item_swap",          // kQuoteItemSwap
    "swap_items",               // kSwapItems
    "find_order_to_repay",      // kFindOrderToRepay
    "repay_order",              // kRepayOrder
    "refund_replaced",          // kRefundReplaced
    "issue_credit",             // kIssueCredit
    "check_refund_to",          // kCheckRefundTo
    "deposit_refund",           // kDepositRefund
    "update_profile",           // kUpdateProfile
    "done",                     // kDone
};
static_assert(std::size(kStepNames) == kStepCount, "a name for every step");

const char* step_name(Step s) {
  auto i = static_cast<std::size_t>(s);
  return i < kStepCount ? kStepNames[i] : "?";
}

bool acts_on_existing(SagaKind kind) {
  return kind != SagaKind::kOrder && kind != SagaKind::kBooking && kind != SagaKind::kIssueCredit &&
         kind != SagaKind::kChangeProfile;
}

bool settles_difference(SagaKind kind) {
  return kind == SagaKind::kChangeFlights || kind == SagaKind::kModifyItems ||
         kind == SagaKind::kExchangeItems;
}

bool charges(SagaKind kind) {
  return kind == SagaKind::kOrder || kind == SagaKind::kBooking || kind == SagaKind::kAddExtras ||
         kind == SagaKind::kChangePayment || settles_difference(kind);
}

SagaKind target_kind(SagaKind kind) {
  return kind == SagaKind::kCancelBooking || kind == SagaKind::kChangeBooking ||
                 kind == SagaKind::kAddExtras || kind == SagaKind::kChangeFlights
             ? SagaKind::kBooking
             : SagaKind::kOrder;  // orders' cancels, changes, swaps, returns and payments
}

const char* ineligible_code(SagaKind kind) {
  return error_name(status_refusal(object_operation(kind))).data();  // a literal
}

ObjectOperation object_operation(SagaKind kind) {
  using O = ObjectOperation;
  switch (kind) {
    case SagaKind::kCancelOrder:
    case SagaKind::kCancelBooking:
      return O::kCancel;
    case SagaKind::kChangeBooking:
    case SagaKind::kChangeOrder:
      return O::kChangeDetails;
    case SagaKind::kReturnOrder:
      return O::kReturn;
    case SagaKind::kAddExtras:
      return O::kAddExtras;
    case SagaKind::kChangeFlights:
      return O::kChangeFlights;
    case SagaKind::kModifyItems:
      return O::kModifyItems;
    case SagaKind::kExchangeItems:
      return O::kExchange;
    case SagaKind::kChangePayment:
      return O::kChangePayment;
    default:
      return O::kNone;
  }
}

bool is_cancel(SagaKind kind) {
  return kind == SagaKind::kCancelOrder || kind == SagaKind::kCancelBooking;
}

int64_t owed_back(const SagaRecord& s) {
  return s.kind == SagaKind::kCancelOrder ? s.total : s.refund_amount;
}

namespace {

// What the stored-value tenders pay (or paid) in all.
int64_t stored_amount(const SagaRecord& s) {
  int64_t stored = 0;
  for (const Tender& t : s.tenders) stored += std::max<int64_t>(t.amount, 0);
  return stored;
}

}  // namespace

int64_t card_amount(const SagaRecord& s) { return s.total - stored_amount(s); }

namespace {

// One part first (the card, or the stored value in the order it paid), each up to what it
// paid; what is left past every part goes to the card.
int64_t refund_in_order(const SagaRecord& s, int64_t refund, int index, int64_t card,
                        bool card_first) {
  int64_t left = refund;
  int64_t to_card = 0;
  if (card_first) {
    to_card = std::min(left, std::max<int64_t>(card, 0));
    left -= to_card;
  }
  for (std::size_t i = 0; i < s.tenders.size(); ++i) {
    const int64_t part = std::min(left, std::max<int64_t>(s.tenders[i].amount, 0));
    if (index >= 0 && static_cast<std::size_t>(index) == i) return part;
    left -= part;
  }
  return index < 0 ? to_card + left : 0;
}

}  // namespace

int64_t refund_share(const SagaRecord& s, int64_t refund, int index, RefundOrder order) {
  if (s.tenders.empty()) return index < 0 ? std::max<int64_t>(refund, 0) : 0;  // all to the card
  const int64_t paid = s.refund_basis > 0 ? s.refund_basis : s.total;
  if (paid <= 0 || refund <= 0) return 0;
  const int64_t card = paid - stored_amount(s);
  if (order != RefundOrder::kProportional) {
    return refund_in_order(s, refund, index, card, order == RefundOrder::kCardFirst);
  }
  auto share = [&](int64_t part) {
    return static_cast<int64_t>(static_cast<__int128>(refund) * part / paid);
  };
  int64_t given = share(card);
  for (const Tender& t : s.tenders) given += share(std::max<int64_t>(t.amount, 0));
  const int64_t remainder = refund - given;
  const bool to_card = card > 0 || s.tenders.empty();
  if (index < 0) return share(card) + (to_card ? remainder : 0);
  const auto i = static_cast<std::size_t>(index);
  if (i >= s.tenders.size()) return 0;
  bool last = i + 1 == s.tenders.size();
  return share(std::max<int64_t>(s.tenders[i].amount, 0)) + (!to_card && last ? remainder : 0);
}

std::string saga_reference(const SagaRecord& s) {
  if (s.kind == SagaKind::kIssueCredit) return "cr_" + std::to_string(s.id);
  if (s.kind == SagaKind::kChangeProfile) return "pr_" + std::to_string(s.id);
  return (s.kind == SagaKind::kBooking ? "bk_" : "ord_") + std::to_string(s.id);
}

}  // namespace checkride
