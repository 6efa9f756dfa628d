// Crash safety: `drive` plays orders and bookings against `serve orchestrator` while this
// script kills the service with SIGKILL at random moments and restarts it on the same store.
// After the drain the fakes' ledger (ground truth) must show no duplicate charge, no lost or
// unpaid order, no orphan hold or authorization, and the audit chain must verify.
// Usage: node crash_under_load.mjs CHECKRIDE_BINARY SCENARIO WORKDIR
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import assert from 'node:assert/strict';

const [binary, scenario, workdir] = process.argv.slice(2);
fs.rmSync(workdir, { recursive: true, force: true });
fs.mkdirSync(workdir, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The kill moments come from a seed printed up front: CHECKRIDE_CRASH_SEED=N replays the
// schedule of a failed run (the processes' own timing still varies).
const seed = Number(process.env.CHECKRIDE_CRASH_SEED ?? Date.now() % 1000000);
let rngState = (seed % 2147483646) + 1;
const random = () => {
  rngState = (rngState * 48271) % 2147483647;  // Park-Miller: exact in a double
  return rngState / 2147483647;
};
console.log(`crash schedule seed ${seed}`);
const children = [];
const secret = 'crash-test-secret-0123456789';
const readToken = 'crash-test-read-token-0123456789';
const env = { ...process.env, CHECKRIDE_SECRET: secret, CHECKRIDE_READ_TOKEN: readToken };

function run(args, stdio = 'inherit') {
  const child = spawn(binary, args, { env, stdio: ['ignore', stdio, 'inherit'] });
  child.done = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  children.push(child);
  return child;
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url, tries = 200) {
  for (let i = 0; i < tries; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await sleep(50);
  }
  throw new Error(`${url} never answered`);
}

try {
  const urlsFile = path.join(workdir, 'urls.json');
  const ports = ['payments', 'identity', 'catalog', 'bookings', 'llm', 'control']
    .flatMap((f) => [`--${f}-port`, '0']);
  run(['serve', 'fakes', '--scenario', scenario, '--urls-file', urlsFile, ...ports]);
  for (let i = 0; i < 200 && !fs.existsSync(urlsFile); i++) await sleep(50);
  const urls = JSON.parse(fs.readFileSync(urlsFile, 'utf8'));

  const port = await freePort();
  const orchestratorUrl = `http://127.0.0.1:${port}`;
  const store = path.join(workdir, 'orchestrator.db');
  const startOrchestrator = () => run(['serve', 'orchestrator', '--port', String(port),
    '--store', store, '--scenario', scenario, '--payments-url', urls.payments,
    '--identity-url', urls.identity, '--catalog-url', urls.catalog,
    '--bookings-url', urls.bookings, '--action-timeout-ms', '5000'], 'ignore');
  let orchestrator = startOrchestrator();
  await waitFor(`${orchestratorUrl}/healthz`);

  const drive = run(['drive', '--orchestrator', orchestratorUrl, '--control', urls.control,
    '--scenario', scenario, '--rate', '40', '--sessions', '240', '--connections', '24',
    '--max-lag-ms', '60000', '--drain-timeout-ms', '60000', '--out',
    path.join(workdir, 'reports'), '--name', 'crash']);

  const kills = [];
  for (let k = 0; k < 4; k++) {
    const wait = 400 + Math.floor(random() * 1100);
    await sleep(wait);
    orchestrator.kill('SIGKILL');
    const { signal } = await orchestrator.done;
    assert.equal(signal, 'SIGKILL');
    kills.push(wait);
    orchestrator = startOrchestrator();
    await waitFor(`${orchestratorUrl}/healthz`);
  }
  console.log(`killed the orchestrator 4 times, after ${kills.join(', ')} ms`);

  const { code } = await drive.done;
  assert.ok(code === 0 || code === 1, `drive exited ${code}`);
  const report = JSON.parse(fs.readFileSync(path.join(workdir, 'reports', 'crash.json'), 'utf8'));
  const m = report.metrics;
  console.log(JSON.stringify(m));
  assert.ok(m.sessions >= 200, `only ${m.sessions} sessions were played`);
  for (const metric of ['duplicate_charges', 'charged_without_order', 'order_without_charge',
    'orphan_authorizations', 'orphan_holds', 'false_success', 'oversold_units',
    'drive_unsettled_sessions', 'stuck']) {
    assert.equal(m[metric], 0, `${metric} = ${m[metric]}: ${JSON.stringify(report.witnesses)}`);
  }
  assert.ok(m.drive_transport_errors > 0, 'no request ever met a dead orchestrator');
  assert.ok(m.completion_rate > 0.5, `completion_rate ${m.completion_rate}`);

  const audit = await (await fetch(`${orchestratorUrl}/v1/audit`,
    { headers: { Authorization: `Bearer ${readToken}` } })).json();
  assert.equal(audit.intact, true, `audit chain broken at ${audit.first_bad_seq}`);
  assert.ok(audit.records > 1000, `only ${audit.records} audit records`);
  console.log(`audit chain intact: ${audit.records} records`);
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
