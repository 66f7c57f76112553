// The core tracker in real Chromium, asserted at the collector (never by intercepting requests). Pages
// are served from http://localhost and the collector is http://127.0.0.1: another origin, as on real sites.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM helpers
import { setUp, waitFor } from './helpers.mjs';

declare const tracker: {
  init(options: object): void;
  track(type: string, properties?: object, eventOptions?: object): string;
  flush(): Promise<void>;
  sessionId: string;
  profileId: string;
};

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let env: Awaited<ReturnType<typeof setUp>>;

beforeAll(async () => {
  env = await setUp();
});
afterAll(() => env.tearDown());
beforeEach(() => env.admin('reset', {}));

const typed = async (type: string) => (await env.events()).filter((event: { type: string }) => event.type == type);
const payloads = async () =>
  (await env.raw()).filter((record: { path: string; status: unknown }) => record.path == '/track' && record.status == 200).map((record: { body: string }) => JSON.parse(record.body));

describe('script tag', () => {
  it('initialises itself from its data attributes and sends a Tracardi tracker payload', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage(env.page('/e2e/script-tag.html'));
    await waitFor(() => typed('page-view').then((events) => events.length == 1), 'the page-view');
    const [payload] = await payloads();
    expect(payload.source).toEqual({ id: 'e2e' });
    expect(payload.session.id).toMatch(UUID_V4);
    expect(payload.profile).toBeUndefined(); // the first visit has no profile
    expect(payload.context.browser.local.browser.userAgent).toContain('Chrome');
    expect(payload.context.browser.local.device.platform).toBeTypeOf('string');
    expect(payload.context.screen.local.width).toBeGreaterThan(0);
    expect(Date.parse(payload.context.time.local)).toBeGreaterThan(Date.now() - 60_000);
    expect(payload.context.time.tz).toBeTypeOf('string');
    expect(payload.options).toEqual({});
    expect(payload.properties).toEqual({});
    const [event] = payload.events;
    expect(event.id).toBeTypeOf('string');
    expect(event.time.create).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(event.properties).toEqual({ from: 'script-tag' });
    expect(event.options).toEqual({});
    expect(event.context.page).toMatchObject({ url: env.page('/e2e/script-tag.html'), path: '/e2e/script-tag.html', title: 'script tag' });
    await page.close();
    await context.close();
  });

  it('works under a strict Content-Security-Policy without a violation', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage(env.page('/e2e/script-tag.html?csp=strict'));
    await waitFor(() => typed('page-view').then((events) => events.length == 1), 'the page-view');
    await page.evaluate(() => tracker.flush());
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
    await context.close();
  });

  it('the loader snippet queues early calls and replays them in order with their time', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage(env.page('/e2e/loader.html'));
    expect(await page.evaluate(() => (window as unknown as { stubQueued: number }).stubQueued)).toBe(3); // init + 2 tracks, script delayed
    const early = await waitFor(() => typed('early').then((events) => events.length == 2 && events), 'the early events');
    const calledAt = await page.evaluate(() => (window as unknown as { stubCalledAt: number }).stubCalledAt);
    expect(early.map((event: { properties: { n: number } }) => event.properties.n)).toEqual([1, 2]);
    // time.create is the stub call's time, not the replay's, 1.5 s later
    expect(Math.abs(Date.parse(early[0].time.create) - calledAt)).toBeLessThan(200);
    await context.close();
  });
});

describe('session and profile', () => {
  it('keeps the session across reloads and restores it from the cookie or localStorage alone', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage(env.page('/e2e/blank.html'));
    const first = await page.evaluate(() => tracker.sessionId);
    expect(first).toMatch(UUID_V4);
    await page.reload();
    expect(await page.evaluate(() => tracker.sessionId)).toBe(first);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    expect(await page.evaluate(() => tracker.sessionId)).toBe(first);
    expect(await page.evaluate(() => localStorage.getItem('bt'))).toContain(first); // written back
    await page.raw.context().clearCookies();
    await page.reload();
    expect(await page.evaluate(() => tracker.sessionId)).toBe(first);
    expect(await page.evaluate(() => document.cookie)).toContain(first);
    await context.close();
  });

  it('stores the profile id the collector answers and sends it from then on', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage(env.page('/e2e/blank.html'));
    await page.evaluate(() => tracker.track('first'));
    await page.evaluate(() => tracker.flush());
    const profile = await page.evaluate(() => tracker.profileId);
    expect(profile).toBeTypeOf('string');
    await page.reload();
    expect(await page.evaluate(() => tracker.profileId)).toBe(profile);
    await page.evaluate(() => tracker.track('second'));
    await page.evaluate(() => tracker.flush());
    const sent = await payloads();
    expect(sent[0].profile).toBeUndefined();
    expect(sent.at(-1).profile).toEqual({ id: profile });
    expect((await typed('second'))[0].profile).toEqual({ id: profile });
    await context.close();
  });
});

describe('delivery', () => {
  it('flush() resolves once the events are at the collector (default settings)', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage(env.page('/e2e/blank.html'));
    await page.evaluate(async () => {
      for (let i = 0; i < 25; i++) tracker.track('flushed', { i });
      await tracker.flush();
    });
    expect((await typed('flushed')).length).toBe(25);
    await context.close();
  });

  it('events tracked right before the page closes arrive (beacon on hide)', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage(env.page('/e2e/blank.html'));
    await page.evaluate(() => {
      for (let i = 0; i < 5; i++) tracker.track('last-moment', { i });
    });
    await page.close();
    await waitFor(() => typed('last-moment').then((events) => events.length == 5), '5 events beaconed on close');
    await context.close();
  });

  it('an event keeps the url where it was tracked after a pushState', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage(env.page('/e2e/blank.html'));
    await page.evaluate(async () => {
      tracker.track('before-navigation');
      history.pushState({}, '', '/e2e/elsewhere');
      tracker.track('after-navigation');
      await tracker.flush();
    });
    expect((await typed('before-navigation'))[0].context.page.path).toBe('/e2e/blank.html');
    expect((await typed('after-navigation'))[0].context.page.path).toBe('/e2e/elsewhere');
    await context.close();
  });

  it('offline, nothing is sent; the events arrive from the next page once the network is back', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage(env.page('/e2e/blank.html'));
    await context.setOffline(true);
    await page.evaluate(async () => {
      for (let i = 0; i < 30; i++) tracker.track('offline', { i });
      await tracker.flush(); // queued in IndexedDB
    });
    await page.close();
    await context.setOffline(false);
    expect((await typed('offline')).length).toBe(0);
    await context.newPage(env.page('/e2e/blank.html'));
    await waitFor(() => typed('offline').then((events) => events.length == 30), 'the 30 offline events');
    await context.close();
  });
});
