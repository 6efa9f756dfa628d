#pragma once
#include <unordered_map>
#include <vector>

#include "protocol/action.h"
#include "protocol/id_list.h"
#include "protocol/provider.h"
#include "protocol/retiring_table.h"

namespace checkride {

// OAuth 2.0 authorization server for delegated user tokens: access tokens expire after
// `access_ttl`; refresh tokens rotate on every use (a rotated-away or revoked refresh
// token gets invalid_grant); revocation and RFC 7662-style introspection.
class IdentityFake {
 public:
  struct Introspection {
    bool active = false;
    UserId user = 0;
    uint32_t scopes = 0;
    Time expires_at = 0;
  };

  explicit IdentityFake(Duration access_ttl = 15 * kMinute) : access_ttl_(access_ttl) {}

  // The orchestrator's own credential (client_credentials grant): finishing or undoing what a
  // user already authorized (capture, void, refund, release) runs under it.
  TokenId client_credentials(uint32_t scopes, Time now, Duration ttl);
  // The user logs in and delegates `scopes` to the agent (authorization-code grant).
  SessionGrant login(SessionId session, UserId user, uint32_t scopes, Time now);
  ProviderReply handle(const ProviderRequest& req, Time now);
  void revoke(TokenId token);
  Introspection introspect(TokenId token, Time now) const;
  bool token_active(TokenId token, Time now) const { return introspect(token, now).active; }
  // The token_expiry fault: the access token stops working now.
  void expire_now(TokenId token, Time now);
  // The refresh_revoked fault: every refresh token of the user is revoked.
  void revoke_refresh_tokens(UserId user);

  uint64_t refreshes() const { return refreshes_; }
  // Drops the user's tokens once the session is settled (nothing will present them again).
  void retire_user(UserId user);

 private:
  struct Token {
    UserId user;
    Time expires_at;  // access tokens only
    uint32_t scopes;
    bool refresh;
    bool revoked;
  };
  TokenId issue(UserId user, uint32_t scopes, bool refresh, Time expires_at);
  Token* find(TokenId id) { return tokens_.find(id); }
  const Token* find(TokenId id) const { return tokens_.find(id); }

  Duration access_ttl_;
  RetiringTable<Token> tokens_;
  std::unordered_map<UserId, IdList> tokens_of_;  // lookup only
  // Older refresh tokens are revoked by rotation, so only the newest can be live.
  std::unordered_map<UserId, TokenId> newest_refresh_;
  uint64_t refreshes_ = 0;
};

}  // namespace checkride
