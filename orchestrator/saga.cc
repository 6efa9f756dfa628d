#include "orchestrator/saga.h"

namespace checkride {

const char* step_name(Step s) {
  switch (s) {
    case Step::kQuote:
      return "quote";
    case Step::kReserve:
      return "reserve";
    case Step::kAuthorize:
      return "authorize";
    case Step::kCommit:
      return "commit";
    case Step::kCapture:
      return "capture";
    case Step::kHold:
      return "hold";
    case Step::kAwaitConfirm:
      return "await_confirm";
    case Step::kConfirmBooking:
      return "confirm";
    case Step::kCancelQuote:
      return "cancel_quote";
    case Step::kCancelConfirm:
      return "cancel_confirm";
    case Step::kCancelOrder:
      return "cancel_order";
    case Step::kRefund:
      return "refund";
    case Step::kFindBooking:
      return "find_booking";
    case Step::kFindOrder:
      return "find_order";
    case Step::kUpdateBooking:
      return "update_booking";
    case Step::kUpdateOrder:
      return "update_order";
    case Step::kDone:
      return "done";
  }
  return "?";
}

bool acts_on_existing(SagaKind kind) {
  return kind != SagaKind::kOrder && kind != SagaKind::kBooking;
}

SagaKind target_kind(SagaKind kind) {
  return kind == SagaKind::kCancelBooking || kind == SagaKind::kChangeBooking ? SagaKind::kBooking
                                                                              : SagaKind::kOrder;
}

const char* ineligible_code(SagaKind kind) {
  return kind == SagaKind::kChangeBooking || kind == SagaKind::kChangeOrder ? "not_changeable"
                                                                            : "not_cancellable";
}

std::string saga_reference(const SagaRecord& s) {
  return (s.kind == SagaKind::kBooking ? "bk_" : "ord_") + std::to_string(s.id);
}

}  // namespace checkride
