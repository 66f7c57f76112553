// `npm run bench`: what a page pays for the script build, every figure beside its floor (a page whose
// window.tracker does nothing), all in one Chromium run against the demo collector. It prints numbers and
// asserts nothing: timings on a shared 2-core machine are noisy. The size budget is test/size.test.ts.
//
//   npm run bench                  build, then measure (about 1.5 minutes on 2 cores; no repetition starts after 3)
//   npm run bench -- --reps 5      runs of each 1,000-event scenario (5); --reps-10k for the 10,000 ones (2)
//   npm run bench -- --profile     also CPU profiles of one more 1,000- and 10,000-event run: top functions by self time
//   npm run bench -- --dist DIR    measure another build (DIR holds tracker.min.js), relative to the repo
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startDemoServer } from '../../demo/site/server.mjs'; // the bench's only import of the demo collector
import { findChromium } from '../../e2e/driver/find-chromium.mjs';
import { summariseProfile } from './profile.mjs';

const { values: options } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    'reps-10k': { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    dist: { type: 'string', default: 'dist' },
  },
});
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const pagesDir = fileURLToPath(new URL('pages', import.meta.url));
const distDir = path.resolve(repoRoot, options.dist);
/** Ms the collector may take to hold every event of a run; past it the run is reported incomplete. */
const DELIVERY_CAP = { 1000: 20_000, 10_000: 60_000 };
/** The no-op page's window is the script build's, up to this: an idle page adds next to nothing. */
const NOOP_WINDOW_CAP = 10_000;
/** Repetitions after the first start only within this time, so that a slow build still ends in 5 minutes. */
const BUDGET_MS = 180_000;
/** After the page loaded: init()'s own drain (an empty queue) is over before anything is measured. */
const SETTLE_MS = 300;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const began = Date.now();
// Other work on a shared machine shows in every timing: the load says how much there was.
const loadAtStart = os.loadavg()[0];

// ---- bytes ----
const sizes = (file) => {
  const bytes = readFileSync(file);
  return {
    minified: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }).length,
  };
};
const bytes = { tracker: sizes(path.join(distDir, 'tracker.min.js')), noop: sizes(path.join(pagesDir, 'noop.js')) };
const esmFile = path.join(distDir, 'index.js');
const esm = existsSync(esmFile) && sizes(esmFile);

