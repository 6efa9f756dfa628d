// Interop: the official openai SDK on the Responses API and @anthropic-ai/sdk on Messages
// with tools, each streamed and not, talk through `checkride record llm` unchanged. The
// cassette holds every conversation once, parallel calls and a failed tool result included,
// names the models, holds no secret, equals what `record import` makes of the conversations
// the clients held, and replays. Usage: node llm_apis_proxy.mjs CHECKRIDE_BINARY WORKDIR
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startLlmUpstream, finalText } from './fake_llm_upstream.mjs';

const [binary, workdir] = process.argv.slice(2);
fs.mkdirSync(workdir, { recursive: true });
const cassette = path.join(workdir, 'sdk.jsonl');
const apiKey = 'sk-interop-llm-apis-5e1d0c2b9a';
const email = 'lee.shopper@example.com';
const card = '4000 0566 5566 5556';
const ask = `I am ${email}, card ${card}: find blue and red runners`;
const instructions = 'You are a shopping agent.';
const result = (q) => JSON.stringify({ status: 'ok', skus: [q.startsWith('blue') ? 'RUN-BLUE-42' : 'RUN-RED-42'] });

const upstream = await startLlmUpstream(apiKey, email);
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;
const proxy = spawn(binary, ['record', 'llm', '--upstream', upstreamUrl, '--listen', '127.0.0.1:0',
  '--out', cassette], { stdio: ['ignore', 'pipe', 'pipe'] });
