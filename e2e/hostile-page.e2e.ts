// A hostile page: the page's own scripts change what the tracker finds (prototypes, named elements in place of
// its globals, a loader stub of another shape), a tab whose clock runs a day ahead wrote the site's storage,
// the origin is opaque, another tab decides consent or forgets the visitor. Each scenario asserts at the demo
// collector (every event tracked arrives, with the envelope expected) and at a second listener on another
// loopback port that must hear nothing: where the hostile page names it (an inherited `path` or `url`, a fake
// `currentScript`'s data-url, a stub's init call) it is the bait, elsewhere a sink for whatever goes astray.
// Every fixture page keeps what was thrown into it (e2e/pages/errors.js).
import { describe, expect, it } from 'vitest';
import { localItem, queuedRecords, queueEntries, storedIds, type Context, type Page } from './driver';
import { eventsOf, payloads, trackRequests, UUID_V4, waitForEvents } from './helpers/collector';
import { pageErrors } from './helpers/errors';
import { collectorDown, collectorUp, expectAllDelivered, missing, trackSeq } from './helpers/faults';
import { startProxy, type Proxy } from './helpers/proxy';
import { useSuite } from './helpers/site';
import { waitFor, waitForQuiet } from './helpers/wait';

const suite = useSuite();
const DAY = 86_400_000;

/** The second listener: records every request and answers 200 with CORS headers (helpers/proxy.ts); closed after the test. */
async function secondListener(): Promise<Proxy> {
  const listener = await startProxy();
  suite.cleanup(listener.close);
  return listener;
}

/** What reached the second listener, preflights included: [] is the only right answer. */
const heardBy = (listener: Proxy) => listener.requests.map((request) => `${request.method} ${request.path}`);

const warningsOf = (page: Page) => page.evaluate(() => warnings);