// ---- one run: a fresh browser context (its own IndexedDB), one page of one kind ----
const server = await startDemoServer({ collectorPort: 0, sitePort: 0, memory: true, staticRoots: { public: pagesDir, dist: distDir } });
const { collector } = server;
const browser = await chromium.launch({
  executablePath: findChromium(),
  // Loopback only: the browser's own background requests (updates, sign-in) find no other host.
  args: ['--disable-gpu', '--disable-quic', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost'],
});
const chromiumVersion = browser.version();

/** Opens `/<kind>.html` on the site (another origin than the collector's) and reads its start-up. */
async function open(kind) {
  collector.reset();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.siteUrl}/${kind}.html`, { waitUntil: 'load' });
  await sleep(SETTLE_MS);
  const startup = await page.evaluate(() => {
    const script = performance.getEntriesByType('resource').find((entry) => entry.initiatorType == 'script');
    // A parser-blocking script runs once it arrived: from then until the next inline script, it is compiled and run.
    return { evaluate: bench.evaluated - Math.max(bench.start, script ? script.responseEnd : 0), init: bench.initialised - bench.evaluated };
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
  const taskMs = async () => (await cdp.send('Performance.getMetrics')).metrics.find((metric) => metric.name == 'TaskDuration').value * 1000;
  return { context, page, cdp, startup, taskMs };
}

/** n track() calls in one task of the page, as a burst of clicks would come; flush() after them if asked. */
function trackBurst(page, n, flush = false) {
  return page.evaluate(
    ({ n, flush }) =>
      new Promise((resolve) =>
        setTimeout(() => {
          const wall = Date.now();
          const start = performance.now();
          // A fresh properties object per call, as a page passes them; the tracker snapshots it (JSON).
          for (let i = 0; i < n; i++) tracker.track('purchase', { product: 'shoe', price: 42, i });
          const end = performance.now();
          if (flush) tracker.flush();
          resolve({ wall, start, end });
        }),
      ),
    { n, flush },
  );
}

/** The page's long tasks [start, duration] that end after `since` (page clock). */
const longTasksSince = (page, since) =>
  page.evaluate((since) => {
    for (const task of bench.observer.takeRecords()) bench.longTasks.push([task.startTime, task.duration]);
    return bench.longTasks.filter(([start, duration]) => start + duration > since);
  }, since);

const longTaskFigures = (tasks) => ({
  count: tasks.length,
  total: tasks.reduce((sum, [, duration]) => sum + duration, 0),
  longest: Math.max(0, ...tasks.map(([, duration]) => duration)),
});

/** Resolves true once the collector holds n distinct events, false at the cap. */
async function collectorHolds(n, capMs) {
  const end = Date.now() + capMs;
  while (collector.store.size < n) {
    if (Date.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/** What the collector's raw log says: when it held n distinct events (ms since `from`), requests, bytes. */
function wire(n, from) {
  const ids = new Set();
  let complete = null;
  let bodyBytes = 0;
  let eventsSent = 0;
  for (const record of collector.rawLog) {
    bodyBytes += record.contentLength;
    eventsSent += record.eventIds.length;
    if (typeof record.status == 'number' && record.status < 300) for (const id of record.eventIds) ids.add(id);
    if (complete === null && ids.size >= n) complete = Date.parse(record.at) - from;
  }
  return { deliveredMs: complete, delivered: ids.size, requests: collector.rawLog.length, bytesPerEvent: ids.size ? bodyBytes / ids.size : null, duplicates: eventsSent - ids.size };
}

/**
 * A burst of n track() calls, measured from the first call until the collector holds all n. The no-op page
 * sends nothing: its window is `windowMs`, the time the script build took in the run before it.
 */
async function burst(kind, n, { flush = false, windowMs = 0 } = {}) {
  const { context, page, startup, taskMs } = await open(kind);
  try {
    const before = await taskMs();
    const loop = await trackBurst(page, n, flush);
    const complete = kind == 'noop' ? await sleep(loop.wall + windowMs - Date.now()) : await collectorHolds(n, DELIVERY_CAP[n]);
    const busyMs = (await taskMs()) - before;
    const tasks = await longTasksSince(page, loop.start);
    return {
      startup,
      perCallUs: ((loop.end - loop.start) * 1000) / n,
      busyMs,
      windowMs: Date.now() - loop.wall,
      longTasks: longTaskFigures(tasks),
      // The loop's own task is a long one past ~50 ms of calls; what comes after it is the tracker's backlog.
      longTasksAfter: longTaskFigures(tasks.filter(([start]) => start >= loop.end)),
      ...(kind == 'tracker' && { complete, ...wire(n, loop.wall) }),
    };
  } finally {
    await closeRun(context, kind, n);
  }
}

/**
 * Closes a run's context. A tracker cut off before the collector held all n beacons the rest as its page
 * closes: those land before the next run clears the collector.
 */
async function closeRun(context, kind, n) {
  await context.close();
  if (kind == 'tracker' && collector.store.size < n) await sleep(500);
}

/**
 * n events tracked offline and left to the tracker (its own timer writes them to IndexedDB; flush() then
 * resolves once they are safely queued), then the network back (`online`): measured from there until the
 * collector holds all n.
 */
async function offline(kind, n, { windowMs = 0 } = {}) {
  const { context, page, startup, taskMs } = await open(kind);
  try {
    await context.setOffline(true);
    const loop = await trackBurst(page, n);
    await page.evaluate(() => tracker.flush());
    const queuedMs = Date.now() - loop.wall;
    const sentOffline = collector.rawLog.length;
    const since = await page.evaluate(() => performance.now());
    const before = await taskMs();
    const online = Date.now();
    await context.setOffline(false);
    const complete = kind == 'noop' ? await sleep(online + windowMs - Date.now()) : await collectorHolds(n, DELIVERY_CAP[n]);
    const busyMs = (await taskMs()) - before;
    return {
      startup,
      queuedMs,
      sentOffline,
      busyMs,
      windowMs: Date.now() - online,
      longTasksAfter: longTaskFigures(await longTasksSince(page, since)),
      ...(kind == 'tracker' && { complete, ...wire(n, online) }),
    };
  } finally {
    await closeRun(context, kind, n);
  }
}

/** Runs the script build, then the no-op page over the same window; a run that throws is reported, not fatal. */
async function pair(results, name, measure) {
  const tracker = await measure('tracker', {}).catch((error) => ({ error }));
  const noop = await measure('noop', { windowMs: Math.min(tracker.windowMs ?? 1000, NOOP_WINDOW_CAP) }).catch((error) => ({ error }));
  for (const [kind, result] of [['tracker', tracker], ['noop', noop]]) {
    if (result.error) console.error(`${name}, ${kind}: ${result.error.message.split('\n')[0]}`);
    (results[name] ||= { tracker: [], noop: [] })[kind].push(result);
  }
  process.stderr.write('.');
}

const results = {};
const profiles = [];
try {
  await burst('tracker', 100).catch(() => {}); // warms the browser and the servers, not the tracker: a fresh context each run
  for (let rep = 0; rep < Math.max(+options.reps, +options['reps-10k']); rep++) {
    if (rep && Date.now() - began > BUDGET_MS) break;
    if (rep < +options.reps) {
      await pair(results, 'burst1k', (kind, extra) => burst(kind, 1000, extra));
      await pair(results, 'flush1k', (kind, extra) => burst(kind, 1000, { ...extra, flush: true }));
    }
    if (rep < +options['reps-10k']) {
      await pair(results, 'burst10k', (kind, extra) => burst(kind, 10_000, extra));
      await pair(results, 'offline10k', (kind, extra) => offline(kind, 10_000, extra));
    }
  }
  if (options.profile) for (const n of [1000, 10_000]) profiles.push([n, await profileBurst(n)]);
} finally {
  process.stderr.write('\n');
  await browser.close().catch(() => {});
  await server.close();
}

/** One more burst of n events of the script build under the CPU profiler (100 µs sampling), until delivered. */
async function profileBurst(n) {
  const { context, page, cdp } = await open('tracker');
  try {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    await trackBurst(page, n);
    await collectorHolds(n, DELIVERY_CAP[n]);
    return (await cdp.send('Profiler.stop')).profile;
  } finally {
    await closeRun(context, 'tracker', n);
  }
}

// ---- the table ----
const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length ? (sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2) : null;
};
const number = (value, digits) =>
  value == null || !Number.isFinite(value) ? '–'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2) });
/** The median of the runs' figure, and (min–max) when there were several runs. */
function cell(runs, figure, digits) {
  const values = runs.filter((run) => !run.error).map(figure).filter(Number.isFinite);
  if (!values.length) return runs.some((run) => run.error) ? 'error' : '–';
  const [min, max] = [Math.min(...values), Math.max(...values)].map((value) => number(value, digits));
  const range = min == max ? '' : ` (${min}–${max})`;
  return number(median(values), digits) + range;
}
/** Each run's count / total / longest, in run order (a median of a few counts would invent long tasks under 50 ms). */
function longTasksCell(runs, key) {
  const figures = runs.filter((run) => !run.error).map((run) => run[key]);
  if (!figures.length) return '–';
  if (figures.every(({ count }) => count == 0)) return '0';
  return figures.map(({ count, total, longest }) => (count ? `${count} / ${number(total, 0)} / ${number(longest, 0)}` : '0')).join(' · ');
}
const deliveredCell = (runs, n) => {
  const done = runs.filter((run) => !run.error);
  const late = done.filter((run) => !run.complete);
  return late.length ? `${late.length} of ${done.length} runs short at ${number(DELIVERY_CAP[n] / 1000)} s (${late.map((run) => run.delivered).join(', ')} of ${number(n)})` : cell(done, (run) => run.deliveredMs, 0);
};

const rows = [];
const row = (label, tracker, noop) => rows.push(`| ${label} | ${tracker} | ${noop} |`);
const section = (label) => rows.push(`| **${label}** | | |`);
const all = (name) => results[name] || { tracker: [], noop: [] };
const startups = (kind) => Object.values(results).flatMap((scenario) => scenario[kind]).filter((run) => !run.error);
const bytesCell = ({ minified, gzip, brotli }) => [minified, gzip, brotli].map((size) => number(size)).join(' / ');

section('bytes');
row('minified / gzip -9 / brotli 11, B', bytesCell(bytes.tracker), bytesCell(bytes.noop));
section(`start-up (every page load of this run: ${startups('tracker').length} and ${startups('noop').length})`);
row('script evaluate, ms', cell(startups('tracker'), (run) => run.startup.evaluate), cell(startups('noop'), (run) => run.startup.evaluate));
row('init(), ms', cell(startups('tracker'), (run) => run.startup.init), cell(startups('noop'), (run) => run.startup.init));
section('track(), one task of calls');
for (const [name, n] of [['burst1k', 1000], ['burst10k', 10_000]]) {
  row(`µs per call over ${number(n)} calls`, cell(all(name).tracker, (run) => run.perCallUs), cell(all(name).noop, (run) => run.perCallUs));
}
for (const [name, n, label] of [
  ['burst1k', 1000, '1,000 events, default options'],
  ['flush1k', 1000, '1,000 events, flush() after the loop'],
  ['burst10k', 10_000, '10,000 events, default options'],
]) {
  const { tracker, noop } = all(name);
  section(`${label}: from the first call until the collector holds all (${tracker.length} run${tracker.length == 1 ? '' : 's'})`);
  row('ms until the collector holds all', deliveredCell(tracker, n), `– (same window)`);
  row('main-thread busy, ms (CDP TaskDuration)', cell(tracker, (run) => run.busyMs, 0), cell(noop, (run) => run.busyMs, 0));
  row('long tasks: count / total ms / longest ms', longTasksCell(tracker, 'longTasks'), longTasksCell(noop, 'longTasks'));
  row('… of them after the loop’s own task', longTasksCell(tracker, 'longTasksAfter'), longTasksCell(noop, 'longTasksAfter'));
  row('requests; body bytes per event', `${cell(tracker, (run) => run.requests, 0)}; ${cell(tracker, (run) => run.bytesPerEvent, 0)}`, '0; –');
  if (tracker.some((run) => run.duplicates)) row('events sent twice', cell(tracker, (run) => run.duplicates, 0), '–');
}
{
  const { tracker, noop } = all('offline10k');
  section(`10,000 events tracked offline, then online: from \`online\` until the collector holds all (${tracker.length} run${tracker.length == 1 ? '' : 's'})`);
  row('ms from the first call until flush() resolved offline', cell(tracker, (run) => run.queuedMs, 0), cell(noop, (run) => run.queuedMs, 0));
  row('requests while offline', cell(tracker, (run) => run.sentOffline, 0), '0');
  row('ms until the collector holds all', deliveredCell(tracker, 10_000), '– (same window)');
  row('requests; body bytes per event', `${cell(tracker, (run) => run.requests, 0)}; ${cell(tracker, (run) => run.bytesPerEvent, 0)}`, '0; –');
  row('main-thread busy, ms (CDP TaskDuration)', cell(tracker, (run) => run.busyMs, 0), cell(noop, (run) => run.busyMs, 0));
  row('long tasks: count / total ms / longest ms', longTasksCell(tracker, 'longTasksAfter'), longTasksCell(noop, 'longTasksAfter'));
  if (tracker.some((run) => run.duplicates)) row('events sent twice', cell(tracker, (run) => run.duplicates, 0), '–');
}

