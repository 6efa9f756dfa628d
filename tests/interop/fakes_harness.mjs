// Starts `checkride serve fakes` on free ports and talks to its control API.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

export async function startFakes(binary, scenario, workdir, extraArgs = [], env = {}) {
  fs.mkdirSync(workdir, { recursive: true });
  const urlsFile = path.join(workdir, 'urls.json');
  fs.rmSync(urlsFile, { force: true });
  const ports = ['payments', 'identity', 'catalog', 'bookings', 'llm', 'control']
    .flatMap((f) => [`--${f}-port`, '0']);
  const fakes = spawn(binary,
    ['serve', 'fakes', '--scenario', scenario, '--urls-file', urlsFile, ...ports, ...extraArgs],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  let exited = false;
  fakes.on('exit', () => { exited = true; });
  for (let i = 0; i < 200 && !fs.existsSync(urlsFile); i++) {
    assert.ok(!exited, 'serve fakes exited early');
    await new Promise((r) => setTimeout(r, 50));
  }
  const urls = JSON.parse(fs.readFileSync(urlsFile, 'utf8'));
  async function control(method, route, body) {
    const res = await fetch(`${urls.control}/__checkride/${route}`, {
      method, headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  return { urls, control, stop: () => fakes.kill('SIGTERM') };
}

// Polls `predicate` until it holds (or fails after `ms`).
export async function eventually(predicate, what, ms = 5000) {
  for (let waited = 0; waited < ms; waited += 20) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}
