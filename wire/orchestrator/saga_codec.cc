#include "wire/orchestrator/saga_codec.h"

#include <stdexcept>

#include "orchestrator/saga_plans.h"
#include "protocol/json_input.h"

namespace checkride {
namespace {

// A step by name. Stores written before steps were saved by name hold the enum's number,
// from when kDone was 12 (the numbers below it have not moved).
Step step_of(const nlohmann::json& j) {
  Step s = Step::kDone;
  if (j.is_string()) {
    std::string name = j.get<std::string>();
    if (name != "done" && !parse_step(name, s)) throw std::runtime_error("unknown step " + name);
    return s;
  }
  int n = j.get<int>();
  if (n < 0 || n >= 12) return Step::kDone;
  return static_cast<Step>(n);
}

// An enum's number, refused past its last value: the core indexes tables by it.
template <typename Enum>
int in_range(const nlohmann::json& j, Enum last, const char* field) {
  int n = j.get<int>();
  if (n < 0 || n > static_cast<int>(last)) {
    throw std::runtime_error(std::string(field) + ": " + std::to_string(n) + " is out of range");
  }
  return n;
}

// The store writes integers only. A fraction where one belongs is damage, and converting
// one out of an integer's range is undefined behaviour (found by fuzz_store_rows): refused
// before any field is read.
void refuse_fractions(const nlohmann::json& j) {
  if (j.is_number_float()) throw std::runtime_error("a number that is not an integer");
  if (j.is_structured()) {
    for (const auto& v : j) refuse_fractions(v);
  }
}

// Runs a decoder over a row's text; whatever is wrong with it becomes one runtime_error.
template <typename Decode>
auto decode_row(std::string_view text, const Decode& decode) {
  nlohmann::json j = parse_json_or_discarded(text);  // nesting bounded, as all outside input
  if (j.is_discarded()) throw std::runtime_error("not valid JSON");
  refuse_fractions(j);
  try {
    return decode(j);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(e.what());
  }
}

nlohmann::json tenders_to_json(const std::vector<Tender>& tenders) {
  nlohmann::json list = nlohmann::json::array();
  for (const Tender& t : tenders) {
    list.push_back({{"instrument", t.instrument},
                    {"amount", t.amount},
                    {"debit", t.debit},
                    {"sent", t.sent},
                    {"credited", t.credited}});
  }
  return list;
}

std::vector<Tender> tenders_from_json(const nlohmann::json& list) {
  std::vector<Tender> tenders;
  for (const auto& t : list) {
    Tender tender;
    tender.instrument = t.at("instrument").get<std::string>();
    tender.amount = t.at("amount").get<int64_t>();
    tender.debit = t.at("debit").get<ObjectId>();
    tender.sent = t.at("sent").get<bool>();
    tender.credited = t.at("credited").get<int64_t>();
    tenders.push_back(std::move(tender));
  }
  return tenders;
}

}  // namespace

nlohmann::json saga_to_json(const SagaRecord& s) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : s.items) items.push_back({i.sku, i.quantity});
  nlohmann::json j = {{"id", s.id},
                      {"kind", static_cast<int>(s.kind)},
                      {"plan", s.plan},
                      {"session", s.session},
                      {"user", s.user},
                      {"action_key", s.action_key},
                      {"confirm_key", s.confirm_key},
                      {"cart_hash", s.cart_hash},
                      {"step", step_name(s.step)},
                      {"attempt", s.attempt},
                      {"comp", s.comp},
                      {"compensating", s.compensating},
                      {"done", s.done},
                      {"acked", s.acked},
                      {"refreshed", s.refreshed},
                      {"back_to_hold", s.back_to_hold},
                      {"ambiguous", s.ambiguous},
                      {"payment_attempts", s.payment_attempts},
                      {"outcome", static_cast<int>(s.outcome)},
                      {"code", s.code},
                      {"items", items},
                      {"coupon", s.coupon},
                      {"offer", s.offer},
                      {"seats", s.seats},
                      {"total", s.total},
                      {"max_total", s.max_total},
                      {"refund_amount", s.refund_amount},
                      {"payment_method", s.payment_method},
                      {"reservation", s.reservation},
                      {"payment", s.payment},
                      {"order", s.order},
                      {"hold", s.hold},
                      {"hold_expires_at", s.hold_expires_at},
                      {"target", s.target},
                      {"reference", s.reference},
                      {"details", s.details}};
  if (!s.tenders.empty() || !s.card_named) {
    j["tenders"] = tenders_to_json(s.tenders);
    j["card_named"] = s.card_named;
    j["index"] = s.index;
  }
  // A change's parts that may be owed back: written only when known.
  if (!s.paid_parts.empty()) j["paid_parts"] = tenders_to_json(s.paid_parts);
  if (s.refund_basis != 0) j["refund_basis"] = s.refund_basis;
  if (s.card_stated >= 0) j["card_stated"] = s.card_stated;
  if (!s.card.empty()) j["card"] = s.card;
  if (!s.reason.empty()) j["reason"] = s.reason;
  if (!s.refund_to.empty()) j["refund_to"] = s.refund_to;
  if (!s.refund_named.empty()) j["refund_named"] = s.refund_named;
  if (!s.paid_by.empty()) j["paid_by"] = s.paid_by;
  if (!s.connections.empty()) j["connections"] = s.connections;
  if (s.extras != 0) j["extras"] = s.extras;
  for (const LineItem& e : s.declared_extras) j["declared_extras"][e.sku] = e.quantity;
  if (s.replaced_payment != 0) j["replaced_payment"] = s.replaced_payment;
  if (s.stored_value_paid_before) j["stored_value_paid_before"] = true;
  // 3-D Secure and webhooks: written only when used, so older stores read back unchanged.
  if (s.awaiting_authentication) j["awaiting_authentication"] = true;
  if (s.authenticated) j["authenticated"] = true;
  if (s.authentication_deadline != 0) j["authentication_deadline"] = s.authentication_deadline;
  if (!s.payment_state.empty()) j["payment_state"] = s.payment_state;
  if (!s.events.empty()) j["events"] = s.events;
  return j;
}

