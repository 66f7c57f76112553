// What every scenario needs: the demo server (collector + site on two origins), a browser, and a way to
// wait for the collector to hold what we expect instead of sleeping.
import { startDemoServer } from '../demo/server.mjs';
import { launch } from './driver/chromium.mjs';

export async function setUp() {
  const demo = await startDemoServer({ collectorPort: 0, sitePort: 0, memory: true });
  const browser = await launch();
  const admin = async (path, body) => {
    const response = await fetch(`${demo.siteUrl}/admin/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return response.json();
  };
  return {
    demo,
    browser,
    admin,
    /** The stored (deduped) events at the collector. */
    events: () => admin('events').then((answer) => answer.items ?? answer.events ?? answer),
    /** Every request as it arrived, duplicates and failures included. */
    raw: () => admin('raw').then((answer) => answer.items ?? answer.records ?? answer),
    page: (path) => `${demo.siteUrl}${path}`,
    async tearDown() {
      await browser.close();
      await demo.close();
    },
  };
}

/** Polls `probe` until it returns a truthy value, or fails after `timeout` ms with `what` in the message. */
export async function waitFor(probe, what, timeout = 15_000) {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - start > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
