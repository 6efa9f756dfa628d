#pragma once
#include <cstddef>
#include <string>
#include <vector>

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
};
// The families that act on an order or booking that exists (cancels and changes), and
// which kind of saga made it.
bool acts_on_existing(SagaKind kind);
SagaKind target_kind(SagaKind kind);
// The refusal when what it acts on is not in a state it can act on.
const char* ineligible_code(SagaKind kind);

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
  int32_t seats = 1;
  int64_t total = 0;
  int64_t max_total = -1;
  int64_t refund_amount = 0;
  PaymentMethodId payment_method = 0;
  ObjectId reservation = 0, payment = 0, order = 0, hold = 0;
  Time hold_expires_at = 0;
  SagaId target = 0;      // cancel sagas: the order/booking being cancelled (0: made elsewhere)
  std::string reference;  // cancel and change sagas: the reference the agent named
  std::string details;    // change sagas: the new details (an address), as the agent gave them
};

std::string saga_reference(const SagaRecord& s);  // "ord_12" / "bk_12"

}  // namespace checkride
