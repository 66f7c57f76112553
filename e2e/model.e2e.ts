// The event model in a real browser, asserted at the demo collector: identify and reconciliation, publish
// and immediate delivery, collect() and profile-less payloads, consent, page views, reset and beforeSend.
// Every page keeps what was thrown into it (e2e/pages/errors.js): nothing may be.
import { describe, expect, it } from 'vitest';
import { localItem, queuedRecords, storedIds, type Context, type Page } from './driver';
import { eventsOf, payloads, trackRequests, UUID_V4, waitForEvents, type StoredEvent } from './helpers/collector';
import { pageErrors } from './helpers/errors';
import { collectorDown, collectorUp, expectAllDelivered, missing, trackSeq } from './helpers/faults';
import { useSuite } from './helpers/site';
import { waitFor, waitForQuiet } from './helpers/wait';


const suite = useSuite();

/** The records of the tracker's IndexedDB queue under `name` (keys `[name, url, at, id, last id]`; the meta's is `[name]`). */
const queued = queuedRecords;

/** Waits until nothing more arrives at the collector, then gives the requests it got in all. */
async function quietRequests() {
  await waitForQuiet(() => suite.collector.rawLog.length, { quiet: 1500 });
  return suite.collector.rawLog.length;
}

describe('identify and reconciliation', () => {
  it('links the anonymous events before a reload, the identify and the events after it to the customer', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/identify.html'));
    const ids = await trackSeq(page, 'anonymous', 1, 3, true);
    const session = await page.evaluate(() => tracker.sessionId);
    await page.reload();
    ids.push(await page.evaluate(() => tracker.identify('c-42', { plan: 'gold' })));
    ids.push(...(await trackSeq(page, 'known', 4, 2, true)));
    await expectAllDelivered(suite.collector, ids, { scenario: 'identify after a reload' });

    // The collector's HTTP API, as a ContactHub user would query it.
    const answer = await (await fetch(`${suite.collectorUrl}/events?profile=c-42&size=100`)).json();
    expect(answer.total).toBe(6);
    expect(answer.items.map((event: StoredEvent) => event.id).sort()).toEqual([...ids].sort());
    const byType = (type: string) => answer.items.filter((event: StoredEvent) => event.type == type);
    expect(byType('identify')).toEqual([expect.objectContaining({ properties: { customerId: 'c-42', traits: { plan: 'gold' } } })]);
    for (const event of byType('known')) expect(event.context.customer).toEqual({ id: 'c-42' });
    for (const event of byType('anonymous')) expect(event.context.customer).toBeUndefined();
    expect(answer.items.every((event: StoredEvent) => event.session!.id == session)).toBe(true); // one session across the reload
    // The collector answers the customer's profile since; the tracker keeps it.
    await waitFor(() => page.evaluate(() => tracker.profileId == 'c-42'), { what: "the customer's profile id in the page" });
    expect(await pageErrors(page)).toEqual([]);
  });
});

describe('publish and immediate delivery', () => {
  it("publish() records '<entity>-<action>'; immediate: true delivers it and the batch before it without waiting for the flush interval", async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/publish.html')); // a flush interval of 10 minutes
    const waiting = await page.evaluate(() => tracker.track('waiting', { seq: 1 }));
    // Past the default interval of 1 s, the event still waits.
    await quietRequests();
    expect(trackRequests(suite.collector)).toEqual([]);
    const published = await page.evaluate(() => tracker.publish('Created', 'Order', { orderId: 'o-1' }, { immediate: true }));
    const [event] = await waitForEvents(suite.collector, 'order-created', 1, 5000);
    expect(event).toMatchObject({ id: published, properties: { orderId: 'o-1' }, source: { id: 'e2e-publish' } });
    expect(suite.collector.store.get(waiting)).toBeDefined(); // the batch went with it
    expect(trackRequests(suite.collector)).toHaveLength(1);
    expect(await pageErrors(page)).toEqual([]);
  });

  it('data-immediate="true" sends every event at once, whatever the flush interval', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/immediate.html')); // a flush interval of 10 minutes
    const first = await page.evaluate(() => tracker.track('now', { seq: 1 }));
    await waitForEvents(suite.collector, 'now', 1, 5000);
    const second = await page.evaluate(() => tracker.publish('Paid', 'Order', { orderId: 'o-1' }));
    await waitForEvents(suite.collector, 'order-paid', 1, 5000);
    expect(trackRequests(suite.collector).map((record) => record.eventIds)).toEqual([[first], [second]]);
    expect(await pageErrors(page)).toEqual([]);
  });
});

