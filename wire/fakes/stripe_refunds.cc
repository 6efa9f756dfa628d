// Stripe's Refunds and Charges over the payments ledger: a refund by payment_intent or by
// charge, with reason and metadata; retrieval and lists of both.
#include "protocol/json_input.h"
#include "wire/fakes/stripe_face.h"
#include "wire/fakes/stripe_objects.h"
#include "wire/fakes/stripe_rules.h"
#include "wire/fakes/stripe_webhooks.h"
#include "wire/fakes/wire_call.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

// The intent a refund names, by payment_intent or by charge (exactly one of them).
bool refund_target(FakeState& state, const nlohmann::json& form, ObjectId& id, WireAnswer& error) {
  const bool by_intent = form.contains("payment_intent"), by_charge = form.contains("charge");
  if (by_intent == by_charge) {
    error = stripe_invalid("Exactly one of payment_intent or charge is required.",
                           by_intent ? "charge" : "payment_intent", "parameter_missing");
    return false;
  }
  const char* param = by_intent ? "payment_intent" : "charge";
  const std::string name = form[param].get<std::string>();
  if (parse_wire_name(name, by_intent ? "pi" : "ch", id) && state.world().payments.find(id) &&
      (by_intent || has_charge(state, id))) {
    return true;
  }
  error = stripe_missing(by_intent ? "payment_intent" : "charge", name, param);
  error.status = 400;
  return false;
}

bool check_refund(const nlohmann::json& form, WireAnswer& error) {
  std::string reason = string_field(form, "reason", "");
  if (!reason.empty() && reason != "duplicate" && reason != "fraudulent" &&
      reason != "requested_by_customer") {
    error = stripe_invalid(
        "Invalid reason: expected duplicate, fraudulent or requested_by_customer.", "reason");
    return false;
  }
  int64_t amount = 0;
  if (form.contains("amount") && (!integer_param(form, "amount", amount) || amount == 0)) {
    error = stripe_invalid("Invalid amount: expected a positive integer.", "amount");
    return false;
  }
  return check_metadata(form, error);
}

WireAnswer create_refund(FakeState& state, const httplib::Request& req, const nlohmann::json& form,
                         Time now) {
  WireAnswer error;
  ObjectId id = 0;
  if (!check_refund(form, error) || !refund_target(state, form, id, error)) return error;
  ProviderRequest pr;
  pr.op = Op::kRefund;
  pr.ref = id;
  if (form.contains("amount")) integer_param(form, "amount", pr.amount);
  ProviderReply r = state.world().payments.act(pr, now);
  if (r.error == ErrorCode::kInvalidState) {
    WireAnswer a = error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400,
                                "This PaymentIntent has not been captured; nothing to refund.",
                                "payment_intent");
    a.body["error"]["code"] = "charge_not_refundable";
    return a;
  }
  if (!r.ok()) {
    WireAnswer a = error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400,
                                "The refund amount exceeds what is left to refund.", "amount");
    a.body["error"]["code"] = "charge_already_refunded";
    return a;
  }
  uint64_t refund = state.next_refund++;
  FakeState::Refund& stored = state.refunds[refund];
  stored.intent = id;
  stored.amount = r.amount;
  stored.reason = string_field(form, "reason", "");
  stored.created = now;
  merge_metadata(form, stored.metadata);
  emit_refund_event(state, id);
  WireAnswer a{200, refund_json(state, refund), {}};
  if (!apply_expand(state, a.body, expand_paths(req, form), error)) return error;
  return a;
}

// Newest first, filtered by the intent (payment_intent= or charge=) when given.
std::vector<std::string> refund_ids(FakeState& state, ObjectId intent) {
  std::vector<std::string> ids;
  for (auto it = state.refunds.rbegin(); it != state.refunds.rend(); ++it) {
    if (intent == 0 || it->second.intent == intent) ids.push_back(wire_name("re", it->first));
  }
  return ids;
}

bool refund_exists(FakeState& state, const std::string& name, uint64_t& id) {
  return parse_wire_name(name, "re", id) && state.refunds.count(id) != 0;
}