namespace {

// What a change names, each written only when used (older stores hold none of them).
void changes_from_json(const nlohmann::json& j, SagaRecord& s) {
  if (j.contains("reference")) s.reference = j.at("reference").get<std::string>();
  if (j.contains("details")) s.details = j.at("details").get<std::string>();
  if (j.contains("reason")) s.reason = j.at("reason").get<std::string>();
  if (j.contains("refund_to")) s.refund_to = j.at("refund_to").get<std::string>();
  if (j.contains("refund_named")) s.refund_named = j.at("refund_named").get<std::string>();
  if (j.contains("paid_by")) s.paid_by = j.at("paid_by").get<std::vector<std::string>>();
  if (j.contains("extras")) s.extras = j.at("extras").get<int32_t>();
  if (j.contains("declared_extras")) {  // an object: by id, as they were sorted
    for (const auto& [id, n] : j.at("declared_extras").items()) {
      s.declared_extras.push_back({id, n.get<int32_t>()});
    }
  }
  if (j.contains("replaced_payment")) s.replaced_payment = j.at("replaced_payment").get<ObjectId>();
  if (j.contains("stored_value_paid_before")) {
    s.stored_value_paid_before = j.at("stored_value_paid_before").get<bool>();
  }
  if (j.contains("connections")) {
    for (const auto& c : j.at("connections")) s.connections.push_back(c.get<std::string>());
  }
}

}  // namespace

