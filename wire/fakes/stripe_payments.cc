// Payments as Stripe's PaymentIntents API: form-encoded bodies, Bearer keys, Stripe's error
// object and Idempotency-Key semantics, over the payments ledger.
#include <httplib.h>

#include <set>

#include "protocol/form_body.h"
#include "protocol/json_input.h"
#include "wire/fakes/face_guard.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/wire_call.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

using Intent = PaymentsFake::PaymentIntent;

// A Stripe secret key (platform credential) or a delegated user token from the identity
// fake; false with the 401 already written otherwise.
bool authenticate(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  std::string bearer = credential_of(req);
  if (bearer.rfind("sk_test_", 0) == 0) return true;
  if (bearer.empty()) {
    send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 401,
                             "You did not provide an API key. Provide it as a Bearer token."),
                res);
    return false;
  }
  std::lock_guard<std::mutex> lock(state.mu);
  if (!state.world().identity.token_active(state.token_id(bearer), state.now())) {
    send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kInvalidToken, 401,
                             "Invalid or expired API key provided."),
                res);
    return false;
  }
  return true;
}

// Params Stripe takes as a hash or a list; every other param is a string, and Stripe
// refuses a hash or list given for it (currency[]=usd) before anything runs.
bool takes_hash_or_list(const std::string& name) {
  static const std::set<std::string> kStructured = {"metadata",
                                                    "expand",
                                                    "payment_method_types",
                                                    "payment_method_options",
                                                    "payment_method_data",
                                                    "shipping",
                                                    "transfer_data",
                                                    "automatic_payment_methods",
                                                    "mandate_data"};
  return kStructured.count(name) > 0;
}

// Parses the form body; false with a 400 written when it is malformed or a string param
// came as a hash or a list.
bool form_of(const httplib::Request& req, httplib::Response& res, nlohmann::json& out) {
  std::string error;
  if (!parse_form(req.body, out, error)) {
    send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400, error), res);
    return false;
  }
  for (const auto& [name, value] : out.items()) {
    bool structured = takes_hash_or_list(name);
    // An empty string clears a hash param (metadata=), as Stripe allows.
    bool fits = structured ? !value.is_string() || value.get_ref<const std::string&>().empty()
                           : value.is_string();
    if (fits) continue;
    send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400,
                             "Invalid " + name + ": expected " +
                                 (structured ? "a hash or a list" : "a string") + ".",
                             name),
                res);
    return false;
  }
  return true;
}

bool integer_field(const nlohmann::json& form, const char* name, int64_t& out) {
  if (!form.contains(name) || !form[name].is_string()) return false;
  const std::string& s = form[name].get_ref<const std::string&>();
  if (s.empty() || s.size() > 15) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::stoll(s);
  return true;
}

WireAnswer invalid(const std::string& message, const std::string& param) {
  return error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400, message, param);
}

nlohmann::json intent_json(FakeState& state, ObjectId id) {
  const Intent& pi = *state.world().payments.find(id);
  const nlohmann::json& extra = state.intent_extra(id);
  bool captured = pi.captured_at > 0;
  nlohmann::json j = {
      {"id", wire_name("pi", id)},
      {"object", "payment_intent"},
      {"amount", pi.amount},
      {"amount_capturable",
       pi.status == PaymentsFake::Status::kRequiresCapture ? pi.amount : int64_t{0}},
      {"amount_received", captured ? pi.amount : int64_t{0}},
      {"amount_refunded", pi.refunded},
      {"capture_method", extra.value("capture_method", "automatic")},
      {"confirmation_method", "automatic"},
      {"currency", extra.value("currency", "usd")},
      {"client_secret", wire_name("pi", id) + "_secret_" + std::to_string(mix64(id) % 1000000)},
      {"created", pi.created / 1000},
      {"livemode", false},
      {"metadata", extra.value("metadata", nlohmann::json::object())},
      {"customer", extra.value("customer", nlohmann::json())},
      {"description", extra.value("description", nlohmann::json())},
      {"payment_method",
       pi.method == 0 ? nlohmann::json() : nlohmann::json(wire_name("pm", pi.method))},
      {"payment_method_types", {"card"}},
      {"status", std::string(PaymentsFake::status_name(pi.status))},
      {"last_payment_error", extra.value("last_payment_error", nlohmann::json())},
      {"next_action", pi.status == PaymentsFake::Status::kRequiresAction
                          ? nlohmann::json{{"type", "use_stripe_sdk"},
                                           {"use_stripe_sdk", nlohmann::json::object()}}
                          : nlohmann::json()},
      {"latest_charge",
       pi.authorized ? nlohmann::json("ch_" + std::to_string(id)) : nlohmann::json()},
  };
  return j;
}

