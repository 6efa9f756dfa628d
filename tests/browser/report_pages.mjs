// The HTML reports in a real browser (Debian's chromium, headless): a run, a swarm sweep and
// a replay page, written by `--format html` and by `report render`. For each page: every
// figure it shows (data-figure="/json/pointer") equals the JSON report's value, the figures
// a reader needs are all there, the page logs no console error and fetches nothing from
// the network. A screenshot of each page is kept as a test artifact.
//   node report_pages.mjs CHECKRIDE SOURCE_DIR OUT_DIR [CHROMIUM]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from './cdp.mjs';

const [checkride, source, outArg, chromiumArg] = process.argv.slice(2);
const out = resolve(outArg);
const chromium = chromiumArg || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`chromium not found at ${chromium}: ci/setup installs Debian's chromium`);
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const failures = [];
const fail = (page, what) => failures.push(`${page}: ${what}`);

function run(args, okCodes = [0]) {
  try {
    execFileSync(checkride, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (!okCodes.includes(e.status)) throw new Error(`checkride ${args.join(' ')}: ${e.stderr}`);
  }
}

// The pages: each with the JSON it was made from.
const scenarios = join(source, 'scenarios');
run(['run', join(scenarios, 'payment-outage.yaml'), '--format', 'json,md,html', '--out', out,
  '--quiet']);
run(['sweep', join(scenarios, 'payment-outage.yaml'), '--seeds', '1..24', '--swarm', '--jobs',
  '2', '--format', 'html', '--out', out, '--quiet'], [0, 1]);
run(['replay', join(scenarios, 'cassettes', 'airline-support.jsonl'), '--world',
  join(scenarios, 'worlds', 'airline-support.yaml'), '--actions',
  join(scenarios, 'catalogs', 'airline-support.yaml'), '--format', 'html', '--out', out,
  '--quiet'], [0, 1]);
run(['report', 'render', join(out, 'payment-outage.json'), '--format', 'html', '--out',
  join(out, 'payment-outage.rendered.html')]);
const json = (name) => JSON.parse(readFileSync(join(out, name), 'utf8'));
const pages = [
  { name: 'run', html: 'payment-outage.html', doc: json('payment-outage.json') },
  { name: 'rendered', html: 'payment-outage.rendered.html', doc: json('payment-outage.json') },
  { name: 'sweep', html: 'payment-outage.sweep.html', doc: json('payment-outage.sweep.json') },
  { name: 'replay', html: 'airline-support.html', doc: json('airline-support.json'),
    replay: json('airline-support.replay.json') },
];
if (readFileSync(join(out, pages[0].html), 'utf8') !==
    readFileSync(join(out, pages[1].html), 'utf8')) {
  fail('rendered', '`report render` wrote another page than `run --format html`');
}

function resolvePointer(doc, pointer) {
  let v = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (v === null || typeof v !== 'object' || !(key in v)) return undefined;
    v = v[key];
  }
  return v;
}

function sameFigure(text, value) {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return text === String(value);
    return Math.abs(Number(text) - value) <= 5e-5;
  }
  if (typeof value === 'string') return text === value;
  if (typeof value === 'boolean') return text === String(value);
  return false;
}

// Every figure shown is the report's; returns the pointers shown.
function checkFigures(page, shown, doc, label) {
  const pointers = new Set();
  for (const [pointer, text] of shown) {
    pointers.add(pointer);
    const value = resolvePointer(doc, pointer);
    if (value === undefined) fail(page, `${label} ${pointer} shows "${text}", not in the JSON`);
    else if (!sameFigure(text.trim(), value)) {
      fail(page, `${label} ${pointer} shows "${text}", the JSON says ${JSON.stringify(value)}`);
    }
  }
  return pointers;
}

const token = (k) => k.replaceAll('~', '~0').replaceAll('/', '~1');
// The figures a reader of each kind of page needs; each must be on it.
function required(page) {
  const d = page.doc;
  const need = [];
  if (page.name === 'sweep') {
    need.push('/verdict');
    d.runs.forEach((_, i) => need.push(`/runs/${i}/seed`));
    for (const k of Object.keys(d.totals.metrics)) need.push(`/totals/metrics/${token(k)}`);
    d.fault_coverage.rules.forEach((_, i) => need.push(`/fault_coverage/rules/${i}/fired`));
    for (const [t, v] of Object.entries(d.templates)) {
      need.push(`/templates/${token(t)}/successes`, `/templates/${token(t)}/trials`);
      if (typeof v.pass_hat_k[0] === 'number') need.push(`/templates/${token(t)}/pass_hat_k/0`);
    }
    return need;
  }
  need.push('/verdict', '/seed');
  for (const k of Object.keys(d.metrics)) need.push(`/metrics/${token(k)}`);
  d.gates.forEach((g, i) => { if ('actual' in g) need.push(`/gates/${i}/actual`); });
  for (const k of Object.keys(d.latency_ms)) need.push(`/latency_ms/${token(k)}/count`);
  for (const k of Object.keys(d.outcomes)) need.push(`/outcomes/${token(k)}`);
  for (const k of Object.keys(d.branch_coverage)) need.push(`/branch_coverage/${token(k)}`);
  d.fault_rules.forEach((_, i) => need.push(`/fault_rules/${i}/fired`));
  d.witnesses.forEach((_, i) => need.push(`/witnesses/${i}/session`));
  return need;
}

