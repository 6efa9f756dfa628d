// Interop: the official stripe, openid-client and openai SDKs talk to `checkride serve fakes`
// unchanged. Faults are injected through the control API; the ledger is the judge.
// Usage: node sdks_against_fakes.mjs CHECKRIDE_BINARY SCENARIO WORKDIR
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import * as oidc from 'openid-client';
import OpenAI from 'openai';
import { startFakes } from './fakes_harness.mjs';

const [binary, scenario, workdir] = process.argv.slice(2);
const fakes = await startFakes(binary, scenario, workdir);
const { urls, control } = fakes;
const ledger = async () => (await control('GET', 'ledger')).body;

try {
  // ---- stripe ------------------------------------------------------------------------
  const p = new URL(urls.payments);
  const stripe = new Stripe('sk_test_checkride_interop', {
    host: p.hostname, port: Number(p.port), protocol: 'http', maxNetworkRetries: 2,
  });
  const created = await stripe.paymentIntents.create({
    amount: 2500, currency: 'usd', payment_method: 'pm_card_visa', capture_method: 'manual',
    metadata: { order: 'A-1' },
  });
  assert.equal(created.status, 'requires_confirmation');
  assert.equal(created.metadata.order, 'A-1');
  const confirmed = await stripe.paymentIntents.confirm(created.id);
  assert.equal(confirmed.status, 'requires_capture');
  assert.equal(confirmed.amount_capturable, 2500);
  const captured = await stripe.paymentIntents.capture(created.id);
  assert.equal(captured.status, 'succeeded');
  const refund = await stripe.refunds.create({ payment_intent: created.id, amount: 1000 });
  assert.equal(refund.status, 'succeeded');
  assert.equal(refund.amount, 1000);
  const withCharge = await stripe.paymentIntents.retrieve(created.id, { expand: ['latest_charge'] });
  assert.equal(withCharge.latest_charge.amount_refunded, 1000);

  await assert.rejects(
    stripe.paymentIntents.create({ amount: 900, currency: 'usd', confirm: true,
      payment_method: 'pm_card_visa_chargeDeclined' }),
    (e) => e.type === 'StripeCardError' && e.code === 'card_declined' &&
           e.decline_code === 'generic_decline' && e.raw.payment_intent.status === 'requires_payment_method');
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 900, currency: 'usd', confirm: true,
      payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds' }),
    (e) => e.code === 'card_declined' && e.decline_code === 'insufficient_funds');
  const threeDs = await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', confirm: true,
    payment_method: 'pm_card_authenticationRequired', capture_method: 'manual' });
  assert.equal(threeDs.status, 'requires_action');
  assert.equal(threeDs.next_action.type, 'use_stripe_sdk');

  const once = await stripe.paymentIntents.create(
    { amount: 700, currency: 'usd', payment_method: 'pm_card_visa' }, { idempotencyKey: 'interop-key-1' });
  const again = await stripe.paymentIntents.create(
    { amount: 700, currency: 'usd', payment_method: 'pm_card_visa' }, { idempotencyKey: 'interop-key-1' });
  assert.equal(again.id, once.id, 'an idempotent retry returns the same object');
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 701, currency: 'usd' }, { idempotencyKey: 'interop-key-1' }),
    (e) => e.type === 'StripeIdempotencyError');

  // A lost response: the fake charges, then resets the connection; the SDK retries with its
  // own Idempotency-Key and gets the stored answer. One charge in the ledger.
  const before = (await ledger()).payment_intents.length;
  const rule = await control('POST', 'faults',
    { provider: 'payment', op: 'authorize', kind: 'lost_response', nth: 1 });
  assert.equal(rule.status, 201);
  const lost = await stripe.paymentIntents.create({ amount: 4200, currency: 'usd', confirm: true,
    payment_method: 'pm_card_visa' });
  assert.equal(lost.status, 'succeeded');
  const after = (await ledger()).payment_intents;
  assert.equal(after.length, before + 1, 'the retry did not create a second intent');
  assert.equal(after.filter((pi) => pi.amount === 4200 && pi.captured).length, 1, 'one charge');
  const struck = (await control('GET', 'faults')).body.faults[0];
  assert.equal(struck.fired, 1, 'the response really was lost once');
  assert.equal((await control('DELETE', `faults/${rule.body.faults[0].id}`)).status, 204);

  // An outage answers 503 and the SDK gives up after its retries; nothing was charged.
  await control('POST', 'faults', { provider: 'payment', kind: 'outage' });
  const n = (await ledger()).payment_intents.length;
  await assert.rejects(stripe.paymentIntents.create({ amount: 300, currency: 'usd' }),
    (e) => e.statusCode === 503 && e.type === 'StripeAPIError');
  assert.equal((await ledger()).payment_intents.length, n);
  await control('DELETE', 'faults');

  // ---- openid-client -------------------------------------------------------------------
  const config = await oidc.discovery(new URL(urls.identity), 'agent-app', 'agent-app-secret',
    undefined, { execute: [oidc.allowInsecureRequests] });
  assert.equal(config.serverMetadata().issuer, urls.identity);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const authUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'http://127.0.0.1/callback', scope: 'catalog:read payments:charge',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    state, login_hint: 'user_1',
  });
  const redirect = await fetch(authUrl, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  const callback = new URL(redirect.headers.get('location'));
  const tokens = await oidc.authorizationCodeGrant(config, callback,
    { pkceCodeVerifier: verifier, expectedState: state });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(tokens.refresh_token);
  assert.equal(tokens.scope, 'catalog:read payments:charge');
  // The code is single use; a wrong verifier is refused.
  await assert.rejects(oidc.authorizationCodeGrant(config, callback,
    { pkceCodeVerifier: verifier, expectedState: state }), (e) => e.error === 'invalid_grant');

  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
  const live = await oidc.tokenIntrospection(config, refreshed.access_token);
  assert.equal(live.active, true);
  assert.equal(live.sub, 'user_1');

  const service = await oidc.clientCredentialsGrant(config, { scope: 'payments:charge' });
  assert.equal((await oidc.tokenIntrospection(config, service.access_token)).active, true);
  await oidc.tokenRevocation(config, service.access_token);
  assert.equal((await oidc.tokenIntrospection(config, service.access_token)).active, false);

  // An expired token: the wire clock moves past expires_in; introspection says inactive and
  // a resource server answers 401 invalid_token.
  await control('POST', 'clock', { advance_ms: (refreshed.expires_in + 1) * 1000 });
  assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, false);
  const hold = await fetch(`${urls.bookings}/v1/holds`, {
    method: 'POST', headers: { authorization: `Bearer ${refreshed.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ offer: 'none', seats: 1 }),
  });
  assert.equal(hold.status, 401);
  assert.match(hold.headers.get('www-authenticate'), /invalid_token/);
  const renewed = await oidc.refreshTokenGrant(config, refreshed.refresh_token);
  assert.equal((await oidc.tokenIntrospection(config, renewed.access_token)).active, true);

  // ---- openai --------------------------------------------------------------------------
  const llm = new OpenAI({ apiKey: 'sk-scripted', baseURL: `${urls.llm}/v1`, maxRetries: 0 });
  const messages = [{ role: 'user', content: 'Buy the blue runners' }];
  const first = await llm.chat.completions.create({ model: 'scripted', messages });
  const call = first.choices[0].message.tool_calls[0];
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'searchCatalog');
  JSON.parse(call.function.arguments);
  messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"skus":[]}' });
  const stream = await llm.chat.completions.create({ model: 'scripted', messages, stream: true });
  let name = '', args = '';
  for await (const chunk of stream) {
    for (const t of chunk.choices[0]?.delta?.tool_calls ?? []) {
      name += t.function?.name ?? '';
      args += t.function?.arguments ?? '';
    }
  }
  assert.equal(name, 'previewOrder');
  assert.ok(JSON.parse(args).items.length > 0);
  // n > 1 repeats the scripted choice; usage is counted; a stream can end with usage.
  const two = await llm.chat.completions.create({ model: 'scripted', messages: messages.slice(0, 1), n: 2 });
  assert.equal(two.choices.length, 2);
  assert.deepEqual(two.choices[1].message.tool_calls, two.choices[0].message.tool_calls);
  assert.ok(two.usage.total_tokens === two.usage.prompt_tokens + two.usage.completion_tokens);
  const counted = await llm.chat.completions.create({ model: 'scripted', messages: messages.slice(0, 1),
    stream: true, stream_options: { include_usage: true } });
  let usage = null;
  for await (const chunk of counted) if (chunk.usage) usage = chunk.usage;
  assert.ok(usage && usage.prompt_tokens > 0, 'the last chunk carries usage');
  await assert.rejects(llm.chat.completions.create({ model: 'scripted', messages, n: 0 }),
    (e) => e.status === 400 && e.error.type === 'invalid_request_error' && e.param === 'n');

  // ---- ground truth --------------------------------------------------------------------
  const report = (await control('GET', 'report')).body.report;
  assert.equal(report.metrics.duplicate_charges, 0);
  console.log('interop: stripe, openid-client and openai SDKs against serve fakes: ok');
} finally {
  fakes.stop();
}