// A decline is a 402 whose error object carries the intent, as Stripe's does.
WireAnswer decline(FakeState& state, ObjectId id, ErrorCode code) {
  WireAnswer a =
      error_answer(ErrorStyle::kStripe, code, 402,
                   code == ErrorCode::kInsufficientFunds ? "Your card has insufficient funds."
                                                         : "Your card was declined.");
  nlohmann::json last = a.body["error"];
  state.intent_extras[id]["last_payment_error"] = last;
  a.body["error"]["payment_intent"] = intent_json(state, id);
  return a;
}

// Resolves a payment_method parameter: a shopper's own "pm_<n>", or one of Stripe's test
// payment method names, which makes a fresh method for the customer ("cus_<n>" is user n;
// none is user 0, the unattributed account).
bool resolve_method(FakeState& state, const nlohmann::json& form, PaymentMethodId& out,
                    WireAnswer& error) {
  out = 0;
  if (!form.contains("payment_method")) return true;
  std::string pm =
      form["payment_method"].is_string() ? form["payment_method"].get<std::string>() : "";
  uint64_t id = 0;
  if (parse_wire_name(pm, "pm", id) && state.world().payments.has_method(id)) {
    out = id;
    return true;
  }
  CardBehaviour card;
  if (!parse_card_behaviour(pm, card)) {
    error = invalid("No such PaymentMethod: '" + pm + "'", "payment_method");
    error.status = 400;
    return false;
  }
  uint64_t customer = 0;
  if (form.contains("customer") && form["customer"].is_string()) {
    parse_wire_name(form["customer"].get<std::string>(), "cus", customer);
  }
  out = state.world().payments.add_method(customer, card);
  return true;
}

bool intent_id(FakeState& state, const httplib::Request& req, ObjectId& id, WireAnswer& error) {
  if (parse_wire_name(req.matches[1].str(), "pi", id) && state.world().payments.find(id))
    return true;
  error = error_answer(ErrorStyle::kStripe, ErrorCode::kNotFound, 404,
                       "No such payment_intent: '" + req.matches[1].str() + "'", "intent");
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

// Runs confirmation on an intent; automatic capture captures at once, as Stripe does.
WireAnswer confirm_intent(FakeState& state, ObjectId id, PaymentMethodId method, Time now) {
  PaymentsFake& payments = state.world().payments;
  ProviderReply r = payments.confirm(id, method, now);
  if (r.error == ErrorCode::kCardDeclined || r.error == ErrorCode::kInsufficientFunds) {
    return decline(state, id, r.error);
  }
  if (r.error == ErrorCode::kInvalidState) return unexpected_state(state, id, "confirmed");
  if (r.error != ErrorCode::kNone)
    return invalid("A payment method is required to confirm.", "payment_method");
  if (state.intent_extra(id).value("capture_method", "automatic") == "automatic" &&
      payments.find(id)->status == PaymentsFake::Status::kRequiresCapture) {
    ProviderRequest cap;
    cap.op = Op::kCapture;
    cap.ref = id;
    payments.act(cap, now);
  }
  return WireAnswer{200, intent_json(state, id), {}};
}

// Stripe takes form bodies far over httplib's 8 KiB form cap (50 metadata keys of 500
// characters): the payments face reads its POST bodies itself, up to this.
constexpr std::size_t kMaxStripeBody = 1 << 20;

// Registers a POST route that reads its whole body (up to kMaxStripeBody) before `handler`,
// answering 413 and 400 in Stripe's error shape.
void post_form(httplib::Server& server, const std::string& pattern,
               httplib::Server::Handler handler) {
  server.Post(pattern, [handler](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& content) {
    httplib::Request full = req;
    bool too_large = false;
    content([&](const char* data, size_t n) {
      // Drained, not cut off: the client still gets the answer.
      if (full.body.size() + n > kMaxStripeBody) too_large = true;
      if (!too_large) full.body.append(data, n);
      return true;
    });
    if (too_large) {
      send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 413,
                               "Request body too large: at most " + std::to_string(kMaxStripeBody) +
                                   " bytes"),
                  res);
      return;
    }
    if (!clean_text(full.body)) {
      send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400,
                               "the body is not valid UTF-8 text (or holds a NUL byte)"),
                  res);
      return;
    }
    handler(full, res);
  });
}

}  // namespace

