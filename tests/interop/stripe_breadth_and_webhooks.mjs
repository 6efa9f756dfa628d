// Interop: the official stripe SDK on the paths an integration really takes: lists with
// auto-pagination, update, partial capture, refunds by charge and their retrieval, expand[],
// Stripe's validation and states, every test card, and signed webhooks verified with
// stripe.webhooks.constructEvent, duplicated and reordered by delivery faults.
// Usage: node stripe_breadth_and_webhooks.mjs CHECKRIDE_BINARY SCENARIO WORKDIR
import http from 'node:http';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startFakes, eventually } from './fakes_harness.mjs';

const [binary, scenario, workdir] = process.argv.slice(2);

// The team's webhook endpoint: verifies every delivery as a real handler does.
const received = [];
let refusedSignatures = 0;
let endpointSecret = '';
const verifier = new Stripe('sk_test_unused');
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    try {
      const event = verifier.webhooks.constructEvent(body, req.headers['stripe-signature'], endpointSecret);
      received.push(event);
      res.writeHead(200).end('{}');
    } catch (e) {
      assert.equal(e.type, 'StripeSignatureVerificationError');
      refusedSignatures++;
      res.writeHead(400).end('bad signature');
    }
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/stripe/webhooks`;

const fakes = await startFakes(binary, scenario, workdir);
const { urls, control } = fakes;
try {
  const p = new URL(urls.payments);
  const stripe = new Stripe('sk_test_checkride_breadth', {
    host: p.hostname, port: Number(p.port), protocol: 'http', maxNetworkRetries: 2,
  });
  const endpoint = await stripe.webhookEndpoints.create({ url: hookUrl, enabled_events: ['*'] });
  assert.match(endpoint.secret, /^whsec_/);
  endpointSecret = endpoint.secret;

  // ---- lists and auto-pagination --------------------------------------------------
  const made = [];
  for (let i = 0; i < 7; i++) {
    made.push((await stripe.paymentIntents.create({ amount: 1000 + i, currency: 'eur',
      customer: 'cus_list', payment_method: 'pm_card_visa' })).id);
  }
  const page = await stripe.paymentIntents.list({ customer: 'cus_list', limit: 3 });
  assert.equal(page.data.length, 3);
  assert.equal(page.has_more, true);
  assert.equal(page.data[0].id, made[6], 'newest first');
  const all = await stripe.paymentIntents.list({ customer: 'cus_list', limit: 2 }).autoPagingToArray({ limit: 100 });
  assert.deepEqual(all.map((pi) => pi.id), [...made].reverse(), 'auto-pagination sees each once, in order');
  const before = await stripe.paymentIntents.list({ customer: 'cus_list', limit: 2, ending_before: made[2] });
  assert.deepEqual(before.data.map((pi) => pi.id), [made[4], made[3]]);
  // A cursor naming nothing is Stripe's 404 on the cursor, not an empty page.
  await assert.rejects(stripe.paymentIntents.list({ starting_after: 'pi_999999' }),
    (e) => e.statusCode === 404 && e.code === 'resource_missing' && e.param === 'starting_after');
  await assert.rejects(stripe.paymentIntents.list({ ending_before: 'ch_1' }),
    (e) => e.statusCode === 404 && e.param === 'ending_before');

  // ---- update, partial capture, cancel --------------------------------------------
  const updated = await stripe.paymentIntents.update(made[0], { amount: 5000, metadata: { order: 'B-7' } });
  assert.equal(updated.amount, 5000);
  assert.equal(updated.metadata.order, 'B-7');
  const cleared = await stripe.paymentIntents.update(made[0], { metadata: { order: '' } });
  assert.deepEqual(cleared.metadata, {}, 'an empty value unsets the key');
  const manual = await stripe.paymentIntents.create({ amount: 8000, currency: 'usd', confirm: true,
    capture_method: 'manual', payment_method: 'pm_card_mastercard' });
  assert.equal(manual.status, 'requires_capture');
  await assert.rejects(stripe.paymentIntents.update(manual.id, { amount: 9000 }),
    (e) => e.code === 'payment_intent_unexpected_state');
  await assert.rejects(stripe.paymentIntents.capture(manual.id, { amount_to_capture: 9000 }),
    (e) => e.statusCode === 400 && e.param === 'amount_to_capture');
  const partial = await stripe.paymentIntents.capture(manual.id, { amount_to_capture: 6000 },
    { idempotencyKey: 'capture-partial' });
  assert.equal(partial.status, 'succeeded');
  assert.equal(partial.amount_received, 6000);
  const tagged = await stripe.paymentIntents.update(manual.id, { metadata: { shipped: 'yes' } });
  assert.equal(tagged.metadata.shipped, 'yes', 'metadata updates in any state, a captured one too');
  assert.equal(tagged.amount_received, 6000);
  const charge = (await stripe.paymentIntents.retrieve(manual.id, { expand: ['latest_charge'] })).latest_charge;
  assert.equal(charge.object, 'charge');
  assert.equal(charge.amount_captured, 6000);
  assert.equal(charge.payment_method_details.card.brand, 'mastercard');
  await assert.rejects(stripe.paymentIntents.retrieve(manual.id, { expand: ['customer.invoice'] }),
    (e) => e.statusCode === 400 && e.param === 'expand');

  const toCancel = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_visa' });
  const canceled = await stripe.paymentIntents.cancel(toCancel.id, { cancellation_reason: 'abandoned' });
  assert.equal(canceled.status, 'canceled');
  assert.equal(canceled.cancellation_reason, 'abandoned');
  assert.ok(canceled.canceled_at > 0);
  await assert.rejects(stripe.paymentIntents.cancel(toCancel.id),
    (e) => e.statusCode === 400 && e.code === 'payment_intent_unexpected_state' &&
           e.raw.payment_intent.status === 'canceled', 'cancelling twice is refused');

  // ---- refunds by charge, retrieval, lists ----------------------------------------
  const refund = await stripe.refunds.create({ charge: charge.id, amount: 2500, reason: 'requested_by_customer',
    metadata: { ticket: 'T-9' } });
  assert.equal(refund.payment_intent, manual.id);
  const again = await stripe.refunds.retrieve(refund.id);
  assert.equal(again.amount, 2500);
  assert.equal(again.reason, 'requested_by_customer');
  assert.equal(again.metadata.ticket, 'T-9');
  await stripe.refunds.create({ payment_intent: manual.id, amount: 1000 });
  const refunds = await stripe.refunds.list({ payment_intent: manual.id });
  assert.equal(refunds.data.length, 2);
  await assert.rejects(stripe.refunds.list({ starting_after: 're_999999' }),
    (e) => e.statusCode === 404 && e.param === 'starting_after');
  await assert.rejects(stripe.refunds.list({ payment_intent: 'pi_999999' }),
    (e) => e.statusCode === 404 && e.param === 'payment_intent' && /pi_999999/.test(e.message));
  await assert.rejects(stripe.refunds.create({ payment_intent: manual.id, amount: 2501 }),
    (e) => e.code === 'charge_already_refunded', 'never more than was captured');
  await assert.rejects(stripe.refunds.create({ payment_intent: manual.id, reason: 'because' }),
    (e) => e.param === 'reason');

  // ---- validation: refused before it runs, so the key is not spent ----------------
  for (const [currency, param] of [['xyz', 'currency'], ['', 'currency'], ['USD', 'currency']]) {
    await assert.rejects(stripe.paymentIntents.create({ amount: 900, currency }),
      (e) => e.statusCode === 400 && e.param === param, `currency '${currency}' is refused`);
  }
  await assert.rejects(stripe.paymentIntents.create({ amount: 10, currency: 'usd' }),
    (e) => e.code === 'amount_too_small');
  await assert.rejects(stripe.paymentIntents.create({ amount: 100000000, currency: 'usd' }),
    (e) => e.code === 'amount_too_large');
  const many = Object.fromEntries([...Array(51).keys()].map((i) => [`k${i}`, 'v']));
  await assert.rejects(stripe.paymentIntents.create({ amount: 900, currency: 'usd', metadata: many }),
    (e) => e.param === 'metadata');
  await assert.rejects(stripe.paymentIntents.create({ amount: 900, currency: 'usd',
    metadata: { ['k'.repeat(41)]: 'v' } }), (e) => e.param.startsWith('metadata'));
  await assert.rejects(stripe.paymentIntents.create({ amount: 900, currency: 'usd',
    metadata: { k: 'v'.repeat(501) } }), (e) => e.param === 'metadata[k]');
  await assert.rejects(stripe.paymentIntents.create({ amount: 900, currency: 'XYZ' },
    { idempotencyKey: 'fix-and-retry' }), (e) => e.param === 'currency');
  const fixed = await stripe.paymentIntents.create({ amount: 900, currency: 'usd' },
    { idempotencyKey: 'fix-and-retry' });
  assert.equal(fixed.amount, 900, 'the corrected retry ran under the same key');

  // ---- every test card, as Stripe documents it -------------------------------------
  const declines = {
    pm_card_chargeDeclinedExpiredCard: ['expired_card', 'expired_card'],
    pm_card_chargeDeclinedIncorrectCvc: ['incorrect_cvc', 'incorrect_cvc'],
    pm_card_chargeDeclinedProcessingError: ['processing_error', 'processing_error'],
    pm_card_chargeDeclinedLostCard: ['card_declined', 'lost_card'],
    pm_card_chargeDeclinedStolenCard: ['card_declined', 'stolen_card'],
    pm_card_chargeDeclinedFraudulent: ['card_declined', 'fraudulent'],
  };
  for (const [pm, [code, decline]] of Object.entries(declines)) {
    let intent = '';
    await assert.rejects(stripe.paymentIntents.create({ amount: 900, currency: 'usd', confirm: true, payment_method: pm }),
      (e) => { intent = e.raw.payment_intent.id; return e.type === 'StripeCardError' && e.code === code && e.decline_code === decline; }, pm);
    const failed = await stripe.paymentIntents.retrieve(intent);
    assert.equal(failed.last_payment_error.code, code);
    const recovered = await stripe.paymentIntents.confirm(intent, { payment_method: 'pm_card_visa' });
    assert.equal(recovered.status, 'succeeded');
    assert.equal(recovered.last_payment_error, null, 'cleared on success');
  }
  for (const pm of ['pm_card_amex', 'pm_card_visa_debit']) {
    const ok = await stripe.paymentIntents.create({ amount: 900, currency: 'usd', confirm: true, payment_method: pm });
    assert.equal(ok.status, 'succeeded', pm);
  }

  // ---- 3-D Secure, completed out of band, learnt from webhooks ---------------------
  for (const pm of ['pm_card_authenticationRequired', 'pm_card_threeDSecure2Required']) {
    const sca = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', confirm: true,
      capture_method: 'manual', payment_method: pm });
    assert.equal(sca.status, 'requires_action', pm);
    assert.equal((await control('POST', `payment_intents/${sca.id}/authenticate`, { outcome: 'succeeded' })).status, 200);
    await eventually(() => received.some((e) => e.type === 'payment_intent.amount_capturable_updated' &&
      e.data.object.id === sca.id), `${pm}: amount_capturable_updated`);
  }

  // ---- events: constructEvent on every delivery; /v1/events agrees -----------------
  await eventually(async () => received.length >= (await stripe.events.list({ limit: 100 })).data.length,
    'every event delivered');
  const listed = await stripe.events.list({ type: 'charge.refunded' });
  await assert.rejects(stripe.events.list({ starting_after: 'evt_999999' }),
    (e) => e.statusCode === 404 && e.param === 'starting_after');
  assert.equal(listed.data.length, 2);
  const fetched = await stripe.events.retrieve(listed.data[0].id);
  assert.equal(fetched.data.object.object, 'charge');
  assert.ok(received.some((e) => e.id === fetched.id), 'the delivered event is the listed one');

  // Duplicated delivery: the same event id arrives twice.
  const dupRule = await control('POST', 'faults', { provider: 'webhook', kind: 'duplicate', op: 'payment_intent.canceled', nth: 1 });
  assert.equal(dupRule.status, 201);
  const listedRule = (await control('GET', 'faults')).body.faults[0];
  assert.equal(listedRule.provider, 'webhook');
  assert.equal(listedRule.kind, 'duplicate');
  assert.equal(listedRule.op, 'payment_intent.canceled');
  const dup = await stripe.paymentIntents.create({ amount: 600, currency: 'usd', payment_method: 'pm_card_visa' });
  await stripe.paymentIntents.cancel(dup.id);
  await eventually(() => received.filter((e) => e.type === 'payment_intent.canceled' && e.data.object.id === dup.id).length === 2,
    'the duplicated event twice');
  const copies = received.filter((e) => e.type === 'payment_intent.canceled' && e.data.object.id === dup.id);
  assert.equal(copies[0].id, copies[1].id, 'a duplicate carries the same event id');

  // Reordered delivery: succeeded arrives after the refund that followed it.
  await control('DELETE', 'faults');
  await control('POST', 'faults', { provider: 'webhook', kind: 'reorder', op: 'payment_intent.succeeded', nth: 1 });
  const order = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' });
  await stripe.refunds.create({ payment_intent: order.id });
  const seen = () => received.filter((e) => e.data.object.id === order.id || e.data.object.payment_intent === order.id)
    .map((e) => e.type).filter((t) => t === 'payment_intent.succeeded' || t === 'charge.refunded');
  await eventually(() => seen().length === 2, 'both events of the reordered pair');
  assert.deepEqual(seen(), ['charge.refunded', 'payment_intent.succeeded']);

  // A bad signature: the fault signs one delivery with the wrong secret; constructEvent
  // refuses it, the endpoint answers 400, and the fake retries after its backoff, signed right.
  await control('DELETE', 'faults');
  await control('POST', 'faults', { provider: 'webhook', kind: 'bad_signature', nth: 1 });
  const refusedBefore = refusedSignatures;
  const signed = await stripe.paymentIntents.create({ amount: 650, currency: 'usd', payment_method: 'pm_card_visa' });
  await eventually(() => refusedSignatures === refusedBefore + 1, 'the forged delivery refused');
  await control('POST', 'clock', { advance_ms: 1500 });
  await eventually(() => received.some((e) => e.type === 'payment_intent.created' && e.data.object.id === signed.id),
    'the retried delivery, signed with the endpoint secret');

  // Dropped delivery: never sent, still in /v1/events.
  await control('DELETE', 'faults');
  await control('POST', 'faults', { provider: 'webhook', kind: 'drop', op: 'payment_intent.canceled' });
  const gone = await stripe.paymentIntents.create({ amount: 610, currency: 'usd', payment_method: 'pm_card_visa' });
  await stripe.paymentIntents.cancel(gone.id);
  const canceledEvents = await stripe.events.list({ type: 'payment_intent.canceled', limit: 1 });
  assert.equal(canceledEvents.data[0].data.object.id, gone.id);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(!received.some((e) => e.id === canceledEvents.data[0].id), 'a dropped event is never delivered');

  // Unknown route: Stripe's error object, never an empty body.
  const unknown = await fetch(`${urls.payments}/v1/nothing_here`, { headers: { authorization: 'Bearer sk_test_x' } });
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.type, 'invalid_request_error');

  // Stripe-Should-Retry: a decline is final, an outage is not.
  const declined = await fetch(`${urls.payments}/v1/payment_intents`, {
    method: 'POST', headers: { authorization: 'Bearer sk_test_x', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'amount=900&currency=usd&confirm=true&payment_method=pm_card_chargeDeclined' });
  assert.equal(declined.headers.get('stripe-should-retry'), 'false');
  // The same decline replayed under its key says so too.
  const declineOnce = () => fetch(`${urls.payments}/v1/payment_intents`, {
    method: 'POST', headers: { authorization: 'Bearer sk_test_x', 'idempotency-key': 'decline-once',
      'content-type': 'application/x-www-form-urlencoded' },
    body: 'amount=900&currency=usd&confirm=true&payment_method=pm_card_chargeDeclined' });
  assert.equal((await declineOnce()).status, 402);
  const replayed = await declineOnce();
  assert.equal(replayed.status, 402);
  assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
  assert.equal(replayed.headers.get('stripe-should-retry'), 'false');
  await control('POST', 'faults', { provider: 'payment', kind: 'outage' });
  const down = await fetch(`${urls.payments}/v1/payment_intents`, {
    method: 'POST', headers: { authorization: 'Bearer sk_test_x', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'amount=900&currency=usd' });
  assert.equal(down.status, 503);
  assert.equal(down.headers.get('stripe-should-retry'), 'true');
  console.log('interop: stripe breadth and webhooks against serve fakes: ok');
} finally {
  fakes.stop();
  receiver.close();
}
