// Stripe's PaymentIntents over the payments ledger: create, list, retrieve, update, confirm,
// capture (whole or partial) and cancel, with Stripe's validation, states and error object.
#include "protocol/json_input.h"
#include "wire/fakes/stripe_face.h"
#include "wire/fakes/stripe_objects.h"
#include "wire/fakes/stripe_rules.h"
#include "wire/fakes/stripe_webhooks.h"
#include "wire/fakes/wire_call.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

using Status = PaymentsFake::Status;

// A refused card is a 402 whose error object carries the card's code, decline code and the
// intent, as Stripe's does; the error stays on the intent as last_payment_error.
WireAnswer decline(FakeState& state, ObjectId id) {
  const TestCard& card =
      state.world().payments.method_card(state.world().payments.find(id)->method);
  WireAnswer a =
      error_answer(ErrorStyle::kStripe, ErrorCode::kCardDeclined, 402, std::string(card.message));
  a.body["error"]["code"] = std::string(card.code);
  a.body["error"]["decline_code"] = std::string(card.decline_code);
  a.body["error"]["charge"] = wire_name("ch", id);
  state.intent_extras[id]["last_payment_error"] = a.body["error"];
  a.body["error"]["payment_intent"] = intent_json(state, id);
  emit_intent_event(state, id, "payment_intent.payment_failed");
  return a;
}

// Resolves a payment_method parameter: a shopper's own "pm_<n>", or one of Stripe's test
// payment method names, which makes a fresh method for the customer ("cus_<n>" is user n;
// none is user 0, the unattributed account).
bool resolve_method(FakeState& state, const nlohmann::json& form, PaymentMethodId& out,
                    WireAnswer& error) {
  out = 0;
  if (!form.contains("payment_method")) return true;
  std::string pm = form["payment_method"].get<std::string>();
  uint64_t id = 0;
  if (parse_wire_name(pm, "pm", id) && state.world().payments.has_method(id)) {
    out = id;
    return true;
  }
  const TestCard* card = find_test_card(pm);
  if (card == nullptr) {
    error = stripe_missing("PaymentMethod", pm, "payment_method");
    error.status = 400;
    return false;
  }
  uint64_t customer = 0;
  if (form.contains("customer"))
    parse_wire_name(form["customer"].get<std::string>(), "cus", customer);
  out = state.world().payments.add_method(customer, *card);
  return true;
}

// metadata[instrument]: the customer's own card or wallet of that name, where the world names
// the users' methods; one the customer (metadata[customer]) does not hold is missing. A world
// that names none charges the payment_method given.
bool resolve_named_method(FakeState& state, const nlohmann::json& form, PaymentMethodId& out,
                          WireAnswer& error) {
  const PaymentsFake& payments = state.world().payments;
  if (!payments.names_methods() || !form.contains("metadata") ||
      !form["metadata"].contains("instrument")) {
    return true;
  }
  const nlohmann::json& meta = form["metadata"];
  const std::string name =
      meta["instrument"].is_string() ? meta["instrument"].get<std::string>() : "";
  uint64_t customer = 0;
  if (meta.contains("customer") && meta["customer"].is_string()) {
    parse_wire_name(meta["customer"].get<std::string>(), "user", customer);
  }
  out = customer == 0 ? 0 : payments.named_method(customer, name);
  if (out != 0 && !name.empty()) return true;
  error = stripe_missing("PaymentMethod", name, "metadata[instrument]");
  error.status = 400;
  return false;
}

bool intent_id(FakeState& state, const httplib::Request& req, ObjectId& id, WireAnswer& error) {
  if (parse_wire_name(req.matches[1].str(), "pi", id) && state.world().payments.find(id))
    return true;
  error = stripe_missing("payment_intent", req.matches[1].str(), "intent");
  return false;
}

