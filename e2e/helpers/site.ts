/**
 * One demo server (collector + site) and one browser per test file, a clean collector and fresh browser
 * contexts per test. On a failure the collector's raw log is printed: what arrived, and what was answered.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, type TestContext } from 'vitest';
import { startDemoServer } from '../../demo/site/server.mjs';
import { launch, type Browser, type Context, type ProfileBrowser } from '../driver';
import type { Collector } from './collector';
import { distDir } from './dist';
import { startProxy, type Proxy } from './proxy';
import { requires } from './requires';

export interface Suite {
  readonly collector: Collector;
  readonly collectorUrl: string;
  readonly siteUrl: string;
  readonly browser: Browser;
  /** The URL of a path on the site, e.g. page('/e2e/auto-init.html'). */
  page(path: string): string;
  /**
   * A fresh browser context (profile), closed after the test. A step its engine cannot do (setOffline in
   * WebKit, say) skips the test there with the reason e2e/driver/gaps.mjs gives (see requires()).
   */
  context(): Promise<Context>;
  /**
   * The network failure every engine can have: the collector stops listening (connections are refused,
   * as by POST /admin/down) until collectorUp(), on the same port. Brought back up after each test.
   */
  collectorDown(): Promise<void>;
  collectorUp(): Promise<void>;
  /**
   * A browser process of the suite's engine on the profile directory `dir`, killed after the test; a
   * relaunch is another onProfile(dir). Skips the test where the engine cannot (requires(), 'crash').
   */
  onProfile(dir: string): Promise<ProfileBrowser>;
  /** The running test's context (for requires()). */
  readonly currentTest: TestContext | undefined;
  /** Runs `close` after the test, even when it fails. */
  cleanup(close: () => unknown): void;
}

export function useSuite(): Suite {
  let server: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  const cleanups: Array<() => unknown> = [];
  let currentTest: TestContext | undefined;

  beforeAll(async () => {
    // In that order: a browser that cannot be found fails the file without a server left behind.
    browser = await launch();
    if (process.env.E2E_RUN_LOG) appendFileSync(process.env.E2E_RUN_LOG, `${JSON.stringify({ version: browser.version })}\n`);
    server = await startDemoServer({ collectorPort: 0, sitePort: 0, memory: true, staticRoots: { dist: distDir() } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach((test) => {
    currentTest = test;
    server.collector.reset();
    test.onTestFailed(() => {
      const lines = server.collector.rawLog.map(
        (record) => `  #${record.seq} ${record.at} ${record.method} ${record.path} → ${record.status}, ${record.contentLength} B, ${record.eventIds.length} events`,
      );
      console.error(`Collector raw log of "${test.task.name}" (${lines.length} requests):\n${lines.join('\n')}`);
    });
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
    await server.up();
    currentTest = undefined;
  });

  const suite: Suite = {
    get collector() {
      return server.collector as unknown as Collector;
    },
    get collectorUrl() {
      return server.collectorUrl;
    },
    get siteUrl() {
      return server.siteUrl;
    },
    get browser() {
      return browser;
    },
    get currentTest() {
      return currentTest;
    },
    page: (path) => `${server.siteUrl}${path}`,
    async context() {
      const context = await browser.newContext();
      cleanups.push(() => context.close());
      return {
        ...context,
        async newPage(url) {
          const page = await context.newPage(url);
          return {
            ...page,
            async close(options) {
              if (options?.runBeforeUnload) requires(suite, 'beforeUnload');
              await page.close(options);
            },
          };
        },
        async setOffline(offline) {
          requires(suite, 'offline');
          await context.setOffline(offline);
        },
        async dispatchSync(origin, tag, lastChance) {
          requires(suite, 'backgroundSync');
          await context.dispatchSync(origin, tag, lastChance);
        },
      };
    },
    async onProfile(dir) {
      requires(suite, 'crash');
      const browser = await suite.browser.onProfile(dir);
      cleanups.push(() => browser.kill());
      return browser;
    },
    collectorDown: () => server.down(),
    collectorUp: () => server.up(),
    cleanup: (close) => void cleanups.push(close),
  };
  return suite;
}

/**
 * A pass-through to `target` that turns `Cache-Control: no-store` into `no-cache`. The demo site sends
 * no-store with every page, and Chromium keeps such pages out of the back/forward cache
 * (MainResourceHasCacheControlNoStore; CacheControlNoStoreCookieModified once a script set a cookie),
 * so a bfcache scenario needs its pages served without it. no-cache still revalidates every load.
 */
export const withoutNoStore = (target: string): Promise<Proxy> =>
  // localhost, as the demo site: another site than the collector's 127.0.0.1.
  startProxy(target, {
    host: 'localhost',
    headers(headers) {
      if (/no-store/.test(String(headers['cache-control']))) headers['cache-control'] = 'no-cache';
    },
  });
