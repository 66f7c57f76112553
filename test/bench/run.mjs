// `npm run bench`: what a page pays for the script build, beside two pages in the same Chromium run against
// the demo collector: an in-memory template (pages/memory.js: a tracker that keeps nothing, with the same
// wire format and bounds), so that the price of durability reads as one ratio, and a no-op page (a
// window.tracker that does nothing), the floor. It prints numbers and asserts nothing: timings on a shared
// 2-core machine are noisy. The size budget is test/size.test.ts; the long-task check is e2e/long-tasks.e2e.ts.
// After the table, one more run of each scenario on the script build, traced: its costliest task in CPU time.
//
//   npm run bench                  build, then measure (2 to 3 minutes on 2 cores; no repetition starts after 3)
//   npm run bench -- --reps 5      runs of each 1,000-event scenario (3); --reps-10k for the 10,000 ones (2)
//   npm run bench -- --profile     also CPU profiles of the script build, one more run of each scenario: top functions by self time
//   npm run bench -- --dist DIR    measure another build (DIR holds tracker.min.js), relative to the repo
//   npm run bench -- --scenarios burst1k,hide1k   only these (the names of SCENARIOS below)
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
    reps: { type: 'string', default: '3' },
    scenarios: { type: 'string' },
    'reps-10k': { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    dist: { type: 'string', default: 'dist' },
  },
});
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const pagesDir = fileURLToPath(new URL('pages', import.meta.url));
const distDir = path.resolve(repoRoot, options.dist);
/** The pages, each `/<kind>.html`, in the order each scenario runs them. */
const KINDS = ['tracker', 'memory', 'noop'];
/** Ms the collector may take to hold every event of a run; past it the run is reported incomplete. */
const DELIVERY_CAP = { 1000: 20_000, 10_000: 60_000 };
/** The no-op page's window is the script build's, up to this: an idle page adds next to nothing. */
const NOOP_WINDOW_CAP = 3000;
/** Repetitions after the first start only within this time, so that a slow build still ends in 5 minutes. */
const BUDGET_MS = 180_000;
/** After the page loaded: init()'s own drain (an empty queue) is over before anything is measured. */
const SETTLE_MS = 300;
/**
 * After the collector held all: what a tracker still does then (deleting what was delivered) is its work
 * too. Long tasks are counted until the end of it, and busy time is given with it as well.
 */
const TAIL_MS = 500;
/** A page hidden: its window ends once the collector got nothing more for this long. */
const QUIET_MS = 1000;

/**
 * The scenarios, each run on every page. `n` events tracked in one task of the caller (its loop); then
 * `flush()` in that task, or the page hidden in the next task (as a tab switch does it: docs/browsers.md), or the
 * events tracked offline and the network back once flush() said they are queued (a backlog drained).
 */
const ALL_SCENARIOS = {
  burst1k: { n: 1000, label: '1,000 events, default options' },
  flush1k: { n: 1000, flush: true, label: '1,000 events, flush() after the loop' },
  hide1k: { n: 1000, hide: true, label: '1,000 events, the page hidden right after the loop (a task of its own)' },
  burst10k: { n: 10_000, label: '10,000 events, default options' },
  offline10k: { n: 10_000, offline: true, label: '10,000 events tracked offline, then online: a backlog drained' },
};
const SCENARIOS = options.scenarios ? Object.fromEntries(options.scenarios.split(',').map((name) => [name, ALL_SCENARIOS[name]])) : ALL_SCENARIOS;
for (const [name, scenario] of Object.entries(SCENARIOS)) if (!scenario) throw new Error(`--scenarios: no scenario ${name}; one of ${Object.keys(ALL_SCENARIOS).join(', ')}`);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
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
const bytes = {
  tracker: sizes(path.join(distDir, 'tracker.min.js')),
  memory: sizes(path.join(pagesDir, 'memory.js')),
  noop: sizes(path.join(pagesDir, 'noop.js')),
};
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
  /**
   * The main thread's time so far, ms: `task` in tasks (CDP TaskDuration, wall time: what the page waits
   * for), `cpu` on the CPU (ThreadTime: what another process on a shared machine does not stretch).
   */
  const mainThread = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const value = (name) => metrics.find((metric) => metric.name == name).value * 1000;
    return { task: value('TaskDuration'), cpu: value('ThreadTime') };
  };
  return { context, page, cdp, startup, mainThread };
}

