// Hostile input: what a collector answers, what is found in storage, and a second tracker on the page must
// never cost an event, throw into the page, or send an event anywhere but to the configured collector. A
// collector that misbehaves is a proxy in front of the demo collector (helpers/proxy.ts) on another loopback
// port; what arrived is asserted at the demo collector behind it, and every page keeps what was thrown into
// it (e2e/pages/errors.js).
import { describe, expect, it } from 'vitest';
import { localItem, putQueueEntries, queueEntries, storedIds, type Context, type StoredEntry } from './driver';
import { eventsOf, payloads, trackRequests, UUID_V4 } from './helpers/collector';
import { pageErrors } from './helpers/errors';
import { expectAllDelivered, maxDelay, MIN_DELAY, SLACK, trackSeq } from './helpers/faults';
import { startProxy, type Proxy } from './helpers/proxy';
import { useSuite } from './helpers/site';
import { waitFor, waitForQuiet } from './helpers/wait';


const suite = useSuite();

/** A proxy (helpers/proxy.ts), closed after the test. */
async function proxy(...args: Parameters<typeof startProxy>): Promise<Proxy> {
  const started = await startProxy(...args);
  suite.cleanup(started.close);
  return started;
}

/** The script-tag page whose collector is `collector` (e2e/pages/proxied.html). */
const proxiedPage = (context: Context, collector: Proxy) => context.newPage(suite.page(`/e2e/proxied.html?collector=${encodeURIComponent(collector.url)}`));

const answered = (collector: Proxy, status: number) => collector.posts().filter((request) => request.status == status);

/** The profile ids the payloads of `source` carried. */
const sentProfiles = (source: string) => payloads(suite.collector, source).map((payload) => payload.profile?.id);

