// The tracker in a real browser, asserted at the collector (what arrived there, never by intercepting
// requests). Pages come from http://localhost:<port> and the collector is http://127.0.0.1:<port>: another
// site, as in production, so every request meets CORS with its preflight. Default batching (10 events,
// 1 s) unless a page says otherwise.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeCookie, removeLocalItem, storedIds, type Page } from './driver';
import { bySeq, eventsOf, payloads, trackRequests, UUID_V4, waitForEvents } from './helpers/collector';
import { distDir } from './helpers/dist';
import { useSuite, withoutNoStore } from './helpers/site';
import { waitFor, waitForQuiet } from './helpers/wait';


const suite = useSuite();
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** The browser's limit for beacons and keepalive requests in flight, in UTF-8 bytes. */
const BEACON_QUOTA = 65_536;
/** The largest request a visible page sends a backlog in (without keepalive). */
const LARGE_REQUEST = 262_144;

/** A string of `bytes` UTF-8 bytes, in 13-byte steps of CJK (3 bytes, 1 UTF-16 unit each) and an emoji (4 bytes, 2 units). */
const multibyte = (bytes: number) => '日本語🙂'.repeat(Math.round(bytes / 13));

describe('script tag', () => {
  it('warns about misuse instead of throwing into the page, and keeps tracking', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/auto-init.html'));
    const outcome = await page.evaluate(() => {
      const warnings: string[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
      try {
        const results = [
          tracker.init({ url: 'https://other.example', source: 'again' }), // a second init()
          tracker.track(''), // no type
          tracker.track('click', 'not an object' as never),
        ];
        return { results, id: tracker.track('after-misuse', { seq: 1 }), warnings };
      } finally {
        console.warn = warn;
      }
    });
    expect(outcome.results).toEqual(['', '', '']); // nothing thrown; track() gives '' for what it does not take
    expect(outcome.warnings).toHaveLength(3);
    for (const warning of outcome.warnings) expect(warning).toMatch(/^TypeError: beacon-tracker: /);
    const [event] = await waitForEvents(suite.collector, 'after-misuse', 1);
    expect(event.id).toBe(outcome.id);
    expect(event.source.id).toBe('e2e-auto-init'); // the second init() changed nothing
  });

  it('initialises from its data attributes and sends the documented payload', async () => {
    const page = await (await suite.context()).newPage();
    const referer = suite.page('/e2e/away.html?q=shoes&utm_source=e2e');
    await page.goto(suite.page('/e2e/auto-init.html#top'), { referer });
    const before = Date.now();
    const ids = await page.evaluate(() => [tracker.track('view', { seq: 1 }), tracker.track('click', { seq: 2, label: '買う 🛒' })]);
    const browser = await page.evaluate(() => ({
      userAgent: navigator.userAgent,
      width: screen.width,
      height: screen.height,
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
      sessionId: tracker.sessionId,
    }));
    await waitForEvents(suite.collector, 'click', 1);

    // Both events were tracked within the flush interval: one payload carries them, in order.
    const [payload, ...others] = payloads(suite.collector, 'e2e-auto-init');
    expect(others).toEqual([]);
    expect(trackRequests(suite.collector, ids)[0]).toMatchObject({ method: 'POST', contentType: 'application/json', origin: suite.siteUrl });
    expect(payload.source).toEqual({ id: 'e2e-auto-init' });
    expect(payload.session.id).toMatch(UUID_V4);
    expect(payload.session.id).toBe(browser.sessionId);
    expect(payload).not.toHaveProperty('profile'); // a first visit: the collector has not named a profile yet
    expect(payload.context.browser.local.browser.userAgent).toBe(browser.userAgent);
    expect(payload.context.browser.local.device.platform).toEqual(expect.any(String));
    expect(payload.context.screen.local).toMatchObject({ width: browser.width, height: browser.height });
    expect(payload.context.time.local).toMatch(ISO_TIME);
    expect(Date.parse(payload.context.time.local)).toBeGreaterThanOrEqual(before - 1000);
    expect(payload.context.time.tz).toBe(browser.tz);
    expect(payload.properties).toEqual({});
    expect(payload.options).toEqual({});

    expect(payload.events.map((event: { id: string }) => event.id)).toEqual(ids);
    const [view, click] = payload.events;
    expect(view.id).toEqual(expect.any(String));
    expect(view.id).not.toBe(click.id);
    expect(view).toMatchObject({ type: 'view', properties: { seq: 1 }, options: {} });
    expect(click).toMatchObject({ type: 'click', properties: { seq: 2, label: '買う 🛒' }, options: {} });
    expect(view.time.create).toMatch(ISO_TIME);
    expect(Date.parse(view.time.create)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(view.time.create)).toBeLessThanOrEqual(Date.parse(payload.context.time.local));
    expect(view.context.page).toEqual({
      url: suite.page('/e2e/auto-init.html#top'),
      path: '/e2e/auto-init.html',
      hash: '#top',
      title: 'Script tag',
      referer: { host: new URL(suite.siteUrl).host, query: 'q=shoes&utm_source=e2e' },
    });

    // What the collector stored: the wire event with the payload's source, session and context.
    const [stored] = eventsOf(suite.collector, 'view');
    expect(stored).toMatchObject({ id: ids[0], source: { id: 'e2e-auto-init' }, session: { id: browser.sessionId }, seen: 1 });
    expect(stored.context.page.path).toBe('/e2e/auto-init.html');
  });

  it('reads numbers and strings from data attributes (batch size, flush interval, name)', async () => {
    // data-batch-size="3" data-flush-interval="600000": three events go at once, none waits 10 minutes.
    const page = await (await suite.context()).newPage(suite.page('/e2e/attributes.html'));
    await page.evaluate(() => [1, 2, 3].forEach((seq) => tracker.track('batched', { seq })));
    expect(bySeq(await waitForEvents(suite.collector, 'batched', 3)).map((event) => event.properties.seq)).toEqual([1, 2, 3]);
    expect(payloads(suite.collector, 'e2e-attributes')).toHaveLength(1);
    // data-name="e2e_attr": the ids are kept under that name, and not under the default one.
    const sessionId = await page.evaluate(() => tracker.sessionId);
    expect(await storedIds(page, 'e2e_attr')).toMatchObject({ cookie: { session: sessionId }, local: { session: sessionId } });
    expect(await storedIds(page, 'bt')).toEqual({ cookie: undefined, local: undefined });
  });

  it('works under a strict Content-Security-Policy without a violation', async () => {
    const context = await suite.context();
    const page = await context.newPage(suite.page('/e2e/csp.html?csp=strict'));
    // csp.js tracked this on DOMContentLoaded, through window.tracker.
    await waitForEvents(suite.collector, 'view', 1);
    await page.evaluate(async () => {
      tracker.track('click', { seq: 2 });
      await tracker.flush();
    });
    expect(eventsOf(suite.collector, 'click')).toHaveLength(1);
    expect(await page.evaluate(() => violations)).toEqual([]);

    // The beacon on close goes through the same policy (connect-src).
    const closing = await context.newPage(suite.page('/e2e/csp.html?csp=strict'));
    await waitForEvents(suite.collector, 'view', 2);
    await closing.evaluate(() => void tracker.track('bye', { seq: 3 }));
    await closing.close();
    await waitForEvents(suite.collector, 'bye', 1);

    // The check can fail: the policy is in force and csp.js reports what it blocks.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.head.append(script);
    });
    const reported = await waitFor(() => page.evaluate(() => violations.length && violations), { what: 'the canary violation' });
    expect(reported).toEqual([expect.objectContaining({ directive: expect.stringMatching(/^script-src/), blocked: 'inline' })]);
  });

  it('runs from a tag with the integrity the build wrote (crossorigin anonymous), and not at all when the digest does not match', async () => {
    // integrity.html is a template: the integrity changes with every build. The wrong one is well formed
    // (a value that is not sha256/384/512-<base64> would be ignored, and the script would run).
    const integrity = readFileSync(path.join(distDir(), 'tracker.min.js.sri'), 'utf8').trim();
    const wrong = `sha384-${createHash('sha384').update('another script').digest('base64')}`;
    const template = readFileSync(new URL('pages/integrity.html', import.meta.url), 'utf8');
    mkdirSync(new URL('pages/build/', import.meta.url), { recursive: true });
    writeFileSync(new URL('pages/build/integrity.html', import.meta.url), template.replaceAll('{{INTEGRITY}}', integrity));
    writeFileSync(new URL('pages/build/integrity-wrong.html', import.meta.url), template.replaceAll('{{INTEGRITY}}', wrong));
    expect(integrity).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);

    const context = await suite.context();
    const page = await context.newPage(suite.page('/e2e/build/integrity.html'));
    const id = await page.evaluate(() => tracker.track('checked', { seq: 1 }));
    const [event] = await waitForEvents(suite.collector, 'checked', 1);
    expect(event).toMatchObject({ id, source: { id: 'e2e-integrity' } });
    expect(await page.evaluate(() => failedScripts)).toEqual([]);

    // The check can fail: the browser refuses the same file under a digest of other bytes.
    const refused = await context.newPage(suite.page('/e2e/build/integrity-wrong.html'));
    expect(await refused.evaluate(() => ({ failed: failedScripts, tracker: typeof (window as { tracker?: unknown }).tracker }))).toEqual({
      failed: [suite.page('/dist/tracker.min.js')],
      tracker: 'undefined',
    });
  });
});

