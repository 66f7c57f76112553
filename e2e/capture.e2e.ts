// Capture in real browsers, asserted at the demo collector: events from the markup alone (capture.html, the four
// options from data attributes, under the suite's strict CSP), with real input: clicks, a middle click and a
// ctrl-click that open a new tab, keys, a form's submit; navigations to another origin that leave at once, and
// a page closed right after a click. Every event arrives once, and no navigation waits for the tracker.
import { describe, expect, it } from 'vitest';
import { engineName, type Page } from './driver';
import type { StoredEvent } from './helpers/collector';
import { pageErrors } from './helpers/errors';
import { startProxy, type Proxy } from './helpers/proxy';
import { useSuite } from './helpers/site';
import { waitFor, waitForQuiet } from './helpers/wait';

const suite = useSuite();

/** Another origin for the page's links and form to go to: it records each request, and answers 200 with nothing. */
async function elsewhere(): Promise<Proxy> {
  const proxy = await startProxy();
  suite.cleanup(() => proxy.close());
  return proxy;
}

/** capture.html (or capture-bare.html, without the tracker) under the strict CSP, its links going to `away`. */
const capturePage = (away: Proxy, file = 'capture') => suite.page(`/e2e/${file}.html?csp=strict&away=${encodeURIComponent(away.url)}`);

/** Opens capture.html in a fresh profile; gives the page and its session, which names its events at the collector. */
async function open(away: Proxy) {
  const page = await (await suite.context()).newPage(capturePage(away));
  const session = await page.evaluate(() => tracker.sessionId!);
  expect(session).toBeTruthy();
  return { page, session };
}

/** What the collector holds of `session`: a late beacon of another test's page cannot count here. */
const eventsOf = (session: string) => suite.collector.store.all().filter((event) => event.session?.id == session);

/**
 * Waits until the collector holds `expected` ([type, count] pairs) of `session`, then until nothing more
 * arrives for a while, and checks that it holds exactly those, each stored once and sent once.
 */
async function expectEvents(session: string, expected: Record<string, number>, what: string): Promise<StoredEvent[]> {
  const count = (type: string) => eventsOf(session).filter((event) => event.type == type).length;
  await waitFor(() => Object.entries(expected).every(([type, n]) => count(type) >= n), {
    timeout: 20_000,
    what: `${JSON.stringify(expected)} at the collector (${what}); have ${JSON.stringify(eventsOf(session).map((event) => event.type))}`,
  });
  await waitForQuiet(() => suite.collector.rawLog.length, { quiet: 1000, timeout: 20_000 });
  const events = eventsOf(session);
  const counts = Object.fromEntries(Object.keys(expected).map((type) => [type, count(type)]));
  expect({ counts, types: events.length }, what).toEqual({ counts: expected, types: Object.values(expected).reduce((a, b) => a + b, 0) });
  for (const event of events) expect(event.seen, `${event.type} ${event.id} arrived ${event.seen} times`).toBe(1);
  return events;
}

/** Waits until the page is `away`'s, loaded; gives its request (the first for `path` from the `since`th on). */
async function arrivedAt(page: Page, away: Proxy, path: string, since = 0) {
  const request = await waitFor(() => away.requests.slice(since).find((request) => request.path.startsWith(path)), { timeout: 15_000, what: `a request for ${path} at the other origin` });
  await waitFor(() => page.evaluate(() => document.readyState == 'complete' && location.href).then((href) => href && href.startsWith(away.url), () => false), { what: 'the other origin loaded' });
  return request;
}

/** The page's CSP violations and uncaught errors: there must be none. */
async function expectClean(page: Page) {
  expect(await page.evaluate(() => violations)).toEqual([]);
  expect(await pageErrors(page)).toEqual([]);
}

const byType = (events: StoredEvent[], type: string) => events.filter((event) => event.type == type);

