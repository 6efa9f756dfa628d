// Interop: openid-client with its default OIDC discovery against the identity fake, on the
// paths a strict authorization server refuses: a foreign client redeeming a refresh token,
// a rotated refresh token reused (the family is revoked), scope widening, an unregistered
// redirect URI, a public client asking for client_credentials, another client's revocation,
// introspection without credentials. id_tokens verify against jwks_uri, before and after a
// key_rotation fault.
// Usage: node openid_client_strict.mjs CHECKRIDE_BINARY SCENARIO WORKDIR
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import * as jose from 'jose';
import { startFakes } from './fakes_harness.mjs';

const [binary, scenario, workdir] = process.argv.slice(2);
const fakes = await startFakes(binary, scenario, workdir,
  ['--oauth-client', 'partner-app:partner-secret:http://127.0.0.1/partner/cb'], {});
const { urls, control } = fakes;
const insecure = { execute: [oidc.allowInsecureRequests] };
const redirectUri = 'http://127.0.0.1/callback';

async function login(config, scope, user) {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope, nonce, state, login_hint: user,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const redirect = await fetch(url, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(redirect.headers.get('location')),
    { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true });
  return { tokens, nonce };
}

try {
  // Default discovery: /.well-known/openid-configuration, no algorithm option.
  const agent = await oidc.discovery(new URL(urls.identity), 'agent-app', 'agent-app-secret', undefined, insecure);
  const meta = agent.serverMetadata();
  assert.equal(meta.issuer, urls.identity);
  assert.ok(meta.jwks_uri && meta.userinfo_endpoint);

  const { tokens, nonce } = await login(agent, 'openid email catalog:read payments:charge', 'user_1');
  const claims = tokens.claims();
  assert.equal(claims.sub, 'user_1');
  assert.equal(claims.aud, 'agent-app');
  assert.equal(claims.nonce, nonce);
  assert.ok(claims.at_hash && claims.exp > claims.iat);
  const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
  const verified = await jose.jwtVerify(tokens.id_token, jwks, { issuer: meta.issuer, audience: 'agent-app' });
  assert.equal(verified.protectedHeader.alg, 'RS256');
  const info = await oidc.fetchUserInfo(agent, tokens.access_token, 'user_1');
  assert.equal(info.email, 'user_1@shoppers.checkride.test');

  // A foreign client cannot redeem the agent's refresh token.
  const partner = await oidc.discovery(new URL(urls.identity), 'partner-app', 'partner-secret', undefined, insecure);
  await assert.rejects(oidc.refreshTokenGrant(partner, tokens.refresh_token),
    (e) => e.error === 'invalid_grant', 'a refresh token is bound to its client');
  // Only the owning client revokes.
  await assert.rejects(oidc.tokenRevocation(partner, tokens.access_token),
    (e) => e.error === 'unauthorized_client');
  assert.equal((await oidc.tokenIntrospection(agent, tokens.access_token)).active, true);
  // Scope on refresh only narrows.
  await assert.rejects(oidc.refreshTokenGrant(agent, tokens.refresh_token, { scope: 'bookings:write' }),
    (e) => e.error === 'invalid_scope');
  const narrowed = await oidc.refreshTokenGrant(agent, tokens.refresh_token, { scope: 'catalog:read' });
  assert.equal(narrowed.scope, 'catalog:read');
  // Reusing the rotated-away token revokes the whole family, the newest tokens included.
  await assert.rejects(oidc.refreshTokenGrant(agent, tokens.refresh_token), (e) => e.error === 'invalid_grant');
  assert.equal((await oidc.tokenIntrospection(agent, narrowed.access_token)).active, false);
  await assert.rejects(oidc.refreshTokenGrant(agent, narrowed.refresh_token), (e) => e.error === 'invalid_grant');

  // Revoking a refresh token revokes its access tokens.
  const second = (await login(agent, 'openid catalog:read', 'user_1')).tokens;
  await oidc.tokenRevocation(agent, second.refresh_token);
  assert.equal((await oidc.tokenIntrospection(agent, second.access_token)).active, false);

  // An unregistered redirect URI: an error page, never a redirect.
  const stray = await fetch(oidc.buildAuthorizationUrl(agent, {
    redirect_uri: 'http://evil.example/cb', scope: 'openid', code_challenge: 'x'.repeat(43),
    code_challenge_method: 'S256' }), { redirect: 'manual' });
  assert.equal(stray.status, 400);
  assert.equal(stray.headers.get('location'), null);

  // A public client: no client_credentials; no introspection.
  const pub = await oidc.discovery(new URL(urls.identity), 'public-app', undefined, undefined, insecure);
  await assert.rejects(oidc.clientCredentialsGrant(pub, { scope: 'payments:charge' }),
    (e) => e.error === 'unauthorized_client');
  await assert.rejects(oidc.tokenIntrospection(pub, second.access_token), (e) => e.status === 401 || e.error === 'invalid_client');

  // A wrong secret sent in the body: 401 invalid_client, read from the body.
  const wrong = await oidc.discovery(new URL(urls.identity), 'agent-app', 'not-the-secret', undefined, insecure);
  await assert.rejects(oidc.clientCredentialsGrant(wrong), (e) => e.error === 'invalid_client');
  // Missing grant_type: invalid_request.
  const bare = await fetch(`${urls.identity}/oauth/token`, { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'client_id=agent-app&client_secret=agent-app-secret' });
  assert.equal(bare.status, 400);
  assert.equal((await bare.json()).error, 'invalid_request');

  // key_rotation with grace: a new kid signs; the old key is still published, so a token
  // signed before verifies. Without grace the old key is gone.
  const kidBefore = verified.protectedHeader.kid;
  await control('POST', 'faults', { provider: 'identity', kind: 'key_rotation', nth: 1 });
  const rotated = (await login(agent, 'openid', 'user_1')).tokens;
  const after = jose.decodeProtectedHeader(rotated.id_token);
  assert.notEqual(after.kid, kidBefore);
  const published = (await (await fetch(meta.jwks_uri)).json()).keys.map((k) => k.kid);
  assert.deepEqual(published.sort(), [kidBefore, after.kid].sort());
  await jose.jwtVerify(tokens.id_token, jose.createLocalJWKSet({ keys: (await (await fetch(meta.jwks_uri)).json()).keys }));
  await control('DELETE', 'faults');
  await control('POST', 'faults', { provider: 'identity', kind: 'key_rotation', nth: 1, grace: false });
  await login(agent, 'openid', 'user_1');
  const only = (await (await fetch(meta.jwks_uri)).json()).keys.map((k) => k.kid);
  assert.equal(only.length, 1);
  assert.ok(!only.includes(kidBefore) && !only.includes(after.kid));
  await assert.rejects(jose.jwtVerify(rotated.id_token,
    jose.createLocalJWKSet({ keys: (await (await fetch(meta.jwks_uri)).json()).keys })));
} finally {
  fakes.stop();
}

