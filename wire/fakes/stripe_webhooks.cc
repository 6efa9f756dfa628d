#include "wire/fakes/stripe_webhooks.h"

#include <limits>

#include "wire/fakes/stripe_objects.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

void emit(FakeState& state, const std::string& type, nlohmann::json object) {
  const Time now = state.now();
  std::vector<Delivery*> added =
      state.events.add(StripeEvent{type, std::move(object), state.unix_now()}, now);
  std::vector<Delivery> copies;
  for (Delivery* d : added) {
    WebhookFault f = state.webhook_fault_for(type);
    if (f.drop) {
      d->due = std::numeric_limits<Time>::max();  // never sent; /v1/events still has it
      continue;
    }
    d->due += f.delay;
    d->held = f.reorder;
    d->bad_signature = f.bad_signature;
    if (f.forge && type == "payment_intent.requires_action") {
      Delivery forged = *d;
      forged.due = now;  // the forger does not wait for Stripe
      forged.held = false;
      forged.forged = true;
      copies.push_back(forged);
    }
    if (f.duplicate) {
      Delivery again = *d;
      again.due += 200;  // the same event, signed again, a little later
      again.held = false;
      copies.push_back(again);
    }
  }
  for (const Delivery& d : copies) state.events.requeue(d);
}

}  // namespace

void emit_intent_event(FakeState& state, ObjectId intent, const std::string& type) {
  emit(state, type, intent_json(state, intent));
}

void emit_refund_event(FakeState& state, ObjectId intent) {
  emit(state, "charge.refunded", charge_json(state, intent));
}

void settle_authorized(FakeState& state, ObjectId id, Time now) {
  PaymentsFake& payments = state.world().payments;
  const PaymentsFake::Status status = payments.find(id)->status;
  if (status == PaymentsFake::Status::kRequiresAction) {
    emit_intent_event(state, id, "payment_intent.requires_action");
    return;
  }
  if (status != PaymentsFake::Status::kRequiresCapture) return;
  state.intent_extras[id].erase("last_payment_error");
  if (state.intent_extra(id).value("capture_method", "automatic") == "automatic") {
    ProviderRequest cap;
    cap.op = Op::kCapture;
    cap.ref = id;
    payments.act(cap, now);
    emit_intent_event(state, id, "payment_intent.succeeded");
  } else {
    emit_intent_event(state, id, "payment_intent.amount_capturable_updated");
  }
}

bool finish_authentication(FakeState& state, ObjectId intent, bool authenticated, Time now) {
  ProviderReply r = state.world().payments.authenticate(intent, authenticated);
  if (r.error == ErrorCode::kNotFound || r.error == ErrorCode::kInvalidState) return false;
  if (!authenticated) {
    nlohmann::json error = {{"type", "card_error"},
                            {"code", "payment_intent_authentication_failure"},
                            {"message",
                             "The provided PaymentMethod has failed authentication. You can "
                             "provide payment_method_data or a new PaymentMethod to attempt to "
                             "fulfill this PaymentIntent again."}};
    state.intent_extras[intent]["last_payment_error"] = error;
    emit_intent_event(state, intent, "payment_intent.payment_failed");
    return true;
  }
  settle_authorized(state, intent, now);
  return true;
}

}  // namespace checkride