describe('tagged events', () => {
  it('a tagged button tracks its type and data-track-* properties, a click on its child counts for it, once; markup track() refuses throws nothing', async () => {
    const away = await elsewhere();
    const { page, session } = await open(away);
    await page.click('#signup');
    await page.click('#signup-child');
    await page.click('#untyped'); // refused, and the page goes on
    await page.click('#scored');
    await expectClean(page);
    await page.evaluate(() => tracker.flush());
    const events = await expectEvents(session, { signup: 2 }, 'two clicks on a tagged button, two on markup track() refuses');
    for (const event of events) expect(event.properties).toEqual({ plan: 'pro', planId: 'p-7' });
  });

  it('an element the page adds after load is tracked, without a call', async () => {
    const away = await elsewhere();
    const { page, session } = await open(away);
    await page.evaluate(() => {
      const later = document.createElement('button');
      later.id = 'later';
      later.textContent = 'Added later';
      later.setAttribute('data-track', 'added-later');
      later.setAttribute('data-track-position', 'footer');
      document.body.append(later);
    });
    await page.click('#later');
    await page.evaluate(() => tracker.flush());
    const [event] = await expectEvents(session, { 'added-later': 1 }, 'an element added after load');
    expect(event.properties).toEqual({ position: 'footer' });
    await expectClean(page);
  });

  it('keyboard activation: Enter and Space on a <button>, Enter on a link, Enter and Space on a role="button" whose script clicks it', async () => {
    const away = await elsewhere();
    const { page, session } = await open(away);
    await page.press('#signup', 'Enter');
    await page.press('#signup', ' ');
    await page.press('#faq', 'Enter'); // a link to a fragment: the page stays, at another URL (popstate)
    await page.press('#menu', 'Enter'); // its own script turns Enter into menu.click(): one activation
    await page.press('#menu', ' ');
    await page.evaluate(() => tracker.flush());
    // A new URL is a new page view, as for pageViews: the engagement of the one before it.
    await expectEvents(session, { signup: 2, faq: 1, menu: 2, 'page-engagement': 1 }, 'keys');
    expect(await page.evaluate(() => location.hash)).toBe('#answers');
    await expectClean(page);
  });
});

describe('navigations', () => {
  it('a tagged link to another origin: the navigation leaves at once, its events arrive once', async () => {
    const away = await elsewhere();
    const { page, session } = await open(away);
    await expectClean(page);
    await page.click('#partner');
    await arrivedAt(page, away, '/partner');
    const events = await expectEvents(session, { partner: 1, 'outbound-link': 1, 'page-engagement': 1 }, 'a tagged link that navigates');
    expect(byType(events, 'partner')[0].properties).toEqual({ name: 'acme' });
    // The link as it was when clicked: capture.js writes spent= after every other listener.
    expect(byType(events, 'outbound-link')[0].properties.url).toMatch(new RegExp(`^${away.url}/partner\\?at=\\d+$`));
    expect(byType(events, 'page-engagement')[0].properties).toEqual({ visibleMs: expect.any(Number), maxScrollPercent: expect.any(Number) });
    expect(byType(events, 'page-engagement')[0].properties.visibleMs).toBeGreaterThan(0);
  });

  it("a form whose submit navigates to another origin: its event arrives once", async () => {
    const away = await elsewhere();
    const { page, session } = await open(away);
    await expectClean(page);
    await page.click('#send');
    const request = await arrivedAt(page, away, '/thanks');
    expect(request.path).toMatch(/^\/thanks\?email=visitor%40example\.com&at=\d+&spent=[\d.]+$/);
    const events = await expectEvents(session, { contact: 1, 'page-engagement': 1 }, 'a form that navigates');
    expect(byType(events, 'contact')[0].properties).toEqual({ topic: 'sales' });
  });

  it('a page closed right after a click: the click arrives once', async () => {
    const away = await elsewhere();
    const { page, session } = await open(away);
    await expectClean(page);
    await page.click('#signup');
    await page.close();
    await waitFor(() => eventsOf(session).some((event) => event.type == 'signup'), { timeout: 20_000, what: 'the click at the collector' });
    await waitForQuiet(() => suite.collector.rawLog.length, { quiet: 1000, timeout: 20_000 });
    const events = eventsOf(session);
    expect(byType(events, 'signup')).toEqual([expect.objectContaining({ seen: 1 })]);
    // Tracked at pagehide: never twice, and in Firefox not always at all (the next test).
    expect(events.filter((event) => event.type != 'signup')).toEqual(byType(events, 'page-engagement'));
    for (const event of events) expect(event.seen).toBe(1);
  });

  // Skipped in Firefox, with the reason in e2e/driver/gaps.mjs (TEST_SKIPS).
  it.skipIf(engineName() == 'firefox')('the engagement of a page closed arrives once, with the time it was visible', async () => {
    const away = await elsewhere();
    const { page, session } = await open(away);
    await page.click('#signup');
    await page.close();
    const [engagement] = byType(await expectEvents(session, { signup: 1, 'page-engagement': 1 }, 'a page closed'), 'page-engagement');
    expect(engagement.properties).toEqual({ visibleMs: expect.any(Number), maxScrollPercent: 100 });
    expect(engagement.properties.visibleMs).toBeGreaterThan(0);
  });
});

