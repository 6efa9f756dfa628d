// Identity as an OAuth 2.0 authorization server: authorization code with PKCE S256
// (RFC 7636), refresh with rotation, client credentials (RFC 6749), revocation (RFC 7009),
// introspection (RFC 7662) and metadata (RFC 8414), over the identity fake's tokens.
#include <httplib.h>

#include <chrono>

#include "protocol/crypto.h"
#include "protocol/form_body.h"
#include "protocol/json_input.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/wire_call.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

// RFC 6749 section 3.2: parameters are flat and never sent twice; a bracketed name
// (client_id[]=x) or a repeated one is a malformed request, not a value to coerce.
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

constexpr uint32_t kAllScopes =
    kScopeCatalogRead | kScopeOrdersWrite | kScopePaymentsCharge | kScopeBookingsWrite;
constexpr Duration kCodeLifetime = 60 * kSecond;

WireAnswer oauth_error(const std::string& error, const std::string& description, int status = 400) {
  WireAnswer a;
  a.status = status;
  a.body = {{"error", error}, {"error_description", description}};
  a.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  if (status == 401) a.headers.emplace_back("WWW-Authenticate", "Basic realm=\"checkride\"");
  return a;
}

void send_no_store(WireAnswer a, httplib::Response& res) {
  bool has = false;
  for (const auto& h : a.headers) has = has || h.first == "Cache-Control";
  if (!has) a.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  send_answer(a, res);
}

bool parse_scopes(const std::string& text, uint32_t& bits, std::string& bad) {
  bits = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    std::string name = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (name.empty()) continue;
    uint32_t bit = 0;
    if (!parse_scope(name, bit)) {
      bad = name;
      return false;
    }
    bits |= bit;
  }
  return true;
}

std::string scope_text(uint32_t bits) {
  std::string out;
  for (const char* name : {"catalog:read", "orders:write", "payments:charge", "bookings:write"}) {
    uint32_t bit = 0;
    parse_scope(name, bit);
    if (bits & bit) out += (out.empty() ? "" : " ") + std::string(name);
  }
  return out;
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Client authentication: HTTP Basic (client_secret_basic), or client_id (+ client_secret)
// in the body. Public clients send only client_id. Empty id on failure.
std::string authenticate_client(FakeState& state, const httplib::Request& req,
                                const nlohmann::json& form, bool& failed) {
  failed = true;
  std::string id, secret;
  std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Basic ", 0) == 0) {
    std::string decoded;
    if (!base64_decode(auth.substr(6), decoded)) return "";
    std::size_t colon = decoded.find(':');
    if (colon == std::string::npos) return "";
    id = percent_decode(decoded.substr(0, colon));
    secret = percent_decode(decoded.substr(colon + 1));
  } else {
    id = string_field(form, "client_id", "");
    secret = string_field(form, "client_secret", "");
  }
  const OAuthClient* client = state.client(id);
  if (client == nullptr) return "";
  if (!client->secret.empty() && !constant_time_equal(client->secret, secret)) return "";
  failed = false;
  return id;
}

nlohmann::json token_response(FakeState& state, TokenId access, TokenId refresh,
                              Duration expires_in, uint32_t scopes) {
  nlohmann::json j = {{"access_token", state.token_name(access, false)},
                      {"token_type", "Bearer"},
                      {"expires_in", expires_in / 1000},
                      {"scope", scope_text(scopes)}};
  if (refresh != 0) j["refresh_token"] = state.token_name(refresh, true);
  return j;
}

