// Identity as an OAuth 2.0 authorization server and OpenID Provider: authorization code
// with PKCE S256 (RFC 7636) to registered redirect URIs, refresh with rotation and reuse
// detection, client credentials (RFC 6749, RFC 9700), revocation (RFC 7009), introspection
// (RFC 7662), metadata (RFC 8414), OIDC discovery, id_tokens signed RS256 with the key at
// jwks_uri, and userinfo.
#include <httplib.h>

#include <algorithm>

#include "protocol/crypto.h"
#include "protocol/form_body.h"
#include "protocol/json_input.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/oauth_common.h"
#include "wire/fakes/wire_call.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

constexpr Duration kCodeLifetime = 60 * kSecond;

nlohmann::json server_metadata(const std::string& base) {
  return {{"issuer", base},
          {"authorization_endpoint", base + "/oauth/authorize"},
          {"token_endpoint", base + "/oauth/token"},
          {"revocation_endpoint", base + "/oauth/revoke"},
          {"introspection_endpoint", base + "/oauth/introspect"},
          {"userinfo_endpoint", base + "/oauth/userinfo"},
          {"jwks_uri", base + "/.well-known/jwks.json"},
          {"response_types_supported", {"code"}},
          {"subject_types_supported", {"public"}},
          {"id_token_signing_alg_values_supported", {"RS256"}},
          {"grant_types_supported", {"authorization_code", "refresh_token", "client_credentials"}},
          {"code_challenge_methods_supported", {"S256"}},
          {"token_endpoint_auth_methods_supported",
           {"client_secret_basic", "client_secret_post", "none"}},
          {"revocation_endpoint_auth_methods_supported",
           {"client_secret_basic", "client_secret_post", "none"}},
          {"introspection_endpoint_auth_methods_supported",
           {"client_secret_basic", "client_secret_post"}},
          {"scopes_supported",
           {"openid", "profile", "email", "catalog:read", "orders:write", "payments:charge",
            "bookings:write"}},
          {"claims_supported",
           {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "name", "email"}},
          {"authorization_response_iss_parameter_supported", true}};
}

// The user an authorization approves: login_hint "user_7" or "7", or a new user.
UserId user_of_hint(FakeState& state, const std::string& hint) {
  uint64_t user = 0;
  if (!parse_wire_name(hint, "user", user)) {
    user = 0;
    for (char c : hint)
      user = (c >= '0' && c <= '9' && user < (1ull << 50)) ? user * 10 + (c - '0') : 0;
  }
  return user == 0 || user > state.last_user() ? state.new_user() : user;
}

// RFC 6749 4.1.2.1: with an unknown client or a redirect URI the client did not register,
// the user sees an error page and nothing is redirected.
bool authorize_target(FakeState& state, const httplib::Request& req, std::string& redirect,
                      httplib::Response& res) {
  auto param = [&](const char* k) { return req.has_param(k) ? req.get_param_value(k) : ""; };
  const OAuthClient* client = state.client(param("client_id"));
  if (client == nullptr) {
    send_no_store(oauth_error("invalid_client", "unknown client_id '" + param("client_id") + "'"),
                  res);
    return false;
  }
  redirect = param("redirect_uri");
  if (redirect.empty() && client->redirect_uris.size() == 1) redirect = client->redirect_uris[0];
  const auto& allowed = client->redirect_uris;
  if (std::find(allowed.begin(), allowed.end(), redirect) == allowed.end()) {
    send_no_store(
        oauth_error("invalid_request", "redirect_uri '" + redirect +
                                           "' is not registered for client '" + client->id + "'"),
        res);
    return false;
  }
  return true;
}

void authorize(FakeState& state, const std::string& base_url, const httplib::Request& req,
               httplib::Response& res) {
  auto param = [&](const char* k) { return req.has_param(k) ? req.get_param_value(k) : ""; };
  std::lock_guard<HeldMutex> lock(state.mu);
  std::string redirect;
  if (!authorize_target(state, req, redirect, res)) return;
  std::string error;
  uint32_t scopes = kAllApiScopes;
  std::string oidc, bad;
  if (param("response_type") != "code") {
    error = "unsupported_response_type";
  } else if (param("code_challenge").empty() || param("code_challenge_method") != "S256") {
    error = "invalid_request";  // PKCE with S256 is required
  } else if (req.has_param("scope") && !parse_scope_param(param("scope"), scopes, oidc, bad)) {
    error = "invalid_scope";
  }
  std::string location = redirect + (redirect.find('?') == std::string::npos ? "?" : "&");
  if (!error.empty()) {
    location += "error=" + error;
  } else {
    UserId user = user_of_hint(state, param("login_hint"));
    uint64_t serial = state.next_code++;
    std::string code = "code_" + std::to_string(serial) + "_" +
                       base64url(sha256(std::to_string(mix64(serial, state.now()))));
    state.codes[code] = FakeState::AuthorizationCode{param("client_id"),
                                                     redirect,
                                                     param("code_challenge"),
                                                     user,
                                                     scopes,
                                                     oidc,
                                                     param("nonce"),
                                                     state.now() + kCodeLifetime};
    location += "code=" + percent_encode(code);
  }
  if (req.has_param("state")) location += "&state=" + percent_encode(param("state"));
  location += "&iss=" + percent_encode(base_url);
  res.status = 302;
  res.set_header("Location", location);
  res.set_header("Cache-Control", "no-store");
}