describe('a collector that answers what it should not', () => {
  it('never adopts a profile id of 100,000 characters from an answer, and keeps delivering small payloads, across a reload', async () => {
    const collector = await proxy(suite.collectorUrl);
    const long = 'p'.repeat(100_000);
    // Passed through, so the demo collector stores the events, then answered with the long id.
    collector.answer({ mode: 'replace', body: JSON.stringify({ profile: { id: long } }) });
    const page = await proxiedPage(await suite.context(), collector);
    const ids = await trackSeq(page, 'long-profile', 1, 3, true);
    ids.push(...(await trackSeq(page, 'long-profile', 4, 3, true)));
    await page.reload();
    ids.push(...(await trackSeq(page, 'long-profile', 7, 3, true)));
    await expectAllDelivered(suite.collector, ids, { scenario: 'long profile id answered' });
    expect(answered(collector, 200).length).toBeGreaterThanOrEqual(3); // the long id was answered to every request

    expect(await page.evaluate(() => tracker.profileId)).toBeUndefined();
    expect(sentProfiles('e2e-proxied').every((id) => id === undefined)).toBe(true);
    for (const record of trackRequests(suite.collector, ids)) expect(record.contentLength, `request #${record.seq}`).toBeLessThan(8192);
    const stored = await storedIds(page);
    expect([stored.cookie?.profile, stored.local?.profile]).toEqual([undefined, undefined]);

    // Once the collector answers as it should, its profile id is adopted as usual.
    collector.answer({ mode: 'forward' });
    const [last] = await trackSeq(page, 'long-profile', 10, 1, true);
    const profile = suite.collector.store.get(last)!.profile!.id;
    await waitFor(() => page.evaluate((profile) => tracker.profileId == profile, profile), { what: "the collector's own profile id in the page" });
    expect(await pageErrors(page)).toEqual([]);
  });

  for (const status of [302, 307]) {
    it(`refuses a ${status} redirect to another origin: nothing reaches it, the events are retried with backoff and delivered once the collector answers`, async () => {
      const elsewhere = await proxy(); // records, and would take whatever a redirect brought
      elsewhere.answer({ mode: 'status', status: 200, body: JSON.stringify({ profile: { id: 'another-origin' } }) });
      const collector = await proxy(suite.collectorUrl);
      collector.answer({ mode: 'status', status, headers: { Location: `${elsewhere.url}/track` } });
      const page = await proxiedPage(await suite.context(), collector);
      const ids = await trackSeq(page, 'redirected', 1, 3, true);
      // The first retry comes 1 to 3 s after the first refusal, the second up to three times that later: up to
      // 12 s of backoff, plus the requests' time.
      await waitFor(() => answered(collector, status).length >= 3, { timeout: 20_000, what: `three requests answered ${status}` });
      collector.answer({ mode: 'forward' });
      await page.evaluate(() => tracker.flush()); // the app asks: tried at once, not after the backoff's next wait
      await expectAllDelivered(suite.collector, ids, { scenario: `${status} to another origin` });

      const refused = answered(collector, status);
      let previous = 0;
      refused.slice(1).forEach((request, i) => {
        const gap = request.at - refused[i].at;
        expect(gap, `gap ${i + 1} after a ${status}`).toBeGreaterThanOrEqual(MIN_DELAY);
        expect(gap, `gap ${i + 1} after a ${status}`).toBeLessThanOrEqual(maxDelay(previous) + SLACK);
        // The wait before was at most its gap (the gap adds the request's time and the timer's lateness):
        // the longest next wait follows from that, not from the gap less the slack.
        previous = gap;
      });
      expect(elsewhere.requests).toEqual([]); // neither the GET a 302 makes of a POST, nor the POST a 307 repeats
      expect(eventsOf(suite.collector, 'redirected').map((event) => event.seen)).toEqual([1, 1, 1]);
      expect(await page.evaluate(() => tracker.profileId)).not.toBe('another-origin');
      expect(await pageErrors(page)).toEqual([]);
    });
  }

  it('waits for a Retry-After given as an HTTP date', async () => {
    const collector = await proxy(suite.collectorUrl);
    // A whole second, so that the header says exactly this instant: 4 to 5 s ahead.
    const retryAt = Math.ceil((Date.now() + 4000) / 1000) * 1000;
    collector.answer({ mode: 'status', status: 503, headers: { 'Retry-After': new Date(retryAt).toUTCString() } });
    const page = await proxiedPage(await suite.context(), collector);
    const ids = await trackSeq(page, 'retry-date', 1, 3, true); // resolves once the 503 came
    expect(answered(collector, 503)).toHaveLength(1);
    collector.answer({ mode: 'forward' });
    await expectAllDelivered(suite.collector, ids, { scenario: 'Retry-After as an HTTP date' });

    const [refused, retry, ...others] = collector.posts();
    expect(others).toEqual([]);
    console.log(`[hostile] Retry-After date ${retryAt - refused.at} ms after the 503; the retry came ${retry.at - retryAt} ms after the date`);
    // Firefox rounds the page's clock (reduceTimerPrecision): a few ms early is the same instant.
    expect(retry.at).toBeGreaterThanOrEqual(retryAt - 100);
    // Not much later either: spread up to twice the wait it asked for, so that the visitors it refused at one
    // moment do not all come back at another (a page's timer may be late too: Firefox's here, by up to half a second).
    expect(retry.at).toBeLessThanOrEqual(retryAt + (retryAt - refused.at) + SLACK + 500);
    expect(await pageErrors(page)).toEqual([]);
  });

  it('after Retry-After: 99999999999 the site waits ten minutes at most, a reload too; then delivers', async () => {
    const collector = await proxy(suite.collectorUrl);
    collector.answer({ mode: 'status', status: 503, headers: { 'Retry-After': '99999999999' } });
    const page = await proxiedPage(await suite.context(), collector);
    const ids = await trackSeq(page, 'retry-huge', 1, 3, true);
    collector.answer({ mode: 'forward' });
    // Honoured (shortened to what a page may wait): no retry meanwhile, and a new page of the site waits as
    // well (the backoff is the site's, beside the collector's health), within ten minutes.
    const wait = await page.evaluate(() => JSON.parse(localStorage.getItem('bt:health')!).retry - Date.now());
    expect(wait).toBeGreaterThan(290_000);
    expect(wait).toBeLessThanOrEqual(600_000);
    await page.reload();
    await waitForQuiet(() => collector.posts().length, { quiet: 2000 });
    expect(collector.posts().map((request) => request.status)).toEqual([503]);
    // Ten minutes later (the wait written as run out): the next page delivers.
    await page.evaluate(() => localStorage.setItem('bt:health', JSON.stringify({ ...JSON.parse(localStorage.getItem('bt:health')!), retry: Date.now() })));
    await page.reload();
    await expectAllDelivered(suite.collector, ids, { scenario: 'Retry-After: 99999999999, then the wait ran out' });
    expect(await pageErrors(page)).toEqual([]);
  });
});