WireAnswer token_grant(FakeState& state, const std::string& client_id, const nlohmann::json& form,
                       Time now) {
  std::string grant = string_field(form, "grant_type", "");
  IdentityFake& identity = state.world().identity;
  Duration ttl = state.scenario().access_ttl;
  if (grant == "authorization_code") {
    auto it = state.codes.find(string_field(form, "code", ""));
    if (it == state.codes.end()) return oauth_error("invalid_grant", "unknown or used code");
    FakeState::AuthorizationCode code = it->second;
    state.codes.erase(it);  // single use, even when the exchange fails
    if (code.expires_at <= now) return oauth_error("invalid_grant", "the code has expired");
    if (code.client_id != client_id)
      return oauth_error("invalid_grant", "code was issued to another client");
    if (string_field(form, "redirect_uri", "") != code.redirect_uri) {
      return oauth_error("invalid_grant", "redirect_uri does not match the authorization request");
    }
    std::string verifier = string_field(form, "code_verifier", "");
    if (verifier.size() < 43 || verifier.size() > 128) {
      return oauth_error("invalid_grant", "code_verifier must be 43 to 128 characters (RFC 7636)");
    }
    if (!constant_time_equal(base64url(sha256(verifier)), code.challenge)) {
      return oauth_error("invalid_grant", "PKCE verification failed");
    }
    SessionGrant g = identity.login(code.user, code.user, code.scopes, now);
    return WireAnswer{
        200, token_response(state, g.access_token, g.refresh_token, ttl, g.scopes), {}};
  }
  if (grant == "refresh_token") {
    ProviderRequest pr;
    pr.op = Op::kRefreshToken;
    pr.refresh_token = state.token_id(string_field(form, "refresh_token", ""));
    ProviderReply r = identity.handle(pr, now);
    if (!r.ok())
      return oauth_error("invalid_grant", "refresh token revoked, rotated away or unknown");
    return WireAnswer{
        200, token_response(state, r.access_token, r.refresh_token, ttl, r.scopes), {}};
  }
  if (grant == "client_credentials") {
    uint32_t scopes = kAllScopes;
    std::string bad;
    if (form.contains("scope") && !parse_scopes(string_field(form, "scope", ""), scopes, bad)) {
      return oauth_error("invalid_scope", "unknown scope '" + bad + "'");
    }
    TokenId t = identity.client_credentials(scopes, now, ttl);
    return WireAnswer{200, token_response(state, t, 0, ttl, scopes), {}};
  }
  return oauth_error("unsupported_grant_type",
                     "expected authorization_code, refresh_token or client_credentials");
}

}  // namespace