describe('profile-less events', () => {
  // Offline where the engine can take a context offline; with the collector down in every engine.
  for (const offline of [true, false]) {
    const how = offline ? 'offline, then online' : 'while the collector is down, then once it is back';
    it(`collect() ${how}: the event arrives at /collect/<type>/<source>, without session or profile`, async () => {
      const context = await suite.context();
      const page = await context.newPage(suite.page('/e2e/collect.html'));
      const goOffline = (context: Context) => (offline ? context.setOffline(true) : collectorDown(suite));
      const goOnline = (context: Context) => (offline ? context.setOffline(false) : collectorUp(suite));
      await goOffline(context);
      await page.evaluate(() => tracker.collect('coupon-received', { voucher: 'V-1', seq: 1 })); // resolves once queued
      expect(suite.collector.rawLog).toEqual([]);
      await goOnline(context);
      const [event] = await waitForEvents(suite.collector, 'coupon-received', 1, 15_000);
      expect(event).toMatchObject({ properties: { voucher: 'V-1', seq: 1 }, source: { id: 'e2e-collect' }, session: null, profile: null });
      const requests = suite.collector.rawLog.filter((record) => record.status == 200);
      expect(requests.map((record) => [record.path, JSON.parse(record.body)])).toEqual([['/collect/coupon-received/e2e-collect', { voucher: 'V-1', seq: 1 }]]);
      expect(await pageErrors(page)).toEqual([]);
    });
  }

  it('data-profile-less="true": payloads go to /track?profile_less=true, with no profile, and none is stored', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/profile-less.html'));
    const ids = await trackSeq(page, 'anonymous', 1, 2, true);
    ids.push(...(await trackSeq(page, 'anonymous', 3, 2, true))); // after the collector's first answer
    await page.reload();
    ids.push(...(await trackSeq(page, 'anonymous', 5, 2, true)));
    await expectAllDelivered(suite.collector, ids, { scenario: 'profile-less payloads' });
    const requests = trackRequests(suite.collector, ids);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const record of requests) expect(record.query).toEqual({ profile_less: 'true' });
    for (const payload of payloads(suite.collector, 'e2e-profile-less')) expect(payload).not.toHaveProperty('profile');
    for (const event of eventsOf(suite.collector, 'anonymous')) expect(event.profile).toBeNull();
    expect(await page.evaluate(() => tracker.profileId)).toBeUndefined();
    const stored = await storedIds(page);
    expect(stored).toMatchObject({ cookie: { session: expect.stringMatching(UUID_V4), profile: undefined }, local: { profile: undefined } });
    expect(await pageErrors(page)).toEqual([]);
  });
});

describe('consent', () => {
  it('consent(false) clears the cookie, localStorage and the queue, sends nothing more, and is still refused after a reload', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/consent.html'));
    const delivered = await trackSeq(page, 'before-refusal', 1, 2, true);
    await expectAllDelivered(suite.collector, delivered, { scenario: 'consent: before the refusal' });
    await collectorDown(suite);
    const waiting = await page.evaluate(async () => {
      const ids = [tracker.identify('c-9'), ...[3, 4, 5].map((seq) => tracker.track('queued', { seq }))];
      await tracker.flush(); // resolves once they are in IndexedDB, the collector refusing
      return ids;
    });
    expect(await queued(page)).toHaveLength(4); // the identify too
    const sent = suite.collector.rawLog.length;

    await page.evaluate(() => tracker.consent(false));
    await waitFor(async () => (await queued(page)).length == 0, { what: 'the queue emptied' });
    expect(await storedIds(page)).toEqual({ cookie: undefined, local: undefined });
    expect(await localItem(page, 'bt:customer')).toBeUndefined();
    expect(await localItem(page, 'bt:consent')).toBe('0'); // the refusal itself is what is remembered
    expect(await page.evaluate(() => [tracker.track('after-refusal'), tracker.sessionId ?? null, tracker.profileId ?? null])).toEqual(['', null, null]);
    await collectorUp(suite);
    await page.evaluate(() => tracker.flush());

    await page.reload();
    expect(await page.evaluate(() => [tracker.track('after-reload'), tracker.sessionId ?? null])).toEqual(['', null]);
    await page.evaluate(() => tracker.flush());
    expect(await quietRequests()).toBe(sent);
    expect(missing(suite.collector, waiting)).toEqual(waiting);
    expect(await storedIds(page)).toEqual({ cookie: undefined, local: undefined });
    expect(await queued(page)).toEqual([]);
    expect(await pageErrors(page)).toEqual([]);
  });
});