describe('links', () => {
  it('a link to a file tracks file-download with its url (before outbound-link); the page stays', async () => {
    const away = await elsewhere();
    away.answer({ mode: 'status', status: 204 }); // nothing to save: the browser stays on the page
    const { page, session } = await open(away);
    await page.click('#report');
    await waitFor(() => away.requests.find((request) => request.path.startsWith('/files/report.pdf')), { what: 'the file asked for' });
    await page.evaluate(() => tracker.flush());
    const [event] = await expectEvents(session, { 'file-download': 1 }, 'a download link');
    expect(event.properties.url).toMatch(new RegExp(`^${away.url}/files/report\\.pdf\\?at=\\d+`));
    expect(page.url()).toContain('/e2e/capture.html');
    await expectClean(page);
  });

  it('an outbound link opened in a new tab, by a middle click and by a ctrl-click, counts each time', async () => {
    const away = await elsewhere();
    const { page, session } = await open(away);
    for (const options of [{ button: 'middle' }, { modifier: 'Control' }] as const) {
      // MiniBrowser under WebDriver opens such a link in the same window: the page is gone, and comes back here.
      if (!page.url().includes('/e2e/capture.html') || !(await page.evaluate(() => !!document.getElementById('docs')).catch(() => false))) await page.goto(capturePage(away));
      const since = away.requests.length;
      await page.click('#docs', options);
      await waitFor(() => away.requests.slice(since).some((request) => request.path.startsWith('/docs?at=')), { what: 'the link opened' });
    }
    await waitFor(() => byType(eventsOf(session), 'outbound-link').length >= 2, { timeout: 20_000, what: 'two outbound-link events' });
    await waitForQuiet(() => suite.collector.rawLog.length, { quiet: 1000, timeout: 20_000 });
    const events = eventsOf(session);
    const outbound = byType(events, 'outbound-link');
    expect(outbound).toHaveLength(2);
    for (const event of outbound) expect(event.properties.url).toMatch(new RegExp(`^${away.url}/docs\\?at=\\d+`));
    // Where the link replaced the page (WebKit here), that page view's engagement too; nothing else, nothing twice.
    expect(events.filter((event) => event.type != 'outbound-link')).toEqual(byType(events, 'page-engagement'));
    for (const event of events) expect(event.seen).toBe(1);
  });
});