describe('loader snippet', () => {
  it('replays the calls made before the script arrived, in order, with the time they were made', async () => {
    // The server holds the script back 1.5 s; goto() waits for load, which waits for the async script.
    const page = await (await suite.context()).newPage(suite.page('/e2e/loader-stub.html'));
    const script = await page.evaluate(() => {
      const [entry] = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((resource) => resource.name.includes('/dist/tracker.min.js'));
      return { requested: performance.timeOrigin + entry.startTime, arrived: performance.timeOrigin + entry.responseEnd, stubGone: !('q' in tracker) };
    });
    expect(script.arrived - script.requested).toBeGreaterThanOrEqual(1400);
    expect(script.stubGone).toBe(true);
    await page.evaluate(() => void tracker.track('late', { seq: 3 }));

    const early = await waitForEvents(suite.collector, 'early', 2);
    await waitForEvents(suite.collector, 'late', 1);
    const all = eventsOf(suite.collector).filter((event) => event.source.id == 'e2e-loader');
    expect(all.map((event) => event.properties.seq)).toEqual([1, 2, 3]); // arrival order
    expect(new Set(all.map((event) => event.session!.id)).size).toBe(1);
    const [first, second] = early.map((event) => Date.parse(event.time.create));
    // The stub's times, not the replay's: both calls were made well before the script arrived...
    expect(second).toBeLessThan(script.arrived - 800);
    // ...300 ms apart (setTimeout in the snippet), where a replay would give them one instant.
    expect(second - first).toBeGreaterThanOrEqual(250);
    expect(Date.parse(all[2].time.create)).toBeGreaterThanOrEqual(Math.floor(script.arrived));
  });
});