describe('page views', () => {
  it('in a single-page app, one page-view per navigation, each with the new page', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/spa.html'));
    // Each navigation a task of its own, as a visitor's clicks are.
    await page.evaluate(() => app.navigate('/e2e/spa/cart?item=7', 'Cart'));
    await page.evaluate(() => history.replaceState({ step: 2 }, '', location.href)); // the same URL: no navigation
    await page.evaluate(() => history.pushState({}, '', location.href)); // likewise
    await page.evaluate(() => app.navigate('/e2e/spa/checkout', 'Checkout'));
    await page.evaluate(() => history.back()); // popstate, back to the cart
    const views = await waitForEvents(suite.collector, 'page-view', 4);
    expect(views.map((event) => event.context.page.url)).toEqual(
      ['/e2e/spa.html', '/e2e/spa/cart?item=7', '/e2e/spa/checkout', '/e2e/spa/cart?item=7'].map((path) => suite.page(path)),
    );
    expect(views.map((event) => event.context.page.path)).toEqual(['/e2e/spa.html', '/e2e/spa/cart', '/e2e/spa/checkout', '/e2e/spa/cart']);
    // The title the app set right after pushState is the new page's.
    expect(views.slice(1, 3).map((event) => event.context.page.title)).toEqual(['Cart', 'Checkout']);
    await quietRequests();
    expect(eventsOf(suite.collector, 'page-view')).toHaveLength(4);
    expect(await pageErrors(page)).toEqual([]);
  });

  it('data-page-views="true" on the script tag records the page view on load', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/page-views.html?from=e2e'));
    const [view] = await waitForEvents(suite.collector, 'page-view', 1);
    expect(view.context.page).toMatchObject({ url: suite.page('/e2e/page-views.html?from=e2e'), path: '/e2e/page-views.html', title: 'Page views' });
    expect(await pageErrors(page)).toEqual([]);
  });
});

describe('reset', () => {
  it('starts a new session, and the events after it carry no customer and no profile', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/reset.html'));
    const before = await page.evaluate(async () => {
      tracker.identify('c-7');
      const id = tracker.track('before-reset', { seq: 1 });
      await tracker.flush();
      return { id, session: tracker.sessionId! };
    });
    await waitFor(() => page.evaluate(() => tracker.profileId == 'c-7'), { what: "the customer's profile id in the page" });
    const after = await page.evaluate(async () => {
      tracker.reset();
      const forgotten = { session: tracker.sessionId!, profile: tracker.profileId ?? null };
      const id = tracker.track('after-reset', { seq: 2 });
      await tracker.flush();
      return { id, ...forgotten };
    });
    expect(after.session).toMatch(UUID_V4);
    expect(after.session).not.toBe(before.session);
    expect(after.profile).toBeNull();
    await expectAllDelivered(suite.collector, [before.id, after.id], { scenario: 'reset' });
    expect(suite.collector.store.get(before.id)).toMatchObject({ session: { id: before.session }, profile: { id: 'c-7' }, context: { customer: { id: 'c-7' } } });
    const later = suite.collector.store.get(after.id)!;
    expect(later.session).toEqual({ id: after.session });
    expect(later.context.customer).toBeUndefined();
    expect(later.profile!.id).not.toBe('c-7');
    const [payload] = payloads(suite.collector, 'e2e-reset').filter((payload) => payload.session.id == after.session);
    expect(payload).not.toHaveProperty('profile');
    expect(await localItem(page, 'bt:customer')).toBeUndefined();
    expect((await storedIds(page)).local).toMatchObject({ session: after.session, profile: expect.not.stringMatching(/^c-7$/) });
    expect(await pageErrors(page)).toEqual([]);
  });
});

describe('beforeSend', () => {
  it("scrubs the query from the page's URL: the collector never sees it; an event it throws on is dropped and reported", async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/before-send.html?email=ada%40example.test&token=s3cret#top'));
    const ids = await page.evaluate(async () => {
      const ids = [tracker.track('signup', { seq: 1 }), tracker.track('explode', { seq: 2 }), tracker.track('signup', { seq: 3 })];
      await tracker.flush();
      return ids;
    });
    expect(ids[1]).toBe('');
    const events = await waitForEvents(suite.collector, 'signup', 2);
    for (const event of events) expect(event.context.page).toMatchObject({ url: suite.page('/e2e/before-send.html#top'), path: '/e2e/before-send.html', hash: '#top' });
    for (const record of suite.collector.rawLog) expect(record.body).not.toMatch(/s3cret|ada%40example|email=/);
    expect(payloads(suite.collector, 'e2e-before-send').map((payload) => payload.context.tracker?.dropped)).toEqual([1]);
    expect(await pageErrors(page)).toEqual([]);
  });
});