// Parses the form and authenticates the client; false with the answer sent.
bool client_request(FakeState& state, const httplib::Request& req, httplib::Response& res,
                    nlohmann::json& form, ClientAuth& auth) {
  std::string error;
  if (!parse_oauth_form(req.body, form, error)) {
    send_no_store(oauth_error("invalid_request", error), res);
    return false;
  }
  std::lock_guard<HeldMutex> lock(state.mu);
  auth = authenticate_client(state, req, form);
  if (auth.client == nullptr) {
    send_no_store(client_auth_failed(auth), res);
    return false;
  }
  return true;
}

void introspect(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json form;
  ClientAuth auth;
  if (!client_request(state, req, res, form, auth)) return;
  if (auth.client->secret.empty()) {  // RFC 7662 2.1: the caller must authenticate
    return send_no_store(
        oauth_error("invalid_client", "introspection needs a confidential client's credentials",
                    401),
        res);
  }
  std::lock_guard<HeldMutex> lock(state.mu);
  std::string token = string_field(form, "token", "");
  Time now = state.now();
  TokenId id = state.token_id(token);
  IdentityFake::Introspection info = state.world().identity.introspect(id, now);
  nlohmann::json body = {{"active", info.active}};
  if (info.active) {
    const OAuthClient* owner = state.client_at(info.client);
    TokenId family = state.world().identity.family_of(id);
    body["scope"] =
        scope_text(info.scopes, state.oidc_scopes.count(family) ? state.oidc_scopes[family] : "");
    if (owner != nullptr) body["client_id"] = owner->id;
    const bool refresh = state.world().identity.is_refresh(id);
    body["token_type"] = refresh ? "refresh_token" : "Bearer";
    if (info.user != 0) body["sub"] = wire_name("user", info.user);
    if (!refresh) body["exp"] = state.unix_now() + (info.expires_at - now) / 1000;
  }
  send_no_store(WireAnswer{200, body, {}}, res);
}

void userinfo(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  std::lock_guard<HeldMutex> lock(state.mu);
  TokenId id = state.token_id(credential_of(req));
  IdentityFake::Introspection info = state.world().identity.introspect(id, state.now());
  if (!info.active || info.user == 0 || state.world().identity.is_refresh(id)) {
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return;
  }
  TokenId family = state.world().identity.family_of(id);
  std::string oidc = state.oidc_scopes.count(family) ? state.oidc_scopes[family] : "";
  if (oidc.find("openid") == std::string::npos) {
    res.status = 403;
    res.set_header("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"openid\"");
    return;
  }
  const std::string sub = wire_name("user", info.user);
  nlohmann::json body = {{"sub", sub}};
  if (oidc.find("profile") != std::string::npos)
    body["name"] = "Shopper " + std::to_string(info.user);
  if (oidc.find("email") != std::string::npos) {
    body["email"] = sub + "@shoppers.checkride.test";
    body["email_verified"] = true;
  }
  send_no_store(WireAnswer{200, body, {}}, res);
}

}  // namespace

void mount_oauth_identity(httplib::Server& server, FakeState& state, const std::string& base_url) {
  for (const char* path :
       {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    server.Get(path, [base_url](const httplib::Request&, httplib::Response& res) {
      res.set_content(server_metadata(base_url).dump(), "application/json");
    });
  }
  server.Get("/.well-known/jwks.json", [&state](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<HeldMutex> lock(state.mu);
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& key : state.signing_keys()) keys.push_back(key->jwk());
    res.set_content(nlohmann::json{{"keys", keys}}.dump(), "application/json");
  });

  server.Get("/oauth/authorize",
             [&state, base_url](const httplib::Request& req, httplib::Response& res) {
               authorize(state, base_url, req, res);
             });

  server.Post("/oauth/token",
              [&state, base_url](const httplib::Request& req, httplib::Response& res) {
                nlohmann::json form;
                ClientAuth auth;
                if (!client_request(state, req, res, form, auth)) return;
                serve_call(state, Op::kRefreshToken, ErrorStyle::kOAuth, req, res,
                           [&](Time now) { return token_grant(state, auth, form, base_url, now); });
                res.set_header("Cache-Control", "no-store");
                res.set_header("Pragma", "no-cache");
              });

  server.Post("/oauth/revoke", [&state](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json form;
    ClientAuth auth;
    if (!client_request(state, req, res, form, auth)) return;
    std::lock_guard<HeldMutex> lock(state.mu);
    // RFC 7009 2.1: an unknown token is not an error; another client's token is refused.
    TokenId t = state.token_id(string_field(form, "token", ""));
    if (t != 0 && !state.world().identity.revoke(t, auth.index)) {
      return send_no_store(
          oauth_error("unauthorized_client", "the token was issued to another client"), res);
    }
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
  });

  server.Post("/oauth/introspect", [&state](const httplib::Request& req, httplib::Response& res) {
    introspect(state, req, res);
  });
  server.Get("/oauth/userinfo", [&state](const httplib::Request& req, httplib::Response& res) {
    userinfo(state, req, res);
  });
  server.Post("/oauth/userinfo", [&state](const httplib::Request& req, httplib::Response& res) {
    userinfo(state, req, res);
  });
}

}  // namespace checkride
