/**
 * The QA demo page, as a person uses it, in every engine: starts the demo server, clicks through the
 * buttons, checks the page and the collector agree, and saves e2e/artifacts/qa-<engine>.png.
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
    await page.click('#track-view');
    await page.click('#track-purchase');
    await page.fill('#custom-json', '{ "type": "oops", ');
    await page.click('#track-custom');
    expect(await page.evaluate(() => !document.querySelector<HTMLElement>('#custom-error')!.hidden)).toBe(true); // bad JSON is explained, not sent
    await page.click('#flush');
    await waitFor(() => received() == 2, { what: 'the page view and the purchase at the collector' });
    await waitFor(async () => (await text(page, '#stat-events')) == '2', { what: 'the page to show 2 received events' });

    await page.click('#collector-down');
    for (let i = 0; i < 3; i++) await page.click('#track-view');
    await page.click('#flush');
    await waitFor(async () => (await text(page, '#queue-count')) == '3', { what: 'the page to show 3 queued events' });
    mkdirSync('e2e/artifacts', { recursive: true });
    await page.screenshot(`e2e/artifacts/qa-${browser.engine}.png`);
    expect(received()).toBe(2);

    await page.click('#collector-up');
    await waitFor(() => received() == 5, { what: 'the queued events at the collector once it is back', timeout: 15_000 });
    await waitFor(async () => (await text(page, '#queue-count')) == '0', { what: 'the page to show an empty queue' });

    // An answer fault: 503 is refused and kept in the queue, until "No fault" lets it through.
    await page.click('#fault-503');
    await waitFor(async () => (await text(page, '#collector-fault')).includes('503'), { what: 'the page to show the 503 fault' });
    const rawBefore = demo.collector.rawLog.length;
    await page.click('#track-view');
    await page.click('#flush');
    await waitFor(() => demo.collector.rawLog.slice(rawBefore).some((record: any) => record.status == 503), { what: 'a request answered 503' });
    await waitFor(async () => (await text(page, '#queue-count')) == '1', { what: 'the refused event in the queue' });
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
    await waitFor(async () => (await text(page, '#stat-duplicates')) == '1', { what: 'the page to count one duplicate dropped' });
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
    expect(await page.evaluate(() => (window as unknown as { e2eErrors: string[] }).e2eErrors)).toEqual([]);
  } finally {
    await context.close();
  }
});