describe('a single-page app with the npm build', () => {
  it("import 'beacon-tracker/capture': tagged events, and at each navigation the engagement of the page view that ends, with its own page", async () => {
    const page = await (await suite.context()).newPage(suite.page('/e2e/capture-spa.html'));
    await waitFor(() => page.evaluate(() => typeof (window as any).app == 'object'), { what: 'the app started' });
    const session = await page.evaluate(() => (window as any).app.sessionId());
    await new Promise((resolve) => setTimeout(resolve, 300)); // the first page view, visible a while
    await page.evaluate(() => (window as any).app.navigate('/e2e/capture-spa/cart', 'Cart'));
    await page.click('#buy');
    await page.evaluate(() => (window as any).app.flush());
    const events = await expectEvents(session, { 'page-view': 2, 'page-engagement': 1, buy: 1 }, 'an SPA navigation');
    const [engagement] = byType(events, 'page-engagement');
    expect(engagement.context.page).toMatchObject({ path: '/e2e/capture-spa.html', title: 'Capture SPA home' });
    expect(engagement.properties.visibleMs).toBeGreaterThanOrEqual(250);
    expect(byType(events, 'buy')[0]).toMatchObject({ properties: { sku: 'A-1' }, context: { page: { path: '/e2e/capture-spa/cart', title: 'Cart' } } });
    expect(await pageErrors(page)).toEqual([]);
  });
});

describe('navigation time', () => {
  /**
   * Clicks the link (or submits the form) of `file` to another origin. Gives, in ms after the click: when the
   * other origin got the request, and when its page had loaded; and how long the click's (or submit's)
   * listeners took, the tracker's among them.
   */
  async function navigate(page: Page, away: Proxy, file: string, selector: string, path: string) {
    await page.goto(capturePage(away, file));
    const since = away.requests.length;
    await page.click(selector);
    const request = await arrivedAt(page, away, path, since);
    const query = new URL(request.path, away.url).searchParams;
    const at = Number(query.get('at'));
    const loaded = await page.evaluate(() => {
      const [entry] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
      return performance.timeOrigin + entry.loadEventEnd;
    });
    return { request: request.at - at, loaded: Math.round(loaded - at), listeners: Number(query.get('spent')) };
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const RUNS = 7;

  for (const [what, selector, path] of [
    ['a link', '#partner', '/partner'],
    ['a form', '#send', '/thanks'],
  ]) {
    it(`${what} to another origin leaves and loads as soon as without the tracker`, async () => {
      const away = await elsewhere();
      const page = await (await suite.context()).newPage();
      const runs: Record<'without' | 'with', Awaited<ReturnType<typeof navigate>>[]> = { without: [], with: [] };
      // In turns, so that a slow moment of the machine falls on both.
      for (let i = 0; i < RUNS; i++) {
        runs.without.push(await navigate(page, away, 'capture-bare', selector, path));
        runs.with.push(await navigate(page, away, 'capture', selector, path));
      }
      const medians = Object.fromEntries(
        Object.entries(runs).map(([key, list]) => [key, Object.fromEntries((['request', 'loaded', 'listeners'] as const).map((metric) => [metric, median(list.map((run) => run[metric]))]))]),
      ) as Record<'without' | 'with', Record<'request' | 'loaded' | 'listeners', number>>;
      // What the tracker adds to each pair of runs, one right after the other: a slow moment of the machine cancels out.
      const added = (metric: 'request' | 'loaded') => median(runs.with.map((run, i) => run[metric] - runs.without[i][metric]));
      const delay = { request: added('request'), loaded: added('loaded') };
      console.log(`[capture] ${suite.browser.engine}, ${what}: ms after the click (median of ${RUNS}): ${JSON.stringify(medians)}, added by the tracker (median of the pairs): ${JSON.stringify(delay)}; every run: ${JSON.stringify(runs)}`);
      // A tracker that held the navigation (preventDefault, then a timer or a request: the analytics
      // libraries that do wait 150 to 300 ms) shows here in the hundreds of ms. What the tracker does
      // send at a click (a beacon while the browser starts the navigation) added a median of 55 ms on CI's
      // 2 cores under load: the line is where holding begins, not a timing target (the log line has the figures).
      expect(medians.with.listeners).toBeLessThan(10);
      expect(delay.request).toBeLessThan(100);
      expect(delay.loaded).toBeLessThan(100);
    });
  }
});
