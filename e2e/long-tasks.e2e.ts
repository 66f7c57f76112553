// No task of the tracker over 50 ms, whatever it does: after a burst of 1,000 or of 10,000 track() calls
// (the caller's loop is the caller's), while it drains a backlog of 10,000 events tracked offline, and when
// the page is hidden with 1,000 events pending. Default options, the script build, once its start-up is over.
// The same scenarios as `npm run bench`, which says how long each task was; here only whether one went over.
//
// How a long task is attributed (e2e/helpers/long-tasks.ts): an observer of `longtask` entries runs from
// before the tracker loads (e2e/pages/long-tasks.js). The task the caller's loop ran in is the caller's; what
// ran in it after the loop's last call is the tracker's. Every other long task from the loop until 500 ms
// after the collector held all (a page hidden: after it got nothing more for a second) is the tracker's,
// since nothing else runs on the page: the control page (long-tasks-noop.html, a tracker that does nothing)
// runs the same loop and every step of the harness over the same time, and must have none. A failure
// names the scripts of the long animation frames it overlaps (their entry points, mapped to src/).
//
// No headroom on the 50 ms: it is the API's own line and the tracker's promise (docs/performance.md). The
// only slack is the 1 ms where the loop's times meet the entries' whole milliseconds. A loaded machine
// stretches a task now and then: a scenario fails when every one of its runs (up to three) had a long
// task of the tracker. The bench prints each task's CPU time beside its wall time, to see how close.
import { expect, it } from 'vitest';
import { queuedCount, type Page } from './driver';
import { eventsOf, trackRequests } from './helpers/collector';
import { describeOffence, trackerTasks, type FrameScript, type LongTask, type Loop } from './helpers/long-tasks';
import { requires } from './helpers/requires';
import { useSuite } from './helpers/site';
import { waitFor, waitForQuiet } from './helpers/wait';

const suite = useSuite();
const TYPE = 'long-task-check';
/** The drain deletes what was delivered after the collector answered: its tasks come after the collector held all. */
const TAIL_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Scenario {
  n: number;
  /** The events tracked offline, left until IndexedDB holds them all, then the network back: a backlog drained. */
  offline?: boolean;
  /** The page hidden in a task of its own right after the loop, before any timer the tracker armed. */
  hide?: boolean;
}

/**
 * n track() calls in one task, as a burst of clicks comes; with `hide`, the page then says it is hidden (a
 * headless page cannot be hidden but by leaving it: docs/browsers.md), in a task of its own.
 */
const burst = (page: Page, { n, hide = false }: Scenario) =>
  page.evaluate(
    ({ n, hide, type }) =>
      new Promise<Loop>((resolve) =>
        setTimeout(() => {
          const start = performance.now();
          for (let i = 0; i < n; i++) tracker.track(type, { seq: i, product: 'shoe', price: 42 });
          const end = performance.now();
          if (!hide) return resolve({ start, end });
          scheduler.postTask(
            () => {
              Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
              document.dispatchEvent(new Event('visibilitychange'));
              resolve({ start, end });
            },
            { priority: 'user-blocking' },
          );
        }),
      ),
    { n, hide, type: TYPE },
  );

/**
 * A scenario on the script build's page (until the collector holds all, or for a page hidden until it got
 * nothing more for a second; and TAIL_MS after), or on the control page over `windowMs`, the time the
 * script build's page took. What is left of its long tasks once the caller's are set aside.
 */
async function run(scenario: Scenario, control?: { windowMs: number }) {
  const context = await suite.context();
  const page = await context.newPage(suite.page(control ? '/e2e/long-tasks-noop.html' : '/e2e/long-tasks.html'));
  // The tracker's start-up (init's drain of what earlier pages left: nothing here) is over, so that each
  // scenario is what it says, as in the bench (flush() resolves after the drain under way).
  await page.evaluate(() => tracker.flush());
  if (scenario.offline) await context.setOffline(true);
  const began = Date.now();
  const loop = await burst(page, scenario);
  if (scenario.offline) {
    await page.evaluate(() => tracker.flush());
    // flush() may resolve before a hand-over already under way (the tracker's own timer's) is written: the
    // backlog is whole once IndexedDB holds it all. The control holds nothing, and is asked the same.
    await waitFor(async () => (await queuedCount(page)) >= (control ? 0 : scenario.n), { timeout: 30_000, what: `${scenario.n} events in IndexedDB` });
    await context.setOffline(false);
  }
  if (control) await sleep(began + control.windowMs - Date.now());
  else if (scenario.hide) {
    // A page hidden beacons what the quota lets it and keeps the rest for a later page: its window ends
    // once the collector got what it sends.
    await waitFor(() => trackRequests(suite.collector).length, { what: 'a beacon of the hidden page' });
    await waitForQuiet(() => trackRequests(suite.collector).length, { quiet: 1000 });
  } else {
    await waitFor(() => eventsOf(suite.collector, TYPE).length >= scenario.n, { timeout: 40_000, what: `${scenario.n} events at the collector` });
  }
  const windowMs = Date.now() - began;
  await sleep(TAIL_MS);
  const { tasks, scripts } = await page.evaluate(() => longTasks as { tasks: LongTask[]; scripts: FrameScript[] });
  await context.close();
  return { windowMs, offences: trackerTasks(tasks, loop).map((offence) => describeOffence(offence, loop, scripts)) };
}

/**
 * A long task is a measure of wall time, which a loaded machine stretches (measured on 2 cores: a hidden
 * page's task of 19 ms on the CPU took 54 to 61 ms in some runs, under 50 in others). A tracker that makes
 * one makes it in every run: the scenario runs up to RUNS times and fails when none was clean.
 */
const RUNS = 3;

/** The scenario on the script build's page, then on the control page over the same time: only the tracker's long tasks count. */
async function expectNoLongTask(scenario: Scenario) {
  requires(suite, 'longTasks');
  if (scenario.offline) requires(suite, 'offline');
  for (let attempt = 1; ; attempt++) {
    const tracker = await run(scenario);
    if (!tracker.offences.length) return;
    const control = await run(scenario, { windowMs: tracker.windowMs });
    console.log(`[long-tasks] run ${attempt} of ${RUNS}: ${JSON.stringify(tracker.offences)}; the control page: ${JSON.stringify(control.offences)}`);
    if (attempt < RUNS) continue;
    expect(control.offences, 'the control page (a tracker that does nothing) had long tasks: the harness or the machine made them, and the tracker cannot be told from them').toEqual([]);
    expect(tracker.offences, `long tasks of the tracker in each of ${RUNS} runs, the last's here (${tracker.windowMs} ms from the loop until the collector ${scenario.hide ? 'got nothing more' : 'held all'}, and ${TAIL_MS} ms after)`).toEqual([]);
  }
}

/** Three runs and their controls of the 10,000-event scenarios take about 40 s on 2 cores. */
const TIMEOUT = 120_000;

it('a burst of 1,000 track() calls: no task of the tracker over 50 ms until they are delivered', () => expectNoLongTask({ n: 1000 }), TIMEOUT);

it('a burst of 10,000 track() calls: no task of the tracker over 50 ms after the caller’s loop, until they are delivered', () =>
  expectNoLongTask({ n: 10_000 }), TIMEOUT);

it('a backlog of 10,000 events tracked offline: no task of the tracker over 50 ms while it is queued and drained', () =>
  expectNoLongTask({ n: 10_000, offline: true }), TIMEOUT);

it('a page hidden with 1,000 events pending: no task of the tracker over 50 ms as it hands them over and they leave', () =>
  expectNoLongTask({ n: 1000, hide: true }), TIMEOUT);
