// OAuth 2.0 token lifetimes, rotation, revocation and introspection.
#include <gtest/gtest.h>

#include "fakes/identity.h"

namespace checkride {
namespace {

ProviderRequest refresh(TokenId token) {
  ProviderRequest r;
  r.op = Op::kRefreshToken;
  r.refresh_token = token;
  return r;
}

TEST(IdentityFake, AccessTokensExpireAfterTheirLifetime) {
  IdentityFake id(60 * kSecond);
  SessionGrant g = id.login(1, 7, kScopeOrdersWrite, 0);
  EXPECT_TRUE(id.token_active(g.access_token, 59 * kSecond));
  EXPECT_FALSE(id.token_active(g.access_token, 60 * kSecond));
  IdentityFake::Introspection i = id.introspect(g.access_token, 0);
  EXPECT_EQ(i.user, 7u);
  EXPECT_EQ(i.scopes, static_cast<uint32_t>(kScopeOrdersWrite));
  EXPECT_EQ(i.expires_at, 60 * kSecond);
}

TEST(IdentityFake, RefreshRotatesAndAnOldRefreshTokenIsRefused) {
  IdentityFake id(60 * kSecond);
  SessionGrant g = id.login(1, 7, kScopeOrdersWrite, 0);
  ProviderReply first = id.handle(refresh(g.refresh_token), 70 * kSecond);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(id.token_active(first.access_token, 71 * kSecond));
  EXPECT_NE(first.refresh_token, g.refresh_token);
  EXPECT_EQ(id.handle(refresh(g.refresh_token), 72 * kSecond).error, ErrorCode::kInvalidGrant);
  EXPECT_TRUE(id.handle(refresh(first.refresh_token), 73 * kSecond).ok());
}

TEST(IdentityFake, RevokedRefreshTokenNeedsANewLogin) {
  IdentityFake id;
  SessionGrant g = id.login(1, 7, kScopeOrdersWrite, 0);
  id.revoke_refresh_tokens(7);
  EXPECT_EQ(id.handle(refresh(g.refresh_token), 10).error, ErrorCode::kInvalidGrant);
  SessionGrant again = id.login(1, 7, kScopeOrdersWrite, 20);
  EXPECT_TRUE(id.handle(refresh(again.refresh_token), 30).ok());
}

TEST(IdentityFake, EarlyExpiryAndRevocationDeactivateATokenAtOnce) {
  IdentityFake id;
  SessionGrant g = id.login(1, 7, 0, 0);
  id.expire_now(g.access_token, 500);
  EXPECT_FALSE(id.token_active(g.access_token, 500));
  SessionGrant h = id.login(2, 8, 0, 0);
  id.revoke(h.access_token);
  EXPECT_FALSE(id.introspect(h.access_token, 1).active);
}

}  // namespace
}  // namespace checkride
