#include "protocol/stripe_webhook.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

#include "protocol/crypto.h"
#include "protocol/json_input.h"

namespace checkride {

std::string stripe_signature(const std::string& secret, int64_t t, const std::string& payload) {
  const std::string ts = std::to_string(t);
  return "t=" + ts + ",v1=" + to_hex(hmac_sha256(secret, ts + "." + payload));
}

bool verify_stripe_signature(std::string_view header, const std::string& payload,
                             const std::string& secret, int64_t now_unix, int64_t tolerance_s,
                             std::string& error) {
  std::string_view t;
  std::vector<std::string_view> v1;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "t") t = value;
    if (key == "v1") v1.push_back(value);
  }
  int64_t ts = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ts);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
    error = "Stripe-Signature: expected t=<unix seconds>,v1=<hex HMAC-SHA256>";
    return false;
  }
  if (v1.empty()) {
    error = "Stripe-Signature: no v1 signature";
    return false;
  }
  if (ts < now_unix - tolerance_s || ts > now_unix + tolerance_s) {
    error = "Stripe-Signature: timestamp outside the tolerance of " + std::to_string(tolerance_s) +
            " s (a replayed delivery?)";
    return false;
  }
  const std::string expected = to_hex(hmac_sha256(secret, std::string(t) + "." + payload));
  for (std::string_view s : v1) {
    if (constant_time_equal(s, expected)) return true;
  }
  error = "Stripe-Signature: no v1 signature matches the payload under the endpoint's secret";
  return false;
}

bool parse_stripe_event(const std::string& body, StripeEventFields& out, std::string& error) {
  const nlohmann::json j = parse_json_or_discarded(body);
  if (!j.is_object()) {
    error = "expected a Stripe event: a JSON object";
    return false;
  }
  out.id = string_field(j, "id", "");
  out.type = string_field(j, "type", "");
  if (out.id.empty()) {
    error = "id: expected the event's id (evt_...)";
    return false;
  }
  if (out.type.empty()) {
    error = "type: expected the event type (payment_intent.succeeded, ...)";
    return false;
  }
  out.known_type = parse_payment_event(out.type, out.kind);
  if (!out.known_type) return true;
  auto data = j.find("data");
  const nlohmann::json* object = nullptr;
  if (data != j.end() && data->is_object()) {
    auto o = data->find("object");
    if (o != data->end() && o->is_object()) object = &*o;
  }
  if (object == nullptr) {
    error = "data.object: expected the object the event is about";
    return false;
  }
  const bool charge = out.kind == PaymentEventType::kChargeRefunded;
  const char* intent_key = charge ? "payment_intent" : "id";
  out.intent = string_field(*object, intent_key, "");
  if (out.intent.empty()) {
    error =
        std::string("data.object.") + intent_key + ": expected the payment intent's id (pi_...)";
    return false;
  }
  const char* amount_key = charge ? "amount_refunded"
                           : out.kind == PaymentEventType::kAmountCapturableUpdated
                               ? "amount_capturable"
                               : "amount";
  out.amount = int_field(*object, amount_key, 0);
  return true;
}

}  // namespace checkride
