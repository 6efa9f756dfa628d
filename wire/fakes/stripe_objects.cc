#include "wire/fakes/stripe_objects.h"

#include <httplib.h>

#include "protocol/crypto.h"
#include "wire/fakes/stripe_rules.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

using Status = PaymentsFake::Status;

nlohmann::json or_null(const nlohmann::json& extra, const char* key) {
  return extra.contains(key) ? extra[key] : nlohmann::json();
}

nlohmann::json next_action(Status status) {
  if (status != Status::kRequiresAction) return nullptr;
  return {{"type", "use_stripe_sdk"}, {"use_stripe_sdk", nlohmann::json::object()}};
}

// Expands one field of `object` in place; false when the field cannot be expanded.
bool expand_field(FakeState& state, nlohmann::json& object, const std::string& field) {
  if (!object.contains(field)) return false;
  nlohmann::json& value = object[field];
  if (!value.is_string()) return value.is_object() || value.is_null();
  uint64_t id = 0;
  const std::string name = value.get<std::string>();
  if ((field == "latest_charge" || field == "charge") && parse_wire_name(name, "ch", id)) {
    value = charge_json(state, id);
    return true;
  }
  if (field == "payment_intent" && parse_wire_name(name, "pi", id)) {
    value = intent_json(state, id);
    return true;
  }
  return false;
}

}  // namespace

// Objects are built member by member: nlohmann's initializer-list form builds each member as
// a two-element array first, and this runs several times on every payments request.
nlohmann::json intent_json(FakeState& state, ObjectId id) {
  const PaymentsFake::PaymentIntent& pi = *state.world().payments.find(id);
  const nlohmann::json& extra = state.intent_extra(id);
  const std::string name = wire_name("pi", id);
  nlohmann::json::object_t o;
  o.emplace("id", name);
  o.emplace("object", "payment_intent");
  o.emplace("amount", pi.amount);
  o.emplace("amount_capturable", pi.status == Status::kRequiresCapture ? pi.amount : int64_t{0});
  o.emplace("amount_received", pi.received);
  o.emplace("capture_method", extra.value("capture_method", "automatic"));
  o.emplace("confirmation_method", "automatic");
  o.emplace("currency", extra.value("currency", "usd"));
  o.emplace("client_secret", name + "_secret_" + std::to_string(mix64(id) % 1000000));
  o.emplace("created", pi.created / 1000);
  o.emplace("canceled_at",
            pi.canceled_at > 0 ? nlohmann::json(pi.canceled_at / 1000) : nlohmann::json());
  o.emplace("cancellation_reason", or_null(extra, "cancellation_reason"));
  o.emplace("livemode", false);
  o.emplace("metadata", extra.value("metadata", nlohmann::json::object()));
  o.emplace("customer", or_null(extra, "customer"));
  o.emplace("description", or_null(extra, "description"));
  o.emplace("payment_method",
            pi.method == 0 ? nlohmann::json() : nlohmann::json(wire_name("pm", pi.method)));
  o.emplace("payment_method_types", nlohmann::json::array_t{"card"});
  o.emplace("status", std::string(PaymentsFake::status_name(pi.status)));
  o.emplace("last_payment_error", or_null(extra, "last_payment_error"));
  o.emplace("next_action", next_action(pi.status));
  o.emplace("latest_charge",
            has_charge(state, id) ? nlohmann::json(wire_name("ch", id)) : nlohmann::json());
  return o;
}

bool has_charge(FakeState& state, ObjectId intent) {
  const PaymentsFake::PaymentIntent* pi = state.world().payments.find(intent);
  return pi != nullptr &&
         (pi->authorized || state.intent_extra(intent).contains("last_payment_error"));
}