// Stripe's answer to an action the intent's status does not allow: 400
// payment_intent_unexpected_state with the intent itself in the error, so a client that
// retried a capture whose first answer was lost learns that it already succeeded.
WireAnswer unexpected_state(FakeState& state, ObjectId id, const char* verb) {
  WireAnswer a = error_answer(
      ErrorStyle::kStripe, ErrorCode::kInvalidState, 400,
      "This PaymentIntent's status is " +
          std::string(PaymentsFake::status_name(state.world().payments.find(id)->status)) +
          "; it cannot be " + verb + ".");
  a.body["error"]["payment_intent"] = intent_json(state, id);
  return a;
}

// The intent as answered: expanded as the request asks.
WireAnswer intent_answer(FakeState& state, ObjectId id, const std::vector<std::string>& expand) {
  WireAnswer a{200, intent_json(state, id), {}};
  WireAnswer error;
  if (!apply_expand(state, a.body, expand, error)) return error;
  return a;
}

// Runs confirmation on an intent; automatic capture captures at once, as Stripe does.
WireAnswer confirm_intent(FakeState& state, ObjectId id, PaymentMethodId method, Time now,
                          const std::vector<std::string>& expand) {
  PaymentsFake& payments = state.world().payments;
  ProviderReply r = payments.confirm(id, method, now);
  if (r.error == ErrorCode::kCardDeclined || r.error == ErrorCode::kInsufficientFunds) {
    return decline(state, id);
  }
  if (r.error == ErrorCode::kInvalidState) return unexpected_state(state, id, "confirmed");
  if (r.error != ErrorCode::kNone)
    return stripe_invalid("A payment method is required to confirm.", "payment_method");
  settle_authorized(state, id, now);
  return intent_answer(state, id, expand);
}

// Validates a create's params; the currency is known good after it.
bool check_create(const nlohmann::json& form, WireAnswer& error) {
  int64_t amount = 0;
  if (!integer_param(form, "amount", amount)) {
    error = stripe_invalid("Missing or invalid amount: expected a positive integer in minor units.",
                           "amount", "parameter_missing");
    return false;
  }
  if (!check_currency(form, error)) return false;
  if (!check_amount(amount, form["currency"].get<std::string>(), "amount", error)) return false;
  std::string capture = string_field(form, "capture_method", "automatic");
  if (capture != "automatic" && capture != "manual" && capture != "automatic_async") {
    error = stripe_invalid("Invalid capture_method: expected automatic, automatic_async or manual.",
                           "capture_method");
    return false;
  }
  std::string confirm = string_field(form, "confirm", "false");
  if (confirm != "true" && confirm != "false") {
    error = stripe_invalid("Invalid boolean: '" + confirm + "'.", "confirm");
    return false;
  }
  return check_metadata(form, error);
}

WireAnswer create_intent(FakeState& state, const httplib::Request& req, const nlohmann::json& form,
                         Time now) {
  WireAnswer error;
  PaymentMethodId method = 0;
  if (!check_create(form, error)) return error;
  if (string_field(form, "confirm", "false") == "true" && !form.contains("payment_method")) {
    return stripe_invalid("confirm=true needs a payment_method.", "payment_method");
  }
  std::vector<std::string> expand = expand_paths(req, form);
  for (const std::string& path : expand) {
    if (path != "latest_charge") {
      return stripe_invalid("This property cannot be expanded (" + path + ").", "expand");
    }
  }
  if (!resolve_method(state, form, method, error)) return error;
  if (!resolve_named_method(state, form, method, error)) return error;
  int64_t amount = std::stoll(form["amount"].get<std::string>());
  ObjectId id = state.world().payments.create(method, amount, now);
  nlohmann::json& extra = state.intent_extras[id];
  extra["capture_method"] =
      string_field(form, "capture_method", "automatic") == "manual" ? "manual" : "automatic";
  extra["currency"] = form["currency"];
  merge_metadata(form, extra["metadata"]);
  for (const char* k : {"customer", "description"}) {
    if (form.contains(k)) extra[k] = form[k];
  }
  emit_intent_event(state, id, "payment_intent.created");
  if (string_field(form, "confirm", "false") == "true") {
    return confirm_intent(state, id, 0, now, expand);
  }
  return intent_answer(state, id, expand);
}

