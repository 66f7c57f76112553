/**
 * The QA demo page, as a person uses it, in every engine: starts the demo server, clicks through the
 * buttons, checks the page, its timeline and the collector agree, and saves e2e/artifacts/qa-<engine>.png.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer } from '../demo/site/server.mjs';
import { launch, type Browser, type Page } from './driver';
import { waitFor } from './helpers/wait';

let demo: Awaited<ReturnType<typeof startDemoServer>>;
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
  demo = await startDemoServer({ collectorPort: 0, sitePort: 0, memory: true });
});
afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

/** The text of the element `selector` matches, as shown. */
const text = (page: Page, selector: string) => page.evaluate((selector) => document.querySelector<HTMLElement>(selector)!.innerText.trim(), selector);

/**
 * The timeline as drawn: the height of each series' path (0: flat on the baseline), the received line's
 * path data, and how many request bars and collector-state bands of each kind there are.
 */
const plot = async (page: Page) => {
  await waitFor(() => page.evaluate(() => !!document.querySelector('#timeline path.received')), { what: 'the timeline drawn' });
  return page.evaluate(() => {
    const svg = document.querySelector('#timeline')!;
    const height = (series: string) => svg.querySelector<SVGPathElement>(`path.${series}`)!.getBBox().height;
    const count = (selector: string) => svg.querySelectorAll(selector).length;
    return {
      tracked: height('tracked'),
      received: height('received'),
      waiting: height('waiting'),
      receivedPath: svg.querySelector('path.received')!.getAttribute('d'),
      bars: { ok: count('rect.bar.ok'), failed: count('rect.bar.failed') },
      bands: { down: count('rect.band.down'), faulty: count('rect.band.faulty') },
    };
  });
};

/** Waits until the element `selector` matches shows `expected` (a text, or a pattern it matches). */
const shows = (page: Page, selector: string, expected: string | RegExp) =>
  waitFor(
    async () => {
      const shown = await text(page, selector);
      return typeof expected == 'string' ? shown == expected : expected.test(shown);
    },
    { what: `${selector} to show ${expected}` },
  );