/** Hides the page as a tab switch would, or shows it again (a headless page cannot be hidden otherwise without leaving). */
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((hidden) => {
    if (hidden) Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    else delete (document as { visibilityState?: unknown }).visibilityState;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);

describe('polluted prototypes', () => {
  // An array a polluted page returns is a string in WebKit (its driver's JSON.stringify runs in the page), so
  // what these pages give back is a string too.
  const track = async (page: Page, from: number, count: number, flush = false) =>
    (
      await page.evaluate(
        async ({ from, count, flush }) => {
          let ids = '';
          for (let i = 0; i < count; i++) ids += ` ${tracker.track('polluted', { seq: from + i })}`;
          if (flush) await tracker.flush();
          return ids;
        },
        { from, count, flush },
      )
    )
      .split(' ')
      .slice(1);
  const thrown = (page: Page) => page.evaluate(() => errors.join('\n'));
  /** expectAllDelivered, saying what the second listener heard when events are missing. */
  const delivered = (ids: string[], scenario: string, elsewhere: Proxy, quiet?: number) =>
    expectAllDelivered(suite.collector, ids, { scenario, quiet }).catch((error) => {
      throw new Error(`${error.message}; the second listener heard: ${heardBy(elsewhere).join(', ') || 'nothing'}`);
    });

  it('Object.prototype.path "@<second listener>/steal", url, beforeSend, onResponse, profile and Prototype.js\'s Array.prototype.toJSON: by fetch, beacon, spill and queue every event reaches the collector alone, in an events array, twice at most when beaconed', async () => {
    const elsewhere = await secondListener();
    const context = await suite.context();
    const url = suite.page(`/e2e/polluted.html?elsewhere=${encodeURIComponent(elsewhere.url)}`);

    // Sent while visible (fetch), then by beacon: the tab closes seconds after a 2xx.
    const first = await context.newPage(url);
    expect(await first.evaluate(() => [typeof (Array.prototype as { toJSON?: unknown }).toJSON, ({} as { path?: string }).path].join(' '))).toMatch(/^function @127\.0\.0\.1:\d+\/steal$/);
    const ids = await track(first, 1, 3, true);
    ids.push(...(await track(first, 4, 3)));
    expect(await thrown(first)).toBe('');
    await first.close();
    await delivered(ids, 'polluted: fetch and beacon', elsewhere, 200);

    // The collector refusing, and known to: what the next tab tracks is queued in IndexedDB, then spilled as it closes.
    await collectorDown(suite);
    const second = await context.newPage(url);
    ids.push(...(await track(second, 7, 3, true)));
    ids.push(...(await track(second, 10, 3)));
    expect(await thrown(second)).toBe('');
    await second.close();
    await collectorUp(suite);

    // The next page reads them back, from the queue and the spill.
    const third = await context.newPage(url);
    ids.push(...(await track(third, 13, 2, true)));
    await delivered(ids, 'polluted: from storage', elsewhere);
    expect(await thrown(third)).toBe('');

    const events = eventsOf(suite.collector, 'polluted');
    expect(events.map((event) => event.properties.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    // Once each, but what the first tab beaconed as it closed: kept as well, and sent again (no tab can know a
    // beacon's fate), a copy the collector recognises by its id.
    expect(events.map((event) => event.seen)).toEqual(events.map((event) => (event.properties.seq > 3 && event.properties.seq < 7 ? event.seen : 1)));
    for (const event of events) expect(event.seen).toBeLessThanOrEqual(2);
    for (const event of events) {
      expect(event).toMatchObject({ source: { id: 'e2e-polluted' }, options: { context: 'WEB' }, context: { page: { path: '/e2e/polluted.html' } } });
      expect(Object.keys(event.properties)).toEqual(['seq']);
    }
    // Every request the collector got was a tracker payload it took, its events an array of objects.
    const requests = trackRequests(suite.collector);
    expect(requests.map((record) => record.status)).toEqual(requests.map(() => 200));
    for (const payload of payloads(suite.collector)) {
      expect(Array.isArray(payload.events)).toBe(true);
      for (const event of payload.events) expect(typeof event).toBe('object');
      expect(payload).toMatchObject({ source: { id: 'e2e-polluted' }, session: { id: expect.stringMatching(UUID_V4) }, properties: {}, options: {} });
      expect(payload.options).toEqual({});
      expect(payload.profile?.id).not.toBe('evil');
      expect(typeof payload.context.browser).toBe('object');
    }
    expect(heardBy(elsewhere)).toEqual([]);
  });
});

describe('named elements and foreign stubs in place of the globals', () => {
  /** Opens `path` with the second listener in its query. */
  async function open(path: string) {
    const elsewhere = await secondListener();
    const page = await (await suite.context()).newPage(suite.page(`${path}${path.includes('?') ? '&' : '?'}elsewhere=${encodeURIComponent(elsewhere.url)}`));
    return { elsewhere, page };
  }

  /** Tracks through window.tracker and expects the events at the collector, from `source`, with nothing thrown, warned or sent elsewhere. */
  async function expectTracking(page: Page, elsewhere: Proxy, source: string, type: string) {
    const ids = await trackSeq(page, type, 1, 3, true);
    await expectAllDelivered(suite.collector, ids, { scenario: `${source}: ${type}`, quiet: 300 });
    for (const event of eventsOf(suite.collector, type)) expect(event.source.id).toBe(source);
    expect(await pageErrors(page)).toEqual([]);
    expect(heardBy(elsewhere)).toEqual([]);
  }

  it('<form id="tracker"> and <img name="currentScript"> before the tag: the page\'s init() call starts the tracker, and it delivers', async () => {
    const { elsewhere, page } = await open('/e2e/clobbered-init.html');
    expect(await page.evaluate(() => clobbered)).toEqual({ tracker: '[object HTMLFormElement]', currentScript: '[object HTMLImageElement]' });
    await expectTracking(page, elsewhere, 'e2e-clobbered-init', 'clobbered');
    expect(await warningsOf(page)).toEqual([]);
  });

  it('<form id="tracker"> and <img name="currentScript"> before the tag: the tracker initialises from its own data attributes, never the image\'s, and delivers', async () => {
    const { elsewhere, page } = await open('/e2e/clobbered.html');
    expect(await page.evaluate(() => clobbered)).toEqual({ tracker: '[object HTMLFormElement]', currentScript: '[object HTMLImageElement]' });
    expect(await page.evaluate(() => typeof tracker.track)).toBe('function');
    await expectTracking(page, elsewhere, 'e2e-clobbered', 'clobbered');
    expect(await warningsOf(page)).toEqual([]);
  });

  it('a loader stub holding garbage entries: the valid calls are replayed in order, every other one passed over or warned of, and a replayed init() naming another collector changes nothing', async () => {
    const { elsewhere, page } = await open('/e2e/stub.html?stub=garbage');
    const early = await waitForEvents(suite.collector, 'early', 2);
    expect(early.map((event) => event.properties.seq)).toEqual([1, 2]);
    expect(early.map((event) => event.source.id)).toEqual(['e2e-stub', 'e2e-stub']);
    await expectTracking(page, elsewhere, 'e2e-stub', 'after-stub');
    // ['track'], ['track', 'abc'], ['track', null], ['init', null], the second init(), identify() of no customer.
    const warned = await warningsOf(page);
    expect(warned).toHaveLength(6);
    for (const warning of warned) expect(warning).toMatch(/^TypeError: beacon-tracker: /);
  });

  it('a loader stub whose entries throw when read: nothing is thrown into the page, and the valid call after them is replayed', async () => {
    const { elsewhere, page } = await open('/e2e/stub.html?stub=throwing');
    const thrown = await pageErrors(page);
    console.log(`[hostile-page] thrown into the page by the stub's replay: ${JSON.stringify(thrown)}`);
    expect(thrown).toEqual([]);
    const [early] = await waitForEvents(suite.collector, 'early', 1);
    expect(early.properties.seq).toBe(1);
    await expectTracking(page, elsewhere, 'e2e-stub', 'after-stub');
  });

  it('a loader stub that is no array of calls (a string, an array-like object) or that throws when read (a getter, a Proxy whose every trap throws): passed over, and the tracker initialises from its data attributes and delivers', async () => {
    const elsewhere = await secondListener();
    const context = await suite.context();
    for (const variant of ['string', 'arrayLike', 'getter', 'proxy']) {
      const page = await context.newPage(suite.page(`/e2e/stub.html?stub=${variant}&elsewhere=${encodeURIComponent(elsewhere.url)}`));
      await expectTracking(page, elsewhere, 'e2e-stub', `after-${variant}`);
      expect(await warningsOf(page), variant).toEqual([]);
    }
    expect(eventsOf(suite.collector, 'early')).toEqual([]);
  });
});

describe("another tab's clock a day ahead", () => {
  /**
   * Writes what a tab whose clock runs `ahead` ms fast leaves behind: the collector's health ("took events
   * just now", by its clock) and the queue's drain lease (held for a minute, by its clock).
   */
  const writeSkewed = (page: Page, ahead: number) =>
    page.evaluate(
      (ahead) =>
        new Promise<number>((resolve, reject) => {
          const now = Date.now() + ahead;
          localStorage.setItem('bt:health', JSON.stringify({ ok: now }));
          const request = indexedDB.open('beacon-tracker');
          request.onupgradeneeded = () => request.result.createObjectStore('queue');
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            const db = request.result;
            const transaction = db.transaction('queue', 'readwrite');
            const objects = transaction.objectStore('queue');
            const meta = objects.get(['bt']);
            meta.onsuccess = () => objects.put({ count: 0, bytes: 0, dropped: 0, ...meta.result, lease: now }, ['bt']);
            transaction.oncomplete = () => {
              db.close();
              resolve(now);
            };
            transaction.onerror = () => reject(transaction.error);
          };
        }),
      ahead,
    );
  /** The drain lease in the queue's meta (key ['bt']), as stored. */
  const leaseOf = async (page: Page) => {
    const entry = (await queueEntries(page)).find(([key]) => Array.isArray(key) && key.length == 1 && key[0] == 'bt');
    return (entry?.[1] as { lease?: number } | undefined)?.lease;
  };

  it('its health entry and lease (no Web Locks): a tab closed while the collector is down keeps its events, and the next page drains them at once', async () => {
    const elsewhere = await secondListener();
    const context = await suite.context();
    // The skewed tab, a page of the site without the tracker here: it wrote "took events just now" by its clock.
    const away = await context.newPage(suite.page('/e2e/away.html'));
    await writeSkewed(away, DAY);
    await collectorDown(suite);

    // No answer yet when it closes: "took events just now" is all this tab knows of the collector, and it is no knowledge.
    const page = await context.newPage(suite.page('/e2e/skewed.html'));
    expect(await page.evaluate(() => typeof navigator.locks)).toBe('undefined');
    const ids = await trackSeq(page, 'skewed', 1, 5);
    expect(await pageErrors(page)).toEqual([]);
    await page.close();
    const kept = async () => {
      const spilled = await away.evaluate(() =>
        Object.keys(localStorage)
          .filter((key) => /^beacon-tracker:0\.\d+$/.test(key))
          .flatMap((key) => JSON.parse(localStorage.getItem(key)!).events.map((event: { id: string }) => event.id)),
      );
      return spilled.concat((await queuedRecords(away)).map((record) => record.id));
    };
    const held = await kept();
    expect(ids.filter((id) => !held.includes(id)), 'events of the closed tab neither spilled nor queued').toEqual([]);

    // The skewed tab drains meanwhile, by its clock: its lease runs out in a day. (The closed tab's own drain
    // took the first one over, as it should, and gave it back.)
    const lease = await writeSkewed(away, DAY);
    expect(await leaseOf(away)).toBe(lease);
    await collectorUp(suite);
    const next = await context.newPage(suite.page('/e2e/skewed.html'));
    await expectAllDelivered(suite.collector, ids, { scenario: 'a lease a day ahead', timeout: 10_000 });
    expect(eventsOf(suite.collector, 'skewed').map((event) => event.properties.seq).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await pageErrors(next)).toEqual([]);
    expect(heardBy(elsewhere)).toEqual([]);
  });
});

describe('an opaque origin', () => {
  /** The site as it is, but every page served with `Content-Security-Policy: sandbox allow-scripts`. */
  const sandboxedSite = async () => {
    const site = await startProxy(suite.siteUrl, {
      host: 'localhost',
      headers(headers) {
        headers['content-security-policy'] = 'sandbox allow-scripts';
      },
    });
    suite.cleanup(site.close);
    return site;
  };

  for (const where of ['a frame with sandbox="allow-scripts"', 'a page served with CSP sandbox'] as const) {
    it(`in ${where}, with backgroundSync and without: IndexedDB, localStorage, cookies and Web Locks refused, init() warns of nothing, and what is tracked while the page is open arrives`, async () => {
      const elsewhere = await secondListener();
      const context = await suite.context();
      const site = where.startsWith('a frame') ? undefined : await sandboxedSite();
      for (const backgroundSync of [false, true]) {
        const type = backgroundSync ? 'sandboxed-sync' : 'sandboxed';
        const query = `?collector=${encodeURIComponent(suite.collectorUrl)}${backgroundSync ? '&sync=1' : ''}&elsewhere=${encodeURIComponent(elsewhere.url)}`;
        const page = site ? await context.newPage(`${site.url}/e2e/sandboxed.html${query}`) : await context.newPage(suite.page(`/e2e/sandbox-host.html${query}`));
        const command = (command: FrameCommand) => page.evaluate((command) => inFrame(command), command);

        const ids: string[] = await command({ op: 'track', type, from: 1, count: 3, flush: true });
        ids.push(...(await command({ op: 'track', type, from: 4, count: 2 }))); // by the flush interval
        await expectAllDelivered(suite.collector, ids, { scenario: `opaque origin: ${where}, ${type}`, quiet: 300 });

        const state = await command({ op: 'state' });
        console.log(`[hostile-page] ${suite.browser.engine}, ${where}: ${JSON.stringify(state.refused)}`);
        expect(state.origin).toBe('null');
        expect(state.refused).toEqual({ localStorage: 'SecurityError', cookie: 'SecurityError', indexedDB: 'SecurityError', locks: 'SecurityError' });
        expect(state.errors).toEqual([]);
        expect(state.warnings).toEqual([]);
        expect(state.sessionId).toMatch(UUID_V4);
        const carrying = payloads(suite.collector, 'e2e-sandboxed').filter((payload) => payload.events.some((event: { id: string }) => ids.includes(event.id)));
        for (const payload of carrying) expect(payload.session.id).toBe(state.sessionId);
        for (const record of trackRequests(suite.collector, ids)) expect(record.origin).toBe('null');
        expect(eventsOf(suite.collector, type).map((event) => event.properties.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(await pageErrors(page)).toEqual([]);
      }
      expect(heardBy(elsewhere)).toEqual([]);
    });
  }
});

describe('two tabs deciding for the visitor', () => {
  /** Waits until `page` heard a storage event of `key` whose new value starts with `prefix` (any value when null). */
  const hear = (page: Page, key: string, prefix: string | null) =>
    waitFor(() => page.evaluate(({ key, prefix }) => storageEvents.some((event) => event.key == key && (prefix === null || (event.value ?? '').startsWith(prefix))), { key, prefix }), {
      what: `a storage event of ${key}${prefix === null ? '' : ` = ${prefix}…`}`,
    });

  async function twoTabs(): Promise<[Context, Page, Page]> {
    const context = await suite.context();
    return [context, await context.newPage(suite.page('/e2e/tabs.html')), await context.newPage(suite.page('/e2e/tabs.html'))];
  }

  it('consent(false) in A: B sends nothing more, not even what it held, and stores no id again; consent(true) in B: both track again, in one session', async () => {
    const elsewhere = await secondListener();
    const [, a, b] = await twoTabs();
    const delivered = [...(await trackSeq(a, 'tab-a', 1, 2, true)), ...(await trackSeq(b, 'tab-b', 1, 2, true))];
    await expectAllDelivered(suite.collector, delivered, { scenario: 'two tabs, before the refusal', quiet: 300 });
    const held = await trackSeq(b, 'tab-b', 3, 3); // in B's batch: its flush interval is 10 minutes
    const requests = suite.collector.rawLog.length;

    await a.evaluate(() => tracker.consent(false));
    await hear(b, 'bt:consent', '0');
    expect(await b.evaluate(() => [tracker.track('tab-b', { seq: 6 }), tracker.sessionId ?? null])).toEqual(['', null]);
    // Neither a flush nor the page going hidden (a beacon) sends what it held.
    await b.evaluate(() => tracker.flush());
    await setHidden(b, true);
    await setHidden(b, false);
    await waitForQuiet(() => suite.collector.rawLog.length, { quiet: 1000 });
    expect(suite.collector.rawLog.length, 'requests after the refusal').toBe(requests);
    expect(missing(suite.collector, held)).toEqual(held);
    for (const tab of [a, b]) {
      expect(await storedIds(tab)).toEqual({ cookie: undefined, local: undefined });
      expect(await localItem(tab, 'bt:consent')).toBe('0');
      expect(await queuedRecords(tab)).toEqual([]);
    }

    await b.evaluate(() => tracker.consent(true));
    await hear(a, 'bt:consent', '1');
    // One session for the site again, whichever tab wrote it last.
    const sessionOf = (tab: Page) => tab.evaluate(() => tracker.sessionId ?? null);
    const session = await waitFor(async () => {
      const [inA, inB] = [await sessionOf(a), await sessionOf(b)];
      return inA && inA == inB && inA;
    }, { what: 'one session in both tabs' });
    expect(session).toMatch(UUID_V4);
    const resumed = [...(await trackSeq(b, 'tab-b', 7, 2, true)), ...(await trackSeq(a, 'tab-a', 3, 2, true))];
    await expectAllDelivered(suite.collector, resumed, { scenario: 'two tabs, after consent(true) in B', quiet: 300 });
    for (const id of resumed) expect(suite.collector.store.get(id)!.session).toEqual({ id: session });
    expect((await storedIds(a)).local?.session).toBe(session);
    expect(await localItem(a, 'bt:consent')).toBe('1');
    for (const tab of [a, b]) expect(await pageErrors(tab)).toEqual([]);
    expect(heardBy(elsewhere)).toEqual([]);
  });

  it("reset() in A: B's next events carry A's new session, not the old one, and not the customer A forgot", async () => {
    const elsewhere = await secondListener();
    const [, a, b] = await twoTabs();
    await a.evaluate(() => {
      tracker.identify('c-tabs');
      return tracker.flush();
    });
    await hear(b, 'bt:customer', '{');
    const [before] = await trackSeq(b, 'tab-b', 1, 1, true);
    const old = await b.evaluate(() => tracker.sessionId!);
    await expectAllDelivered(suite.collector, [before], { scenario: 'reset in another tab: before', quiet: 200 });
    expect(suite.collector.store.get(before)).toMatchObject({ session: { id: old }, context: { customer: { id: 'c-tabs' } } });

    const fresh = await a.evaluate(() => {
      tracker.reset();
      return tracker.sessionId!;
    });
    expect(fresh).toMatch(UUID_V4);
    expect(fresh).not.toBe(old);
    await hear(b, 'bt', fresh);
    const [after] = await trackSeq(b, 'tab-b', 2, 1, true);
    await expectAllDelivered(suite.collector, [after], { scenario: 'reset in another tab: after', quiet: 300 });
    const event = suite.collector.store.get(after)!;
    expect(event.session).toEqual({ id: fresh });
    expect(event.context.customer).toBeUndefined();
    expect(event.profile?.id).not.toBe('c-tabs');
    const [payload] = payloads(suite.collector, 'e2e-tabs').filter((payload) => payload.events.some((sent: { id: string }) => sent.id == after));
    expect(payload).not.toHaveProperty('profile');
    expect(await b.evaluate(() => tracker.sessionId)).toBe(fresh);
    expect(await localItem(b, 'bt:customer')).toBeUndefined();
    for (const tab of [a, b]) expect(await pageErrors(tab)).toEqual([]);
    expect(heardBy(elsewhere)).toEqual([]);
  });
});

describe('data attributes', () => {
  it('the script tag twice with data-page-views="true": one tracker, one page view, and a warning', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/twice.html'));
    const [view] = await waitForEvents(suite.collector, 'page-view', 1);
    expect(view.source.id).toBe('e2e-twice');
    // A second tracker would have tracked its page view on load too, sent with the first or by its flush.
    await page.evaluate(() => tracker.flush());
    await waitForQuiet(() => suite.collector.rawLog.length, { quiet: 500 });
    expect(eventsOf(suite.collector, 'page-view')).toHaveLength(1);
    expect(await warningsOf(page)).toEqual(['beacon-tracker: the script is on this page twice: the second copy does nothing']);
    expect(await pageErrors(page)).toEqual([]);
  });

  it(`data-options='{"saveEvents":true}' (JSON in a data attribute) gives the payload options {saveEvents: true}`, async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/options-json.html'));
    const ids = await trackSeq(page, 'with-options', 1, 2, true);
    await expectAllDelivered(suite.collector, ids, { scenario: 'data-options as JSON', quiet: 200 });
    const sent = payloads(suite.collector, 'e2e-options');
    expect(sent.length).toBeGreaterThan(0);
    for (const payload of sent) expect(payload.options).toEqual({ saveEvents: true });
    expect(await warningsOf(page)).toEqual([]);
    expect(await pageErrors(page)).toEqual([]);
  });

  it('data-options="x" (no JSON) is a warning, and nothing is tracked or sent', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/options-bad.html'));
    const id = await page.evaluate(() => tracker.track('with-bad-options', { seq: 1 }));
    await page.evaluate(() => tracker.flush()); // a tracker that took the event sends it now
    await waitForQuiet(() => suite.collector.rawLog.length, { quiet: 500 });
    expect(id).toBe('');
    expect(trackRequests(suite.collector)).toEqual([]);
    const warned = await warningsOf(page);
    expect(warned[0]).toMatch(/^TypeError: beacon-tracker: init\(\): options /);
    expect(await pageErrors(page)).toEqual([]);
  });
});
