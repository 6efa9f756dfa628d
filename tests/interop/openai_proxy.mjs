// Interop: the official openai SDK talks through `checkride record llm` unchanged, streaming
// and not, several conversations at once; the cassette it writes holds no secret and
// replays through the orchestrator. Usage: node openai_proxy.mjs CHECKRIDE_BINARY WORKDIR
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startUpstream } from './fake_openai_upstream.mjs';

const [binary, workdir] = process.argv.slice(2);
fs.mkdirSync(workdir, { recursive: true });
const cassette = path.join(workdir, 'proxy.jsonl');
const apiKey = 'sk-interop-4f9a2b7c1d8e3f6a0b5c';
const email = 'jane.shopper@example.com';
const card = '4111 1111 1111 1111';

const upstream = await startUpstream(apiKey);
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}/v1`;
const proxy = spawn(binary, ['record', 'llm', '--upstream', upstreamUrl, '--listen', '127.0.0.1:0',
  '--out', cassette, '--model-label', 'fake-model'], { stdio: ['ignore', 'pipe', 'inherit'] });
let proxyOut = '';
const port = await new Promise((resolve, reject) => {
  proxy.stdout.on('data', (d) => {
    proxyOut += d;
    const m = proxyOut.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  proxy.on('exit', (code) => reject(new Error(`proxy exited early with ${code}`)));
});

const client = new OpenAI({ apiKey, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
const tools = [
  { type: 'function', function: { name: 'searchCatalog', parameters: { type: 'object' } } },
  { type: 'function', function: { name: 'previewOrder', parameters: { type: 'object' } } },
];

async function conversation(stream, n, parallel = false) {
  const messages = [
    { role: 'system', content: 'You are a shopping agent.' },
    { role: 'user', content: `Buy ${parallel ? 'blue and red, parallel,' : 'blue'} runners size 42 (shopper ${n}). Mail ${email}, card ${card}` },
  ];
  for (let turn = 0; turn < 3; turn++) {
    let message;
    if (stream) {
      const s = await client.chat.completions.create({ model: 'fake-model', messages, tools, stream: true,
        stream_options: { include_usage: true } });
      const calls = [];
      let content = '';
      for await (const chunk of s) {
        if (chunk.usage) assert.equal(chunk.choices.length, 0, 'usage comes in a chunk of its own');
        const delta = chunk.choices[0]?.delta ?? {};
        if (delta.content) content += delta.content;
        for (const f of delta.tool_calls ?? []) {
          calls[f.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
          if (f.id) calls[f.index].id = f.id;
          if (f.function?.name) calls[f.index].function.name += f.function.name;
          if (f.function?.arguments) calls[f.index].function.arguments += f.function.arguments;
        }
      }
      message = calls.length ? { role: 'assistant', content: null, tool_calls: calls }
                             : { role: 'assistant', content };
    } else {
      const r = await client.chat.completions.create({ model: 'fake-model', messages, tools });
      assert.equal(r.object, 'chat.completion');
      message = r.choices[0].message;
    }
    messages.push(message);
    if (!message.tool_calls) {
      assert.match(message.content, /\$79\.00/);
      return;
    }
    for (const call of message.tool_calls) {  // parallel calls: each gets its result
      const args = JSON.parse(call.function.arguments);  // reassembled intact
      const result = call.function.name === 'searchCatalog'
        ? { status: 'ok', skus: ['RUN-BLUE-42'], query: args.query }
        : { status: 'ok', total_cents: 7900 };
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
  assert.fail('conversation did not end');
}

// Other paths pass through with their headers.
const models = await client.models.list();
assert.equal(models.data[0].id, 'fake-model');
// Upstream errors pass through unchanged: a wrong key gets the upstream's 401.
const wrong = new OpenAI({ apiKey: 'sk-wrong-key-0000000000000000', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
await assert.rejects(wrong.chat.completions.create({ model: 'fake-model',
  messages: [{ role: 'user', content: 'hi' }] }), (e) => e.status === 401);

// Several clients at once, streaming and not.
await Promise.all([conversation(false, 1), conversation(true, 2), conversation(false, 3),
  conversation(true, 4), conversation(true, 5, true), conversation(false, 6, true)]);

proxy.kill('SIGTERM');
await new Promise((resolve) => proxy.on('exit', resolve));
upstream.close();

const text = fs.readFileSync(cassette, 'utf8');
for (const secret of [apiKey, email, card, card.replaceAll(' ', '')]) {
  assert.ok(!text.includes(secret), `cassette leaks ${secret}`);
}
assert.ok(!proxyOut.includes(apiKey), 'proxy log leaks the API key');
const lines = text.trim().split('\n').map((l) => JSON.parse(l));
assert.equal(lines[0].format, 'checkride.cassette/v1');
const sessions = new Set(lines.slice(1).map((e) => e.session));
assert.equal(sessions.size, 7, `expected 6 conversations and the refused one, got ${[...sessions]}`);
const actions = lines.filter((e) => e.type === 'action');
assert.equal(actions.length, 12);
// Parallel tool calls: both calls of the one assistant message, each with its own id.
for (const session of sessions) {
  const queries = actions.filter((a) => a.session === session && a.action === 'searchCatalog').map((a) => a.params.query);
  if (queries.length === 2) assert.deepEqual(queries.sort(), ['blue runner', 'red runner']);
}
assert.equal(actions.filter((a) => a.params.query === 'red runner').length, 2, 'both parallel conversations kept their second call');
for (const a of actions) assert.equal(typeof a.params, 'object');
assert.deepEqual(actions.find((a) => a.action === 'previewOrder').params,
  { items: [{ sku: 'RUN-BLUE-42', quantity: 1 }] });
assert.equal(lines.filter((e) => e.type === 'result').length, 12);
assert.ok(lines.some((e) => e.type === 'note' && /upstream answered 401/.test(e.text)));

// These conversations search and preview but never buy: nothing charge-bearing ran, so the
// replay is no evidence unless --allow-empty says that is what the user wants.
const empty = spawnSync(binary, ['replay', cassette, '--out', path.join(workdir, 'reports')],
  { encoding: 'utf8' });
assert.equal(empty.status, 1, empty.stdout + empty.stderr);
assert.match(empty.stdout, /^NO EVIDENCE proxy/);
assert.match(empty.stdout, /no charge-bearing action ran/);
const replay = spawnSync(binary,
  ['replay', cassette, '--allow-empty', '--out', path.join(workdir, 'reports')],
  { encoding: 'utf8' });
assert.equal(replay.status, 0, replay.stdout + replay.stderr);
assert.match(replay.stdout, /sessions=7 diverged=0/);
const report = fs.readFileSync(path.join(workdir, 'reports', 'proxy.json'), 'utf8');
for (const secret of [apiKey, email, card]) assert.ok(!report.includes(secret));
console.log('openai SDK through the proxy: ok');
