#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "orchestrator/config.h"
#include "protocol/action.h"
#include "protocol/provider.h"

namespace checkride {

enum class SagaKind : uint8_t {
  kOrder,
  kBooking,
  kCancelOrder,
  kCancelBooking,
  kChangeBooking,  // details without money: passengers
  kChangeOrder,    // details without money: shipping address
  kReturnOrder,    // some of a delivered order's items back, refunded to what paid
  kAddExtras,      // paid extras (checked bags) on a confirmed booking
  kChangeFlights,  // a confirmed booking moved onto other flights; the difference paid or owed
  kModifyItems,    // a pending order's items swapped for others; the difference paid or owed
  kExchangeItems,  // the same for a delivered order (an exchange)
  kChangePayment,  // a pending order paid by another instrument; the old payment refunded
  kIssueCredit,    // a travel certificate (stored value) given to the user
  kChangeProfile,  // the user's own details (an address) at the shop: a write, no money
};
// The families that act on an order or booking that exists (cancels and changes), and
// which kind of saga made it.
bool acts_on_existing(SagaKind kind);
// The families that charge the user: an order, a booking, extras on a booking.
bool charges(SagaKind kind);
// The families that move something that exists onto something else for a price difference,
// charged (a positive one) or refunded (a negative one) to what paid it.
bool settles_difference(SagaKind kind);
SagaKind target_kind(SagaKind kind);
// The refusal when what it acts on is not in a state it can act on.
const char* ineligible_code(SagaKind kind);
bool is_cancel(SagaKind kind);
// What a saga acting on something that exists does to it, as the world's rules name it
// (kNone for the families that make something new).
ObjectOperation object_operation(SagaKind kind);

// Forward steps. A booking waits in kAwaitConfirm between createBooking and confirmBooking.
enum class Step : uint8_t {
  kQuote,
  kReserve,
  kAuthorize,
  kCommit,
  kCapture,
  kHold,
  kAwaitConfirm,
  kConfirmBooking,
  kCancelQuote,
  kCancelConfirm,
  kCancelOrder,
  kRefund,
  kFindBooking,  // cancel_booking: learn a booking the store does not know from the provider
  kFindOrder,    // cancel_order: the same for an order
  kUpdateBooking,
  kUpdateOrder,
  kCheckBalance,          // each stored-value part: its balance covers it (nothing moves yet)
  kDebit,                 // each stored-value part: taken from its instrument
  kRecredit,              // a cancel: each stored-value part's share of the refund given back
  kFindDeliveredOrder,    // return_order: the order, which must have been delivered
  kReturnItems,           // return_order: the items back at the shop, which answers the refund
  kFindBookingForExtras,  // add_extras: the confirmed booking (its own payment is not reused)
  kQuoteExtras,           // add_extras: their price (consent, caps and review checked on it)
  kAttachExtras,          // add_extras: added, paid by the authorization and the debits
  kQuoteExchange,         // change_flights: the fare difference (consent etc. on a charge)
  kExchange,              // change_flights: moved at once; the difference paid or owed back
  kQuoteItemSwap,         // modify/exchange items: the difference (consent etc. on a charge)
  kSwapItems,             // modify/exchange items: swapped at once
  kFindOrderToRepay,      // change_payment: the pending order, and the payment it replaces
  kRepayOrder,            // change_payment: the order paid by the new payment from now on
  kRefundReplaced,        // change_payment: the replaced payment refunded in full
  kIssueCredit,           // issue_credit: the certificate made, once
  kCheckRefundTo,         // a refund to another instrument: it is the user's (nothing moves)
  kDepositRefund,         // ...and the refund is paid into it, once
  kUpdateProfile,         // change_profile: the user's details written, once
  kDone,
};
constexpr std::size_t kStepCount = static_cast<std::size_t>(Step::kDone) + 1;
const char* step_name(Step s);

// Compensations, registered (persisted) before the step they undo is sent, so an unknown
// outcome is compensated too.
enum Compensation : uint8_t {
  kCompRelease = 1 << 0,      // catalog reservation
  kCompVoid = 1 << 1,         // payment authorization
  kCompCancelOrder = 1 << 2,  // committed catalog order
  kCompReleaseHold = 1 << 3,  // booking hold
  kCompRecredit = 1 << 4,     // stored-value debits: each given back
};

// One stored-value part of a split payment (a gift card, a travel certificate): the card
// pays the rest of the total.
struct Tender {
  std::string instrument;  // as the tools name it ("gift_card_7219486")
  int64_t amount = -1;     // minor units; -1 until the total is known (it pays the rest)
  ObjectId debit = 0;      // the debit that took it, once known
  bool sent = false;       // a debit attempt left: until learned, it may have taken effect
  int64_t credited = 0;    // given back so far
};

// Everything needed to resume a saga after a crash. Written to the Store before each
// provider call leaves the orchestrator.
struct SagaRecord {
  SagaId id = 0;
  SagaKind kind = SagaKind::kOrder;
  uint8_t plan = 0;  // the steps it walks: an index into its catalog's plans
  SessionId session = 0;
  UserId user = 0;
  IdempotencyKey action_key = 0;   // the agent's key for the action that started it
  IdempotencyKey confirm_key = 0;  // bookings: the confirmBooking action's key
  uint64_t cart_hash = 0;          // for semantic de-duplication
  Step step = Step::kQuote;
  uint8_t attempt = 0;
  uint8_t comp = 0;  // pending Compensation bits
  bool compensating = false;
  bool done = false;
  bool acked = false;            // the agent was already told the outcome
  bool refreshed = false;        // a 401 on this step already triggered one refresh
  bool back_to_hold = false;     // booking: after undoing the payment, keep the hold
  bool ambiguous = false;        // an attempt of this step may have taken effect unseen
  uint8_t payment_attempts = 0;  // bookings: confirmations tried on this hold
  ActionStatus outcome = ActionStatus::kOk;
  std::string code;
  std::vector<LineItem> items;
  std::string coupon;
  std::string offer;
  std::vector<std::string> connections;  // an itinerary's further flights, same passengers
  int32_t seats = 1;
  int32_t extras = 0;                     // add_extras: how many (checked bags per passenger)
  std::vector<LineItem> declared_extras;  // book, add_extras: the world's, at their new counts
  ObjectId replaced_payment = 0;          // change_payment: the payment the new one replaces
  // What it acts on was paid in part with stored value this plan cannot give back: a
  // difference owed back is refused rather than refunded all to the card.
  bool stored_value_paid_before = false;
  // A change's difference owed back on something paid partly with stored value: what paid
  // it (its debits, from the lookup or the store) and what it was paid in all, the basis of
  // each part's share. The parts become the tenders once the quote says money is owed back.
  std::vector<Tender> paid_parts;
  int64_t refund_basis = 0;
  int64_t total = 0;
  int64_t max_total = -1;
  int64_t refund_amount = 0;
  PaymentMethodId payment_method = 0;
  ObjectId reservation = 0, payment = 0, order = 0, hold = 0;
  Time hold_expires_at = 0;
  SagaId target = 0;      // cancel sagas: the order/booking being cancelled (0: made elsewhere)
  std::string reference;  // cancel and change sagas: the reference the agent named
  std::string details;    // change sagas: the new details (an address), as the agent gave them
  std::string reason;     // cancel sagas: the reason the agent gave ("" : none)
  // A refund paid into this stored-value instrument of the user's instead of back to what
  // paid (the world allows it, and the action named it): "" when it goes back to what paid.
  std::string refund_to;
  std::string refund_named;  // a return: the stored-value instrument the action named for it
  // What paid for the target, by name, as its lookup said (empty: not known by name).
  std::vector<std::string> paid_by;
  std::vector<Tender> tenders;  // stored-value parts of the payment, in the order given
  bool card_named = true;       // the card pays what stored value does not (false: it may not)
  int64_t card_stated = -1;     // what the action said the card pays; -1: not said
  std::string card;             // the card or wallet the action named ("": the session's card)
  uint16_t index = 0;           // a step repeated per tender: which tender it stands on
  // 3-D Secure: the authorization waits (on kAuthorize) for the payment's webhook until the
  // deadline; `authenticated` once a webhook said the customer passed it.
  bool awaiting_authentication = false;
  bool authenticated = false;
  Time authentication_deadline = 0;
  // A finished saga's payment as its later webhooks tell it ("refunded", "payment_failed"):
  // it changes what the order reports, never the saga's outcome.
  std::string payment_state;
  std::vector<uint64_t> events;  // ids of the payment events it acted on: a redelivery is not
};

// What the card pays: the total less every stored-value part.
int64_t card_amount(const SagaRecord& s);
// What a cancel or a return owes back: a cancelled order's total, else what the provider
// said (a booking's refund quote, a return's refund).
int64_t owed_back(const SagaRecord& s);
// A refund of `refund` split over what paid (the saga's refund basis, else its total): the
// card's share (index -1) or tender `index`'s, by `order`. In proportion, the rounding
// remainder goes to the card when the card paid anything, else to the last tender.
int64_t refund_share(const SagaRecord& s, int64_t refund, int index,
                     RefundOrder order = RefundOrder::kProportional);

std::string saga_reference(const SagaRecord& s);  // "ord_12" / "bk_12"

}  // namespace checkride