it('the QA page shows events queue while the collector is down and drain when it is back', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage(`${demo.siteUrl}/`);
    // Errors thrown by the page's scripts from now on, heard in the page (WebDriver classic has no page
    // error events); one thrown while it loaded shows as a page that does not work: no session id below.
    await page.evaluate(() => {
      const errors: string[] = ((window as unknown as { e2eErrors: string[] }).e2eErrors = []);
      addEventListener('error', (event) => errors.push(event.message));
      addEventListener('unhandledrejection', (event) => errors.push(String(event.reason)));
    });
    const received = () => demo.collector.store.all().length;

    await waitFor(async () => /[0-9a-f-]{36}/.test(await text(page, '#session-id')), { what: 'the session id on the page' });
    // Drawn before anything happened: every series flat on its baseline.
    expect(await plot(page)).toMatchObject({ tracked: 0, received: 0, waiting: 0, bars: { ok: 0, failed: 0 } });

    await page.click('#track-view');
    await page.click('#track-purchase');
    await page.fill('#custom-json', '{ "type": "oops", ');
    await page.click('#track-custom');
    expect(await page.evaluate(() => !document.querySelector<HTMLElement>('#custom-error')!.hidden)).toBe(true); // bad JSON is explained, not sent
    await page.click('#flush');
    await waitFor(() => received() == 2, { what: 'the page view and the purchase at the collector' });
    await shows(page, '#flush-outcome', 'delivered');
    await shows(page, '#stat-events', '2');
    // The plot moved: tracked and received rose off the baseline, and a request was answered 2xx.
    await shows(page, '#total-received', '2');
    expect(await text(page, '#total-tracked')).toBe('2');
    await waitFor(async () => (await plot(page)).bars.ok > 0, { what: 'a 2xx request bar' });
    const up = await plot(page);
    expect(up.tracked).toBeGreaterThan(0);
    expect(up.received).toBeGreaterThan(0);

    await page.click('#collector-down');
    for (let i = 0; i < 3; i++) await page.click('#track-view');
    await page.click('#flush');
    await shows(page, '#flush-outcome', 'queued: 3 waiting in IndexedDB');
    await shows(page, '#queue-count', '3');
    // While it is down: the queue rises in the plot inside a "down" band, and nothing more is received.
    await shows(page, '#waiting-now', '3');
    await waitFor(async () => (await plot(page)).waiting > 0 && (await plot(page)).bands.down > 0, { what: 'the queue and the down band in the plot' });
    mkdirSync('e2e/artifacts', { recursive: true });
    await page.screenshot(`e2e/artifacts/qa-${browser.engine}.png`);
    const down = await plot(page);
    expect(await text(page, '#total-received')).toBe('2');
    expect(await text(page, '#total-tracked')).toBe('5');
    expect(received()).toBe(2);

    await page.click('#collector-up');
    await waitFor(() => received() == 5, { what: 'the queued events at the collector once it is back', timeout: 15_000 });
    await shows(page, '#queue-count', '0');
    // Back up: the received line takes the 3 in, the queue falls back to nothing.
    await shows(page, '#total-received', '5');
    await shows(page, '#waiting-now', '0');
    expect((await plot(page)).receivedPath).not.toBe(down.receivedPath);

    // An answer fault: 503 is refused and kept in the queue, until "No fault" lets it through.
    await page.click('#fault-503');
    await waitFor(async () => (await text(page, '#collector-fault')).includes('503'), { what: 'the page to show the 503 fault' });
    const rawBefore = demo.collector.rawLog.length;
    await page.click('#track-view');
    await page.click('#flush');
    await waitFor(() => demo.collector.rawLog.slice(rawBefore).some((record: any) => record.status == 503), { what: 'a request answered 503' });
    await shows(page, '#queue-count', '1');
    await shows(page, '#flush-outcome', 'queued: 1 waiting in IndexedDB');
    // The 503s are red bars, under a "faulty" band.
    await waitFor(async () => (await plot(page)).bars.failed > 0 && (await plot(page)).bands.faulty > 0, { what: 'a 5xx bar under a faulty band' });
    expect(Number(await text(page, '#total-failed'))).toBeGreaterThan(0);
    expect(received()).toBe(5);
    await page.click('#fault-ok');
    await waitFor(() => received() == 6, { what: 'the event after the fault is off', timeout: 15_000 });

    // A wire duplicate (a resend whose answer was lost) is counted, not stored twice.
    const first = demo.collector.store.all()[0];
    const resend = await fetch(`${demo.collectorUrl}/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: first.source, session: first.session, profile: first.profile, events: [{ id: first.id, type: first.type }] }),
    });
    expect(resend.status).toBe(200);
    await shows(page, '#stat-duplicates', '1');
    expect(await text(page, '#received-items')).toContain('sent twice, stored once');
    expect(received()).toBe(6);

    // What a closing page left in localStorage is shown, then taken in and delivered by this page's next drain.
    const leftId = `left-${Date.now()}`;
    await page.evaluate(({ id, url }) => {
      const tracker = (window as any).tracker;
      const event = JSON.stringify({ id, type: 'left-behind', time: { create: new Date().toISOString() }, properties: {}, options: {}, context: {} });
      const record = { id, url, source: 'demo', session: tracker.sessionId, profile: tracker.profileId, event, at: Date.now() };
      localStorage.setItem(`beacon-tracker:${Math.random()}`, JSON.stringify({ name: 'bt', events: [record], dropped: 0 }));
    }, { id: leftId, url: demo.collectorUrl });
    await waitFor(async () => (await text(page, '#left-count')) == '1', { what: 'the page to show the event a closed page left' });
    expect(await text(page, '#left-items')).toContain(leftId);
    await page.click('#track-view');
    await page.click('#flush');
    await waitFor(() => demo.collector.store.get(leftId), { what: 'the event a closed page left, at the collector', timeout: 15_000 });
    await waitFor(async () => (await text(page, '#left-count')) == '0', { what: 'the entry gone from localStorage' });
    // Nothing is cut at this engine's width: no cell wider than its column, no page wider than the window;
    // and the log, taller than its box by now, keeps its newest line in view.
    const layout = await page.evaluate(() => {
      const list = document.querySelector('#log')!;
      const box = list.getBoundingClientRect();
      const last = list.lastElementChild!.getBoundingClientRect();
      return {
        cutCells: [...document.querySelectorAll('td')].filter((cell) => cell.scrollWidth > cell.clientWidth).map((cell) => cell.textContent),
        pageWider: document.documentElement.scrollWidth > innerWidth,
        logScrolls: list.scrollHeight > list.clientHeight,
        lastLineShown: last.top >= box.top - 1 && last.bottom <= box.bottom + 1,
      };
    });
    expect(layout).toEqual({ cutCells: [], pageWider: false, logScrolls: true, lastLineShown: true });
    expect(await page.evaluate(() => (window as unknown as { e2eErrors: string[] }).e2eErrors)).toEqual([]);
  } finally {
    await context.close();
  }
});

it('the QA page shows the context of use, mode, customer and consent of what it tracks, and filters this browser\'s events', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage(`${demo.siteUrl}/`);
    await waitFor(async () => /[0-9a-f-]{36}/.test(await text(page, '#session-id')), { what: 'the session id on the page' });
    const sessionId = await text(page, '#session-id');
    expect(await text(page, '#customer')).toContain('anonymous');
    expect(await text(page, '#consent')).toContain('not asked');

    // Context of use and mode, chosen in the page, reach the collector in the event's options.
    await page.evaluate(() => {
      document.querySelector<HTMLSelectElement>('#context')!.value = 'MOBILE';
      document.querySelector<HTMLSelectElement>('#mode')!.value = 'PASSIVE';
    });
    await page.click('#track-view');
    await page.click('#flush');
    await shows(page, '#flush-outcome', 'delivered');
    const first = await waitFor(() => demo.collector.store.all().find((event: any) => event.session.id == sessionId), { what: 'the event at the collector' });
    expect(first.options).toMatchObject({ context: 'MOBILE', mode: 'PASSIVE' });
    await shows(page, '#received-items', /MOBILE · PASSIVE/);

    // identify(): the customer is shown from the tracker's storage, and in each later event.
    await page.fill('#customer-id', 'qa-customer-7');
    await page.click('#identify');
    await shows(page, '#customer', 'qa-customer-7');
    await page.click('#track-view');
    await page.click('#flush');
    await waitFor(() => demo.collector.store.all().some((event: any) => event.type == 'page-view' && event.context.customer?.id == 'qa-customer-7'), { what: "the customer in a later event's context" });
    await shows(page, '#received-items', /page-view\s+MOBILE · PASSIVE\s+qa-customer-7/);

    // "This browser only" leaves out another browser's events.
    const other = await fetch(`${demo.collectorUrl}/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: { id: 'demo' }, session: { id: crypto.randomUUID() }, events: [{ id: `other-${Date.now()}`, type: 'from-another-browser' }] }),
    });
    expect(other.status).toBe(200);
    await shows(page, '#received-items', /from-another-browser/);
    await page.click('#this-browser');
    await waitFor(async () => !(await text(page, '#received-items')).includes('from-another-browser'), { what: "only this browser's events" });
    expect(await text(page, '#received-items')).toContain(sessionId);

    // Consent refused: nothing taken, nothing stored; given again: a new session. Reset forgets the customer.
    await page.click('#consent-refuse');
    await shows(page, '#consent', /^refused/);
    await shows(page, '#customer', /anonymous/);
    await page.click('#track-view');
    await page.click('#flush');
    await shows(page, '#flush-outcome', 'nothing sent: consent refused');
    expect(await text(page, '#log')).toContain('page-view (MOBILE · PASSIVE) not taken: consent refused');
    await page.click('#consent-give');
    await shows(page, '#consent', 'given');
    await waitFor(async () => /[0-9a-f-]{36}/.test(await text(page, '#session-id')), { what: 'a session again' });
    expect(await text(page, '#session-id')).not.toBe(sessionId);
    await page.fill('#customer-id', 'qa-customer-8');
    await page.click('#identify');
    await shows(page, '#customer', 'qa-customer-8');
    const beforeReset = await text(page, '#session-id');
    await page.click('#reset');
    await shows(page, '#customer', /anonymous/);
    expect(await text(page, '#session-id')).not.toBe(beforeReset);
  } finally {
    await context.close();
  }
});

it('the QA page shows the events its markup makes (data-track, no JavaScript) as the collector receives them', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage(`${demo.siteUrl}/`);
    await waitFor(async () => /[0-9a-f-]{36}/.test(await text(page, '#session-id')), { what: 'the session id on the page' });
    const sessionId = await text(page, '#session-id');
    await page.click('#tagged-signup');
    await page.fill('#tagged-feedback', 'nice');
    await page.click('#tagged-send'); // the page sends it itself (preventDefault): capture sees the submit all the same
    const ofSession = () => demo.collector.store.all().filter((event: any) => event.session?.id == sessionId);
    await waitFor(() => ofSession().length == 2, { what: 'the tagged click and the tagged form at the collector' });
    expect(ofSession().map((event: any) => [event.type, event.properties]).sort()).toEqual([
      ['newsletter-signup', { list: 'weekly', position: 'qa-card' }],
      ['qa-feedback', { form: 'qa-card' }],
    ]);
    await shows(page, '#markup-items', /newsletter-signup\s+list=weekly · position=qa-card/);
    await shows(page, '#markup-items', /qa-feedback\s+form=qa-card/);
    expect(await page.evaluate(() => location.pathname + location.search)).toBe('/');
  } finally {
    await context.close();
  }
});
