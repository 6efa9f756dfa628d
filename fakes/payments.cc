#include "fakes/payments.h"

#include "fakes/error_reply.h"
#include "fakes/identity.h"

namespace checkride {

bool parse_card_behaviour(std::string_view pm, CardBehaviour& out) {
  if (pm == "pm_card_visa")
    out = CardBehaviour::kSucceeds;
  else if (pm == "pm_card_visa_chargeDeclined")
    out = CardBehaviour::kDeclined;
  else if (pm == "pm_card_visa_chargeDeclinedInsufficientFunds")
    out = CardBehaviour::kInsufficientFunds;
  else if (pm == "pm_card_authenticationRequired")
    out = CardBehaviour::kAuthRequired;
  else
    return false;
  return true;
}

std::string_view card_test_name(CardBehaviour b) {
  switch (b) {
    case CardBehaviour::kSucceeds:
      return "pm_card_visa";
    case CardBehaviour::kDeclined:
      return "pm_card_visa_chargeDeclined";
    case CardBehaviour::kInsufficientFunds:
      return "pm_card_visa_chargeDeclinedInsufficientFunds";
    case CardBehaviour::kAuthRequired:
      return "pm_card_authenticationRequired";
  }
  return "";
}

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
  PaymentMethodId id = methods_.add(Method{owner, behaviour});
  owned_[owner].methods.push_back(id);
  return id;
}

ObjectId PaymentsFake::seed_captured(PaymentMethodId method, int64_t amount, Time at) {
  const Method* m = methods_.find(method);
  if (m == nullptr || amount <= 0) return 0;
  ObjectId id = intents_.add(
      PaymentIntent{m->owner, method, amount, 0, at, at, Status::kSucceeded, true, true});
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
  const Method* method = methods_.find(req.payment_method);
  if (req.amount <= 0 || method == nullptr) return error_reply(ErrorCode::kBadRequest);
  PaymentIntent pi{
      method->owner, req.payment_method, req.amount, 0, now, 0, Status::kRequiresConfirmation,
      false};
  ProviderReply r;
  run_card(pi, method->behaviour, r);
  r.id = intents_.add(pi);
  owned_[method->owner].intents.push_back(r.id);
  r.amount = req.amount;
  return r;
}

void PaymentsFake::run_card(PaymentIntent& pi, CardBehaviour behaviour, ProviderReply& r) {
  pi.status = Status::kRequiresCapture;
  switch (behaviour) {
    case CardBehaviour::kSucceeds:
      pi.authorized = true;
      break;
    case CardBehaviour::kDeclined:
      pi.status = Status::kRequiresPaymentMethod;
      r.error = ErrorCode::kCardDeclined;
      break;
    case CardBehaviour::kInsufficientFunds:
      pi.status = Status::kRequiresPaymentMethod;
      r.error = ErrorCode::kInsufficientFunds;
      break;
    case CardBehaviour::kAuthRequired:
      pi.status = Status::kRequiresAction;
      break;
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
  run_card(pi, m->behaviour, r);
  r.id = intent;
  r.amount = pi.amount;
  return r;
}

ProviderReply PaymentsFake::act(const ProviderRequest& req, Time now) {
  switch (req.op) {
    case Op::kAuthorize:
      return authorize(req, now);
    case Op::kCapture:
      return capture(req, now);
    case Op::kVoid:
      return cancel(req);
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
  pi.status = Status::kSucceeded;
  pi.captured_at = now;
  ProviderReply r;
  r.id = req.ref;
  r.amount = pi.amount;
  r.status = status_name(pi.status);
  return r;
}

ProviderReply PaymentsFake::cancel(const ProviderRequest& req) {
  PaymentIntent* found = intents_.find(req.ref);
  if (found == nullptr) return error_reply(ErrorCode::kNotFound);
  PaymentIntent& pi = *found;
  if (pi.status == Status::kSucceeded) {
    return error_reply(ErrorCode::kInvalidState, status_name(pi.status));
  }
  pi.status = Status::kCanceled;
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
  int64_t amount = req.amount > 0 ? req.amount : pi.amount - pi.refunded;
  if (amount <= 0 || pi.refunded + amount > pi.amount) return error_reply(ErrorCode::kBadRequest);
  pi.refunded += amount;
  ProviderReply r;
  r.id = req.ref;
  r.amount = amount;
  r.status = "succeeded";
  return r;
}

}  // namespace checkride