nlohmann::json charge_json(FakeState& state, ObjectId intent) {
  const PaymentsFake::PaymentIntent& pi = *state.world().payments.find(intent);
  const nlohmann::json& extra = state.intent_extra(intent);
  const TestCard& card = state.world().payments.method_card(pi.method);
  const bool failed = !pi.authorized;
  const nlohmann::json error = or_null(extra, "last_payment_error");
  nlohmann::json::object_t o;
  o.emplace("id", wire_name("ch", intent));
  o.emplace("object", "charge");
  o.emplace("amount", pi.amount);
  o.emplace("amount_captured", pi.received);
  o.emplace("amount_refunded", pi.refunded);
  o.emplace("captured", pi.captured_at > 0);
  o.emplace("refunded", pi.received > 0 && pi.refunded == pi.received);
  o.emplace("paid", !failed);
  o.emplace("status", failed ? "failed" : "succeeded");
  o.emplace("failure_code", failed && error.is_object() ? nlohmann::json(error.value("code", ""))
                                                        : nlohmann::json());
  o.emplace("currency", extra.value("currency", "usd"));
  o.emplace("customer", or_null(extra, "customer"));
  o.emplace("created", pi.created / 1000);
  o.emplace("livemode", false);
  o.emplace("metadata", extra.value("metadata", nlohmann::json::object()));
  o.emplace("payment_intent", wire_name("pi", intent));
  o.emplace("payment_method",
            pi.method == 0 ? nlohmann::json() : nlohmann::json(wire_name("pm", pi.method)));
  nlohmann::json::object_t details;
  details.emplace("brand", std::string(card.brand));
  details.emplace("funding", std::string(card.funding));
  details.emplace("last4", std::string(card.last4));
  nlohmann::json::object_t method;
  method.emplace("type", "card");
  method.emplace("card", std::move(details));
  o.emplace("payment_method_details", std::move(method));
  return o;
}

nlohmann::json refund_json(FakeState& state, uint64_t refund) {
  const FakeState::Refund& r = state.refunds.at(refund);
  return {{"id", wire_name("re", refund)},
          {"object", "refund"},
          {"amount", r.amount},
          {"charge", wire_name("ch", r.intent)},
          {"payment_intent", wire_name("pi", r.intent)},
          {"currency", state.intent_extra(r.intent).value("currency", "usd")},
          {"created", r.created / 1000},
          {"reason", r.reason.empty() ? nlohmann::json() : nlohmann::json(r.reason)},
          {"metadata", r.metadata.is_object() ? r.metadata : nlohmann::json::object()},
          {"status", "succeeded"}};
}

bool apply_expand(FakeState& state, nlohmann::json& object, const std::vector<std::string>& paths,
                  WireAnswer& error) {
  for (const std::string& path : paths) {
    bool ok = false;
    if (path.rfind("data.", 0) == 0 && object.value("object", "") == "list") {
      ok = true;
      for (auto& item : object["data"]) ok = ok && expand_field(state, item, path.substr(5));
    } else if (path.find('.') == std::string::npos) {
      ok = expand_field(state, object, path);
    }
    if (!ok) {
      error = stripe_invalid("This property cannot be expanded (" + path + ").", "expand");
      return false;
    }
  }
  return true;
}

void send_expanded(FakeState& state, const httplib::Request& req, httplib::Response& res,
                   nlohmann::json object) {
  WireAnswer a{200, std::move(object), {}}, error;
  if (!apply_expand(state, a.body, expand_paths(req, nlohmann::json::object()), error))
    return send_answer(error, res);
  send_answer(a, res);
}

void send_list(FakeState& state, const httplib::Request& req, httplib::Response& res,
               const std::vector<std::string>& ids, const std::string& url, const char* kind,
               const std::function<bool(const std::string&)>& exists,
               const std::function<nlohmann::json(const std::string&)>& render) {
  ListPage page;
  WireAnswer error;
  if (!parse_list_page(req, page, error) || !check_cursor(page, kind, exists, error))
    return send_answer(error, res);
  send_expanded(state, req, res, list_page(ids, page, url, render));
}

}  // namespace checkride
