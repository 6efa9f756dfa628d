// What the wire chaos scripts share: processes they start and always end, free ports, a seeded
// schedule, and the ground-truth checks a run must pass afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import assert from 'node:assert/strict';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const secret = 'crash-test-secret-0123456789';
export const readToken = 'crash-test-read-token-0123456789';

// Park-Miller from CHECKRIDE_CRASH_SEED (printed up front): a failed run's schedule replays
// (the processes' own timing still varies).
export function seededRandom() {
  const seed = Number(process.env.CHECKRIDE_CRASH_SEED ?? Date.now() % 1000000);
  console.log(`crash schedule seed ${seed}`);
  let state = (seed % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;  // exact in a double
    return state / 2147483647;
  };
}

export class Processes {
  constructor(binary) {
    this.binary = binary;
    this.children = [];
    this.env = { ...process.env, CHECKRIDE_SECRET: secret, CHECKRIDE_READ_TOKEN: readToken };
  }

  run(args, stdio = 'inherit') {
    const child = spawn(this.binary, args, { env: this.env, stdio: ['ignore', stdio, 'inherit'] });
    child.done = new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })));
    this.children.push(child);
    return child;
  }

  // serve fakes on free ports; returns their URLs once it has written them.
  async startFakes(scenario, workdir) {
    const urlsFile = path.join(workdir, 'urls.json');
    const ports = ['payments', 'identity', 'catalog', 'bookings', 'llm', 'control']
      .flatMap((f) => [`--${f}-port`, '0']);
    this.run(['serve', 'fakes', '--scenario', scenario, '--urls-file', urlsFile, ...ports]);
    for (let i = 0; i < 200 && !fs.existsSync(urlsFile); i++) await sleep(50);
    return JSON.parse(fs.readFileSync(urlsFile, 'utf8'));
  }

  // The arguments that start serve orchestrator on `port` and `store`, against the fakes.
  static orchestratorArgs(port, store, scenario, urls) {
    return ['serve', 'orchestrator', '--port', String(port), '--store', store, '--scenario',
      scenario, '--payments-url', urls.payments, '--identity-url', urls.identity,
      '--catalog-url', urls.catalog, '--bookings-url', urls.bookings,
      '--action-timeout-ms', '5000'];
  }

  killAll() {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(url, tries = 200) {
  for (let i = 0; i < tries; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await sleep(50);
  }
  throw new Error(`${url} never answered`);
}

export async function readSigned(url) {
  const r = await fetch(url, { headers: { Authorization: `Bearer ${readToken}` } });
  assert.equal(r.status, 200, `${url}: HTTP ${r.status}`);
  return r;
}

// The fakes' ledger after the drain: nothing lost, nothing doubled, nothing left holding.
export function assertLedgerClean(report, minSessions) {
  const m = report.metrics;
  console.log(JSON.stringify(m));
  assert.ok(m.sessions >= minSessions, `only ${m.sessions} sessions were played`);
  for (const metric of ['duplicate_charges', 'charged_without_order', 'order_without_charge',
    'orphan_authorizations', 'orphan_holds', 'false_success', 'oversold_units',
    'drive_unsettled_sessions', 'drive_sessions_settlement_unknown', 'stuck']) {
    assert.equal(m[metric], 0, `${metric} = ${m[metric]}: ${JSON.stringify(report.witnesses)}`);
  }
  assert.ok(m.drive_transport_errors > 0, 'no request ever met a dead orchestrator');
  assert.ok(m.completion_rate > 0.5, `completion_rate ${m.completion_rate}`);
}

export async function assertAuditIntact(orchestratorUrl, minRecords) {
  const audit = await (await readSigned(`${orchestratorUrl}/v1/audit`)).json();
  assert.equal(audit.intact, true, `audit chain broken at ${audit.first_bad_seq}`);
  assert.ok(audit.records > minRecords, `only ${audit.records} audit records`);
  console.log(`audit chain intact: ${audit.records} records`);
}
