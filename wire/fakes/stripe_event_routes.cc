// Stripe's Events and WebhookEndpoints: what the payments face emitted, and where it sends
// it.
#include "protocol/crypto.h"
#include "protocol/json_input.h"
#include "wire/fakes/stripe_face.h"
#include "wire/fakes/stripe_rules.h"
#include "wire/fakes/wire_call.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

constexpr const char* kApiVersion = "2024-06-20";

nlohmann::json endpoint_json(const WebhookEndpoint& e, std::size_t index, bool with_secret) {
  nlohmann::json j = {{"id", wire_name("we", index + 1)},
                      {"object", "webhook_endpoint"},
                      {"url", e.url},
                      {"enabled_events", e.enabled},
                      {"status", "enabled"},
                      {"api_version", kApiVersion},
                      {"livemode", false},
                      {"created", e.created}};
  if (with_secret) j["secret"] = e.secret;  // Stripe shows it only when created
  return j;
}

// A URL the fake can deliver to: http(s)://host[:port]/path.
bool valid_url(const std::string& url) {
  return (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) && url.size() <= 2048 &&
         url.find_first_of(" \r\n") == std::string::npos;
}

WireAnswer create_endpoint(FakeState& state, const nlohmann::json& form) {
  std::string url = string_field(form, "url", "");
  if (!valid_url(url)) {
    return stripe_invalid("Invalid URL: expected an absolute http(s) URL.", "url", "url_invalid");
  }
  WebhookEndpoint e;
  e.url = url;
  if (!form.contains("enabled_events") || !form["enabled_events"].is_array() ||
      form["enabled_events"].empty()) {
    return stripe_invalid("Missing required param: enabled_events.", "enabled_events",
                          "parameter_missing");
  }
  for (const auto& v : form["enabled_events"]) {
    if (!v.is_string()) return stripe_invalid("Invalid enabled_events.", "enabled_events");
    e.enabled.push_back(v.get<std::string>());
  }
  e.created = state.unix_now();
  e.secret = "whsec_" + random_token_hex(24);
  std::size_t index = state.events.add_endpoint(e);
  return WireAnswer{200, endpoint_json(state.events.endpoints()[index], index, true), {}};
}

bool endpoint_index(FakeState& state, const std::string& name, std::size_t& index) {
  uint64_t id = 0;
  if (!parse_wire_name(name, "we", id) || id > state.events.endpoints().size()) return false;
  index = id - 1;
  return !state.events.endpoints()[index].deleted;
}

}  // namespace

nlohmann::json event_json(FakeState& state, std::size_t index) {
  const StripeEvent& e = state.events.events()[index];
  return {{"id", wire_name("evt", index + 1)},
          {"object", "event"},
          {"api_version", kApiVersion},
          {"created", e.created},
          {"type", e.type},
          {"livemode", false},
          {"pending_webhooks", 0},
          {"request", {{"id", nullptr}, {"idempotency_key", nullptr}}},
          {"data", {{"object", e.object}}}};
}

namespace {

using Req = httplib::Request;
using Res = httplib::Response;

// Newest first, of one type when asked, a page at a time.
void get_event_list(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  std::lock_guard<HeldMutex> lock(state.mu);
  ListPage page;
  WireAnswer error;
  auto exists = [&](const std::string& name) {
    uint64_t id = 0;
    return parse_wire_name(name, "evt", id) && id >= 1 && id <= state.events.events().size();
  };
  if (!parse_list_page(req, page, error) || !check_cursor(page, "event", exists, error))
    return send_answer(error, res);
  std::string type = req.has_param("type") ? req.get_param_value("type") : "";
  std::vector<std::string> ids;
  const auto& events = state.events.events();
  for (std::size_t i = events.size(); i-- > 0;) {
    if (type.empty() || events[i].type == type) ids.push_back(wire_name("evt", i + 1));
  }
  send_answer(WireAnswer{200,
                         list_page(ids, page, "/v1/events",
                                   [&](const std::string& name) {
                                     uint64_t id = 0;
                                     parse_wire_name(name, "evt", id);
                                     return event_json(state, id - 1);
                                   }),
                         {}},
              res);
}

void get_event(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  std::lock_guard<HeldMutex> lock(state.mu);
  uint64_t id = 0;
  const std::string name = req.matches[1].str();
  if (!parse_wire_name(name, "evt", id) || id > state.events.events().size())
    return send_answer(stripe_missing("event", name, "id"), res);
  send_answer(WireAnswer{200, event_json(state, id - 1), {}}, res);
}

void post_endpoint(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  nlohmann::json form;
  if (!stripe_form(req, res, form)) return;
  std::lock_guard<HeldMutex> lock(state.mu);
  send_answer(create_endpoint(state, form), res);
}

void get_endpoint_list(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  std::lock_guard<HeldMutex> lock(state.mu);
  nlohmann::json data = nlohmann::json::array();
  const auto& endpoints = state.events.endpoints();
  for (std::size_t i = endpoints.size(); i-- > 0;) {
    if (!endpoints[i].deleted) data.push_back(endpoint_json(endpoints[i], i, false));
  }
  send_answer(WireAnswer{200,
                         {{"object", "list"},
                          {"url", "/v1/webhook_endpoints"},
                          {"has_more", false},
                          {"data", data}},
                         {}},
              res);
}

void delete_endpoint(FakeState& state, const Req& req, Res& res) {
  if (!stripe_authenticate(state, req, res)) return;
  std::lock_guard<HeldMutex> lock(state.mu);
  std::size_t index = 0;
  const std::string name = req.matches[1].str();
  if (!endpoint_index(state, name, index))
    return send_answer(stripe_missing("webhook_endpoint", name, "id"), res);
  state.events.remove_endpoint(index);
  send_answer(
      WireAnswer{200, {{"id", name}, {"object", "webhook_endpoint"}, {"deleted", true}}, {}}, res);
}

}  // namespace

void mount_stripe_events(httplib::Server& server, FakeState& state) {
  server.Get("/v1/events", [&state](const Req& req, Res& res) { get_event_list(state, req, res); });
  server.Get(R"(/v1/events/([^/]+))",
             [&state](const Req& req, Res& res) { get_event(state, req, res); });
  stripe_post(server, "/v1/webhook_endpoints",
              [&state](const Req& req, Res& res) { post_endpoint(state, req, res); });
  server.Get("/v1/webhook_endpoints",
             [&state](const Req& req, Res& res) { get_endpoint_list(state, req, res); });
  server.Delete(R"(/v1/webhook_endpoints/([^/]+))",
                [&state](const Req& req, Res& res) { delete_endpoint(state, req, res); });
}

}  // namespace checkride