/**
 * n track() calls in one task of the page, as a burst of clicks would come; flush() after them in that task
 * if asked, or the page hidden in a task of its own right after. Resolves with the loop's times (page clock, and wall clock
 * for the collector's log) and, with `hide`, when the page was hidden.
 */
function trackBurst(page, n, { flush = false, hide = false } = {}) {
  return page.evaluate(
    ({ n, flush, hide }) =>
      new Promise((resolve) =>
        setTimeout(() => {
          const wall = Date.now();
          const start = performance.now();
          // A fresh properties object per call, as a page passes them; the trackers snapshot it (JSON).
          for (let i = 0; i < n; i++) tracker.track('purchase', { product: 'shoe', price: 42, i });
          const end = performance.now();
          console.timeStamp('bench:loop-end'); // in the trace: which task was the loop's
          if (flush) tracker.flush();
          if (!hide) return resolve({ wall, start, end });
          // In a task of its own, before the timers the trackers armed during the loop (as a tab switch may
          // come): every event is still the page's. A headless page cannot be hidden but by leaving it: the
          // page says it is hidden (docs/browsers.md).
          scheduler.postTask(
            () => {
              const hideWall = Date.now();
              Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
              document.dispatchEvent(new Event('visibilitychange'));
              resolve({ wall, start, end, hideWall });
            },
            { priority: 'user-blocking' },
          );
        }),
      ),
    { n, flush, hide },
  );
}

/**
 * Starts a trace of the page's tasks (Chrome's `toplevel` category: each task's wall and thread time); the
 * function it resolves to ends it and resolves to its events. A long task says how long the page waited, not
 * how much of that the task ran: on a machine shared with other work, the trace's CPU time says how close
 * to 50 ms a task would be on a quiet one.
 */
async function trace(cdp) {
  const events = [];
  const collect = ({ value }) => events.push(...value);
  cdp.on('Tracing.dataCollected', collect);
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['toplevel', 'devtools.timeline'] } });
  return async () => {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await complete;
    cdp.off('Tracing.dataCollected', collect);
    return events;
  };
}

/** From a trace: the task after the loop's own with the most CPU time (ms, and its wall ms), and how many took over 50 ms of CPU. */
function tasksAfterLoop(events) {
  const mark = events.find((event) => event.name == 'TimeStamp' && event.args?.data?.message == 'bench:loop-end');
  if (!mark) return undefined;
  const tasks = events.filter((event) => event.ph == 'X' && event.name == 'ThreadControllerImpl::RunTask' && event.pid == mark.pid && event.tid == mark.tid);
  const after = tasks.filter((task) => task.ts > mark.ts);
  const longest = after.reduce((most, task) => (task.tdur > (most?.tdur ?? -1) ? task : most), undefined);
  return { cpu: (longest?.tdur ?? 0) / 1000, wall: (longest?.dur ?? 0) / 1000, overCpu: after.filter((task) => task.tdur > 50_000).length };
}

/** The page's long tasks [start, duration] that end after `since` (page clock). */
const longTasksSince = (page, since) =>
  page.evaluate((since) => {
    for (const task of bench.observer.takeRecords()) bench.longTasks.push([task.startTime, task.duration]);
    return bench.longTasks.filter(([start, duration]) => start + duration > since);
  }, since);

/**
 * The long tasks from the loop on, in two: the task the caller's loop ran in (it starts before the loop's first
 * call: entries are whole milliseconds, hence the 1 ms), and every task after it.
 */
function splitAtLoop(tasks, loop) {
  const loopTask = tasks.find(([start]) => start <= loop.start + 1);
  return { loopTask: longTaskFigures(loopTask ? [loopTask] : []), after: longTaskFigures(tasks.filter((task) => task != loopTask)) };
}

const longTaskFigures = (tasks) => ({ count: tasks.length, longest: Math.max(0, ...tasks.map(([, duration]) => duration)) });

