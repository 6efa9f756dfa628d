// Interop: `serve orchestrator` as a Stripe webhook endpoint. The official stripe SDK signs
// test events (webhooks.generateTestHeaderString) that the orchestrator must take, and it must
// refuse tampered, foreign and stale ones; a 3-D Secure order placed through the orchestrator
// completes when the fakes' signed webhook says the shopper authenticated.
// Usage: node orchestrator_webhooks.mjs CHECKRIDE_BINARY SCENARIO WORKDIR
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startFakes, eventually } from './fakes_harness.mjs';

const [binary, scenario, workdir] = process.argv.slice(2);
const webhookSecret = 'whsec_interop_orchestrator_0123456789';
const requestSecret = 'interop-request-secret-0123456789';

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const env = { CHECKRIDE_WEBHOOK_SECRET: webhookSecret, CHECKRIDE_SECRET: requestSecret };
const fakes = await startFakes(binary, scenario, path.join(workdir, 'fakes'),
  ['--webhook', `${base}/webhooks/stripe`], env);
const { urls, control } = fakes;
fs.rmSync(path.join(workdir, 'orchestrator.db'), { force: true });
const orchestrator = spawn(binary, ['serve', 'orchestrator', '--port', String(port),
  '--store', path.join(workdir, 'orchestrator.db'), '--payments-url', urls.payments,
  '--identity-url', urls.identity, '--catalog-url', urls.catalog, '--bookings-url', urls.bookings,
  '--scenario', scenario], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });

function signed(route, body) {
  const text = JSON.stringify(body);
  const ts = Math.floor(Date.now() / 1000);
  const sig = crypto.createHmac('sha256', requestSecret).update(`${ts}.${text}`).digest('hex');
  return fetch(`${base}${route}`, {
    method: 'POST', body: text,
    headers: { 'content-type': 'application/json', 'X-Checkride-Timestamp': String(ts),
      'X-Checkride-Signature': `v1=${sig}` },
  });
}
async function deliver(payload, header) {
  const res = await fetch(`${base}/webhooks/stripe`, {
    method: 'POST', body: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
  });
  return { status: res.status, body: await res.json() };
}

try {
  await eventually(async () => {
    try { return (await fetch(`${base}/healthz`)).ok; } catch { return false; }
  }, 'serve orchestrator to answer');

  // Events signed by the official SDK, as Stripe signs them.
  const stripe = new Stripe('sk_test_unused');
  const event = JSON.stringify({ id: 'evt_sdk_1', object: 'event', type: 'payment_intent.succeeded',
    data: { object: { id: 'pi_not_ours', object: 'payment_intent', amount: 900 } } });
  const header = stripe.webhooks.generateTestHeaderString({ payload: event, secret: webhookSecret });
  let r = await deliver(event, header);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.outcome, 'ignored');  // verified, but about no payment of its own
  r = await deliver(event.replace('900', '901'), header);
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'bad_signature');
  r = await deliver(event, stripe.webhooks.generateTestHeaderString({ payload: event, secret: 'whsec_other' }));
  assert.equal(r.status, 400);
  const stale = stripe.webhooks.generateTestHeaderString({ payload: event, secret: webhookSecret,
    timestamp: Math.floor(Date.now() / 1000) - 3600 });
  assert.equal((await deliver(event, stale)).status, 400);

  // A 3-D Secure order through the orchestrator: it waits until the fakes' webhook says the
  // shopper passed the challenge, then completes once.
  const shopper = (await control('POST', 'shoppers', { card: 'pm_card_threeDSecure2Required' })).body;
  let res = await signed('/v1/sessions', { session: 'i-3ds', user: shopper.customer,
    access_token: shopper.access_token, refresh_token: shopper.refresh_token, expires_in: 900 });
  assert.equal(res.status, 201, await res.text());
  res = await signed('/v1/sessions/i-3ds/consents',
    { session: 'i-3ds', amount: 9900, granted: true, request_id: 1 });
  assert.equal(res.status, 201);
  const placed = signed('/v1/actions', { session: 'i-3ds', user: shopper.customer, request_id: 2,
    action: 'placeOrder', idempotency_key: 'k-3ds', payment_method: shopper.payment_method,
    params: { items: [{ sku: 'RUN-BLUE-42', quantity: 1 }], max_total_cents: 9900,
      payment_method: 'pm_card_threeDSecure2Required' } });
  let intent = '';
  await eventually(async () => {
    const ledger = (await control('GET', 'ledger')).body;
    intent = (ledger.payment_intents.find((p) => p.status === 'requires_action') || {}).id || '';
    return intent !== '';
  }, 'the payment to ask for 3-D Secure');
  assert.equal((await control('GET', 'ledger')).body.orders.length, 0, 'fulfilled before authentication');
  const auth = await control('POST', `payment_intents/${intent}/authenticate`, { outcome: 'succeeded' });
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  const answer = await (await placed).json();
  assert.equal(answer.status, 'confirmed', JSON.stringify(answer));
  const ledger = (await control('GET', 'ledger')).body;
  assert.equal(ledger.orders.length, 1);
  assert.equal(ledger.payment_intents.find((p) => p.id === intent).status, 'succeeded');
  console.log('orchestrator webhooks: SDK-signed events verified, forgeries refused, 3-D Secure order completed once');
} finally {
  orchestrator.kill('SIGTERM');
  fakes.stop();
}