bool charge_exists(FakeState& state, const std::string& name, uint64_t& id) {
  return parse_wire_name(name, "ch", id) && has_charge(state, id);
}

// The intent named by a list's payment_intent= or charge= filter (0 with none given); false
// with the 404 when it names nothing.
bool list_filter(FakeState& state, const httplib::Request& req, int64_t& intent,
                 WireAnswer& error) {
  intent = 0;
  for (auto [param, prefix] : {std::pair{"payment_intent", "pi"}, std::pair{"charge", "ch"}}) {
    if (!req.has_param(param)) continue;
    uint64_t id = 0;
    const std::string name = req.get_param_value(param);
    if (!parse_wire_name(name, prefix, id) || !state.world().payments.find(id)) {
      error = stripe_missing(param, name, param);
      return false;
    }
    intent = static_cast<int64_t>(id);
    return true;
  }
  return true;
}

}  // namespace

void mount_stripe_refunds(httplib::Server& server, FakeState& state) {
  stripe_post(server, "/v1/refunds", [&](const httplib::Request& req, httplib::Response& res) {
    if (!stripe_authenticate(state, req, res)) return;
    nlohmann::json form;
    if (!stripe_form(req, res, form)) return;
    serve_call(state, Op::kRefund, ErrorStyle::kStripe, req, res,
               [&](Time now) { return create_refund(state, req, form, now); });
  });

  server.Get(R"(/v1/refunds/([^/]+))", [&](const httplib::Request& req, httplib::Response& res) {
    if (!stripe_authenticate(state, req, res)) return;
    std::lock_guard<HeldMutex> lock(state.mu);
    uint64_t id = 0;
    const std::string name = req.matches[1].str();
    if (!refund_exists(state, name, id))
      return send_answer(stripe_missing("refund", name, "id"), res);
    send_expanded(state, req, res, refund_json(state, id));
  });

  server.Get("/v1/refunds", [&](const httplib::Request& req, httplib::Response& res) {
    if (!stripe_authenticate(state, req, res)) return;
    std::lock_guard<HeldMutex> lock(state.mu);
    int64_t intent = 0;
    WireAnswer error;
    if (!list_filter(state, req, intent, error)) return send_answer(error, res);
    send_list(
        state, req, res, refund_ids(state, static_cast<ObjectId>(intent)), "/v1/refunds", "refund",
        [&](const std::string& name) {
          uint64_t id = 0;
          return refund_exists(state, name, id);
        },
        [&](const std::string& name) {
          uint64_t id = 0;
          parse_wire_name(name, "re", id);
          return refund_json(state, id);
        });
  });

  server.Get(R"(/v1/charges/([^/]+))", [&](const httplib::Request& req, httplib::Response& res) {
    if (!stripe_authenticate(state, req, res)) return;
    std::lock_guard<HeldMutex> lock(state.mu);
    uint64_t id = 0;
    const std::string name = req.matches[1].str();
    if (!charge_exists(state, name, id))
      return send_answer(stripe_missing("charge", name, "id"), res);
    send_expanded(state, req, res, charge_json(state, id));
  });

  server.Get("/v1/charges", [&](const httplib::Request& req, httplib::Response& res) {
    if (!stripe_authenticate(state, req, res)) return;
    std::lock_guard<HeldMutex> lock(state.mu);
    int64_t intent = 0;
    WireAnswer error;
    if (!list_filter(state, req, intent, error)) return send_answer(error, res);
    std::vector<std::string> ids;
    state.world().payments.intents().for_each([&](uint64_t id, const PaymentsFake::PaymentIntent&) {
      if ((intent == 0 || static_cast<uint64_t>(intent) == id) && has_charge(state, id))
        ids.push_back(wire_name("ch", id));
    });
    std::reverse(ids.begin(), ids.end());
    auto exists = [&](const std::string& name) {
      uint64_t id = 0;
      return charge_exists(state, name, id);
    };
    send_list(state, req, res, ids, "/v1/charges", "charge", exists, [&](const std::string& name) {
      uint64_t id = 0;
      parse_wire_name(name, "ch", id);
      return charge_json(state, id);
    });
  });
}

}  // namespace checkride