void mount_stripe_payments(httplib::Server& server, FakeState& state) {
  post_form(
      server, "/v1/payment_intents", [&](const httplib::Request& req, httplib::Response& res) {
        if (!authenticate(state, req, res)) return;
        nlohmann::json form;
        if (!form_of(req, res, form)) return;
        serve_call(state, Op::kAuthorize, ErrorStyle::kStripe, req, res, [&](Time now) {
          int64_t amount = 0;
          if (!integer_field(form, "amount", amount) || amount <= 0) {
            return invalid("Missing or invalid amount: expected a positive integer in minor units.",
                           "amount");
          }
          if (!form.contains("currency"))
            return invalid("Missing required param: currency.", "currency");
          std::string capture = string_field(form, "capture_method", "automatic");
          if (capture != "automatic" && capture != "manual" && capture != "automatic_async") {
            return invalid("Invalid capture_method: expected automatic or manual.",
                           "capture_method");
          }
          WireAnswer error;
          PaymentMethodId method = 0;
          if (!resolve_method(state, form, method, error)) return error;
          ObjectId id = state.world().payments.create(method, amount, now);
          nlohmann::json& extra = state.intent_extras[id];
          extra["capture_method"] = capture == "manual" ? "manual" : "automatic";
          extra["currency"] = form["currency"];
          for (const char* k : {"metadata", "customer", "description"}) {
            if (form.contains(k)) extra[k] = form[k];
          }
          if (string_field(form, "confirm", "false") == "true") {
            if (method == 0)
              return invalid("confirm=true needs a payment_method.", "payment_method");
            return confirm_intent(state, id, 0, now);
          }
          return WireAnswer{200, intent_json(state, id), {}};
        });
      });

  server.Get(R"(/v1/payment_intents/([^/]+))",
             [&](const httplib::Request& req, httplib::Response& res) {
               if (!authenticate(state, req, res)) return;
               std::lock_guard<std::mutex> lock(state.mu);
               WireAnswer error;
               ObjectId id;
               if (!intent_id(state, req, id, error)) return send_answer(error, res);
               send_answer(WireAnswer{200, intent_json(state, id), {}}, res);
             });

  post_form(server, R"(/v1/payment_intents/([^/]+)/confirm)",
            [&](const httplib::Request& req, httplib::Response& res) {
              if (!authenticate(state, req, res)) return;
              nlohmann::json form;
              if (!form_of(req, res, form)) return;
              serve_call(state, Op::kAuthorize, ErrorStyle::kStripe, req, res, [&](Time now) {
                WireAnswer error;
                ObjectId id;
                PaymentMethodId method = 0;
                if (!intent_id(state, req, id, error)) return error;
                if (!resolve_method(state, form, method, error)) return error;
                return confirm_intent(state, id, method, now);
              });
            });

  auto act_route = [&](const char* pattern, Op op) {
    post_form(server, pattern, [&state, op](const httplib::Request& req, httplib::Response& res) {
      if (!authenticate(state, req, res)) return;
      nlohmann::json form;
      if (!form_of(req, res, form)) return;
      serve_call(state, op, ErrorStyle::kStripe, req, res, [&](Time now) {
        WireAnswer error;
        ObjectId id;
        if (!intent_id(state, req, id, error)) return error;
        int64_t partial = 0;
        if (op == Op::kCapture && integer_field(form, "amount_to_capture", partial) &&
            partial != state.world().payments.find(id)->amount) {
          return invalid("The fake captures the full amount only.", "amount_to_capture");
        }
        ProviderRequest pr;
        pr.op = op;
        pr.ref = id;
        ProviderReply r = state.world().payments.act(pr, now);
        if (!r.ok())
          return unexpected_state(state, id, op == Op::kCapture ? "captured" : "canceled");
        if (op == Op::kVoid && form.contains("cancellation_reason")) {
          state.intent_extras[id]["cancellation_reason"] = form["cancellation_reason"];
        }
        return WireAnswer{200, intent_json(state, id), {}};
      });
    });
  };
  act_route(R"(/v1/payment_intents/([^/]+)/capture)", Op::kCapture);
  act_route(R"(/v1/payment_intents/([^/]+)/cancel)", Op::kVoid);

  post_form(server, "/v1/refunds", [&](const httplib::Request& req, httplib::Response& res) {
    if (!authenticate(state, req, res)) return;
    nlohmann::json form;
    if (!form_of(req, res, form)) return;
    serve_call(state, Op::kRefund, ErrorStyle::kStripe, req, res, [&](Time now) {
      ObjectId id = 0;
      std::string name = string_field(form, "payment_intent", "");
      if (!parse_wire_name(name, "pi", id) || state.world().payments.find(id) == nullptr) {
        return invalid("No such payment_intent: '" + name + "'", "payment_intent");
      }
      ProviderRequest pr;
      pr.op = Op::kRefund;
      pr.ref = id;
      if (form.contains("amount") && !integer_field(form, "amount", pr.amount)) {
        return invalid("Invalid amount: expected a positive integer.", "amount");
      }
      ProviderReply r = state.world().payments.act(pr, now);
      if (!r.ok()) {
        return invalid(r.error == ErrorCode::kInvalidState
                           ? "This PaymentIntent has not been captured; nothing to refund."
                           : "The refund amount exceeds what is left to refund.",
                       r.error == ErrorCode::kInvalidState ? "payment_intent" : "amount");
      }
      nlohmann::json refund = {{"id", "re_" + std::to_string(state.next_refund++)},
                               {"object", "refund"},
                               {"amount", r.amount},
                               {"currency", state.intent_extra(id).value("currency", "usd")},
                               {"payment_intent", name},
                               {"created", now / 1000},
                               {"status", "succeeded"}};
      return WireAnswer{200, refund, {}};
    });
  });
}

}  // namespace checkride