SagaRecord saga_from_json(const nlohmann::json& j) {
  SagaRecord s;
  s.id = j.at("id").get<SagaId>();
  s.kind = static_cast<SagaKind>(in_range(j.at("kind"), SagaKind::kChangeProfile, "kind"));
  // Stores written before plans were declared hold none: the family's built-in plan.
  s.plan =
      static_cast<uint8_t>(j.contains("plan") ? j.at("plan").get<int>() : j.at("kind").get<int>());
  s.session = j.at("session").get<SessionId>();
  s.user = j.at("user").get<UserId>();
  s.action_key = j.at("action_key").get<IdempotencyKey>();
  s.confirm_key = j.at("confirm_key").get<IdempotencyKey>();
  s.cart_hash = j.at("cart_hash").get<uint64_t>();
  s.step = step_of(j.at("step"));
  s.attempt = j.at("attempt").get<uint8_t>();
  s.comp = j.at("comp").get<uint8_t>();
  s.compensating = j.at("compensating").get<bool>();
  s.done = j.at("done").get<bool>();
  s.acked = j.at("acked").get<bool>();
  s.refreshed = j.at("refreshed").get<bool>();
  s.back_to_hold = j.at("back_to_hold").get<bool>();
  s.ambiguous = j.at("ambiguous").get<bool>();
  s.payment_attempts = j.at("payment_attempts").get<uint8_t>();
  s.outcome =
      static_cast<ActionStatus>(in_range(j.at("outcome"), ActionStatus::kUnavailable, "outcome"));
  s.code = j.at("code").get<std::string>();
  for (const auto& i : j.at("items"))
    s.items.push_back({i.at(0).get<std::string>(), i.at(1).get<int32_t>()});
  s.coupon = j.at("coupon").get<std::string>();
  s.offer = j.at("offer").get<std::string>();
  s.seats = j.at("seats").get<int32_t>();
  s.total = j.at("total").get<int64_t>();
  s.max_total = j.at("max_total").get<int64_t>();
  s.refund_amount = j.at("refund_amount").get<int64_t>();
  s.payment_method = j.at("payment_method").get<PaymentMethodId>();
  s.reservation = j.at("reservation").get<ObjectId>();
  s.payment = j.at("payment").get<ObjectId>();
  s.order = j.at("order").get<ObjectId>();
  s.hold = j.at("hold").get<ObjectId>();
  s.hold_expires_at = j.at("hold_expires_at").get<Time>();
  s.target = j.at("target").get<SagaId>();
  changes_from_json(j, s);
  // Stores written before split payments hold no tenders: the card paid it all.
  if (j.contains("tenders")) {
    s.tenders = tenders_from_json(j.at("tenders"));
    s.card_named = j.at("card_named").get<bool>();
    s.index = j.at("index").get<uint16_t>();
  }
  if (j.contains("paid_parts")) s.paid_parts = tenders_from_json(j.at("paid_parts"));
  s.refund_basis = j.value("refund_basis", int64_t{0});
  s.card_stated = j.value("card_stated", int64_t{-1});
  if (j.contains("card")) s.card = j.at("card").get<std::string>();
  s.awaiting_authentication = j.value("awaiting_authentication", false);
  s.authenticated = j.value("authenticated", false);
  s.authentication_deadline = j.value("authentication_deadline", Time{0});
  s.payment_state = j.value("payment_state", std::string());
  if (j.contains("events")) s.events = j.at("events").get<std::vector<uint64_t>>();
  return s;
}

nlohmann::json grant_to_json(const SessionGrant& g) {
  return {{"session", g.session},           {"user", g.user},
          {"access_token", g.access_token}, {"refresh_token", g.refresh_token},
          {"expires_at", g.expires_at},     {"scopes", g.scopes}};
}

SessionGrant grant_from_json(const nlohmann::json& j) {
  SessionGrant g;
  g.session = j.at("session").get<SessionId>();
  g.user = j.at("user").get<UserId>();
  g.access_token = j.at("access_token").get<uint64_t>();
  g.refresh_token = j.at("refresh_token").get<uint64_t>();
  g.expires_at = j.at("expires_at").get<Time>();
  g.scopes = j.at("scopes").get<uint32_t>();
  return g;
}

SagaRecord decode_saga_row(std::string_view text) {
  return decode_row(text, [](const nlohmann::json& j) { return saga_from_json(j); });
}

SessionGrant decode_grant_row(std::string_view text) {
  return decode_row(text, [](const nlohmann::json& j) { return grant_from_json(j); });
}

std::vector<ConsentRecord> decode_consents_row(std::string_view text) {
  return decode_row(text, [](const nlohmann::json& j) {
    std::vector<ConsentRecord> list;
    for (const auto& c : j) {
      // [amount, granted, charge]; rows written before consents were spent have no charge.
      const uint64_t charge = c.size() > 2 ? c.at(2).get<uint64_t>() : 0;
      list.push_back(ConsentRecord{c.at(0).get<int64_t>(), c.at(1).get<bool>(), charge});
    }
    return list;
  });
}

}  // namespace checkride
