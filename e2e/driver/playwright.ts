/** Chromium through playwright-core: Debian's Chromium here, any Chromium by CHROMIUM_PATH. */
import { chromium, type BrowserContext, type Page as PlaywrightPage } from 'playwright-core';
import { launchChromiumProcess } from './chromium-process';
import { findChromium } from './find-chromium.mjs';
import { supportsOf } from './supports';
import type { Browser, Context, Page } from './types';

export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: ['--disable-gpu', '--disable-quic'],
    // Playwright turns the back/forward cache off by default; the tracker must work with it.
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
  return {
    engine: 'chromium',
    version: `chromium/${browser.version()}`,
    supports: supportsOf('chromium'),
    newContext: async () => wrapContext(await browser.newContext()),
    onProfile: launchChromiumProcess,
    close: () => browser.close(),
  };
}

function wrapContext(context: BrowserContext): Context {
  return {
    async newPage(url) {
      const page = wrapPage(await context.newPage());
      if (url) await page.goto(url);
      return page;
    },
    setOffline: (offline) => context.setOffline(offline),
    async dispatchSync(origin, tag, lastChance = false) {
      // Through CDP, from a blank tab: the site's own pages may all be closed. Chromium retries a failed sync
      // only after minutes by itself; ServiceWorker.enable reports the registrations at once.
      const tab = await context.newPage();
      try {
        const cdp = await context.newCDPSession(tab);
        const registered = new Promise<string>((resolve) =>
          cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
            const registration = registrations.find((candidate) => candidate.scopeURL.startsWith(origin) && !candidate.isDeleted);
            if (registration) resolve(registration.registrationId);
          }),
        );
        await cdp.send('ServiceWorker.enable');
        const registrationId = await registered;
        await cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId, tag, lastChance });
      } finally {
        await tab.close();
      }
    },
    close: () => context.close(),
  };
}

function wrapPage(page: PlaywrightPage): Page {
  return {
    async goto(url, { referer } = {}) {
      await page.goto(url, { waitUntil: 'load', referer });
    },
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    async reload() {
      await page.reload({ waitUntil: 'load' });
    },
    async back() {
      // A page restored from the back/forward cache never fires load again.
      await page.goBack({ waitUntil: 'commit' });
    },
    close: ({ runBeforeUnload } = {}) => page.close({ runBeforeUnload }),
    click: (selector, { button, modifier } = {}) => page.click(selector, { button, modifiers: modifier && [modifier] }),
    press: (selector, key) => page.press(selector, key == ' ' ? 'Space' : key),
    fill: (selector, value) => page.fill(selector, value),
    screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
    url: () => page.url(),
  };
}