describe('single-page app (npm build, bundled)', () => {
  it('keeps the url an event was tracked on after history.pushState', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/spa.html'));
    expect(await page.evaluate(() => app.ready && !('tracker' in window))).toBe(true); // the ESM build, no global
    await page.evaluate(() => {
      app.track('click', { seq: 2, view: 'home' });
      app.navigate('/e2e/spa/cart?item=7#summary', 'Cart');
      app.track('view', { seq: 3, view: 'cart' });
    });
    // All three wait in one batch (default settings), sent after the navigation.
    const events = bySeq([...(await waitForEvents(suite.collector, 'view', 2)), ...eventsOf(suite.collector, 'click')]);
    expect(events.map((event) => event.properties.seq)).toEqual([1, 2, 3]);
    const home = { url: suite.page('/e2e/spa.html'), path: '/e2e/spa.html', hash: '', title: 'SPA home' };
    expect(events[0].context.page).toMatchObject(home);
    expect(events[1].context.page).toMatchObject(home);
    expect(events[2].context.page).toMatchObject({ url: suite.page('/e2e/spa/cart?item=7#summary'), path: '/e2e/spa/cart', hash: '#summary', title: 'Cart' });
    expect(events.every((event) => event.source.id == 'e2e-spa' && event.session!.id == events[0].session!.id)).toBe(true);
  });
});

