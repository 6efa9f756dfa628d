#pragma once
#include <cstddef>
#include <cstdint>

#include "orchestrator/saga.h"
#include "protocol/provider.h"

namespace checkride {

// The built-in step kinds, as data. A saga plan (saga_plans.h) lists which of them a
// handler runs in which order; the saga engine (saga_engine.h) walks any plan with the same
// few functions, reading what each step sends, registers, keeps and does on failure here.

// What a step's failure does to its saga.
enum class OnFailure : uint8_t {
  kFinish,      // end the saga: nothing this step could have done needs undoing
  kCompensate,  // undo every registered compensation, newest first
  kEscalate,    // end the saga failed and hand it to a human: money is owed back
};

// The status a definite failure ends with.
enum class FailStatus : uint8_t {
  kFailed,
  kRejectedUnlessTransient,  // rejected, but failed on a timeout or an outage
  kRejectedUnlessRetryable,  // rejected, but failed when a later attempt could succeed
};

// What a step does with the card's part of a payment, so it is skipped when there is none:
// when stored value pays it all, or a change's difference leaves the card nothing to pay or
// be refunded.
enum class CardPart : uint8_t {
  kNone,     // not a card step
  kPays,     // authorizes or captures what the card pays
  kRefunds,  // refunds the card's share of what is owed back
};

struct StepKind {
  Step step = Step::kDone;
  Op op = Op::kSearch;
  // Runs before a charge's consent and spend checks (a quote, a lookup): failing there gives
  // no spend back.
  bool before_charge_checks = false;
  bool keyed = false;          // sends an idempotency key (a quote changes nothing, so it has none)
  bool must_complete = false;  // money or stock is committed: retried until the provider answers
  uint8_t registers = 0;       // the compensation registered (persisted) before the step is sent
  uint8_t settles = 0;         // compensations its success makes moot
  ObjectId SagaRecord::*keeps_id = nullptr;  // where the object it made or acted on is kept
  bool id_even_if_refused = false;  // a declined payment intent exists too, and gets voided
  int64_t SagaRecord::*keeps_amount = nullptr;  // the provider's amount (the server-computed total)
  ObjectId SagaRecord::*keeps_payment = nullptr;  // a lookup: the payment that paid for it
  bool keeps_expiry = false;                      // a hold: payment is required by its expiry
  const char* ok_status = nullptr;  // a provider status that is success even on an error answer
  // A provider status on an ok answer that makes the step wait for the payment's webhook
  // (3-D Secure), with a deadline.
  const char* awaits_status = nullptr;
  // A lookup of what the saga acts on: it names the saga's operation, and the provider's
  // refusal of it (the world's rules: its status, a limit) ends the saga rejected.
  bool lookup = false;
  const char* not_found_code = nullptr;  // the code for a not-found answer (else its name)
  bool ends_if_nothing_to_refund = false;
  bool marks_target_cancelled = false;  // a cancel's refund: the order or booking is cancelled
  bool skipped_when_known = false;      // a lookup, not run when the store knows the target
  // Repeated once per stored-value tender (an index in the record says which), each
  // repetition with its own idempotency key; not run at all without tenders.
  bool per_tender = false;
  bool covers_tender = false;       // a balance: less than the tender's amount ends it rejected
  CardPart card = CardPart::kNone;  // the card's part: not run when it has nothing to move
  // A fare difference: a positive answer is what to charge (total), a negative one what is
  // owed back (refund_amount).
  bool keeps_difference = false;
  ObjectId SagaRecord::*sends_ref = nullptr;  // the object it acts on, when not its op's usual one
  OnFailure on_failure = OnFailure::kFinish;
  FailStatus fail_status = FailStatus::kFailed;
  const char* expired_code = nullptr;  // the code for an expired answer (else the error's name)
  const char* escalation = nullptr;    // kEscalate: the reason a reviewer sees
};

// The step kind of a forward step that calls a provider; nullptr for the pauses
// (await_confirm) and done.
const StepKind* step_kind(Step step);
// Steps before a charge's consent and spend checks ran (StepKind::before_charge_checks).
bool is_before_charge_checks(Step step);

// Each compensation, newest first: the forward step it undoes, the op replayed to learn the
// step's outcome when it is unknown, the op that undoes it, where the forward step's object
// id lives, and a fallback undo for when the undo finds the money already moved.
struct CompensationRule {
  Compensation bit;
  Step forward;
  Op replay;
  Op undo;
  ObjectId SagaRecord::*id;
  bool learns_from_id;              // the replay's answer carries an id even when refused
  Op fallback;                      // kSearch: none
  const char* fallback_when;        // the undo's refusal status that calls for the fallback
  const char* fallback_decision;    // the audit log's word for taking it
  const char* fallback_escalation;  // when the fallback fails too
  bool per_tender = false;          // one undo per tender, newest first (the id is the tender's)
};
const CompensationRule (&compensation_rules())[5];
// The compensation a forward step registers before it is sent (0 if none).
uint8_t step_compensation(Step step);

// The params mapping of each op: which saga record fields its request carries.
enum RequestField : uint32_t {
  kSendItems = 1 << 0,  // items and coupon
  kSendReservationTtl = 1 << 1,
  kSendReservation = 1 << 2,    // ref: the reservation
  kSendItemsIfDirect = 1 << 3,  // items and coupon when nothing was reserved
  kSendCharge = 1 << 4,         // amount: the total, and the payment method
  kSendPayment = 1 << 5,        // ref: the payment intent
  kSendCardRefund = 1 << 6,     // amount: the card's share of what is owed back
  kSendOrder = 1 << 7,          // ref: the order
  kSendOffer = 1 << 8,          // text: the offer, and one line of `seats`
  kSendHoldTtl = 1 << 9,
  kSendHold = 1 << 10,          // ref: the hold
  kSendHoldPayment = 1 << 11,   // payment: the intent that pays for the hold (or the order)
  kSendReference = 1 << 12,     // text: the reference the agent named
  kSendSeats = 1 << 13,         // one line of `seats` (a booking's passengers)
  kSendDetails = 1 << 14,       // text: the new details
  kSendTender = 1 << 15,        // text, amount: the tender's instrument and amount
  kSendTenderDebit = 1 << 16,   // ref, amount: the tender's debit and what it gets back
  kSendDebits = 1 << 17,        // debits: every tender's debit (a split payment's other part)
  kSendExtras = 1 << 18,        // one line of `extras` (checked bags per passenger)
  kSendNewFlights = 1 << 19,    // text, items: the offer and its connections (an exchange's)
  kSendCreditAmount = 1 << 20,  // amount: the certificate's value (the record's total)
  kSendRefundTo = 1 << 21,      // text, amount: the instrument a refund is paid into, and it
};
uint32_t request_fields(Op op);

// Steps that start moving a user's money or seats act on the user's delegated token; steps
// that finish or undo what the user already authorized run under the orchestrator's own
// credential, so a revoked user token can never leave a charge half-done.
bool needs_user_token(Op op);
bool needs_service_token(Op op);

// The key code of a step's repetition on tender `index`: each tender has its own key.
inline uint64_t tender_code(uint64_t base, std::size_t index) { return base + ((index + 1) << 8); }

// `bits` with the compensation bits `off` cleared.
inline uint8_t without(uint8_t bits, uint8_t off) { return static_cast<uint8_t>(bits & ~off); }

}  // namespace checkride