// POST /v1/payment_intents/{id}: metadata and description in any state; amount, currency,
// payment method and capture method only before confirmation, as Stripe allows.
WireAnswer update_intent(FakeState& state, ObjectId id, const nlohmann::json& form,
                         const std::vector<std::string>& expand) {
  WireAnswer error;
  if (!check_metadata(form, error)) return error;
  const Status status = state.world().payments.find(id)->status;
  const bool open =
      status == Status::kRequiresPaymentMethod || status == Status::kRequiresConfirmation;
  for (const char* k : {"amount", "currency", "payment_method", "capture_method"}) {
    if (form.contains(k) && !open) return unexpected_state(state, id, "updated");
  }
  if (form.contains("currency") && !check_currency(form, error)) return error;
  std::string currency = form.contains("currency")
                             ? form["currency"].get<std::string>()
                             : state.intent_extra(id).value("currency", "usd");
  int64_t amount = state.world().payments.find(id)->amount;
  if (form.contains("amount") && !integer_param(form, "amount", amount)) {
    return stripe_invalid("Invalid amount: expected a positive integer in minor units.", "amount");
  }
  const bool money = form.contains("amount") || form.contains("currency");
  if (money && !check_amount(amount, currency, "amount", error)) return error;
  std::string capture = string_field(form, "capture_method", "");
  if (!capture.empty() && capture != "automatic" && capture != "manual") {
    return stripe_invalid("Invalid capture_method: expected automatic or manual.",
                          "capture_method");
  }
  PaymentMethodId method = 0;
  if (!resolve_method(state, form, method, error)) return error;
  if (open) state.world().payments.update(id, amount, method);
  nlohmann::json& extra = state.intent_extras[id];
  extra["currency"] = currency;
  if (!capture.empty()) extra["capture_method"] = capture;
  merge_metadata(form, extra["metadata"]);
  if (form.contains("description")) extra["description"] = form["description"];
  return intent_answer(state, id, expand);
}

// capture (amount_to_capture at most the amount; the rest is released) or cancel
// (cancellation_reason one of Stripe's).
WireAnswer act_on_intent(FakeState& state, Op op, ObjectId id, const nlohmann::json& form, Time now,
                         const std::vector<std::string>& expand) {
  ProviderRequest pr;
  pr.op = op;
  pr.ref = id;
  const char* verb = op == Op::kCapture ? "captured" : "canceled";
  if (op == Op::kCapture && form.contains("amount_to_capture")) {
    if (!integer_param(form, "amount_to_capture", pr.amount) || pr.amount == 0) {
      return stripe_invalid("Invalid amount_to_capture: expected a positive integer.",
                            "amount_to_capture");
    }
    if (pr.amount > state.world().payments.find(id)->amount) {
      return stripe_invalid("The amount_to_capture is greater than the amount capturable.",
                            "amount_to_capture", "amount_too_large");
    }
  }
  std::string reason = string_field(form, "cancellation_reason", "");
  if (op == Op::kVoid && !reason.empty() && reason != "duplicate" && reason != "fraudulent" &&
      reason != "requested_by_customer" && reason != "abandoned") {
    return stripe_invalid(
        "Invalid cancellation_reason: expected duplicate, fraudulent, "
        "requested_by_customer or abandoned.",
        "cancellation_reason");
  }
  ProviderReply r = state.world().payments.act(pr, now);
  if (!r.ok()) return unexpected_state(state, id, verb);
  if (op == Op::kVoid) {
    if (!reason.empty()) state.intent_extras[id]["cancellation_reason"] = reason;
    emit_intent_event(state, id, "payment_intent.canceled");
  } else {
    emit_intent_event(state, id, "payment_intent.succeeded");
  }
  return intent_answer(state, id, expand);
}