describe('session and profile', () => {
  it('keeps the session across reloads, and restores it when the cookie or localStorage was cleared', async () => {
    const context = await suite.context();
    let page = await context.newPage(suite.page('/e2e/session.html'));
    const session = await page.evaluate(() => tracker.sessionId);
    expect(session).toMatch(UUID_V4);
    expect(await storedIds(page)).toMatchObject({ cookie: { session }, local: { session } });
    await page.evaluate(() => void tracker.track('visit', { seq: 1 }));

    await page.reload();
    expect(await page.evaluate(() => tracker.sessionId)).toBe(session);
    await page.evaluate(() => void tracker.track('visit', { seq: 2 }));

    // Cleared while no page of the site is open (an open one would write it back on hide), from a page
    // of the same origin without the tracker; then the next page finds the session in the other store.
    for (const [seq, clear] of [
      [3, (away: Page) => removeCookie(away, 'bt')],
      [4, (away: Page) => removeLocalItem(away, 'bt')],
    ] as const) {
      await page.close();
      const away = await context.newPage(suite.page('/e2e/away.html'));
      await clear(away);
      const left = await storedIds(away);
      expect(left.cookie === undefined || left.local === undefined).toBe(true);
      await away.close();
      page = await context.newPage(suite.page('/e2e/session.html'));
      expect(await page.evaluate(() => tracker.sessionId)).toBe(session);
      expect(await storedIds(page)).toMatchObject({ cookie: { session }, local: { session } }); // written back
      await page.evaluate((seq) => void tracker.track('visit', { seq }), seq);
    }

    const visits = await waitForEvents(suite.collector, 'visit', 4);
    expect(bySeq(visits).map((event) => [event.properties.seq, event.session!.id])).toEqual([1, 2, 3, 4].map((seq) => [seq, session]));
  });

  it('sends no profile first, then the one the collector answered, kept in cookie and localStorage', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/session.html'));
    expect(await page.evaluate(() => tracker.profileId)).toBeUndefined();
    await page.evaluate(() => void tracker.track('visit', { seq: 1 }));
    const [first] = await waitForEvents(suite.collector, 'visit', 1);
    expect(payloads(suite.collector, 'e2e-session')[0]).not.toHaveProperty('profile');
    const profile = first.profile!.id; // the collector made one up and answered it
    expect(profile).toEqual(expect.any(String));

    await waitFor(() => page.evaluate((profile) => tracker.profileId == profile, profile), { what: 'tracker.profileId' });
    expect(await storedIds(page)).toMatchObject({ cookie: { profile }, local: { profile } });
    await page.evaluate(() => void tracker.track('visit', { seq: 2 }));
    await waitForEvents(suite.collector, 'visit', 2);
    // Until the page has had the collector's answer: a reload before it resends the event (at-least-once,
    // README), and this test counts payloads.
    await page.evaluate(() => tracker.flush());

    await page.reload();
    expect(await page.evaluate(() => tracker.profileId)).toBe(profile);
    await page.evaluate(() => void tracker.track('visit', { seq: 3 }));
    const visits = bySeq(await waitForEvents(suite.collector, 'visit', 3));

    const sent = payloads(suite.collector, 'e2e-session');
    expect(sent.map((payload) => payload.profile)).toEqual([undefined, { id: profile }, { id: profile }]);
    expect(visits.map((event) => event.profile)).toEqual([{ id: profile }, { id: profile }, { id: profile }]);
  });
});

