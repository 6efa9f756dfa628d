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

TEST(IdentityFake, RefreshRotatesAndReusingARotatedTokenRevokesTheWholeGrant) {
  IdentityFake id(60 * kSecond);
  SessionGrant g = id.login(1, 7, kScopeOrdersWrite, 0);
  ProviderReply first = id.handle(refresh(g.refresh_token), 70 * kSecond);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(id.token_active(first.access_token, 71 * kSecond));
  EXPECT_NE(first.refresh_token, g.refresh_token);
  // RFC 9700 4.14.2: the old token again means it leaked; the family goes, the holder's
  // newest access and refresh tokens included.
  EXPECT_EQ(id.handle(refresh(g.refresh_token), 72 * kSecond).error, ErrorCode::kInvalidGrant);
  EXPECT_FALSE(id.token_active(first.access_token, 72 * kSecond));
  EXPECT_EQ(id.handle(refresh(first.refresh_token), 73 * kSecond).error, ErrorCode::kInvalidGrant);
  // Another login is another grant, untouched.
  SessionGrant other = id.login(2, 7, kScopeOrdersWrite, 74 * kSecond);
  EXPECT_TRUE(id.handle(refresh(other.refresh_token), 75 * kSecond).ok());
}

TEST(IdentityFake, ARefreshTokenWorksOnlyForItsClientAndScopeOnlyNarrows) {
  IdentityFake id(60 * kSecond);
  SessionGrant g = id.login(1, 7, kScopeOrdersWrite | kScopeCatalogRead, 0, /*client=*/2);
  IdentityFake::RefreshRefusal why;
  EXPECT_FALSE(id.refresh(g.refresh_token, 3, 0, 10, why).ok());
  EXPECT_EQ(why, IdentityFake::RefreshRefusal::kOtherClient);
  EXPECT_FALSE(id.refresh(g.refresh_token, 2, kScopeBookingsWrite, 10, why).ok());
  EXPECT_EQ(why, IdentityFake::RefreshRefusal::kScope);
  ProviderReply narrowed = id.refresh(g.refresh_token, 2, kScopeCatalogRead, 10, why);
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(narrowed.scopes, static_cast<uint32_t>(kScopeCatalogRead));
  EXPECT_EQ(id.introspect(narrowed.access_token, 11).scopes,
            static_cast<uint32_t>(kScopeCatalogRead));
}

TEST(IdentityFake, OnlyTheOwningClientRevokesAndARevokedRefreshTokenTakesItsAccessTokens) {
  IdentityFake id(60 * kSecond);
  SessionGrant g = id.login(1, 7, kScopeOrdersWrite, 0, /*client=*/2);
  EXPECT_FALSE(id.revoke(g.refresh_token, 3));
  EXPECT_TRUE(id.token_active(g.access_token, 1));
  EXPECT_TRUE(id.revoke(g.refresh_token, 2));
  EXPECT_FALSE(id.token_active(g.access_token, 1));
  EXPECT_TRUE(id.revoke(999, 3)) << "an unknown token is not an error (RFC 7009)";
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
