#pragma once
#include <unordered_map>
#include <vector>

#include "protocol/action.h"
#include "protocol/id_list.h"
#include "protocol/provider.h"
#include "protocol/retiring_table.h"

namespace checkride {

// Which OAuth client a token was issued to (the wire's registered clients, from 1; 0 in the
// simulator, which has one).
using ClientIndex = uint32_t;

// OAuth 2.0 authorization server for delegated user tokens, strict as RFC 6749, RFC 7009 and
// RFC 9700 (section 4.14) ask: access tokens expire after `access_ttl`; every token belongs
// to the client it was issued to; refresh tokens rotate on every use, and presenting a
// rotated-away one again revokes its whole family (every refresh and access token of that
// grant); revoking a refresh token revokes the grant's access tokens; scope on refresh can
// only narrow. The simulator uses one client (0) throughout.
class IdentityFake {
 public:
  struct Introspection {
    bool active = false;
    UserId user = 0;
    uint32_t scopes = 0;
    Time expires_at = 0;
    ClientIndex client = 0;
  };
  // Why a refresh was refused.
  enum class RefreshRefusal : uint8_t { kNone, kUnknown, kOtherClient, kReused, kRevoked, kScope };

  explicit IdentityFake(Duration access_ttl = 15 * kMinute) : access_ttl_(access_ttl) {}

  // The orchestrator's own credential (client_credentials grant): finishing or undoing what a
  // user already authorized (capture, void, refund, release) runs under it.
  TokenId client_credentials(uint32_t scopes, Time now, Duration ttl, ClientIndex client = 0);
  // The user logs in and delegates `scopes` to `client` (authorization-code grant).
  SessionGrant login(SessionId session, UserId user, uint32_t scopes, Time now,
                     ClientIndex client = 0);
  ProviderReply handle(const ProviderRequest& req, Time now);
  // The refresh_token grant for `client`; `scopes` 0 keeps the grant's, otherwise it must
  // be a subset of them. `why` says what refused it.
  ProviderReply refresh(TokenId token, ClientIndex client, uint32_t scopes, Time now,
                        RefreshRefusal& why);
  // RFC 7009 for `client`: false (and nothing revoked) when the token is another client's.
  // An unknown token is not an error.
  bool revoke(TokenId token, ClientIndex client);
  void revoke(TokenId token);
  // The grant a token belongs to (its first refresh token), 0 for none.
  TokenId family_of(TokenId token) const {
    const Token* t = find(token);
    return t == nullptr ? 0 : t->family;
  }
  bool is_refresh(TokenId token) const {
    const Token* t = find(token);
    return t != nullptr && t->refresh;
  }
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
    ClientIndex client = 0;
    TokenId family = 0;    // the grant's first refresh token (0: client credentials)
    bool rotated = false;  // a refresh token used once (revoked by rotation, not by request)
  };
  TokenId issue(UserId user, uint32_t scopes, bool refresh, Time expires_at, ClientIndex client,
                TokenId family);
  // Revokes every token of the grant whose first refresh token is `family`.
  void revoke_family(TokenId family, UserId user);
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