const browser = await launch(chromium);
try {
  for (const page of pages) {
    const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
    const s = (method, params) => browser.send(method, params, sessionId);
    const errors = [];
    const requests = [];
    let loaded;
    const load = new Promise((r) => { loaded = r; });
    browser.on((m) => {
      if (m.sessionId !== sessionId) return;
      if (m.method === 'Runtime.consoleAPICalled' && ['error', 'assert'].includes(m.params.type)) {
        errors.push(m.params.args.map((a) => a.value ?? a.description).join(' '));
      }
      if (m.method === 'Runtime.exceptionThrown') errors.push(m.params.exceptionDetails.text);
      if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error') {
        errors.push(m.params.entry.text);
      }
      if (m.method === 'Network.requestWillBeSent') requests.push(m.params.request.url);
      if (m.method === 'Page.loadEventFired') loaded();
    });
    for (const domain of ['Runtime', 'Log', 'Page', 'Network']) await s(`${domain}.enable`, {});
    await s('Emulation.setDeviceMetricsOverride',
      { width: 1200, height: 900, deviceScaleFactor: 1, mobile: false });
    const url = pathToFileURL(join(out, page.html)).href;
    await s('Page.navigate', { url });
    await Promise.race([load, new Promise((_, reject) => setTimeout(
      () => reject(new Error(`${page.name}: the page did not load in 30 s`)), 30000))]);
    const evaluate = async (expression) =>
      (await s('Runtime.evaluate', { expression, returnByValue: true })).result.value;
    const figures = await evaluate(`Array.from(document.querySelectorAll('[data-figure]'))
        .map(e => [e.getAttribute('data-figure'), e.textContent])`);
    const shown = checkFigures(page.name, figures, page.doc, 'figure');
    for (const p of required(page)) {
      if (!shown.has(p)) fail(page.name, `does not show ${p}`);
    }
    if (page.name === 'sweep') {
      const verdicts = await evaluate(`Array.from(document.querySelectorAll('[data-verdict]'))
          .map(e => [e.getAttribute('data-verdict-figure'), e.getAttribute('data-verdict')])`);
      checkFigures(page.name, verdicts, page.doc, 'seed verdict');
      if (verdicts.length !== page.doc.runs.length) {
        fail(page.name, `${verdicts.length} seed verdicts shown for ${page.doc.runs.length} seeds`);
      }
    }
    if (page.replay) {
      const replayFigures = await evaluate(`Array.from(
          document.querySelectorAll('[data-replay-figure]'))
          .map(e => [e.getAttribute('data-replay-figure'), e.textContent])`);
      const shownReplay = checkFigures(page.name, replayFigures, page.replay, 'replay figure');
      page.replay.sessions.forEach((session, i) => {
        if (!shownReplay.has(`/sessions/${i}/verdict`)) fail(page.name, `no verdict for session ${i}`);
        if (session.first_divergence && !shownReplay.has(`/sessions/${i}/first_divergence/line`)) {
          fail(page.name, `session ${i}'s first divergence is not shown`);
        }
      });
    }
    const charts = await evaluate(`document.querySelectorAll('svg').length`);
    if (charts < 2) fail(page.name, `${charts} charts drawn`);
    if (page.name === 'run') {
      const windows = await evaluate(`document.querySelectorAll('#timeline .fault-window').length`);
      if (windows !== page.doc.fault_rules.length) {
        fail(page.name, `${windows} fault windows shaded for ${page.doc.fault_rules.length} rules`);
      }
    }
    for (const e of errors) fail(page.name, `console error: ${e}`);
    for (const r of requests) if (r !== url) fail(page.name, `fetched ${r}: not self-contained`);
    const { contentSize } = await s('Page.getLayoutMetrics', {});
    const height = Math.min(Math.ceil(contentSize.height), 12000);
    const shot = await s('Page.captureScreenshot', {
      format: 'png', captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: 1200, height, scale: 1 },
    });
    writeFileSync(join(out, `${page.name}.png`), Buffer.from(shot.data, 'base64'));
    console.log(`${page.name}: ${figures.length} figures checked against ${page.html}'s JSON; ` +
      `screenshot ${join(out, `${page.name}.png`)}`);
    await browser.send('Target.closeTarget', { targetId });
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log('all pages: figures equal the JSON, no console errors, nothing fetched');