// --jwt-access-tokens: RFC 9068 access tokens that verify with the JWKS and work on the
// resource servers; revoking one still takes effect (the ledger decides).
const jwtFakes = await startFakes(binary, scenario, `${workdir}/jwt`, ['--jwt-access-tokens']);
try {
  const config = await oidc.discovery(new URL(jwtFakes.urls.identity), 'agent-app', 'agent-app-secret', undefined, insecure);
  const service = await oidc.clientCredentialsGrant(config, { scope: 'payments:charge' });
  const jwks = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri));
  const { payload, protectedHeader } = await jose.jwtVerify(service.access_token, jwks,
    { issuer: config.serverMetadata().issuer, typ: 'at+jwt' });
  assert.equal(payload.client_id, 'agent-app');
  assert.equal(protectedHeader.typ, 'at+jwt');
  const list = await fetch(`${jwtFakes.urls.payments}/v1/payment_intents`,
    { headers: { authorization: `Bearer ${service.access_token}` } });
  assert.equal(list.status, 200);
  await oidc.tokenRevocation(config, service.access_token);
  const after = await fetch(`${jwtFakes.urls.payments}/v1/payment_intents`,
    { headers: { authorization: `Bearer ${service.access_token}` } });
  assert.equal(after.status, 401);
  console.log('interop: openid-client strict OAuth 2.0 and OIDC against serve fakes: ok');
} finally {
  jwtFakes.stop();
}