/** Resolves once the script build's IndexedDB queue holds n events (its meta record's count, not its chunks read: docs/storage.md), or throws at 60 s. */
async function queued(page, n) {
  const end = Date.now() + 60_000;
  const count = () =>
    page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const request = indexedDB.open('beacon-tracker');
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            // The queue's meta record ['bt'] counts the events its chunks hold (docs/storage.md).
            const meta = request.result.transaction('queue').objectStore('queue').get(['bt']);
            meta.onsuccess = () => {
              request.result.close();
              resolve(meta.result?.count ?? 0);
            };
          };
        }),
    );
  while ((await count()) < n) {
    if (Date.now() > end) throw new Error(`IndexedDB did not hold ${n} events within 60 s`);
    await sleep(20);
  }
}

/** Resolves true once the collector holds n distinct events, false at the cap. */
async function collectorHolds(n, capMs) {
  const end = Date.now() + capMs;
  while (collector.store.size < n) {
    if (Date.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/**
 * Resolves once the collector got a request and then none for QUIET_MS (a page hidden sends what it sends at
 * once, and keeps the rest for later), or at the cap; true when it holds all n by then.
 */
async function collectorQuiet(n, capMs) {
  const end = Date.now() + capMs;
  let count = collector.rawLog.length;
  let since = Date.now();
  while (!count || Date.now() - since < QUIET_MS) {
    if (Date.now() > end) break;
    await sleep(20);
    if (collector.rawLog.length != count) [count, since] = [collector.rawLog.length, Date.now()];
  }
  return collector.store.size >= n;
}

/** What the collector's raw log says: when it held n distinct events and got its last request (ms since `from`), requests, bytes. */
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
  const last = collector.rawLog.at(-1);
  return {
    deliveredMs: complete,
    lastMs: last ? Date.parse(last.at) - from : null,
    delivered: ids.size,
    requests: collector.rawLog.length,
    bytesPerEvent: ids.size ? bodyBytes / ids.size : null,
    duplicates: eventsSent - ids.size,
  };
}

/**
 * One scenario on one page. Its window runs from the first call (from `online` for a backlog) until the
 * collector holds all n events (for a page hidden, until it got no more for QUIET_MS: what a hidden page
 * does not send it keeps for a later page); the no-op page sends nothing, and its window is `windowMs`, the
 * time the script build took in the run before it. Busy time is CDP's TaskDuration over the window, and the
 * main thread's CPU time beside it (for a backlog, the drain's alone, and the offline part apart); long
 * tasks are counted from the loop until TAIL_MS after the window.
 */
async function measure(kind, { n, flush, hide, offline }, windowMs, { traced: tracing = false } = {}) {
  const { context, page, cdp, startup, mainThread } = await open(kind);
  const since = (from, to) => ({ task: to.task - from.task, cpu: to.cpu - from.cpu });
  try {
    if (offline) await context.setOffline(true);
    // Tracing costs the script build's many small IndexedDB tasks more than the template's few (about a
    // quarter more CPU here): only the extra runs that ask for it are traced, never those of the table.
    const traced = tracing && (await trace(cdp));
    const before = await mainThread();
    const loop = await trackBurst(page, n, { flush, hide });
    const result = { startup, perCallUs: ((loop.end - loop.start) * 1000) / n };
    let from = loop.wall;
    let busyFrom = before;
    if (offline) {
      // Its own timer writes them to IndexedDB. flush() may resolve before that write is done (it awaits
      // only what it hands over itself): the backlog is whole once IndexedDB holds all n.
      await page.evaluate(() => tracker.flush());
      if (kind == 'tracker') await queued(page, n);
      result.queuedMs = Date.now() - loop.wall;
      result.sentOffline = collector.rawLog.length;
      busyFrom = await mainThread();
      result.busyOffline = since(before, busyFrom);
      from = Date.now();
      await context.setOffline(false);
    }
    const complete =
      kind == 'noop' ? await sleep(from + windowMs - Date.now())
      : hide ? await collectorQuiet(n, DELIVERY_CAP[n])
      : await collectorHolds(n, DELIVERY_CAP[n] ?? 20_000);
    result.windowMs = Date.now() - from;
    result.busy = since(busyFrom, await mainThread());
    await sleep(TAIL_MS);
    result.busyTail = since(busyFrom, await mainThread());
    Object.assign(result, splitAtLoop(await longTasksSince(page, loop.start), loop));
    if (traced) result.traced = tasksAfterLoop(await traced());
    if (kind != 'noop') Object.assign(result, { complete, ...wire(n, from) });
    if (hide) result.hiddenAfterMs = loop.hideWall - loop.wall;
    return result;
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
  if (kind != 'noop' && collector.store.size < n) await sleep(500);
}

/** Runs a scenario on every page, the no-op one over the script build's window; a run that throws is reported, not fatal. */
async function runAll(results, name) {
  const runs = {};
  for (const kind of KINDS) {
    const windowMs = Math.min(runs.tracker?.windowMs ?? 1000, NOOP_WINDOW_CAP);
    runs[kind] = await measure(kind, SCENARIOS[name], windowMs).catch((error) => ({ error }));
    if (runs[kind].error) console.error(`${name}, ${kind}: ${runs[kind].error.message.split('\n')[0]}`);
    ((results[name] ||= Object.fromEntries(KINDS.map((each) => [each, []])))[kind]).push(runs[kind]);
  }
  process.stderr.write('.');
}

const results = {};
const profiles = [];
const traces = [];
try {
  await measure('tracker', { n: 100 }).catch(() => {}); // warms the browser and the servers, not the tracker: a fresh context each run
  for (let rep = 0; rep < Math.max(+options.reps, +options['reps-10k']); rep++) {
    if (rep && Date.now() - began > BUDGET_MS) break;
    for (const [name, { n }] of Object.entries(SCENARIOS)) {
      if (rep < (n < 10_000 ? +options.reps : +options['reps-10k'])) await runAll(results, name);
    }
  }
  for (const name of Object.keys(SCENARIOS)) traces.push([name, await measure('tracker', SCENARIOS[name], 0, { traced: true }).catch((error) => ({ error }))]);
  if (options.profile) for (const name of Object.keys(SCENARIOS)) profiles.push([name, await profileRun(SCENARIOS[name])]);
} finally {
  process.stderr.write('\n');
  await browser.close().catch(() => {});
  await server.close();
}

/**
 * One more run of a scenario on the script build under the CPU profiler (100 µs sampling), from the first
 * call (from `online` for a backlog) until the collector holds all (a page hidden: until it got nothing more).
 */
async function profileRun({ n, flush, hide, offline }) {
  const { context, page, cdp } = await open('tracker');
  try {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    if (offline) {
      await context.setOffline(true);
      await trackBurst(page, n);
      await page.evaluate(() => tracker.flush());
      await queued(page, n);
    }
    await cdp.send('Profiler.start');
    if (offline) await context.setOffline(false);
    else await trackBurst(page, n, { flush, hide });
    await (hide ? collectorQuiet(n, DELIVERY_CAP[n]) : collectorHolds(n, DELIVERY_CAP[n]));
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
function cell(runs, figure, digits, unit = '') {
  const values = runs.filter((run) => !run.error).map(figure).filter(Number.isFinite);
  if (!values.length) return runs.some((run) => run.error) ? 'error' : '–';
  const [min, max] = [Math.min(...values), Math.max(...values)].map((value) => number(value, digits));
  const range = min == max ? '' : ` (${min}–${max})`;
  return number(median(values), digits) + unit + range;
}
/** Each run's count / longest ms, in run order (a median of a few counts would invent long tasks under 50 ms). */
function longTasksCell(runs, key) {
  const figures = runs.filter((run) => !run.error).map((run) => run[key]);
  if (!figures.length) return '–';
  if (figures.every(({ count }) => count == 0)) return '0';
  return figures.map(({ count, longest }) => (count ? `${count} / ${number(longest, 0)}` : '0')).join(' · ');
}
const deliveredCell = (runs, n) => {
  const done = runs.filter((run) => !run.error);
  const late = done.filter((run) => !run.complete);
  return late.length ? `${late.length} of ${done.length} runs short at ${number(DELIVERY_CAP[n] / 1000)} s (${late.map((run) => run.delivered).join(', ')} of ${number(n)})` : cell(done, (run) => run.deliveredMs, 0);
};
/**
 * The script build's figure over the template's, run by run (the same repetition, minutes apart at most);
 * none where either fell short of delivering all, except for a page hidden (each sends what it sends).
 */
const ratios = (scenario, figure, hide) =>
  scenario.tracker.map((run, i) => {
    const other = scenario.memory[i];
    return run.error || !other || other.error || (!hide && (!run.complete || !other.complete)) ? NaN : figure(run) / figure(other);
  });
const ratioCell = (scenario, figure, hide) => cell(ratios(scenario, figure, hide).map((ratio) => ({ ratio })), (run) => run.ratio, 1, '×');

const rows = [];
const row = (label, ...cells) => rows.push(`| ${label} | ${cells.join(' | ')} |`);
const section = (label) => rows.push(`| **${label}** | | | |`);
const all = (name) => results[name] || Object.fromEntries(KINDS.map((kind) => [kind, []]));
const startups = (kind) => Object.values(results).flatMap((scenario) => scenario[kind]).filter((run) => !run.error);
const bytesCell = ({ minified, gzip, brotli }) => [minified, gzip, brotli].map((size) => number(size)).join(' / ');
const each = (figure) => KINDS.map((kind) => figure(kind));

section('bytes');
row('file / gzip -9 / brotli 11, B', ...each((kind) => bytesCell(bytes[kind])));
section(`start-up (every page load of this run: ${each((kind) => startups(kind).length).join(', ')})`);
row('script evaluate, ms', ...each((kind) => cell(startups(kind), (run) => run.startup.evaluate)));
row('init(), ms', ...each((kind) => cell(startups(kind), (run) => run.startup.init)));
section('track(), one task of calls');
for (const [name, n] of [['burst1k', 1000], ['burst10k', 10_000]]) {
  row(`µs per call over ${number(n)} calls`, ...each((kind) => cell(all(name)[kind], (run) => run.perCallUs)));
}
for (const [name, { n, label, offline, hide }] of Object.entries(SCENARIOS)) {
  const scenario = all(name);
  const { tracker, memory, noop } = scenario;
  const runs = tracker.length == 1 ? '1 run' : `${tracker.length} runs`;
  section(`${label} (${runs}): ${offline ? 'from `online`' : 'from the first call'} until the collector ${hide ? `got nothing for ${QUIET_MS / 1000} s` : 'holds all'}`);
  if (offline) {
    row('ms from the first call until all are queued (script build: in IndexedDB; template: flush() resolved)', ...each((kind) => cell(scenario[kind], (run) => run.queuedMs, 0)));
    row('main-thread busy meanwhile, ms', ...each((kind) => cell(scenario[kind], (run) => run.busyOffline.task, 0)));
    row('requests while offline', cell(tracker, (run) => run.sentOffline, 0), cell(memory, (run) => run.sentOffline, 0), '0');
  }
  if (hide) {
    row('ms from the first call until hidden', ...each((kind) => cell(scenario[kind], (run) => run.hiddenAfterMs, 0)));
    row(`events at the collector once it got nothing for ${QUIET_MS / 1000} s`, cell(tracker, (run) => run.delivered, 0), cell(memory, (run) => run.delivered, 0), '–');
    row('ms from the first call until the last request', cell(tracker, (run) => run.lastMs, 0), cell(memory, (run) => run.lastMs, 0), '–');
  } else row('ms until the collector holds all', deliveredCell(tracker, n), deliveredCell(memory, n), '– (the script build’s)');
  row('requests; body bytes per event', ...[tracker, memory].map((runs) => `${cell(runs, (run) => run.requests, 0)}; ${cell(runs, (run) => run.bytesPerEvent, 0)}`), '0; –');
  if ([...tracker, ...memory].some((run) => run.duplicates)) row('events sent twice', cell(tracker, (run) => run.duplicates, 0), cell(memory, (run) => run.duplicates, 0), '–');
  row(`main-thread busy, ms (CDP TaskDuration)${offline ? ': the drain' : ''}`, ...each((kind) => cell(scenario[kind], (run) => run.busy.task, 0)));
  row('… µs per event', ...each((kind) => cell(scenario[kind], (run) => (run.busy.task * 1000) / n, 0)));
  row(`… with the ${TAIL_MS} ms after, ms`, ...each((kind) => cell(scenario[kind], (run) => run.busyTail.task, 0)));
  row('**busy ÷ the in-memory template’s**', ratioCell(scenario, (run) => run.busy.task, hide), '1', '–');
  row(`… with the ${TAIL_MS} ms after`, ratioCell(scenario, (run) => run.busyTail.task, hide), '1', '–');
  row('main-thread CPU, ms (CDP ThreadTime)', ...each((kind) => cell(scenario[kind], (run) => run.busy.cpu, 0)));
  row('… CPU ÷ the in-memory template’s', ratioCell(scenario, (run) => run.busy.cpu, hide), '1', '–');
  row('long tasks: the caller’s loop’s task, count / ms', ...each((kind) => longTasksCell(scenario[kind], 'loopTask')));
  row(`long tasks after it${offline ? ' (the offline write and the drain)' : ''}, count / longest ms`, ...each((kind) => longTasksCell(scenario[kind], 'after')));
}

console.log(`beacon-tracker bench, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: Chromium ${chromiumVersion}, ${os.cpus().length} cores, node ${process.version}, build ${path.relative(repoRoot, distDir) || '.'}/`);
console.log(`load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end`);
console.log();
console.log('| figure | script build | in-memory template | no-op page |');
console.log('|---|---:|---:|---:|');
console.log(rows.join('\n'));
console.log();
if (esm) console.log(`dist/index.js (ESM, before the app's bundler and minifier): ${number(esm.minified)} B, ${number(esm.gzip)} B gzip -9, ${number(esm.brotli)} B brotli`);
console.log(`Medians, (min–max) over runs; each run a fresh browser context. The in-memory template (test/bench/pages/memory.js)
keeps nothing: the same wire format and request bounds as the script build, its events in memory only. The no-op page is
measured over the window the script build took in the run before it (at most ${NOOP_WINDOW_CAP / 1000} s). Busy: CDP TaskDuration, the main
thread's time in tasks (wall time, which other work on the machine stretches); CPU: ThreadTime, its time on the CPU (which
that work does not stretch). Ratios: run by run, the script build's over the template's of the same repetition. Long tasks
(PerformanceObserver longtask, over 50 ms), from the loop until ${TAIL_MS} ms after the collector held all: each run's
count / longest ms, in run order, or 0 when no run had any. Requests: POST /track in the collector's raw log; body bytes
from it too (headers and the CORS preflight not counted).`);
// The one line to read: what durability costs, and whether the tracker ever blocked the page.
const summary = Object.entries(SCENARIOS).map(([name, { n, offline, hide }]) => {
  const ratio = (figure) => number(median(ratios(all(name), figure, hide)), 1);
  return `${offline ? 'backlog drain' : hide ? 'hidden' : name.startsWith('flush') ? 'flush()' : 'burst'} ${number(n)}: ${ratio((run) => run.busy.task)}× (CPU ${ratio((run) => run.busy.cpu)}×)`;
});
console.log(`\nThe price of durability, busy ms until the collector holds all, script build ÷ in-memory template: ${summary.join(', ')}.`);
const after = Object.entries(SCENARIOS).map(([name]) => {
  const runs = all(name).tracker.filter((run) => !run.error);
  const longest = Math.max(0, ...runs.map((run) => run.after.longest));
  return `${name} ${runs.map((run) => run.after.count).join(' · ')}${longest ? ` (longest ${number(longest, 0)} ms)` : ''}`;
});
console.log(`Long tasks of the script build after the caller's loop, per run: ${after.join(', ')}.`);
console.log(`\nOne more run of each scenario on the script build, traced (Chrome's toplevel tasks: wall and thread time), from the loop until ${TAIL_MS} ms`);
console.log('after the collector held all: how close its costliest task after the loop is to 50 ms of CPU, whatever the load.');
console.log('| scenario | long tasks after the loop: count / longest ms | costliest task after the loop: CPU ms (its wall ms) | tasks over 50 ms of CPU |');
console.log('|---|---:|---:|---:|');
for (const [name, run] of traces) {
  if (run.error || !run.traced) console.log(`| ${SCENARIOS[name].label} | error | ${run.error?.message.split('\n')[0] ?? 'no trace'} | |`);
  else console.log(`| ${SCENARIOS[name].label} | ${run.after.count ? `${run.after.count} / ${number(run.after.longest, 0)}` : '0'} | ${number(run.traced.cpu, 0)} (${number(run.traced.wall, 0)}) | ${run.traced.overCpu} |`);
}
for (const [name, profile] of profiles) {
  const title = `CPU profile of the script build, one more run of "${SCENARIOS[name].label}", ${SCENARIOS[name].offline ? 'from `online`' : 'from the first call'} until the collector held all (100 µs sampling; the profiler slows the page)`;
  console.log(`\n${summariseProfile(profile, title, distDir, repoRoot)}`);
}
console.log(`\n${((Date.now() - began) / 1000).toFixed(0)} s`);
