// Delivery when the visitor never comes back: a site whose service worker loads the tracker's worker
// build (e2e/pages/sw.js), and pages with backgroundSync on (e2e/pages/sync.html). The sync a browser would
// fire by itself, minutes later, is fired through the driver (Chromium: CDP), with no page of the site open.
import { describe, expect, it } from 'vitest';
import type { Context } from './driver';
import { eventsOf, trackRequests } from './helpers/collector';
import { collectorDown, collectorUp, deliveredRequests, setFault, wireDuplicates } from './helpers/faults';
import { useSuite } from './helpers/site';
import { waitFor, waitForQuiet } from './helpers/wait';
import { requires } from './helpers/requires';


const suite = useSuite();
const SYNC_TAG = 'beacon-tracker';
const TYPE = 'left-behind';

/**
 * A visit while the collector fails: a page of the site, its service worker active, tracks `count` events
 * and flushes; the collector answers 503, so they stay queued and the page registers the sync. Chromium
 * fires a sync at once when it is online: the worker tries too, and fails. Then the page closes, and the
 * collector goes down (connections refused). Returns the events' ids.
 */
async function trackAndLeave(context: Context, count: number): Promise<string[]> {
  await setFault(suite, { mode: 'status', status: 503 });
  const page = await context.newPage(suite.page('/e2e/sync.html'));
  expect(await page.evaluate(() => registered)).toBe(true);
  const ids = await page.evaluate(
    async ({ type, count }) => {
      const ids = Array.from({ length: count }, (_, i) => tracker.track(type, { seq: i + 1 }));
      await tracker.flush();
      return ids;
    },
    { type: TYPE, count },
  );
  await waitFor(() => page.evaluate(() => navigator.serviceWorker.ready.then((registration) => (registration as any).sync.getTags())).then((tags) => tags.includes(SYNC_TAG)), {
    what: 'the sync the page registered',
  });
  expect(await page.evaluate(() => errors)).toEqual([]);
  await page.close();
  // The page's request and the worker's first try, both refused with 503 (a faulting collector reads no body).
  await waitFor(() => trackRequests(suite.collector).length >= 2, { what: "the worker's first try" });
  await collectorDown(suite);
  await setFault(suite, { mode: 'ok' });
  return ids;
}

const siteOrigin = () => new URL(suite.siteUrl).origin;
const arrivedOnce = (ids: string[]) => ids.every((id) => suite.collector.store.get(id)?.seen == 1);

describe('background sync', () => {
  it('the worker delivers what closed pages left, with no page of the site open; a page opened later sends nothing again', async () => {
    requires(suite, 'backgroundSync');
    const context = await suite.context();
    const ids = await trackAndLeave(context, 12);
    await collectorUp(suite);
    await context.dispatchSync(siteOrigin(), SYNC_TAG);
    await waitFor(() => ids.every((id) => suite.collector.store.get(id)), { what: 'the events, sent by the worker' });
    expect(arrivedOnce(ids)).toBe(true);
    expect(wireDuplicates(suite.collector, ids)).toBe(0);
    expect(deliveredRequests(suite.collector, ids)).toHaveLength(1); // the worker's, from the backlog in one request

    const later = await context.newPage(suite.page('/e2e/sync.html'));
    await later.evaluate(() => tracker.flush());
    await waitForQuiet(() => suite.collector.rawLog.length);
    expect(deliveredRequests(suite.collector, ids)).toHaveLength(1);
    expect(eventsOf(suite.collector, TYPE)).toHaveLength(12);
  });

  it('a sync while the collector is still down loses nothing: the next page delivers', async () => {
    requires(suite, 'backgroundSync');
    const context = await suite.context();
    const ids = await trackAndLeave(context, 5);
    await context.dispatchSync(siteOrigin(), SYNC_TAG); // it fails: the browser would try again later
    await context.dispatchSync(siteOrigin(), SYNC_TAG, true); // the last chance: the events stay for the next page
    await collectorUp(suite);
    const next = await context.newPage(suite.page('/e2e/sync.html'));
    await next.evaluate(() => tracker.flush());
    await waitFor(() => arrivedOnce(ids), { what: 'the events, sent by the next page' });
    expect(eventsOf(suite.collector, TYPE)).toHaveLength(5);
  });

  it('a page opened while the worker drains does not send the same events again', async () => {
    requires(suite, 'backgroundSync');
    const context = await suite.context();
    const ids = await trackAndLeave(context, 8);
    // Stored at once, answered late: the worker holds the lock meanwhile. (Chromium may also fire the sync
    // again by itself once the collector is reachable: any request now is the worker's, no page is open.)
    await setFault(suite, { mode: 'slow', delayMs: 1500 });
    const tries = trackRequests(suite.collector).length;
    await collectorUp(suite);
    await context.dispatchSync(siteOrigin(), SYNC_TAG);
    await waitFor(() => trackRequests(suite.collector).length > tries, { what: "the worker's request" });
    const page = await context.newPage(suite.page('/e2e/sync.html'));
    await page.evaluate(() => tracker.flush());
    await setFault(suite, { mode: 'ok' });
    await waitFor(() => arrivedOnce(ids), { what: 'the events' });
    await waitForQuiet(() => suite.collector.rawLog.length);
    expect(wireDuplicates(suite.collector, ids)).toBe(0);
  });

  it('backgroundSync is harmless where there is no Background Sync: the page delivers as without it', async () => {
    const context = await suite.context();
    const page = await context.newPage(suite.page('/e2e/sync.html'));
    await page.evaluate(() => registered);
    const ids = await page.evaluate(async (type) => {
      const ids = [tracker.track(type, { seq: 1 }), tracker.track(type, { seq: 2 })];
      await tracker.flush();
      return ids;
    }, TYPE);
    await waitFor(() => arrivedOnce(ids), { what: 'the events' });
    expect(await page.evaluate(() => errors)).toEqual([]);
  });
});
