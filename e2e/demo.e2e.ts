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

  // An answer fault: 503 is refused and kept in the queue, until "No fault" lets it through.
  await page.click('#fault-503');
  await waitFor(async () => (await text('#collector-fault')).includes('503'), { what: 'the page to show the 503 fault' });
  const rawBefore = demo.collector.rawLog.length;
  await page.click('#track-view');
  await page.click('#flush');
  await waitFor(() => demo.collector.rawLog.slice(rawBefore).some((record: any) => record.status == 503), { what: 'a request answered 503' });
  await waitFor(async () => (await text('#queue-count')).trim() == '1', { what: 'the refused event in the queue' });
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
  await waitFor(async () => (await text('#stat-duplicates')).trim() == '1', { what: 'the page to count one duplicate dropped' });
  expect(received()).toBe(6);

  // What a closing page left in localStorage is shown, then taken in and delivered by this page's next drain.
  const handoverId = `handover-${Date.now()}`;
  await page.evaluate(({ id, url }) => {
    const tracker = (window as any).tracker;
    const event = JSON.stringify({ id, type: 'left-behind', time: { create: new Date().toISOString() }, properties: {}, options: {}, context: {} });
    const record = { id, url, source: 'demo', session: tracker.sessionId, profile: tracker.profileId, event };
    localStorage.setItem(`beacon-tracker:${Math.random()}`, JSON.stringify({ events: [record], dropped: 0 }));
  }, { id: handoverId, url: demo.collectorUrl });
  await waitFor(async () => (await text('#handover-count')).trim() == '1', { what: 'the page to show the localStorage handover' });
  expect(await text('#handover-items')).toContain(handoverId);
  await page.click('#track-view');
  await page.click('#flush');
  await waitFor(() => demo.collector.store.get(handoverId), { what: 'the handed-over event at the collector', timeout: 15_000 });
  await waitFor(async () => (await text('#handover-count')).trim() == '0', { what: 'the handover gone from localStorage' });
  expect(errors).toEqual([]);
  await page.close();
});
