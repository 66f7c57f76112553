/**
 * The QA demo page, as a person uses it: a Playwright test (Chromium only: it clicks and takes a
 * screenshot, which the engine-neutral driver does not offer) that starts the demo server, clicks
 * through the buttons, checks the page and the collector agree, and saves e2e/artifacts/qa.png.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer } from '../demo/server.mjs';
// @ts-ignore: plain ESM
import { findChromium } from './driver/find-chromium.mjs';
import { waitFor } from './helpers/wait';

const engine = process.env.E2E_ENGINE || 'chromium';
let demo: Awaited<ReturnType<typeof startDemoServer>>;
let browser: Browser;

beforeAll(async () => {
  if (engine != 'chromium') return;
  demo = await startDemoServer({ collectorPort: 0, sitePort: 0, memory: true });
  browser = await chromium.launch({ executablePath: findChromium() || undefined, args: ['--disable-gpu', '--disable-quic'] });
});
afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

it.skipIf(engine != 'chromium')('the QA page shows events queue while the collector is down and drain when it is back', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${demo.siteUrl}/`);
  const received = () => demo.collector.store.all().length;
  const text = (selector: string) => page.locator(selector).innerText();

  await waitFor(async () => /[0-9a-f-]{36}/.test(await text('#session-id')), { what: 'the session id on the page' });
  await page.click('#track-view');
  await page.click('#track-purchase');
  await page.fill('#custom-json', '{ "type": "oops", ');
  await page.click('#track-custom');
  expect(await page.locator('#custom-error').isVisible()).toBe(true); // bad JSON is explained, not sent
  await page.click('#flush');
  await waitFor(() => received() == 2, { what: 'the page view and the purchase at the collector' });
  await waitFor(async () => (await text('#stat-events')).trim() == '2', { what: 'the page to show 2 received events' });

  await page.click('#collector-down');
  for (let i = 0; i < 3; i++) await page.click('#track-view');
  await page.click('#flush');
  await waitFor(async () => (await text('#queue-count')).trim() == '3', { what: 'the page to show 3 queued events' });
  mkdirSync('e2e/artifacts', { recursive: true });
  await page.screenshot({ path: 'e2e/artifacts/qa.png', fullPage: true });
  expect(received()).toBe(2);

  await page.click('#collector-up');
  await waitFor(() => received() == 5, { what: 'the queued events at the collector once it is back', timeout: 15_000 });
  await waitFor(async () => (await text('#queue-count')).trim() == '0', { what: 'the page to show an empty queue' });
  expect(errors).toEqual([]);
  await page.close();
});