std::vector<std::string> intent_ids(FakeState& state, const std::string& customer) {
  std::vector<std::string> ids;
  state.world().payments.intents().for_each([&](uint64_t id, const PaymentsFake::PaymentIntent&) {
    if (customer.empty() || state.intent_extra(id).value("customer", "") == customer)
      ids.push_back(wire_name("pi", id));
  });
  std::reverse(ids.begin(), ids.end());  // newest first, as Stripe lists
  return ids;
}

using Req = httplib::Request;
using Res = httplib::Response;

void post_create_intent(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  nlohmann::json form;
  if (!stripe_form(req, res, form)) return;
  serve_call(state, Op::kAuthorize, ErrorStyle::kStripe, req, res,
             [&](Time now) { return create_intent(state, req, form, now); });
}

void get_intent_list(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  std::lock_guard<HeldMutex> lock(state.mu);
  std::string customer = req.has_param("customer") ? req.get_param_value("customer") : "";
  send_list(
      state, req, res, intent_ids(state, customer), "/v1/payment_intents", "payment_intent",
      [&](const std::string& name) {
        uint64_t id = 0;
        return parse_wire_name(name, "pi", id) && state.world().payments.find(id) != nullptr;
      },
      [&](const std::string& name) {
        uint64_t id = 0;
        parse_wire_name(name, "pi", id);
        return intent_json(state, id);
      });
}

void get_intent(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  std::lock_guard<HeldMutex> lock(state.mu);
  WireAnswer error;
  ObjectId id;
  if (!intent_id(state, req, id, error)) return send_answer(error, res);
  send_answer(intent_answer(state, id, expand_paths(req, nlohmann::json::object())), res);
}

void post_update_intent(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  nlohmann::json form;
  if (!stripe_form(req, res, form)) return;
  serve_call(state, Op::kAuthorize, ErrorStyle::kStripe, req, res, [&](Time) {
    WireAnswer error;
    ObjectId id;
    if (!intent_id(state, req, id, error)) return error;
    return update_intent(state, id, form, expand_paths(req, form));
  });
}

void post_confirm_intent(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  nlohmann::json form;
  if (!stripe_form(req, res, form)) return;
  serve_call(state, Op::kAuthorize, ErrorStyle::kStripe, req, res, [&](Time now) {
    WireAnswer error;
    ObjectId id;
    PaymentMethodId method = 0;
    if (!intent_id(state, req, id, error)) return error;
    if (!resolve_method(state, form, method, error)) return error;
    return confirm_intent(state, id, method, now, expand_paths(req, form));
  });
}

// A capture or a cancel.
void post_act_on_intent(FakeState& state, Op op, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  nlohmann::json form;
  if (!stripe_form(req, res, form)) return;
  serve_call(state, op, ErrorStyle::kStripe, req, res, [&](Time now) {
    WireAnswer error;
    ObjectId id;
    if (!intent_id(state, req, id, error)) return error;
    return act_on_intent(state, op, id, form, now, expand_paths(req, form));
  });
}

}  // namespace

void mount_stripe_intents(httplib::Server& server, FakeState& state) {
  const char* one = R"(/v1/payment_intents/([^/]+))";
  stripe_post(server, "/v1/payment_intents",
              [&state](const Req& req, Res& res) { post_create_intent(state, req, res); });
  server.Get("/v1/payment_intents",
             [&state](const Req& req, Res& res) { get_intent_list(state, req, res); });
  server.Get(one, [&state](const Req& req, Res& res) { get_intent(state, req, res); });
  stripe_post(server, one,
              [&state](const Req& req, Res& res) { post_update_intent(state, req, res); });
  stripe_post(server, R"(/v1/payment_intents/([^/]+)/confirm)",
              [&state](const Req& req, Res& res) { post_confirm_intent(state, req, res); });
  stripe_post(server, R"(/v1/payment_intents/([^/]+)/capture)", [&state](const Req& req, Res& res) {
    post_act_on_intent(state, Op::kCapture, req, res);
  });
  stripe_post(server, R"(/v1/payment_intents/([^/]+)/cancel)", [&state](const Req& req, Res& res) {
    post_act_on_intent(state, Op::kVoid, req, res);
  });
}

}  // namespace checkride
