#include "orchestrator/saga_plans.h"

#include <algorithm>

#include "protocol/invariant.h"

namespace checkride {
namespace {

// What each family's plans must hold, as data.
struct FamilyRule {
  SagaKind kind;
  std::vector<Step> starts;    // the plan begins with exactly these
  std::vector<Step> allowed;   // every step must be one of these
  std::vector<Step> required;  // and these must all be there
};

struct Needs {
  Step step;
  Step after;  // must come earlier in the plan when both are there
};

const FamilyRule kFamilies[] = {
    {SagaKind::kOrder,
     {Step::kQuote},  // the quote prices the order and runs the consent and spend checks
     {Step::kQuote, Step::kReserve, Step::kCheckBalance, Step::kAuthorize, Step::kDebit,
      Step::kCommit, Step::kCapture},
     {Step::kQuote, Step::kAuthorize, Step::kCommit, Step::kCapture}},
    {SagaKind::kBooking,
     {Step::kHold},  // then await_confirm (the hold answers; confirm_booking goes on), or not
     {Step::kHold, Step::kAwaitConfirm, Step::kCheckBalance, Step::kAuthorize, Step::kDebit,
      Step::kConfirmBooking, Step::kCapture},
     {Step::kHold, Step::kAuthorize, Step::kConfirmBooking, Step::kCapture}},
    {SagaKind::kCancelOrder,
     {},  // find_order, when it is there, comes first (see kNeeds)
     {Step::kFindOrder, Step::kCancelOrder, Step::kRefund, Step::kRecredit},
     {Step::kCancelOrder}},
    {SagaKind::kCancelBooking,
     {},  // find_booking, when it is there, comes first (see kNeeds)
     {Step::kFindBooking, Step::kCancelQuote, Step::kCancelConfirm, Step::kRefund, Step::kRecredit},
     {Step::kCancelQuote, Step::kCancelConfirm}},
    {SagaKind::kChangeBooking,
     {},
     {Step::kFindBooking, Step::kUpdateBooking},
     {Step::kUpdateBooking}},
    {SagaKind::kChangeOrder, {}, {Step::kFindOrder, Step::kUpdateOrder}, {Step::kUpdateOrder}},
    {SagaKind::kAddExtras,
     {},  // find_booking_for_extras, when it is there, comes first (see kNeeds)
     {Step::kFindBookingForExtras, Step::kQuoteExtras, Step::kCheckBalance, Step::kAuthorize,
      Step::kDebit, Step::kAttachExtras, Step::kCapture},
     {Step::kQuoteExtras, Step::kAuthorize, Step::kAttachExtras, Step::kCapture}},
    {SagaKind::kChangeFlights,
     {},  // find_booking, when it is there, comes first (see kNeeds)
     {Step::kFindBooking, Step::kQuoteExchange, Step::kCheckRefundTo, Step::kCheckBalance,
      Step::kAuthorize, Step::kDebit, Step::kExchange, Step::kCapture, Step::kRefund,
      Step::kRecredit, Step::kDepositRefund},
     {Step::kQuoteExchange, Step::kExchange}},
    {SagaKind::kModifyItems,
     {},
     {Step::kFindOrder, Step::kQuoteItemSwap, Step::kCheckRefundTo, Step::kCheckBalance,
      Step::kAuthorize, Step::kDebit, Step::kSwapItems, Step::kCapture, Step::kRefund,
      Step::kRecredit, Step::kDepositRefund},
     {Step::kQuoteItemSwap, Step::kSwapItems}},
    {SagaKind::kExchangeItems,
     {Step::kFindDeliveredOrder},  // only a delivered order is exchanged
     {Step::kFindDeliveredOrder, Step::kQuoteItemSwap, Step::kCheckRefundTo, Step::kCheckBalance,
      Step::kAuthorize, Step::kDebit, Step::kSwapItems, Step::kCapture, Step::kRefund,
      Step::kRecredit, Step::kDepositRefund},
     {Step::kFindDeliveredOrder, Step::kQuoteItemSwap, Step::kSwapItems}},
    {SagaKind::kIssueCredit, {Step::kIssueCredit}, {Step::kIssueCredit}, {Step::kIssueCredit}},
    {SagaKind::kChangeProfile,
     {Step::kUpdateProfile},
     {Step::kUpdateProfile},
     {Step::kUpdateProfile}},
    {SagaKind::kChangePayment,
     {},
     {Step::kFindOrderToRepay, Step::kCheckBalance, Step::kAuthorize, Step::kDebit,
      Step::kRepayOrder, Step::kCapture, Step::kRefundReplaced},
     {Step::kAuthorize, Step::kRepayOrder, Step::kCapture, Step::kRefundReplaced}},
    {SagaKind::kReturnOrder,
     {Step::kFindDeliveredOrder},  // only a delivered order is returned: the shop says which
     {Step::kFindDeliveredOrder, Step::kCheckRefundTo, Step::kReturnItems, Step::kRefund,
      Step::kRecredit, Step::kDepositRefund},
     {Step::kFindDeliveredOrder, Step::kReturnItems, Step::kRefund}},
};

const Needs kNeeds[] = {
    {Step::kCapture, Step::kAuthorize},          // captures the authorization
    {Step::kConfirmBooking, Step::kAuthorize},   // pays the hold with it
    {Step::kRefund, Step::kCancelConfirm},       // refunds what the provider said is owed
    {Step::kCancelQuote, Step::kFindBooking},    // quotes the booking the lookup found
    {Step::kAuthorize, Step::kAwaitConfirm},     // a two-phase booking pays after the pause
    {Step::kCancelOrder, Step::kFindOrder},      // cancels the order the lookup found
    {Step::kRefund, Step::kCancelOrder},         // refunds what the cancelled order was paid
    {Step::kUpdateBooking, Step::kFindBooking},  // changes the booking the lookup found
    {Step::kUpdateOrder, Step::kFindOrder},
    {Step::kDebit, Step::kCheckBalance},  // a balance is read before it is taken from
    {Step::kDebit, Step::kQuote},         // after the consent and spend checks
    {Step::kDebit, Step::kAwaitConfirm},  // a two-phase booking pays after the pause
    {Step::kCheckBalance, Step::kAwaitConfirm},
    {Step::kConfirmBooking, Step::kDebit},    // the booking is paid by the debits too
    {Step::kCommit, Step::kDebit},            // an order is committed once it is paid
    {Step::kRecredit, Step::kCancelOrder},    // gives back what the cancelled order was paid
    {Step::kRecredit, Step::kCancelConfirm},  // or the booking's refund
    {Step::kReturnItems, Step::kFindDeliveredOrder},
    {Step::kRefund, Step::kReturnItems},  // refunds what the returned items were paid
    {Step::kRecredit, Step::kReturnItems},
    {Step::kRecredit, Step::kExchange},  // gives back each part's share of the difference
    {Step::kRecredit, Step::kSwapItems},
    {Step::kQuoteExtras, Step::kFindBookingForExtras},
    {Step::kAttachExtras, Step::kQuoteExtras},
    {Step::kAttachExtras, Step::kAuthorize},  // the extras are paid by it
    {Step::kAttachExtras, Step::kDebit},
    {Step::kAuthorize, Step::kQuoteExtras},  // after the consent and spend checks
    {Step::kCheckBalance, Step::kQuoteExtras},
    {Step::kQuoteExchange, Step::kFindBooking},
    {Step::kExchange, Step::kQuoteExchange},
    {Step::kExchange, Step::kAuthorize},  // the difference is paid by it
    {Step::kExchange, Step::kDebit},
    {Step::kAuthorize, Step::kQuoteExchange},
    {Step::kCheckBalance, Step::kQuoteExchange},
    {Step::kCapture, Step::kExchange},  // captured once the exchange stands
    {Step::kRefund, Step::kExchange},   // refunds what the exchange owes back
    {Step::kQuoteItemSwap, Step::kFindOrder},
    {Step::kQuoteItemSwap, Step::kFindDeliveredOrder},
    {Step::kSwapItems, Step::kQuoteItemSwap},
    {Step::kSwapItems, Step::kAuthorize},
    {Step::kSwapItems, Step::kDebit},
    {Step::kAuthorize, Step::kQuoteItemSwap},
    {Step::kCheckBalance, Step::kQuoteItemSwap},
    {Step::kCapture, Step::kSwapItems},
    {Step::kRefund, Step::kSwapItems},
    {Step::kAuthorize, Step::kFindOrderToRepay},
    {Step::kCheckBalance, Step::kFindOrderToRepay},
    {Step::kRepayOrder, Step::kAuthorize},  // the order is repaid by the new payment
    {Step::kRepayOrder, Step::kDebit},
    {Step::kCapture, Step::kRepayOrder},
    {Step::kRefundReplaced, Step::kCapture},  // the old payment goes back once the new stands
    // A refund into another instrument: that it is the user's is read before anything moves,
    // and it is paid in once what it refunds stands.
    {Step::kCheckRefundTo, Step::kQuoteItemSwap},
    {Step::kCheckRefundTo, Step::kQuoteExchange},
    {Step::kCheckRefundTo, Step::kFindDeliveredOrder},
    {Step::kSwapItems, Step::kCheckRefundTo},
    {Step::kExchange, Step::kCheckRefundTo},
    {Step::kReturnItems, Step::kCheckRefundTo},
    {Step::kDepositRefund, Step::kSwapItems},
    {Step::kDepositRefund, Step::kExchange},
    {Step::kDepositRefund, Step::kReturnItems},
    {Step::kDepositRefund, Step::kCheckRefundTo},
};

bool has(const std::vector<Step>& steps, Step s) {
  return std::find(steps.begin(), steps.end(), s) != steps.end();
}

}  // namespace

namespace {

// New purchases: each makes something and charges for it.
std::vector<SagaPlan> purchase_plans() {
  return {
      {"place_order",
       SagaKind::kOrder,
       "order_started",
       {Step::kQuote, Step::kReserve, Step::kCheckBalance, Step::kAuthorize, Step::kDebit,
        Step::kCommit, Step::kCapture},
       ActionStatus::kConfirmed},
      {"create_booking",
       SagaKind::kBooking,
       "booking_started",
       {Step::kHold, Step::kAwaitConfirm, Step::kCheckBalance, Step::kAuthorize, Step::kDebit,
        Step::kConfirmBooking, Step::kCapture},
       ActionStatus::kConfirmed},
  };
}

// Plans on what already exists: cancels, changes, returns and payments.
std::vector<SagaPlan> plans_on_existing() {
  return {
      {"cancel_order",
       SagaKind::kCancelOrder,
       nullptr,
       {Step::kFindOrder, Step::kCancelOrder, Step::kRefund, Step::kRecredit},
       ActionStatus::kOk},
      {"cancel_booking",
       SagaKind::kCancelBooking,
       nullptr,
       {Step::kFindBooking, Step::kCancelQuote, Step::kCancelConfirm, Step::kRefund,
        Step::kRecredit},
       ActionStatus::kOk},
      {"change_booking",
       SagaKind::kChangeBooking,
       nullptr,
       {Step::kFindBooking, Step::kUpdateBooking},
       ActionStatus::kOk},
      {"change_order",
       SagaKind::kChangeOrder,
       nullptr,
       {Step::kFindOrder, Step::kUpdateOrder},
       ActionStatus::kOk},
      {"return_order",
       SagaKind::kReturnOrder,
       nullptr,
       {Step::kFindDeliveredOrder, Step::kCheckRefundTo, Step::kReturnItems, Step::kRefund,
        Step::kRecredit, Step::kDepositRefund},
       ActionStatus::kOk},
      {"add_extras",
       SagaKind::kAddExtras,
       "extras_started",
       {Step::kFindBookingForExtras, Step::kQuoteExtras, Step::kCheckBalance, Step::kAuthorize,
        Step::kDebit, Step::kAttachExtras, Step::kCapture},
       ActionStatus::kConfirmed},
      {"change_flights",
       SagaKind::kChangeFlights,
       "exchange_started",
       {Step::kFindBooking, Step::kQuoteExchange, Step::kCheckRefundTo, Step::kCheckBalance,
        Step::kAuthorize, Step::kDebit, Step::kExchange, Step::kCapture, Step::kRefund,
        Step::kRecredit, Step::kDepositRefund},
       ActionStatus::kConfirmed},
      {"modify_order_items",
       SagaKind::kModifyItems,
       "item_swap_started",
       {Step::kFindOrder, Step::kQuoteItemSwap, Step::kCheckRefundTo, Step::kCheckBalance,
        Step::kAuthorize, Step::kDebit, Step::kSwapItems, Step::kCapture, Step::kRefund,
        Step::kRecredit, Step::kDepositRefund},
       ActionStatus::kConfirmed},
      {"exchange_items",
       SagaKind::kExchangeItems,
       "item_swap_started",
       {Step::kFindDeliveredOrder, Step::kQuoteItemSwap, Step::kCheckRefundTo, Step::kCheckBalance,
        Step::kAuthorize, Step::kDebit, Step::kSwapItems, Step::kCapture, Step::kRefund,
        Step::kRecredit, Step::kDepositRefund},
       ActionStatus::kConfirmed},
      {"change_payment",
       SagaKind::kChangePayment,
       "repayment_started",
       {Step::kFindOrderToRepay, Step::kCheckBalance, Step::kAuthorize, Step::kDebit,
        Step::kRepayOrder, Step::kCapture, Step::kRefundReplaced},
       ActionStatus::kConfirmed},
  };
}

// Plans on the user: a certificate given, the user's own details written.
std::vector<SagaPlan> plans_on_the_user() {
  return {
      {"issue_credit",
       SagaKind::kIssueCredit,
       "credit_started",
       {Step::kIssueCredit},
       ActionStatus::kOk},
      {"change_profile",
       SagaKind::kChangeProfile,
       "profile_change_started",
       {Step::kUpdateProfile},
       ActionStatus::kOk},
  };
}

}  // namespace

const std::vector<SagaPlan>& builtin_plans() {
  static const std::vector<SagaPlan> kPlans = [] {
    std::vector<SagaPlan> plans = purchase_plans();
    for (SagaPlan& p : plans_on_existing()) plans.push_back(std::move(p));
    for (SagaPlan& p : plans_on_the_user()) plans.push_back(std::move(p));
    return plans;
  }();
  return kPlans;
}

const SagaPlan& builtin_plan(SagaKind kind) {
  const SagaPlan& plan = builtin_plans().at(static_cast<std::size_t>(kind));
  CHECKRIDE_INVARIANT(plan.kind == kind, "the built-in plans are listed in SagaKind order");
  return plan;
}

std::string check_declared_plan(const SagaPlan& plan) {
  const FamilyRule* family = nullptr;
  for (const FamilyRule& f : kFamilies) {
    if (f.kind == plan.kind) family = &f;
  }
  if (family == nullptr) return "no such family";
  const std::vector<Step>& steps = plan.steps;
  for (std::size_t i = 0; i < family->starts.size(); ++i) {
    if (i >= steps.size() || steps[i] != family->starts[i]) {
      return std::string("must begin with ") + step_name(family->starts[i]) + " at position " +
             std::to_string(i + 1);
    }
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (!has(family->allowed, steps[i])) {
      return std::string(step_name(steps[i])) + " is not a step of this family";
    }
    if (std::find(steps.begin(), steps.begin() + i, steps[i]) != steps.begin() + i) {
      return std::string(step_name(steps[i])) + " appears twice";
    }
  }
  for (Step s : family->required) {
    if (!has(steps, s)) return std::string("is missing ") + step_name(s);
  }
  for (const Needs& n : kNeeds) {
    auto step = std::find(steps.begin(), steps.end(), n.step);
    auto after = std::find(steps.begin(), steps.end(), n.after);
    if (step != steps.end() && after != steps.end() && after > step) {
      return std::string(step_name(n.step)) + " must come after " + step_name(n.after);
    }
  }
  return "";
}

Step charge_checks_after(const SagaPlan& plan) {
  switch (plan.kind) {
    case SagaKind::kOrder:
      return Step::kQuote;
    case SagaKind::kBooking:
      return pauses_for_confirmation(plan) ? Step::kDone : Step::kHold;
    case SagaKind::kAddExtras:
      return Step::kQuoteExtras;
    case SagaKind::kChangeFlights:
      return Step::kQuoteExchange;
    case SagaKind::kModifyItems:
    case SagaKind::kExchangeItems:
      return Step::kQuoteItemSwap;
    case SagaKind::kChangePayment:
      return Step::kFindOrderToRepay;
    default:
      return Step::kDone;
  }
}

bool pauses_for_confirmation(const SagaPlan& plan) { return has(plan.steps, Step::kAwaitConfirm); }

Step next_step(const SagaPlan& plan, Step step) {
  auto it = std::find(plan.steps.begin(), plan.steps.end(), step);
  CHECKRIDE_INVARIANT(it != plan.steps.end(), "a saga stands on a step outside its plan");
  if (++it == plan.steps.end()) return Step::kDone;
  return *it;
}

bool parse_step(std::string_view name, Step& out) {
  for (std::size_t i = 0; i < kStepCount; ++i) {
    Step s = static_cast<Step>(i);
    if (name == step_name(s) && s != Step::kDone) {
      out = s;
      return true;
    }
  }
  return false;
}

}  // namespace checkride
