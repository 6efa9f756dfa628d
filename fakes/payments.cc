#include "fakes/payments.h"

#include "fakes/error_reply.h"
#include "fakes/identity.h"
#include "protocol/invariant.h"

namespace checkride {

std::string_view PaymentsFake::status_name(Status s) {
  switch (s) {
    case Status::kRequiresPaymentMethod:
      return "requires_payment_method";
    case Status::kRequiresConfirmation:
      return "requires_confirmation";
    case Status::kRequiresAction:
      return "requires_action";
    case Status::kRequiresCapture:
      return "requires_capture";
    case Status::kSucceeded:
      return "succeeded";
    case Status::kCanceled:
      return "canceled";
  }
  return "";
}

PaymentMethodId PaymentsFake::add_method(UserId owner, CardBehaviour behaviour) {
  return add_method(owner, default_test_card(behaviour));
}

PaymentMethodId PaymentsFake::add_method(UserId owner, const TestCard& card) {
  PaymentMethodId id = methods_.add(Method{owner, &card});
  owned_[owner].methods.push_back(id);
  return id;
}

PaymentMethodId PaymentsFake::add_named_method(UserId owner, const std::string& name,
                                               const TestCard& card) {
  if (name.empty() || named_method(owner, name) != 0) return 0;
  PaymentMethodId id = methods_.add(Method{owner, &card, name});
  owned_[owner].methods.push_back(id);
  return id;
}

PaymentMethodId PaymentsFake::named_method(UserId owner, std::string_view name) const {
  for (PaymentMethodId id : ids_of(owned_, owner, &Owned::methods)) {
    const Method* m = methods_.find(id);
    // An empty name finds the first the world names for the owner.
    if (m != nullptr && !m->name.empty() && (name.empty() || m->name == name)) return id;
  }
  return 0;
}

const std::string& PaymentsFake::method_name(PaymentMethodId id) const {
  static const std::string kNone;
  const Method* m = methods_.find(id);
  return m == nullptr ? kNone : m->name;
}

ObjectId PaymentsFake::seed_captured(PaymentMethodId method, int64_t amount, Time at) {
  const Method* m = methods_.find(method);
  if (m == nullptr || amount <= 0) return 0;
  ObjectId id = intents_.add(
      PaymentIntent{m->owner, method, amount, 0, at, at, Status::kSucceeded, true, true, amount});
  owned_[m->owner].intents.push_back(id);
  return id;
}

const IdList& PaymentsFake::intents_of(UserId user) const {
  return ids_of(owned_, user, &Owned::intents);
}

void PaymentsFake::retire_user(UserId user) {
  idempotency_.forget_owner(user);
  auto it = owned_.find(user);
  if (it == owned_.end()) return;
  for (PaymentMethodId id : it->second.methods) methods_.retire(id);
  for (ObjectId id : it->second.intents) intents_.retire(id);
  owned_.erase(it);
}

ProviderReply PaymentsFake::handle(const ProviderRequest& req, Time now, Time ready_at) {
  // Authentication comes before idempotency, as in Stripe: a 401 is never stored.
  if (!identity_->token_active(req.access_token, now)) {
    return error_reply(ErrorCode::kInvalidToken);
  }
  return run_idempotent(idempotency_, req, request_fingerprint(req), now, ready_at,
                        [&] { return act(req, now); });
}

ProviderReply PaymentsFake::authorize(const ProviderRequest& req, Time now) {
  PaymentMethodId method_id = req.payment_method;
  // A call that names the card: once the world names users' methods, it must be one of the
  // caller's own (the name alone is taken as given in a world that names none).
  if (names_methods_ && !req.text.empty()) {
    method_id = named_method(req.user, req.text);
    if (method_id == 0) return error_reply(ErrorCode::kNotFound);
  }
  const Method* method = methods_.find(method_id);
  if (req.amount <= 0 || method == nullptr) return error_reply(ErrorCode::kBadRequest);
  PaymentIntent pi{method->owner, method_id, req.amount, 0, now, 0, Status::kRequiresConfirmation,
                   false};
  ProviderReply r;
  run_card(pi, method->card->behaviour, r);
  r.id = intents_.add(pi);
  owned_[method->owner].intents.push_back(r.id);
  r.amount = req.amount;
  emit_status(r.id, pi);
  return r;
}

void PaymentsFake::emit(PaymentEventType type, ObjectId intent, int64_t amount) {
  if (!emit_) return;
  outbox_.push_back(PaymentEvent{++events_emitted_, type, intent, amount, true});
}

// The event Stripe sends when a confirmation leaves the intent in its state.
void PaymentsFake::emit_status(ObjectId intent, const PaymentIntent& pi) {
  switch (pi.status) {
    case Status::kRequiresAction:
      emit(PaymentEventType::kRequiresAction, intent, pi.amount);
      return;
    case Status::kRequiresCapture:
      emit(PaymentEventType::kAmountCapturableUpdated, intent, pi.amount);
      return;
    case Status::kRequiresPaymentMethod:
      emit(PaymentEventType::kPaymentFailed, intent, pi.amount);
      return;
    default:
      return;
  }
}

void PaymentsFake::run_card(PaymentIntent& pi, CardBehaviour behaviour, ProviderReply& r) {
  pi.status = Status::kRequiresCapture;
  if (behaviour == CardBehaviour::kSucceeds) {
    pi.authorized = true;
  } else if (behaviour == CardBehaviour::kAuthRequired) {
    pi.status = Status::kRequiresAction;
  } else {
    pi.status = Status::kRequiresPaymentMethod;
    r.error = behaviour == CardBehaviour::kInsufficientFunds ? ErrorCode::kInsufficientFunds
                                                             : ErrorCode::kCardDeclined;
  }
  r.status = status_name(pi.status);
}

ObjectId PaymentsFake::create(PaymentMethodId method, int64_t amount, Time now) {
  const Method* m = methods_.find(method);
  UserId owner = m == nullptr ? 0 : m->owner;
  Status status = m == nullptr ? Status::kRequiresPaymentMethod : Status::kRequiresConfirmation;
  ObjectId id = intents_.add(
      PaymentIntent{owner, m == nullptr ? 0 : method, amount, 0, now, 0, status, false});
  if (m != nullptr) owned_[owner].intents.push_back(id);
  return id;
}

ProviderReply PaymentsFake::confirm(ObjectId intent, PaymentMethodId method, Time) {
  PaymentIntent* found = intents_.find(intent);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  PaymentIntent& pi = *found;
  if (method != 0 && method != pi.method) {
    const Method* m = methods_.find(method);
    if (m == nullptr) return error_reply(ErrorCode::kBadRequest);
    if (pi.owner == 0) owned_[m->owner].intents.push_back(intent);
    pi.owner = pi.owner == 0 ? m->owner : pi.owner;
    pi.method = method;
  }
  const Method* m = methods_.find(pi.method);
  if (m == nullptr) return error_reply(ErrorCode::kBadRequest, status_name(pi.status));
  if (pi.status != Status::kRequiresConfirmation && pi.status != Status::kRequiresPaymentMethod) {
    return error_reply(ErrorCode::kInvalidState, status_name(pi.status));
  }
  ProviderReply r;
  run_card(pi, m->card->behaviour, r);
  r.id = intent;
  r.amount = pi.amount;
  emit_status(intent, pi);
  return r;
}

ProviderReply PaymentsFake::act(const ProviderRequest& req, Time now) {
  switch (req.op) {
    case Op::kAuthorize:
      return authorize(req, now);
    case Op::kCapture:
      return capture(req, now);
    case Op::kVoid:
      return cancel(req, now);
    case Op::kRefund:
      return refund(req);
    default:
      return error_reply(ErrorCode::kBadRequest);
  }
}

ProviderReply PaymentsFake::capture(const ProviderRequest& req, Time now) {
  PaymentIntent* found = intents_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  PaymentIntent& pi = *found;
  if (pi.status != Status::kRequiresCapture) {
    return error_reply(ErrorCode::kInvalidState, status_name(pi.status));
  }
  // amount_to_capture: at most what was authorized; the rest is released.
  int64_t amount = req.amount > 0 ? req.amount : pi.amount;
  if (amount > pi.amount) return error_reply(ErrorCode::kBadRequest, status_name(pi.status));
  CHECKRIDE_INVARIANT(pi.canceled_at == 0, "a voided intent is never captured");
  pi.status = Status::kSucceeded;
  pi.captured_at = now;
  pi.received = amount;
  emit(PaymentEventType::kSucceeded, req.ref, amount);
  ProviderReply r;
  r.id = req.ref;
  r.amount = amount;
  r.status = status_name(pi.status);
  return r;
}

ProviderReply PaymentsFake::cancel(const ProviderRequest& req, Time now) {
  PaymentIntent* found = intents_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  PaymentIntent& pi = *found;
  // Stripe cancels an intent in any state but these two, a cancelled one included.
  if (pi.status == Status::kSucceeded || pi.status == Status::kCanceled) {
    return error_reply(ErrorCode::kInvalidState, status_name(pi.status));
  }
  CHECKRIDE_INVARIANT(pi.received == 0 && pi.captured_at == 0, "a captured intent is never voided");
  pi.status = Status::kCanceled;
  pi.canceled_at = now;
  emit(PaymentEventType::kCanceled, req.ref, pi.amount);
  ProviderReply r;
  r.id = req.ref;
  r.status = status_name(pi.status);
  return r;
}

ProviderReply PaymentsFake::refund(const ProviderRequest& req) {
  PaymentIntent* found = intents_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  PaymentIntent& pi = *found;
  if (pi.status != Status::kSucceeded) {
    return error_reply(ErrorCode::kInvalidState, status_name(pi.status));
  }
  int64_t amount = req.amount > 0 ? req.amount : pi.received - pi.refunded;
  if (amount <= 0 || pi.refunded + amount > pi.received) return error_reply(ErrorCode::kBadRequest);
  pi.refunded += amount;
  CHECKRIDE_INVARIANT(pi.refunded <= pi.received, "never refunded more than was captured");
  emit(PaymentEventType::kChargeRefunded, req.ref, amount);
  ProviderReply r;
  r.id = req.ref;
  r.amount = amount;
  r.status = "succeeded";
  return r;
}

void PaymentsFake::update(ObjectId intent, int64_t amount, PaymentMethodId method) {
  PaymentIntent* pi = intents_.find(intent);
  CHECKRIDE_INVARIANT(pi != nullptr && pi->received == 0, "only an uncaptured intent is updated");
  pi->amount = amount;
  const Method* m = method == 0 ? nullptr : methods_.find(method);
  if (m == nullptr) return;
  if (pi->owner == 0 && m->owner != 0) owned_[m->owner].intents.push_back(intent);
  if (pi->owner == 0) pi->owner = m->owner;
  pi->method = method;
  if (pi->status == Status::kRequiresPaymentMethod) pi->status = Status::kRequiresConfirmation;
}

ProviderReply PaymentsFake::authenticate(ObjectId intent, bool authenticated) {
  PaymentIntent* pi = intents_.find(intent);
  if (pi == nullptr) return error_reply(ErrorCode::kNotFound);
  if (pi->status != Status::kRequiresAction) {
    return error_reply(ErrorCode::kInvalidState, status_name(pi->status));
  }
  ProviderReply r;
  r.id = intent;
  r.amount = pi->amount;
  if (authenticated) {
    pi->status = Status::kRequiresCapture;
    pi->authorized = true;
  } else {
    // Stripe: a failed authentication leaves the intent waiting for another payment method.
    pi->status = Status::kRequiresPaymentMethod;
    r.error = ErrorCode::kCardDeclined;
  }
  emit_status(intent, *pi);
  r.status = status_name(pi->status);
  return r;
}

}  // namespace checkride
