#include "orchestrator/saga_steps.h"

#include <array>
#include <cstddef>

namespace checkride {
namespace {

// Designated initializers: every field a step does not name is off.
const StepKind kStepKinds[] = {
    {.step = Step::kQuote,
     .op = Op::kQuote,
     .before_charge_checks = true,
     .keyed = false,
     .keeps_amount = &SagaRecord::total,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kReserve,
     .op = Op::kReserve,
     .keyed = true,
     .registers = kCompRelease,
     .keeps_id = &SagaRecord::reservation,
     .keeps_amount = &SagaRecord::total,
     .not_found_code = "unknown_sku",  // a product the catalog does not have
     .on_failure = OnFailure::kCompensate},
    {.step = Step::kAuthorize,
     .op = Op::kAuthorize,
     .keyed = true,
     .registers = kCompVoid,
     .keeps_id = &SagaRecord::payment,
     .id_even_if_refused = true,
     .awaits_status = "requires_action",
     .not_found_code = "unknown_payment_method",  // a card the user does not hold
     .card = CardPart::kPays,
     .on_failure = OnFailure::kCompensate},
    {.step = Step::kCommit,
     .op = Op::kCommit,
     .keyed = true,
     .registers = kCompCancelOrder,
     .settles = kCompRelease,  // the reservation became the order
     .keeps_id = &SagaRecord::order,
     .on_failure = OnFailure::kCompensate,
     .expired_code = "reservation_expired"},
    {.step = Step::kCapture,
     .op = Op::kCapture,
     .keyed = true,
     .must_complete = true,
     // Without an idempotency key a retried capture finds the intent already captured.
     .ok_status = "succeeded",
     .card = CardPart::kPays,
     .on_failure = OnFailure::kCompensate},
    {.step = Step::kHold,
     .op = Op::kHold,
     .keyed = true,
     .registers = kCompReleaseHold,
     .keeps_id = &SagaRecord::hold,
     .keeps_amount = &SagaRecord::total,
     .keeps_expiry = true,
     .not_found_code = "unknown_offer",  // a flight the world does not have
     .on_failure = OnFailure::kCompensate,
     .fail_status = FailStatus::kRejectedUnlessRetryable},
    {.step = Step::kConfirmBooking,
     .op = Op::kConfirm,
     .keyed = true,
     .settles = kCompReleaseHold,
     .on_failure = OnFailure::kCompensate,
     .expired_code = "hold_expired"},
    {.step = Step::kCancelQuote,
     .op = Op::kCancelQuote,
     .keyed = true,
     .keeps_amount = &SagaRecord::refund_amount,
     .on_failure = OnFailure::kFinish},
    {.step = Step::kCancelConfirm,
     .op = Op::kCancelConfirm,
     .keyed = true,
     .must_complete = true,
     .keeps_amount = &SagaRecord::refund_amount,
     .ends_if_nothing_to_refund = true,
     .on_failure = OnFailure::kFinish},
    {.step = Step::kCancelOrder,
     .op = Op::kCancelOrder,
     .keyed = true,
     .must_complete = true,
     .on_failure = OnFailure::kFinish},
    {.step = Step::kRefund,
     .op = Op::kRefund,
     .keyed = true,
     .must_complete = true,
     .marks_target_cancelled = true,
     .card = CardPart::kRefunds,
     .on_failure = OnFailure::kEscalate,
     .escalation = "refund_failed"},
    // A booking made before this orchestrator knew of it (or in another system): the
    // provider is the system of record, and says whose it is, what was paid and with what.
    {.step = Step::kFindBooking,
     .op = Op::kFindBooking,
     .before_charge_checks = true,
     .keyed = false,
     .keeps_id = &SagaRecord::hold,
     .keeps_amount = &SagaRecord::total,
     .keeps_payment = &SagaRecord::payment,
     .lookup = true,
     .not_found_code = "unknown_booking",
     .skipped_when_known = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    // The same for an order: its status must allow the cancel (a delivered one is returned).
    {.step = Step::kFindOrder,
     .op = Op::kFindOrder,
     .before_charge_checks = true,
     .keyed = false,
     .keeps_id = &SagaRecord::order,
     .keeps_amount = &SagaRecord::total,
     .keeps_payment = &SagaRecord::payment,
     .lookup = true,
     .not_found_code = "unknown_order",
     .skipped_when_known = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    // Details without money: nothing to undo, a definite refusal ends the saga rejected.
    {.step = Step::kUpdateBooking,
     .op = Op::kUpdateBooking,
     .keyed = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kUpdateOrder,
     .op = Op::kUpdateOrder,
     .keyed = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    // Stored value: a read first, so a balance that cannot cover its part is a refusal
    // before any money moves; then each part is debited; a cancel gives each its share back.
    {.step = Step::kCheckBalance,
     .op = Op::kBalance,
     .keyed = false,
     .not_found_code = "unknown_payment_method",
     .per_tender = true,
     .covers_tender = true,
     .on_failure = OnFailure::kCompensate,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kDebit,
     .op = Op::kDebit,
     .keyed = true,
     .registers = kCompRecredit,
     .not_found_code = "unknown_payment_method",
     .per_tender = true,
     .on_failure = OnFailure::kCompensate,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kRecredit,
     .op = Op::kCredit,
     .keyed = true,
     .must_complete = true,
     .marks_target_cancelled = true,
     .per_tender = true,
     .on_failure = OnFailure::kEscalate,
     .escalation = "recredit_failed"},
};

// A return: the order must have been delivered (a pending one is cancelled instead); the
// shop takes the items back and answers what they refund, given back to what paid.
const StepKind kReturnKinds[] = {
    {.step = Step::kFindDeliveredOrder,
     .op = Op::kFindOrder,
     .before_charge_checks = true,
     .keyed = false,
     .keeps_id = &SagaRecord::order,
     .keeps_amount = &SagaRecord::total,
     .keeps_payment = &SagaRecord::payment,
     .lookup = true,
     .not_found_code = "unknown_order",
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kReturnItems,
     .op = Op::kReturnItems,
     .keyed = true,
     .keeps_amount = &SagaRecord::refund_amount,
     .ends_if_nothing_to_refund = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
};

// Paid extras on a confirmed booking: priced, then paid as an order is (the card's part
// authorized, stored value debited), added, captured.
const StepKind kExtrasKinds[] = {
    {.step = Step::kFindBookingForExtras,
     .op = Op::kFindBooking,
     .before_charge_checks = true,
     .keyed = false,
     .keeps_id = &SagaRecord::hold,
     .lookup = true,
     .not_found_code = "unknown_booking",
     .skipped_when_known = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kQuoteExtras,
     .op = Op::kQuoteExtras,
     .before_charge_checks = true,
     .keyed = false,
     .keeps_amount = &SagaRecord::total,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kAttachExtras,
     .op = Op::kAddExtras,
     .keyed = true,
     .on_failure = OnFailure::kCompensate,
     .fail_status = FailStatus::kRejectedUnlessTransient},
};

// Other flights for a confirmed booking: the fare difference is quoted (a charge is consented
// and capped like any), paid, and the provider moves the booking at once, so a failure
// leaves the old flights booked; a negative difference is refunded to what paid.
const StepKind kExchangeKinds[] = {
    {.step = Step::kQuoteExchange,
     .op = Op::kQuoteExchange,
     .before_charge_checks = true,
     .keyed = false,
     .keeps_difference = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kExchange,
     .op = Op::kExchange,
     .keyed = true,
     .on_failure = OnFailure::kCompensate,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    // The same for an order's items, one for one (a variant for another).
    {.step = Step::kQuoteItemSwap,
     .op = Op::kQuoteItemSwap,
     .before_charge_checks = true,
     .keyed = false,
     .keeps_difference = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kSwapItems,
     .op = Op::kSwapItems,
     .keyed = true,
     .on_failure = OnFailure::kCompensate,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    // Another instrument for a pending order: charged first (as an order is), then the order
    // is repaid by it, and only then is the payment it replaces refunded in full.
    {.step = Step::kFindOrderToRepay,
     .op = Op::kFindOrder,
     .before_charge_checks = true,
     .keyed = false,
     .keeps_id = &SagaRecord::order,
     .keeps_amount = &SagaRecord::total,
     .keeps_payment = &SagaRecord::replaced_payment,
     .lookup = true,
     .not_found_code = "unknown_order",
     .skipped_when_known = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kRepayOrder,
     .op = Op::kRepayOrder,
     .keyed = true,
     .on_failure = OnFailure::kCompensate,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kRefundReplaced,
     .op = Op::kRefund,
     .keyed = true,
     .must_complete = true,
     .sends_ref = &SagaRecord::replaced_payment,
     .on_failure = OnFailure::kEscalate,
     .escalation = "refund_failed"},
    // A refund the world lets go into another instrument of the user's: that it is theirs is
    // read first, before the change or return moves anything; then the refund is paid in,
    // keyed, once, and retried until the provider answers.
    {.step = Step::kCheckRefundTo,
     .op = Op::kBalance,
     .keyed = false,
     .not_found_code = "unknown_payment_method",
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    {.step = Step::kDepositRefund,
     .op = Op::kDeposit,
     .keyed = true,
     .must_complete = true,
     .on_failure = OnFailure::kEscalate,
     .escalation = "refund_failed"},
    // The user's details written: one keyed call, so a lost answer is learned, never written
    // twice; a definite refusal (no such customer, nothing to write) ends it rejected.
    {.step = Step::kUpdateProfile,
     .op = Op::kUpdateProfile,
     .keyed = true,
     .not_found_code = "unknown_user",
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
    // A certificate given to the user: one keyed call, so a lost answer is learned, never
    // issued again.
    {.step = Step::kIssueCredit,
     .op = Op::kIssueCredit,
     .keyed = true,
     .on_failure = OnFailure::kFinish,
     .fail_status = FailStatus::kRejectedUnlessTransient},
};

const CompensationRule kCompensationRules[5] = {
    {kCompCancelOrder, Step::kCommit, Op::kCommit, Op::kCancelOrder, &SagaRecord::order, false,
     Op::kSearch, nullptr, nullptr, nullptr},
    // Debits come after the authorization: given back before it is voided. The replay of a
    // debit whose answer was lost learns whether it took anything.
    {kCompRecredit, Step::kDebit, Op::kDebit, Op::kCredit, nullptr, false, Op::kSearch, nullptr,
     nullptr, nullptr, true},
    // The capture may have gone through after all (its answer was lost): an authorization
    // can no longer be voided then, so the money goes back as a refund.
    {kCompVoid, Step::kAuthorize, Op::kAuthorize, Op::kVoid, &SagaRecord::payment, true,
     Op::kRefund, "succeeded", "refund_instead_of_void", "refund_after_capture_failed"},
    {kCompRelease, Step::kReserve, Op::kReserve, Op::kRelease, &SagaRecord::reservation, false,
     Op::kSearch, nullptr, nullptr, nullptr},
    {kCompReleaseHold, Step::kHold, Op::kHold, Op::kReleaseHold, &SagaRecord::hold, false,
     Op::kSearch, nullptr, nullptr, nullptr},
};

struct OpFields {
  Op op;
  uint32_t fields;
};
constexpr OpFields kOpFields[] = {
    {Op::kQuote, kSendItems | kSendReservationTtl},
    {Op::kReserve, kSendItems | kSendReservationTtl},
    {Op::kCommit, kSendReservation | kSendItemsIfDirect | kSendHoldPayment | kSendDebits},
    {Op::kAuthorize, kSendCharge},
    {Op::kCapture, kSendPayment},
    {Op::kVoid, kSendPayment},
    {Op::kRefund, kSendPayment | kSendCardRefund},
    {Op::kRelease, kSendReservation},
    {Op::kCancelOrder, kSendOrder},
    {Op::kHold, kSendOffer | kSendHoldTtl},
    {Op::kConfirm, kSendHold | kSendHoldPayment | kSendDebits},
    {Op::kReleaseHold, kSendHold},
    {Op::kCancelQuote, kSendHold},
    {Op::kCancelConfirm, kSendHold},
    {Op::kFindBooking, kSendReference},
    {Op::kFindOrder, kSendReference},
    {Op::kUpdateBooking, kSendHold | kSendSeats},
    {Op::kUpdateOrder, kSendOrder | kSendDetails},
    {Op::kBalance, kSendTender},
    {Op::kDebit, kSendTender},
    {Op::kCredit, kSendTenderDebit},
    {Op::kReturnItems, kSendOrder | kSendItems},
    {Op::kQuoteExtras, kSendHold | kSendExtras},
    {Op::kAddExtras, kSendHold | kSendExtras | kSendHoldPayment | kSendDebits},
    {Op::kQuoteExchange, kSendHold | kSendNewFlights},
    {Op::kExchange, kSendHold | kSendNewFlights | kSendHoldPayment | kSendDebits},
    {Op::kQuoteItemSwap, kSendOrder | kSendItems},
    {Op::kSwapItems, kSendOrder | kSendItems | kSendHoldPayment | kSendDebits},
    {Op::kRepayOrder, kSendOrder | kSendHoldPayment | kSendDebits},
    {Op::kIssueCredit, kSendCreditAmount},
    {Op::kDeposit, kSendRefundTo},
    {Op::kUpdateProfile, kSendDetails},
};

}  // namespace

// Indexed once, so the engine's lookup per provider answer costs no search.
const StepKind* step_kind(Step step) {
  static const auto index = [] {
    std::array<const StepKind*, kStepCount> by_step{};
    for (const StepKind& k : kStepKinds) by_step[static_cast<std::size_t>(k.step)] = &k;
    for (const StepKind& k : kReturnKinds) by_step[static_cast<std::size_t>(k.step)] = &k;
    for (const StepKind& k : kExtrasKinds) by_step[static_cast<std::size_t>(k.step)] = &k;
    for (const StepKind& k : kExchangeKinds) by_step[static_cast<std::size_t>(k.step)] = &k;
    return by_step;
  }();
  auto i = static_cast<std::size_t>(step);
  return i < index.size() ? index[i] : nullptr;
}

const CompensationRule (&compensation_rules())[5] { return kCompensationRules; }

uint8_t step_compensation(Step step) {
  const StepKind* k = step_kind(step);
  return k == nullptr ? 0 : k->registers;
}

uint32_t request_fields(Op op) {
  static const auto index = [] {
    std::array<uint32_t, kOpCount> by_op{};
    for (const OpFields& f : kOpFields) by_op[static_cast<std::size_t>(f.op)] = f.fields;
    return by_op;
  }();
  auto i = static_cast<std::size_t>(op);
  return i < index.size() ? index[i] : 0;
}

bool is_before_charge_checks(Step step) {
  const StepKind* kind = step_kind(step);
  return kind != nullptr && kind->before_charge_checks;
}

bool needs_user_token(Op op) {
  return op == Op::kAuthorize || op == Op::kHold || op == Op::kConfirm || op == Op::kDebit;
}

bool needs_service_token(Op op) {
  Provider p = provider_of(op);
  return !needs_user_token(op) &&
         (p == Provider::kPayment || (p == Provider::kBooking && op != Op::kAvailability));
}

}  // namespace checkride