let proxyOut = '';
let proxyErr = '';
proxy.stderr.on('data', (d) => (proxyErr += d));
const port = await new Promise((resolve, reject) => {
  proxy.stdout.on('data', (d) => {
    proxyOut += d;
    const m = proxyOut.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  proxy.on('exit', (code) => reject(new Error(`proxy exited early with ${code}: ${proxyErr}`)));
});
const base = `http://127.0.0.1:${port}`;

// The Responses API. `mode`: 'create' (whole conversation resent, not streamed), 'stream'
// (the SDK's stream helper, previous_response_id), 'events' (create with stream: true).
const openai = new OpenAI({ apiKey, baseURL: `${base}/v1`, maxRetries: 0 });
const responseTools = [{ type: 'function', name: 'searchCatalog', strict: false,
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }];
async function responsesConversation(mode) {
  const items = [{ role: 'user', content: ask }];
  let request = { model: 'gpt-4.1-mini', instructions, input: ask, tools: responseTools };
  for (let turn = 0; turn < 2; turn++) {
    let response;
    if (mode === 'stream') {
      response = await openai.responses.stream(request).finalResponse();
    } else if (mode === 'events') {
      for await (const event of await openai.responses.create({ ...request, stream: true })) {
        if (event.type === 'response.completed') response = event.response;
      }
    } else {
      response = await openai.responses.create(request);
    }
    items.push(...response.output);
    const calls = response.output.filter((item) => item.type === 'function_call');
    if (calls.length === 0) {
      assert.equal(response.output_text ?? response.output[0].content[0].text, finalText);
      return { instructions, input: items };
    }
    assert.equal(calls.length, 2, 'parallel calls arrive together');
    const outputs = calls.map((c) => ({ type: 'function_call_output', call_id: c.call_id,
      output: result(JSON.parse(c.arguments).query) }));
    items.push(...outputs);
    request = mode === 'create' ? { ...request, input: items }
      : { ...request, input: outputs, previous_response_id: response.id };
  }
  assert.fail('conversation did not end');
}

// Messages with tools; the red runner's search fails (is_error) when `failRed`.
const anthropic = new Anthropic({ apiKey, baseURL: base, maxRetries: 0 });
const messageTools = [{ name: 'searchCatalog', description: 'Search the shop',
  input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }];
async function messagesConversation(streamed, failRed) {
  const messages = [{ role: 'user', content: ask }];
  for (let turn = 0; turn < 2; turn++) {
    const request = { model: 'claude-sonnet-4-5', max_tokens: 1024, system: instructions, messages, tools: messageTools };
    const message = streamed ? await anthropic.messages.stream(request).finalMessage()
      : await anthropic.messages.create(request);
    messages.push({ role: 'assistant', content: message.content });
    const calls = message.content.filter((b) => b.type === 'tool_use');
    if (calls.length === 0) {
      assert.equal(message.content[0].text, finalText);
      return { system: instructions, messages };
    }
    assert.equal(calls.length, 2, 'parallel tool_use blocks arrive together');
    messages.push({ role: 'user', content: calls.map((c) => {
      const red = c.input.query === 'red runner';
      return failRed && red ? { type: 'tool_result', tool_use_id: c.id, content: 'out of stock', is_error: true }
        : { type: 'tool_result', tool_use_id: c.id, content: result(c.input.query) };
    }) });
  }
  assert.fail('conversation did not end');
}

// One after another, so the sessions are conv-1 … conv-5 in this order.
const held = {
  'conv-1': ['openai-responses', await responsesConversation('create')],
  'conv-2': ['openai-responses', await responsesConversation('stream')],
  'conv-3': ['openai-responses', await responsesConversation('events')],
  'conv-4': ['anthropic', await messagesConversation(false, true)],
  'conv-5': ['anthropic', await messagesConversation(true, false)],
};
// A wrong key gets the upstream's own 401, as each SDK's error.
await assert.rejects(new Anthropic({ apiKey: 'sk-ant-wrong-000000000000', baseURL: base, maxRetries: 0 })
  .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
(e) => e.status === 401 && e.error?.error?.type === 'authentication_error');

proxy.kill('SIGTERM');
const code = await new Promise((resolve) => proxy.on('exit', resolve));
upstream.close();
assert.equal(code, 0, proxyErr);
assert.doesNotMatch(proxyErr, /not recorded/, 'every request was to a path it records');

const text = fs.readFileSync(cassette, 'utf8');
for (const secret of [apiKey, email, card, card.replaceAll(' ', '')]) {
  assert.ok(!text.includes(secret), `cassette leaks ${secret}`);
  assert.ok(!proxyOut.includes(secret) && !proxyErr.includes(secret), `proxy log leaks ${secret}`);
}
const lines = text.trim().split('\n').map((l) => JSON.parse(l));
assert.deepEqual(lines[0].models, ['gpt-4.1-mini', 'claude-sonnet-4-5']);
const actionsOf = (events, session) => {
  const failed = new Set(events.filter((e) => e.type === 'result' && e.status !== 'ok').map((e) => e.call_id));
  return events.filter((e) => e.type === 'action' && e.session === session)
    .map((a) => `${a.action} ${a.params.query}${failed.has(a.call_id) ? ' failed' : ''}`);
};
const searches = ['searchCatalog blue runner for redacted-1@example.invalid', 'searchCatalog red runner'];
for (const session of ['conv-1', 'conv-2', 'conv-3', 'conv-5']) assert.deepEqual(actionsOf(lines, session), searches, session);
assert.deepEqual(actionsOf(lines, 'conv-4'), [searches[0], `${searches[1]} failed`]);
for (const session of Object.keys(held)) {
  assert.equal(lines.filter((e) => e.session === session && e.type === 'user').length, 1,
    `${session}: the user's turn is recorded once however the conversation was continued`);
}
assert.ok(lines.some((e) => e.type === 'note' && /upstream answered 401/.test(e.text)));

// What the clients held, imported in their own shapes (the format recognised), gives the
// same actions.
for (const [session, [format, conversation]] of Object.entries(held)) {
  const file = path.join(workdir, `${session}.json`);
  fs.writeFileSync(file, JSON.stringify(conversation));
  const out = path.join(workdir, `${session}.imported.jsonl`);
  const imported = spawnSync(binary, ['record', 'import', file, '--out', out], { encoding: 'utf8' });
  assert.equal(imported.status, 0, imported.stdout + imported.stderr);
  assert.match(imported.stdout + imported.stderr, new RegExp(format === 'anthropic' ? 'Anthropic' : 'OpenAI Responses'));
  const events = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).slice(1);
  assert.deepEqual(actionsOf(events, events[0].session), actionsOf(lines, session), session);
}

// Replay: the sandbox finds red runners where conv-4's recording said the search failed.
const replay = spawnSync(binary, ['replay', cassette, '--allow-empty', '--out', path.join(workdir, 'reports')],
  { encoding: 'utf8' });
assert.match(replay.stdout, /sessions=6 diverged=1/, replay.stdout + replay.stderr);
const report = fs.readFileSync(path.join(workdir, 'reports', 'sdk.replay.md'), 'utf8');
assert.match(report, /\| conv-4 \| diverged/);
for (const secret of [apiKey, email, card]) assert.ok(!report.includes(secret));
console.log('openai Responses and Anthropic Messages SDKs through the proxy: ok');
