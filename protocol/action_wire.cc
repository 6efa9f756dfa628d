#include "protocol/action_wire.h"

#include "protocol/json_input.h"

namespace checkride {
namespace {

bool string_field(const nlohmann::json& j, const char* name, bool required, std::string& out,
                  std::string& error) {
  auto it = j.find(name);
  if (it == j.end()) {
    if (required) error = std::string("missing field '") + name + "': expected a string";
    return !required;
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
      it->get_ref<const std::string&>().size() > 256) {
    error = std::string("field '") + name + "': expected a non-empty string of at most 256 bytes";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

}  // namespace

bool parse_wire_action(const std::string& body, WireAction& out, std::string& error) {
  auto j = parse_json_or_discarded(body);
  if (j.is_discarded() || !j.is_object()) {
    error = "body: expected a JSON object";
    return false;
  }
  if (!string_field(j, "session", true, out.session, error) ||
      !string_field(j, "user", true, out.user, error) ||
      !string_field(j, "action", true, out.action, error) ||
      !string_field(j, "idempotency_key", false, out.idempotency_key, error) ||
      !string_field(j, "payment_method", false, out.payment_method, error)) {
    return false;
  }
  auto rid = j.find("request_id");
  if (rid != j.end()) {
    if (!rid->is_number_unsigned()) {
      error = "field 'request_id': expected a non-negative integer";
      return false;
    }
    out.request_id = rid->get<uint64_t>();
  }
  auto params = j.find("params");
  if (params == j.end()) {
    out.params = std::make_shared<const nlohmann::json>(nlohmann::json::object());
  } else if (!params->is_object()) {
    error = "field 'params': expected a JSON object (the tool call's arguments)";
    return false;
  } else {
    out.params = std::make_shared<const nlohmann::json>(std::move(*params));
  }
  return true;
}

nlohmann::json wire_action_json(const WireAction& a) {
  nlohmann::json j = {{"session", a.session},
                      {"user", a.user},
                      {"request_id", a.request_id},
                      {"action", a.action},
                      {"params", a.params ? *a.params : nlohmann::json::object()}};
  if (!a.idempotency_key.empty()) j["idempotency_key"] = a.idempotency_key;
  if (!a.payment_method.empty()) j["payment_method"] = a.payment_method;
  return j;
}

namespace {

void append_member(std::string& out, const char* key, const std::string& value) {
  out += '"';
  out += key;
  out += "\":";
  out += nlohmann::json(value).dump();
  out += ',';
}

}  // namespace

std::string wire_action_text(const WireAction& a, std::string_view params_text) {
  // The members in the order nlohmann's object (a std::map) dumps them.
  std::string out = "{";
  out.reserve(128 + params_text.size());
  append_member(out, "action", a.action);
  if (!a.idempotency_key.empty()) append_member(out, "idempotency_key", a.idempotency_key);
  out += "\"params\":";
  out += params_text;
  out += ',';
  if (!a.payment_method.empty()) append_member(out, "payment_method", a.payment_method);
  out += "\"request_id\":" + std::to_string(a.request_id) + ",";
  append_member(out, "session", a.session);
  append_member(out, "user", a.user);
  out.back() = '}';
  return out;
}

nlohmann::json action_result_json(const ActionResult& r) {
  nlohmann::json j = {{"request_id", r.request_id}, {"status", std::string(status_name(r.status))}};
  if (!r.code.empty()) j["code"] = r.code;
  if (!r.reference.empty()) j["reference"] = r.reference;
  if (r.total != 0) j["total"] = r.total;
  if (r.retry_after > 0) j["retry_after_ms"] = r.retry_after;
  return j;
}

bool parse_action_result(const nlohmann::json& j, ActionResult& out, std::string& error) {
  if (!j.is_object() || !j.contains("status") || !j["status"].is_string() ||
      !parse_status(j["status"].get<std::string>(), out.status)) {
    error = "expected an action result with a known 'status'";
    return false;
  }
  out.request_id = uint_field(j, "request_id", 0);
  out.code = string_field(j, "code", "");
  out.reference = string_field(j, "reference", "");
  out.total = int_field(j, "total", 0);
  out.retry_after = int_field(j, "retry_after_ms", 0);
  return true;
}

}  // namespace checkride