describe('page hide', () => {
  it('delivers the events tracked right before page.close() (beacon, default batching)', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/hide.html'));
    const ids = await page.evaluate(() => [1, 2, 3].map((seq) => tracker.track('last', { seq })));
    expect(trackRequests(suite.collector, ids)).toEqual([]); // still in the page: under the batch size and the interval
    await page.close();
    const events = await waitForEvents(suite.collector, 'last', 3);
    expect(events.map((event) => event.id).sort()).toEqual([...ids].sort());
  });

  it('delivers the events tracked right before the tab in front of the user is closed (no tab switch first)', async () => {
    // Where page.close() is a direct close anyway (Chromium, WebKit) this repeats the test above. Firefox
    // closes the tab in front with pagehide first and may cut its handlers off (docs/browsers.md): the
    // events come by beacon, or from the spill the closing page left, sent by the next page.
    const context = await suite.context();
    const page = await context.newPage(suite.page('/e2e/hide.html'));
    const ids = await page.evaluate(() => [1, 2, 3].map((seq) => tracker.track('last', { seq })));
    await page.close({ inFront: true });
    // By beacon, or from what the closing page kept for the next one: none may be lost.
    await context.newPage(suite.page('/e2e/hide.html'));
    const events = await waitForEvents(suite.collector, 'last', 3);
    expect(events.map((event) => event.id).sort()).toEqual([...ids].sort());
  });

  // Both tests below count on IndexedDB for what no beacon carried: a next page of the site sends it.
  it('splits more than 64 KiB of pending multibyte events into beacons that stay under 64 KiB', async () => {
    // 9 events of ~7.8 KB of UTF-8 but only ~3,000 UTF-16 units each: 70 KB in bytes, 27 K in
    // characters. Under the batch size, so they are all pending when the page closes.
    const context = await suite.context();
    const page = await context.newPage(suite.page('/e2e/hide.html'));
    const ids = await page.evaluate((text) => Array.from({ length: 9 }, (_, i) => tracker.track('big', { seq: i + 1, text })), multibyte(7800));
    await page.close();
    await waitFor(() => trackRequests(suite.collector, ids).length, { what: 'a beacon' });
    await waitForQuiet(() => trackRequests(suite.collector, ids).length);
    const onClose = trackRequests(suite.collector, ids);
    const beaconed = onClose.flatMap((record) => record.eventIds);
    expect(onClose.every((record) => record.status == 200 && record.contentLength <= BEACON_QUOTA)).toBe(true);
    expect(onClose.reduce((sum, record) => sum + record.contentLength, 0)).toBeLessThanOrEqual(BEACON_QUOTA);
    expect(beaconed.length).toBeGreaterThanOrEqual(7); // as many as fit, not none

    await context.newPage(suite.page('/e2e/hide.html'));
    const events = await waitForEvents(suite.collector, 'big', 9);
    expect(events.map((event) => event.id).sort()).toEqual([...ids].sort());
    // The next page, visible, sends the rest as one backlog request (up to 256 KiB, without keepalive).
    expect(trackRequests(suite.collector, ids).every((record) => record.contentLength <= LARGE_REQUEST && !record.bodyTruncated)).toBe(true);
  });

  it('delivers many multibyte events tracked right before close, the rest by the next page in large requests', async () => {
    // 60 events of ~3.9 KB of UTF-8 (235 KB in all, 90 K UTF-16 units), default batching. The visible
    // page may have started a large request (no keepalive) that the close cuts off: its events stay
    // queued, and the next page sends them.
    const context = await suite.context();
    const page = await context.newPage(suite.page('/e2e/hide.html'));
    const ids = await page.evaluate((text) => Array.from({ length: 60 }, (_, i) => tracker.track('many', { seq: i + 1, text })), multibyte(3900));
    await page.close();
    await waitForQuiet(() => trackRequests(suite.collector, ids).length);
    const closing = trackRequests(suite.collector, ids).length;
    await context.newPage(suite.page('/e2e/hide.html'));
    const events = await waitForEvents(suite.collector, 'many', 60);
    expect(events.map((event) => event.id).sort()).toEqual([...ids].sort());
    const requests = trackRequests(suite.collector, ids);
    for (const record of requests) {
      expect(record.contentLength, `request #${record.seq}`).toBeLessThanOrEqual(LARGE_REQUEST);
      expect(record.status, `request #${record.seq}`).toBe(200);
    }
    expect(requests.slice(closing).length).toBeLessThanOrEqual(2); // the next page: large requests
  });
});

