#include "wire/fakes/oauth_common.h"

#include <httplib.h>

#include "protocol/crypto.h"
#include "protocol/form_body.h"
#include "protocol/json_input.h"

namespace checkride {

WireAnswer oauth_error(const std::string& error, const std::string& description, int status) {
  WireAnswer a;
  a.status = status;
  a.body = {{"error", error}, {"error_description", description}};
  a.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  return a;
}

void send_no_store(WireAnswer a, httplib::Response& res) {
  bool has = false;
  for (const auto& h : a.headers) has = has || h.first == "Cache-Control";
  if (!has) {
    a.headers.emplace_back("Cache-Control", "no-store");
    a.headers.emplace_back("Pragma", "no-cache");
  }
  send_answer(a, res);
}

bool parse_scope_param(const std::string& text, uint32_t& bits, std::string& oidc,
                       std::string& bad) {
  bits = 0;
  oidc.clear();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    std::string name = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (name.empty()) continue;
    if (name == "openid" || name == "profile" || name == "email" || name == "offline_access") {
      if (oidc.find(name) == std::string::npos) oidc += (oidc.empty() ? "" : " ") + name;
      continue;
    }
    uint32_t bit = 0;
    if (!parse_scope(name, bit)) {
      bad = name;
      return false;
    }
    bits |= bit;
  }
  return true;
}

std::string scope_text(uint32_t bits, const std::string& oidc) {
  std::string out = oidc;
  for (const char* name : {"catalog:read", "orders:write", "payments:charge", "bookings:write"}) {
    uint32_t bit = 0;
    parse_scope(name, bit);
    if (bits & bit) out += (out.empty() ? "" : " ") + std::string(name);
  }
  return out;
}

ClientAuth authenticate_client(FakeState& state, const httplib::Request& req,
                               const nlohmann::json& form) {
  ClientAuth auth;
  std::string id, secret;
  std::string header = req.get_header_value("Authorization");
  if (header.rfind("Basic ", 0) == 0) {
    auth.basic = true;
    std::string decoded;
    if (!base64_decode(header.substr(6), decoded)) return auth;
    std::size_t colon = decoded.find(':');
    if (colon == std::string::npos) return auth;
    id = percent_decode(decoded.substr(0, colon));
    secret = percent_decode(decoded.substr(colon + 1));
  } else {
    id = string_field(form, "client_id", "");
    secret = string_field(form, "client_secret", "");
  }
  const OAuthClient* client = state.client(id);
  if (client == nullptr) return auth;
  if (!client->secret.empty() && !constant_time_equal(client->secret, secret)) return auth;
  if (client->secret.empty() && !secret.empty()) return auth;  // a public client has none
  auth.client = client;
  auth.index = state.client_index(id);
  return auth;
}

WireAnswer client_auth_failed(const ClientAuth& auth) {
  WireAnswer a = oauth_error("invalid_client", "client authentication failed", 401);
  if (auth.basic) {
    a.headers.emplace_back("WWW-Authenticate",
                           "Basic realm=\"checkride\", error=\"invalid_client\"");
  }
  return a;
}

bool parse_oauth_form(std::string_view body, nlohmann::json& form, std::string& error) {
  if (!parse_form(body, form, error)) return false;
  for (const auto& [name, value] : form.items()) {
    if (!value.is_string()) {
      error = "parameter '" + name + "' must be a single value";
      return false;
    }
  }
  return true;
}

}  // namespace checkride