describe('tampered storage', () => {
  /**
   * Opens the site through a proxy that records what pages ask of their own origin, writes into its storage
   * from a page without the tracker, then opens the tracker's page, which reads it back as it loads.
   */
  async function tamperedPage(tamper: (away: Awaited<ReturnType<Context['newPage']>>) => Promise<unknown>) {
    const site = await proxy(suite.siteUrl, { host: 'localhost' });
    const context = await suite.context();
    const away = await context.newPage(`${site.url}/e2e/away.html`);
    await tamper(away);
    await away.close();
    return { site, page: await context.newPage(`${site.url}/e2e/tampered.html`) };
  }

  /** What holds whatever storage said: no error in the page, nothing sent to its own origin, every event delivered, with a UUID session. */
  async function expectUnharmed(site: Proxy, page: Awaited<ReturnType<typeof tamperedPage>>['page'], scenario: string) {
    const ids = await trackSeq(page, 'good', 1, 5, true);
    await expectAllDelivered(suite.collector, ids, { scenario });
    expect(await pageErrors(page)).toEqual([]);
    // The page, its scripts, maybe a favicon: never a POST (a record without a url once went to /undefined/track).
    expect(site.requests.filter((request) => request.method != 'GET').map((request) => `${request.method} ${request.path}`)).toEqual([]);
    expect(await page.evaluate(() => tracker.sessionId)).toMatch(UUID_V4);
    const sent = payloads(suite.collector, 'e2e-tampered');
    for (const payload of sent) expect(payload.session.id).toMatch(UUID_V4);
    return { ids, sent };
  }

  const SESSION = '6f1c2e4a-8b3d-4c5e-9f6a-7b8c9d0e1f2a';
  /** A record of the queue's layout (docs/storage.md) under its key `[name, url, at, id]`, with `change`s. */
  const record = (key: { url: string }, change: object): StoredEntry => {
    const value = { id: 'evil-1', url: key.url, source: 'e2e-tampered', session: SESSION, event: '{"id":"evil-1","type":"evil"}', at: 1, ...change } as { id: string; at: number };
    return [['bt', key.url, value.at, value.id], value];
  };

  for (const [name, entries, dropped] of [
    ['a record that is the string "x"', (url: string) => [[['bt', url, 1, 'x'], 'x']], 1],
    ['a record that is an empty object', (url: string) => [[['bt', url, 1, 'y'], {}]], 1],
    [
      'a record whose url is javascript:alert(1)',
      (url: string) => [record({ url }, { url: 'javascript:alert(1)' }), record({ url: 'javascript:alert(1)' }, { id: 'evil-2' })],
      1,
    ],
    ['a record whose session is no UUID', (url: string) => [record({ url }, { session: 'evil-session' })], 1],
  ] as Array<[string, (url: string) => StoredEntry[], number]>) {
    it(`a queue holding ${name}: nothing thrown, nothing sent to the page's origin, every event delivered`, async () => {
      const { site, page } = await tamperedPage((away) => putQueueEntries(away, entries(suite.collectorUrl)));
      const { sent } = await expectUnharmed(site, page, `queue holding ${name}`);
      expect(eventsOf(suite.collector, 'evil')).toEqual([]);
      // A record this tracker can never send is dropped and reported as lost, not silently.
      expect(sent.map((payload) => payload.context.tracker?.dropped ?? 0).reduce((sum, count) => sum + count, 0)).toBe(dropped);
      const left = (await queueEntries(page)).filter(([key]) => Array.isArray(key) && key.length > 1);
      console.log(`[hostile] ${name}: left in IndexedDB: ${JSON.stringify((await queueEntries(page)).map(([key]) => key))}`);
      expect(left.filter(([key]) => (key as unknown[])[1] == suite.collectorUrl)).toEqual([]);
    });
  }

  for (const [name, bad] of [
    ['a session id that is no UUID', 'evil'],
    ['a profile id of 4,000 characters', 'p'.repeat(4000)],
    ['a profile id with ; and =', 'p;q=r'],
  ]) {
    it(`ids in cookie and localStorage with ${name}: a UUID session goes on the wire, and no bad profile`, async () => {
      const at = Date.now().toString(36);
      const value = bad == 'evil' ? `evil-session.${at}.evil` : `${SESSION}.${at}.${bad}`;
      const { site, page } = await tamperedPage((away) =>
        away.evaluate((value) => {
          document.cookie = `bt=${encodeURIComponent(value)};path=/`;
          localStorage.setItem('bt', value);
        }, value),
      );
      const { ids } = await expectUnharmed(site, page, `ids with ${name}`);
      for (const record of trackRequests(suite.collector, ids)) expect(record.body.includes(bad), `request #${record.seq}`).toBe(false);
      expect(sentProfiles('e2e-tampered')).not.toContain(bad);
      expect(await page.evaluate(() => tracker.profileId)).not.toBe(bad);
      // Written back clean, the collector's profile at most.
      const stored = await storedIds(page);
      for (const ids of [stored.cookie, stored.local]) {
        expect(ids?.session).toMatch(UUID_V4);
        expect(ids?.profile).not.toBe(bad);
      }
      expect((await localItem(page, 'bt'))!.length).toBeLessThan(200);
    });
  }
});