void mount_oauth_identity(httplib::Server& server, FakeState& state, const std::string& base_url) {
  server.Get("/.well-known/oauth-authorization-server", [base_url](const httplib::Request&,
                                                                   httplib::Response& res) {
    nlohmann::json meta = {
        {"issuer", base_url},
        {"authorization_endpoint", base_url + "/oauth/authorize"},
        {"token_endpoint", base_url + "/oauth/token"},
        {"revocation_endpoint", base_url + "/oauth/revoke"},
        {"introspection_endpoint", base_url + "/oauth/introspect"},
        {"response_types_supported", {"code"}},
        {"grant_types_supported", {"authorization_code", "refresh_token", "client_credentials"}},
        {"code_challenge_methods_supported", {"S256"}},
        {"token_endpoint_auth_methods_supported",
         {"client_secret_basic", "client_secret_post", "none"}},
        {"revocation_endpoint_auth_methods_supported",
         {"client_secret_basic", "client_secret_post", "none"}},
        {"introspection_endpoint_auth_methods_supported",
         {"client_secret_basic", "client_secret_post"}},
        {"scopes_supported", {"catalog:read", "orders:write", "payments:charge", "bookings:write"}},
        {"authorization_response_iss_parameter_supported", true}};
    res.set_content(meta.dump(), "application/json");
  });

  // No login page: the fake approves at once, as the user named by login_hint ("user_7" or
  // "7"), or as a new user. Errors before the redirect URI is known are shown, not
  // redirected (RFC 6749 §4.1.2.1).
  server.Get("/oauth/authorize", [&state, base_url](const httplib::Request& req,
                                                    httplib::Response& res) {
    auto param = [&](const char* k) { return req.has_param(k) ? req.get_param_value(k) : ""; };
    std::lock_guard<std::mutex> lock(state.mu);
    std::string client_id = param("client_id"), redirect = param("redirect_uri");
    if (state.client(client_id) == nullptr) {
      return send_no_store(oauth_error("invalid_client", "unknown client_id '" + client_id + "'"),
                           res);
    }
    if (redirect.rfind("http://", 0) != 0 && redirect.rfind("https://", 0) != 0) {
      return send_no_store(
          oauth_error("invalid_request", "redirect_uri must be an absolute http(s) URL"), res);
    }
    std::string error;
    uint32_t scopes = kAllScopes;
    std::string bad;
    if (param("response_type") != "code") {
      error = "unsupported_response_type";
    } else if (param("code_challenge").empty() || param("code_challenge_method") != "S256") {
      error = "invalid_request";  // PKCE with S256 is required
    } else if (req.has_param("scope") && !parse_scopes(param("scope"), scopes, bad)) {
      error = "invalid_scope";
    }
    std::string location = redirect + (redirect.find('?') == std::string::npos ? "?" : "&");
    if (!error.empty()) {
      location += "error=" + error;
    } else {
      uint64_t user = 0;
      std::string hint = param("login_hint");
      if (!parse_wire_name(hint, "user", user)) {
        user = 0;
        for (char c : hint)
          user = (c >= '0' && c <= '9' && user < (1ull << 50)) ? user * 10 + (c - '0') : 0;
      }
      if (user == 0 || user > state.last_user()) user = state.new_user();
      uint64_t serial = state.next_code++;
      std::string code = "code_" + std::to_string(serial) + "_" +
                         base64url(sha256(std::to_string(mix64(serial, state.now()))));
      state.codes[code] = FakeState::AuthorizationCode{
          client_id, redirect, param("code_challenge"), user, scopes, state.now() + kCodeLifetime};
      location += "code=" + percent_encode(code);
    }
    if (req.has_param("state")) location += "&state=" + percent_encode(param("state"));
    location += "&iss=" + percent_encode(base_url);
    res.status = 302;
    res.set_header("Location", location);
    res.set_header("Cache-Control", "no-store");
  });

  server.Post("/oauth/token", [&state](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json form;
    std::string error;
    if (!parse_oauth_form(req.body, form, error))
      return send_no_store(oauth_error("invalid_request", error), res);
    bool failed = false;
    std::string client_id;
    {
      std::lock_guard<std::mutex> lock(state.mu);
      client_id = authenticate_client(state, req, form, failed);
    }
    if (failed)
      return send_no_store(oauth_error("invalid_client", "client authentication failed", 401), res);
    serve_call(state, Op::kRefreshToken, ErrorStyle::kOAuth, req, res,
               [&](Time now) { return token_grant(state, client_id, form, now); });
    res.set_header("Cache-Control", "no-store");
    res.set_header("Pragma", "no-cache");
  });

  server.Post("/oauth/revoke", [&state](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json form;
    std::string error;
    if (!parse_oauth_form(req.body, form, error))
      return send_no_store(oauth_error("invalid_request", error), res);
    std::lock_guard<std::mutex> lock(state.mu);
    bool failed = false;
    authenticate_client(state, req, form, failed);
    if (failed)
      return send_no_store(oauth_error("invalid_client", "client authentication failed", 401), res);
    // RFC 7009: an unknown token is not an error.
    if (TokenId t = state.token_id(string_field(form, "token", "")))
      state.world().identity.revoke(t);
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
  });

  server.Post("/oauth/introspect", [&state](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json form;
    std::string error;
    if (!parse_oauth_form(req.body, form, error))
      return send_no_store(oauth_error("invalid_request", error), res);
    std::lock_guard<std::mutex> lock(state.mu);
    bool failed = false;
    std::string client_id = authenticate_client(state, req, form, failed);
    if (failed)
      return send_no_store(oauth_error("invalid_client", "client authentication failed", 401), res);
    std::string token = string_field(form, "token", "");
    Time now = state.now();
    IdentityFake::Introspection info =
        state.world().identity.introspect(state.token_id(token), now);
    nlohmann::json body = {{"active", info.active}};
    if (info.active) {
      body["scope"] = scope_text(info.scopes);
      body["client_id"] = client_id;
      body["token_type"] = token.rfind("rt_", 0) == 0 ? "refresh_token" : "Bearer";
      if (info.user != 0) body["sub"] = wire_name("user", info.user);
      if (token.rfind("at_", 0) == 0) body["exp"] = unix_seconds() + (info.expires_at - now) / 1000;
    }
    send_no_store(WireAnswer{200, body, {}}, res);
  });
}

}  // namespace checkride
