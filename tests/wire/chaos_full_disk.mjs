// Chaos: `drive` plays orders and bookings against `serve orchestrator` whose store sits on a
// small tmpfs. Mid-run the disk fills (a filler file takes every free byte) and stays full
// while the service is SIGKILLed and started again; then space returns, and more SIGKILLs
// follow, with lost provider answers throughout (the scenario's faults). Afterwards the
// fakes' ledger shows nothing lost and nothing doubled, and the audit chain verifies.
// While the disk is full the service must answer (503), never abort: a start on the full
// disk either serves or exits 2 naming the store.
// Usage: node chaos_full_disk.mjs CHECKRIDE_BINARY SCENARIO WORKDIR
// Needs to mount a tmpfs (root, as CI runs); exits 77 (CTest's skip) when it cannot.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { Processes, assertAuditIntact, assertLedgerClean, freePort, readSigned, seededRandom,
  sleep, waitFor } from './harness.mjs';

const [binary, scenario, workdir] = process.argv.slice(2);
const disk = path.join(workdir, 'disk');
try { execFileSync('umount', [disk], { stdio: 'ignore' }); } catch {}
fs.rmSync(workdir, { recursive: true, force: true });
fs.mkdirSync(disk, { recursive: true });
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', disk], { stdio: 'pipe' });
} catch (e) {
  console.log(`SKIP: cannot mount a tmpfs here (${String(e.stderr ?? e).trim()})`);
  process.exit(77);
}
const random = seededRandom();
const processes = new Processes(binary);
const filler = path.join(disk, 'filler');

// Takes every free byte of the tmpfs; returns how many it took.
function fillDisk() {
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let taken = 0;
  try {
    for (;;) taken += fs.writeSync(fd, chunk);
  } catch (e) {
    assert.equal(e.code, 'ENOSPC', `filling the disk: ${e}`);
  }
  // The last bytes: a page at a time, so not even a page is left.
  try {
    for (;;) taken += fs.writeSync(fd, chunk.subarray(0, 4096));
  } catch {}
  fs.closeSync(fd);
  return taken;
}

async function storeFailures(url) {
  const text = await (await readSigned(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('checkride_store_failures_total '));
  return Number(line?.split(' ')[1] ?? NaN);
}

try {
  const urls = await processes.startFakes(scenario, workdir);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const store = path.join(disk, 'orchestrator.db');
  const launch = () =>
    processes.run(Processes.orchestratorArgs(port, store, scenario, urls), 'ignore');
  // Starts the service until it serves. On a full disk it may refuse to start: exit 2, never
  // a signal. Returns the running process and how many starts were refused.
  async function start() {
    for (let refused = 0; ; ++refused) {
      const child = launch();
      const exited = child.done.then((r) => ({ exited: r }));
      const served = waitFor(`${url}/healthz`, 400).then(() => ({ served: true }));
      const first = await Promise.race([exited, served]);
      if (first.served) return { child, refused };
      const { code, signal } = first.exited;
      assert.equal(signal, null, `serve orchestrator died of ${signal} on a full disk`);
      assert.equal(code, 2, `serve orchestrator exited ${code} on a full disk`);
      await sleep(200);
    }
  }
  async function kill(child) {
    child.kill('SIGKILL');
    const { signal } = await child.done;
    assert.equal(signal, 'SIGKILL', 'the service was already dead before its SIGKILL');
  }

  let orchestrator = (await start()).child;
  const drive = processes.run(['drive', '--orchestrator', url, '--control', urls.control,
    '--scenario', scenario, '--rate', '40', '--sessions', '240', '--connections', '24',
    '--max-lag-ms', '60000', '--drain-timeout-ms', '60000', '--out',
    path.join(workdir, 'reports'), '--name', 'chaos']);

  await sleep(400 + Math.floor(random() * 800));
  await kill(orchestrator);
  orchestrator = (await start()).child;

  await sleep(300 + Math.floor(random() * 500));
  const taken = fillDisk();
  await sleep(800);
  const failures = await storeFailures(url);
  assert.ok(failures > 0, 'the disk filled but no write ever failed: the test proves nothing');
  assert.equal(orchestrator.exitCode, null, 'the service exited on a full disk');
  await kill(orchestrator);
  setTimeout(() => fs.rmSync(filler), 1500);  // space returns while it tries to start
  const restarted = await start();
  orchestrator = restarted.child;
  console.log(`disk full: filler took ${taken} bytes, ${failures} store writes refused, ` +
    `${restarted.refused} starts refused on the full disk`);

  for (let k = 0; k < 2; k++) {
    await sleep(400 + Math.floor(random() * 800));
    await kill(orchestrator);
    orchestrator = (await start()).child;
  }

  const { code } = await drive.done;
  assert.ok(code === 0 || code === 1, `drive exited ${code}`);
  const report = JSON.parse(fs.readFileSync(path.join(workdir, 'reports', 'chaos.json'), 'utf8'));
  assertLedgerClean(report, 200);
  await assertAuditIntact(url, 1000);
} finally {
  processes.killAll();
  await sleep(100);
  try { execFileSync('umount', ['-l', disk], { stdio: 'ignore' }); } catch {}
}