describe('two trackers on one page', () => {
  it('keep their own envelope and profile, and one collector down does not hold the other back', async () => {
    const collectorA = await proxy(suite.collectorUrl);
    const page = await (await suite.context()).newPage(suite.page(`/e2e/two-trackers.html?collector=${encodeURIComponent(collectorA.url)}`));
    const track = (tracker: 'a' | 'b', from: number, count: number, flush = false) =>
      page.evaluate(
        async ({ tracker, from, count, flush }) => {
          const ids = Array.from({ length: count }, (_, i) => trackers[tracker].track(`from-${tracker}`, { seq: from + i }));
          if (flush) await trackers[tracker].flush();
          return ids;
        },
        { tracker, from, count, flush },
      );
    const idsA = [...(await track('a', 1, 3, true))];
    const idsB = [...(await track('b', 1, 3, true))];
    await expectAllDelivered(suite.collector, [...idsA, ...idsB], { scenario: 'two trackers, both collectors up' });
    const profiles = await waitFor(() => page.evaluate(() => trackers.a.profileId && trackers.b.profileId && [trackers.a.profileId, trackers.b.profileId]), {
      what: 'both profiles',
    });
    expect(profiles[0]).not.toBe(profiles[1]);

    // A's collector fails: B's events arrive by B's own flush interval, while A's wait.
    collectorA.answer({ mode: 'status', status: 503 });
    idsA.push(...(await track('a', 4, 3)));
    const laterB = await track('b', 4, 3);
    await expectAllDelivered(suite.collector, laterB, { scenario: "B while A's collector fails", timeout: 3000 });
    await waitFor(() => answered(collectorA, 503).length, { what: "A's request answered 503" });
    expect(idsA.slice(3).filter((id) => suite.collector.store.get(id))).toEqual([]);
    idsB.push(...laterB);
    collectorA.answer({ mode: 'forward' });
    await expectAllDelivered(suite.collector, idsA, { scenario: "A once its collector is back" });

    for (const [source, envelope, profile] of [
      ['e2e-tracker-a', { context: { site: 'A' }, options: { tag: 'A' } }, profiles[0]],
      ['e2e-tracker-b', { context: { site: 'B' }, options: {} }, profiles[1]],
    ] as const) {
      const sent = payloads(suite.collector, source);
      expect(sent.length).toBeGreaterThanOrEqual(2);
      for (const payload of sent) {
        expect(payload).toMatchObject(envelope);
        expect(payload.options).toEqual(envelope.options);
        expect([undefined, profile]).toContain(payload.profile?.id);
      }
    }
    expect(eventsOf(suite.collector, 'from-b').map((event) => event.profile!.id)).toEqual(idsB.map(() => profiles[1]));
    expect(await pageErrors(page)).toEqual([]);
  });
});
