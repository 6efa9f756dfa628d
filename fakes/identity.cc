#include "fakes/identity.h"

namespace checkride {

TokenId IdentityFake::issue(UserId user, uint32_t scopes, bool refresh, Time expires_at) {
  TokenId id = tokens_.add(Token{user, expires_at, scopes, refresh, false});
  if (user != 0) tokens_of_[user].push_back(id);
  if (refresh) newest_refresh_[user] = id;
  return id;
}

void IdentityFake::retire_user(UserId user) {
  auto it = tokens_of_.find(user);
  if (it != tokens_of_.end()) {
    for (TokenId id : it->second) tokens_.retire(id);
    tokens_of_.erase(it);
  }
  newest_refresh_.erase(user);
}

SessionGrant IdentityFake::login(SessionId session, UserId user, uint32_t scopes, Time now) {
  SessionGrant g;
  g.session = session;
  g.user = user;
  g.scopes = scopes;
  g.expires_at = now + access_ttl_;
  g.access_token = issue(user, scopes, false, g.expires_at);
  g.refresh_token = issue(user, scopes, true, 0);
  return g;
}

TokenId IdentityFake::client_credentials(uint32_t scopes, Time now, Duration ttl) {
  return issue(0, scopes, false, now + ttl);
}

ProviderReply IdentityFake::handle(const ProviderRequest& req, Time now) {
  ProviderReply r;
  if (req.op != Op::kRefreshToken) {
    r.error = ErrorCode::kBadRequest;
    return r;
  }
  Token* old = find(req.refresh_token);
  if (old == nullptr || !old->refresh || old->revoked) {
    r.error = ErrorCode::kInvalidGrant;
    return r;
  }
  old->revoked = true;  // rotation: a refresh token works once
  UserId user = old->user;
  uint32_t scopes = old->scopes;
  ++refreshes_;
  r.expires_at = now + access_ttl_;
  r.access_token = issue(user, scopes, false, r.expires_at);
  r.refresh_token = issue(user, scopes, true, 0);
  r.scopes = scopes;
  r.status = "issued";
  return r;
}

void IdentityFake::revoke(TokenId token) {
  if (Token* t = find(token)) t->revoked = true;
}

IdentityFake::Introspection IdentityFake::introspect(TokenId token, Time now) const {
  Introspection out;
  const Token* t = find(token);
  if (t == nullptr || t->revoked || (!t->refresh && t->expires_at <= now)) return out;
  out.active = true;
  out.user = t->user;
  out.scopes = t->scopes;
  out.expires_at = t->expires_at;
  return out;
}

void IdentityFake::expire_now(TokenId token, Time now) {
  Token* t = find(token);
  if (t != nullptr && !t->refresh && t->expires_at > now) t->expires_at = now;
}

void IdentityFake::revoke_refresh_tokens(UserId user) {
  auto it = newest_refresh_.find(user);
  if (it != newest_refresh_.end()) revoke(it->second);
}

}  // namespace checkride
