// Crash safety: `drive` plays orders and bookings against `serve orchestrator` while this
// script kills the service with SIGKILL at random moments and restarts it on the same store.
// After the drain the fakes' ledger (ground truth) must show no duplicate charge, no lost or
// unpaid order, no orphan hold or authorization, and the audit chain must verify.
// Usage: node crash_under_load.mjs CHECKRIDE_BINARY SCENARIO WORKDIR
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { Processes, assertAuditIntact, assertLedgerClean, freePort, seededRandom, sleep, waitFor }
  from './harness.mjs';

const [binary, scenario, workdir] = process.argv.slice(2);
fs.rmSync(workdir, { recursive: true, force: true });
fs.mkdirSync(workdir, { recursive: true });
const random = seededRandom();
const processes = new Processes(binary);

try {
  const urls = await processes.startFakes(scenario, workdir);

  const port = await freePort();
  const orchestratorUrl = `http://127.0.0.1:${port}`;
  const store = path.join(workdir, 'orchestrator.db');
  const startOrchestrator = () =>
    processes.run(Processes.orchestratorArgs(port, store, scenario, urls), 'ignore');
  let orchestrator = startOrchestrator();
  await waitFor(`${orchestratorUrl}/healthz`);

  const drive = processes.run(['drive', '--orchestrator', orchestratorUrl, '--control',
    urls.control, '--scenario', scenario, '--rate', '40', '--sessions', '240', '--connections',
    '24', '--max-lag-ms', '60000', '--drain-timeout-ms', '60000', '--out',
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
  assertLedgerClean(report, 200);
  await assertAuditIntact(orchestratorUrl, 1000);
} finally {
  processes.killAll();
}
