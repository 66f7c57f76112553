/**
 * The QA demo page, as a person uses it, in every engine: starts the demo server, clicks through the
 * buttons, checks the page and the collector agree, and saves e2e/artifacts/qa-<engine>.png.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer } from '../demo/server.mjs';
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
    expect(await page.evaluate(() => (window as unknown as { e2eErrors: string[] }).e2eErrors)).toEqual([]);
  } finally {
    await context.close();
  }
});
