#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "wire/fakes/fake_state.h"
#include "wire/fakes/wire_call.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace checkride {

// What the identity face's routes share.

// RFC 6749 section 5.2's error body, with Cache-Control: no-store.
WireAnswer oauth_error(const std::string& error, const std::string& description, int status = 400);
void send_no_store(WireAnswer a, httplib::Response& res);

// A scope parameter: the API scopes as bits, and the OpenID scopes (openid, profile, email,
// offline_access) as text. False with the first unknown scope in `bad`.
bool parse_scope_param(const std::string& text, uint32_t& bits, std::string& oidc,
                       std::string& bad);
std::string scope_text(uint32_t bits, const std::string& oidc = {});

// Client authentication (RFC 6749 2.3): HTTP Basic (client_secret_basic), client_id and
// client_secret in the body (client_secret_post), or a public client's client_id alone.
struct ClientAuth {
  const OAuthClient* client = nullptr;  // nullptr: authentication failed
  ClientIndex index = 0;
  bool basic = false;  // the Authorization header was used
};
ClientAuth authenticate_client(FakeState& state, const httplib::Request& req,
                               const nlohmann::json& form);
// The 401 invalid_client: WWW-Authenticate only when the client used the Authorization
// header (RFC 6749 5.2), so a client_secret_post client reads the error from the body.
WireAnswer client_auth_failed(const ClientAuth& auth);

// RFC 6749 3.2: flat parameters, never sent twice.
bool parse_oauth_form(std::string_view body, nlohmann::json& form, std::string& error);

// The token endpoint's grants (authorization_code, refresh_token, client_credentials).
WireAnswer token_grant(FakeState& state, const ClientAuth& auth, const nlohmann::json& form,
                       const std::string& issuer, Time now);

}  // namespace checkride
