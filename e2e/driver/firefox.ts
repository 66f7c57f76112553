/** Firefox through puppeteer-core over WebDriver BiDi: Debian's firefox-esr here, any Firefox by FIREFOX_PATH. */
import puppeteer, { type BrowserContext, type Page as PuppeteerPage } from 'puppeteer-core';
import { findFirefox } from './find-browsers.mjs';
import { supportsOf, Unsupported } from './supports';
import { killGroup } from './kill-group';
import type { Browser, Context, Page, PageLog, ProfileBrowser } from './types';

const TIMEOUT = 30_000;

const launchOptions = (userDataDir?: string) =>
  ({
    browser: 'firefox',
    executablePath: findFirefox(),
    headless: true,
    protocolTimeout: TIMEOUT,
    userDataDir,
    extraPrefsFirefox: {
      // Quiet and loopback-only, as Playwright makes Chromium: no updates, telemetry or captive-portal checks.
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      'app.update.auto': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      // A relaunch after the crash scenario's SIGKILL must open the profile, not offer to restore a session.
      'browser.sessionstore.resume_from_crash': false,
    },
  }) as const;

export async function launchFirefox(): Promise<Browser> {
  const browser = await puppeteer.launch(launchOptions());
  return {
    engine: 'firefox',
    version: await browser.version(),
    supports: supportsOf('firefox'),
    newContext: async () => wrapContext(await browser.createBrowserContext()),
    onProfile: launchOnProfile,
    close: () => browser.close(),
  };
}

/** Firefox's Browser.onProfile() (types.ts): a Firefox of its own on the profile directory `dir`. */
async function launchOnProfile(dir: string): Promise<ProfileBrowser> {
  const browser = await puppeteer.launch(launchOptions(dir));
  const child = browser.process()!;
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  // The connection goes with the process: what puppeteer had under way then is of no interest.
  browser.on('disconnected', () => {});
  const listeners: Array<(entry: PageLog) => void> = [];
  const context = wrapContext(browser.defaultBrowserContext(), (entry) => listeners.forEach((listener) => listener(entry)));
  return {
    pid: child.pid!,
    newPage: (url) => context.newPage(url),
    setOffline: (offline) => context.setOffline(offline),
    onLog: (listener) => void listeners.push(listener),
    kill: () => killGroup(child.pid!, exited, 'Firefox'), // puppeteer starts it detached: a group of its own
  };
}

/** `log`, if given, hears the console messages and uncaught errors of the pages opened here. */
function wrapContext(context: BrowserContext, log?: (entry: PageLog) => void): Context {
  // Puppeteer takes pages offline one by one: the context's state is applied to each page, new ones too.
  let offline = false;
  const pages = new Set<PuppeteerPage>();
  /** A blank tab of this context, brought to the front before a page closes (see close() below). */
  let keeper: Promise<PuppeteerPage> | undefined;
  const switchAway = async () => {
    const tab = await (keeper ??= context.newPage());
    await tab.bringToFront();
  };
  return {
    async newPage(url) {
      const raw = await context.newPage();
      raw.setDefaultTimeout(TIMEOUT);
      pages.add(raw);
      raw.once('close', () => pages.delete(raw));
      if (log) {
        raw.on('console', (message) => log({ type: message.type(), text: message.text(), url: raw.url() }));
        raw.on('pageerror', (error) => log({ type: 'pageerror', text: String(error), url: raw.url() }));
      }
      if (offline) await raw.setOfflineMode(true);
      const page = wrapPage(raw, switchAway);
      if (url) await page.goto(url);
      return page;
    },
    async setOffline(value) {
      offline = value;
      await Promise.all([...pages].filter((page) => !page.isClosed()).map((page) => page.setOfflineMode(value)));
    },
    async dispatchSync() {
      throw new Unsupported('firefox', 'backgroundSync');
    },
    close: () => context.close(),
  };
}

function wrapPage(page: PuppeteerPage, switchAway: () => Promise<void>): Page {
  /** The URL back() went to, which page.url() misses after a back/forward cache restore; cleared by any other navigation. */
  let url: string | undefined;
  page.on('framenavigated', (frame) => void (frame == page.mainFrame() && (url = undefined)));
  return {
    async goto(url, { referer } = {}) {
      if (!referer) return void (await page.goto(url, { waitUntil: 'load' }));
      // Over BiDi, puppeteer drops `referer` (document.referrer stays empty): open the referring page and
      // follow a link from it, as a user would.
      await page.goto(referer, { waitUntil: 'load' });
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.evaluate((url) => {
          const link = Object.assign(document.createElement('a'), { href: url });
          document.body.append(link);
          link.click();
        }, url),
      ]);
    },
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    async reload() {
      await page.reload({ waitUntil: 'load' });
    },
    async back() {
      // page.goBack() waits for a navigation event that a page restored from the back/forward cache never
      // sends over BiDi (it times out, and page.url() keeps the old URL): go back in the page, and wait
      // until the document there is another one.
      await page.evaluate(() => {
        (window as unknown as { __e2eLeaving: boolean }).__e2eLeaving = true;
        history.back();
      });
      const deadline = Date.now() + TIMEOUT;
      for (;;) {
        const now = await page.evaluate(() => !(window as unknown as { __e2eLeaving?: boolean }).__e2eLeaving && location.href).catch(() => false);
        if (typeof now == "string") return void (url = now);
        if (Date.now() > deadline) throw new Error(`back() did not navigate within ${TIMEOUT} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close({ runBeforeUnload, inFront } = {}) {
      // Closing the tab in front runs its pagehide handlers (visibilityState still "visible") before
      // visibilitychange → hidden, and Firefox may cut a pagehide handler off, uncatchably
      // (docs/browsers.md). Unless `inFront` asks for that close, the user switches to another tab first
      // (a real visibilitychange → hidden, whose handlers run to completion), then closes this one: the
      // beacon path, tested as such.
      if (inFront) return void (await page.close({ runBeforeUnload }));
      await switchAway();
      const deadline = Date.now() + TIMEOUT;
      while ((await page.evaluate(() => document.visibilityState)) != 'hidden') {
        if (Date.now() > deadline) throw new Error(`close(): the page was not hidden ${TIMEOUT} ms after another tab came to the front`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await page.close({ runBeforeUnload });
    },
    async click(selector, { button, modifier } = {}) {
      if (modifier) await page.keyboard.down(modifier);
      try {
        await page.click(selector, { button });
      } finally {
        if (modifier) await page.keyboard.up(modifier);
      }
    },
    async press(selector, key) {
      await page.focus(selector);
      await page.keyboard.press(key);
    },
    fill: (selector, value) => page.locator(selector).fill(value),
    screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
    url: () => url ?? page.url(),
  };
}
