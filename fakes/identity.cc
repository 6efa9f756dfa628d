#include "fakes/identity.h"

namespace checkride {

TokenId IdentityFake::issue(UserId user, uint32_t scopes, bool refresh, Time expires_at,
                            ClientIndex client, TokenId family) {
  TokenId id = tokens_.add(Token{user, expires_at, scopes, refresh, false, client, family});
  if (refresh && family == 0) tokens_.find(id)->family = id;
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

SessionGrant IdentityFake::login(SessionId session, UserId user, uint32_t scopes, Time now,
                                 ClientIndex client) {
  SessionGrant g;
  g.session = session;
  g.user = user;
  g.scopes = scopes;
  g.expires_at = now + access_ttl_;
  g.access_token = issue(user, scopes, false, g.expires_at, client, 0);
  g.refresh_token = issue(user, scopes, true, 0, client, 0);
  tokens_.find(g.access_token)->family = g.refresh_token;  // the grant's family
  return g;
}

TokenId IdentityFake::client_credentials(uint32_t scopes, Time now, Duration ttl,
                                         ClientIndex client) {
  return issue(0, scopes, false, now + ttl, client, 0);
}

ProviderReply IdentityFake::handle(const ProviderRequest& req, Time now) {
  if (req.op != Op::kRefreshToken) {
    ProviderReply r;
    r.error = ErrorCode::kBadRequest;
    return r;
  }
  RefreshRefusal why = RefreshRefusal::kNone;
  return refresh(req.refresh_token, 0, 0, now, why);
}

ProviderReply IdentityFake::refresh(TokenId token, ClientIndex client, uint32_t scopes, Time now,
                                    RefreshRefusal& why) {
  ProviderReply r;
  r.error = ErrorCode::kInvalidGrant;
  Token* old = find(token);
  why = old == nullptr || !old->refresh ? RefreshRefusal::kUnknown
        : old->client != client         ? RefreshRefusal::kOtherClient
        : old->rotated                  ? RefreshRefusal::kReused
        : old->revoked                  ? RefreshRefusal::kRevoked
        : (scopes & ~old->scopes) != 0  ? RefreshRefusal::kScope
                                        : RefreshRefusal::kNone;
  // RFC 9700 4.14.2: a rotated-away token presented again means it leaked; the whole grant
  // goes, the legitimate holder's newest tokens included.
  if (why == RefreshRefusal::kReused) revoke_family(old->family, old->user);
  if (why != RefreshRefusal::kNone) return r;
  old->revoked = true;  // rotation: a refresh token works once
  old->rotated = true;
  const UserId user = old->user;
  const TokenId family = old->family;
  const uint32_t granted = scopes == 0 ? old->scopes : scopes;
  ++refreshes_;
  r.error = ErrorCode::kNone;
  r.expires_at = now + access_ttl_;
  r.access_token = issue(user, granted, false, r.expires_at, client, family);
  r.refresh_token = issue(user, granted, true, 0, client, family);
  r.scopes = granted;
  r.status = "issued";
  return r;
}

void IdentityFake::revoke_family(TokenId family, UserId user) {
  auto it = tokens_of_.find(user);
  if (family == 0 || it == tokens_of_.end()) return;
  for (TokenId id : it->second) {
    Token* t = find(id);
    if (t != nullptr && t->family == family) t->revoked = true;
  }
}

bool IdentityFake::revoke(TokenId token, ClientIndex client) {
  Token* t = find(token);
  if (t == nullptr) return true;
  if (t->client != client) return false;
  t->revoked = true;
  // RFC 7009 2.1: revoking a refresh token revokes the access tokens of its grant.
  if (t->refresh) revoke_family(t->family, t->user);
  return true;
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
  out.client = t->client;
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