console.log(`beacon-tracker bench, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: Chromium ${chromiumVersion}, ${os.cpus().length} cores, node ${process.version}, build ${path.relative(repoRoot, distDir) || '.'}/`);
console.log(`load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end`);
console.log();
console.log('| figure | script build | no-op page |');
console.log('|---|---:|---:|');
console.log(rows.join('\n'));
console.log();
if (esm) console.log(`dist/index.js (ESM, before the app's bundler and minifier): ${number(esm.minified)} B, ${number(esm.gzip)} B gzip -9, ${number(esm.brotli)} B brotli`);
console.log('Medians, (min–max) over runs; each run a fresh browser context. The no-op page is measured over the window the script');
console.log(`build took in the run before it (at most ${NOOP_WINDOW_CAP / 1000} s). Long tasks (PerformanceObserver longtask, over 50 ms): each run's`);
console.log('count / total ms / longest ms, in run order, or 0 when no run had any.');
console.log("Requests: POST /track in the collector's raw log; body bytes from it too (headers and the CORS preflight not counted).");
for (const [n, profile] of profiles) {
  const title = `CPU profile of one more burst of ${number(n)} events, from the first call until the collector held all (100 µs sampling; the profiler slows the page)`;
  console.log(`\n${summariseProfile(profile, title, distDir, repoRoot)}`);
}
console.log(`\n${((Date.now() - began) / 1000).toFixed(0)} s`);
