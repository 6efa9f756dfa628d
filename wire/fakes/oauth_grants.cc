// The token endpoint's grants, strict as RFC 6749, RFC 7636, RFC 9700 and OIDC Core ask.
#include "protocol/crypto.h"
#include "protocol/json_input.h"
#include "protocol/rsa_signer.h"
#include "wire/fakes/oauth_common.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

// The access token as the client gets it: the opaque name, or (with --jwt-access-tokens)
// an RFC 9068 JWT whose jti is that name.
std::string access_token_text(FakeState& state, TokenId token, const OAuthClient& client,
                              UserId user, uint32_t scopes, Duration ttl,
                              const std::string& issuer) {
  std::string opaque = state.token_name(token, false);
  if (!state.jwt_access_tokens) return opaque;
  const int64_t now = state.unix_now();
  nlohmann::json claims = {
      {"iss", issuer}, {"aud", "checkride"},      {"client_id", client.id},     {"jti", opaque},
      {"iat", now},    {"exp", now + ttl / 1000}, {"scope", scope_text(scopes)}};
  claims["sub"] = user == 0 ? client.id : wire_name("user", user);
  return state.signing_key().sign_jwt(claims, "at+jwt");
}

// OIDC Core 3.1.3.6: at_hash is the left half of SHA-256 of the access token, base64url.
std::string at_hash(const std::string& access_token) {
  Sha256 h = sha256(access_token);
  return base64url(h.data(), h.size() / 2);
}

std::string id_token(FakeState& state, const OAuthClient& client, UserId user,
                     const std::string& nonce, const std::string& access_token,
                     const std::string& issuer) {
  const int64_t now = state.unix_now();
  nlohmann::json claims = {{"iss", issuer},     {"sub", wire_name("user", user)},
                           {"aud", client.id},  {"azp", client.id},
                           {"iat", now},        {"auth_time", now},
                           {"exp", now + 3600}, {"at_hash", at_hash(access_token)}};
  if (!nonce.empty()) claims["nonce"] = nonce;
  return state.signing_key().sign_jwt(claims);
}

nlohmann::json token_body(FakeState& state, const OAuthClient& client, UserId user, TokenId access,
                          TokenId refresh, uint32_t scopes, const std::string& oidc,
                          const std::string& issuer) {
  Duration ttl = state.scenario().access_ttl;
  nlohmann::json j = {
      {"access_token", access_token_text(state, access, client, user, scopes, ttl, issuer)},
      {"token_type", "Bearer"},
      {"expires_in", ttl / 1000},
      {"scope", scope_text(scopes, oidc)}};
  if (refresh != 0) j["refresh_token"] = state.token_name(refresh, true);
  return j;
}

WireAnswer code_grant(FakeState& state, const ClientAuth& auth, const nlohmann::json& form,
                      const std::string& issuer, Time now) {
  auto it = state.codes.find(string_field(form, "code", ""));
  if (it == state.codes.end()) return oauth_error("invalid_grant", "unknown or used code");
  FakeState::AuthorizationCode code = it->second;
  state.codes.erase(it);  // single use, even when the exchange fails
  if (code.expires_at <= now) return oauth_error("invalid_grant", "the code has expired");
  if (code.client_id != auth.client->id)
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
  SessionGrant g = state.world().identity.login(code.user, code.user, code.scopes, now, auth.index);
  if (!code.oidc_scopes.empty()) state.oidc_scopes[g.refresh_token] = code.oidc_scopes;
  nlohmann::json body = token_body(state, *auth.client, code.user, g.access_token, g.refresh_token,
                                   g.scopes, code.oidc_scopes, issuer);
  if (code.oidc_scopes.find("openid") != std::string::npos) {
    body["id_token"] = id_token(state, *auth.client, code.user, code.nonce,
                                body["access_token"].get<std::string>(), issuer);
  }
  return WireAnswer{200, body, {}};
}

WireAnswer refresh_grant(FakeState& state, const ClientAuth& auth, const nlohmann::json& form,
                         const std::string& issuer, Time now) {
  uint32_t narrowed = 0;
  std::string oidc, bad;
  if (form.contains("scope") &&
      !parse_scope_param(string_field(form, "scope", ""), narrowed, oidc, bad)) {
    return oauth_error("invalid_scope", "unknown scope '" + bad + "'");
  }
  TokenId presented = state.token_id(string_field(form, "refresh_token", ""));
  IdentityFake::RefreshRefusal why = IdentityFake::RefreshRefusal::kNone;
  IdentityFake& identity = state.world().identity;
  UserId user = identity.introspect(presented, now).user;
  TokenId family = identity.family_of(presented);
  ProviderReply r = identity.refresh(presented, auth.index, narrowed, now, why);
  switch (why) {
    case IdentityFake::RefreshRefusal::kNone:
      break;
    case IdentityFake::RefreshRefusal::kOtherClient:
      return oauth_error("invalid_grant", "the refresh token was issued to another client");
    case IdentityFake::RefreshRefusal::kReused:
      return oauth_error("invalid_grant",
                         "refresh token reuse detected: every token of this grant is revoked");
    case IdentityFake::RefreshRefusal::kScope:
      return oauth_error("invalid_scope", "scope on refresh can only narrow the grant's scope");
    default:
      return oauth_error("invalid_grant", "refresh token revoked or unknown");
  }
  std::string granted_oidc = state.oidc_scopes.count(family) ? state.oidc_scopes[family] : "";
  if (form.contains("scope")) granted_oidc = oidc;  // narrowed too
  return WireAnswer{200,
                    token_body(state, *auth.client, user, r.access_token, r.refresh_token, r.scopes,
                               granted_oidc, issuer),
                    {}};
}

}  // namespace

WireAnswer token_grant(FakeState& state, const ClientAuth& auth, const nlohmann::json& form,
                       const std::string& issuer, Time now) {
  std::string grant = string_field(form, "grant_type", "");
  if (grant.empty()) return oauth_error("invalid_request", "missing grant_type");
  if (grant == "authorization_code") return code_grant(state, auth, form, issuer, now);
  if (grant == "refresh_token") return refresh_grant(state, auth, form, issuer, now);
  if (grant == "client_credentials") {
    if (auth.client->secret.empty()) {
      return oauth_error("unauthorized_client",
                         "a public client cannot use the client_credentials grant");
    }
    uint32_t scopes = kAllApiScopes;
    std::string oidc, bad;
    if (form.contains("scope") &&
        !parse_scope_param(string_field(form, "scope", ""), scopes, oidc, bad)) {
      return oauth_error("invalid_scope", "unknown scope '" + bad + "'");
    }
    if (!oidc.empty()) {
      return oauth_error("invalid_scope", "OpenID scopes need a user: '" + oidc + "'");
    }
    Duration ttl = state.scenario().access_ttl;
    TokenId t = state.world().identity.client_credentials(scopes, now, ttl, auth.index);
    return WireAnswer{200, token_body(state, *auth.client, 0, t, 0, scopes, "", issuer), {}};
  }
  return oauth_error("unsupported_grant_type",
                     "expected authorization_code, refresh_token or client_credentials");
}

}  // namespace checkride