describe('delivery', () => {
  it('flush() resolves once the events are at the collector', async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/flush.html'));
    for (const count of [3, 25]) {
      // Under the batch size, then over it (a send is already under way when flush() is called).
      const ids = await page.evaluate(async (count) => {
        const ids = Array.from({ length: count }, (_, i) => tracker.track(`flushed-${count}`, { seq: i + 1 }));
        await tracker.flush();
        return ids;
      }, count);
      // No waiting: they are there when flush() has resolved.
      expect(ids.filter((id) => !suite.collector.store.get(id))).toEqual([]);
    }
  });

  it('keeps tracking after a round trip through the back/forward cache', async () => {
    const site = await withoutNoStore(suite.siteUrl);
    suite.cleanup(site.close);
    const page = await (await suite.context()).newPage(`${site.url}/e2e/bfcache.html`);
    const session = await page.evaluate(async () => {
      (window as unknown as { marker: string }).marker = 'this document';
      tracker.track('warm-up', { seq: 0 });
      await tracker.flush();
      tracker.track('before', { seq: 1 });
      return tracker.sessionId;
    });
    await page.goto(`${site.url}/e2e/away.html`);
    // Sent on pagehide (persisted), as the page went into the cache.
    await waitForEvents(suite.collector, 'before', 1);

    await page.back();
    await waitFor(() => page.evaluate(() => typeof pageshows != 'undefined' && pageshows.length == 2), { what: 'pageshow after back' });
    const restored = await page.evaluate(() => ({ pageshows, marker: (window as unknown as { marker?: string }).marker }));
    expect(restored).toEqual({ pageshows: [false, true], marker: 'this document' }); // restored, not reloaded

    await page.evaluate(() => void tracker.track('after', { seq: 2 }));
    const [after] = await waitForEvents(suite.collector, 'after', 1); // by the interval timer, as before
    await page.evaluate(async () => {
      tracker.track('after', { seq: 3 });
      await tracker.flush();
    });
    expect(eventsOf(suite.collector, 'after')).toHaveLength(2);
    expect(after.session!.id).toBe(session);
    const mine = eventsOf(suite.collector).filter((event) => event.source.id == 'e2e-bfcache');
    // Each once, but what the page beaconed as it went into the cache: kept as well (no page learns a beacon's
    // fate), and sent again once it was back, a copy the collector recognises by its id.
    expect(mine.map((event) => [event.properties.seq, event.seen])).toEqual([[0, 1], [1, expect.any(Number)], [2, 1], [3, 1]]);
    expect(mine[1].seen).toBeLessThanOrEqual(2);
  });

  it('sends nothing offline; the events wait in IndexedDB for the next page online', async () => {
    const context = await suite.context();
    const page = await context.newPage(suite.page('/e2e/offline.html'));
    await context.setOffline(true);
    const ids = await page.evaluate(async () => {
      const ids = Array.from({ length: 30 }, (_, i) => tracker.track('offline', { seq: i + 1 }));
      await tracker.flush(); // resolves once they are in IndexedDB
      return ids;
    });
    await page.close();
    await context.setOffline(false);
    expect(trackRequests(suite.collector, ids)).toEqual([]);
    await context.newPage(suite.page('/e2e/offline.html'));
    const events = await waitForEvents(suite.collector, 'offline', 30);
    expect(events.map((event) => event.id).sort()).toEqual([...ids].sort());
  });
});
