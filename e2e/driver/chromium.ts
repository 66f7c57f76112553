/** The Chromium adapter, over playwright-core: Debian's Chromium here, any Chromium by CHROMIUM_PATH. */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page as PlaywrightPage } from 'playwright-core';
import type { Browser, Context, Page } from './types';

export const NO_CHROMIUM = [
  'No Chromium found for the end-to-end tests. Get one in any of these ways:',
  '  apt-get install -y chromium        (Debian/Ubuntu; gives /usr/bin/chromium)',
  '  npx playwright install chromium    (Playwright\'s own build, where downloads are allowed)',
  '  CHROMIUM_PATH=/path/to/chromium    (any Chromium or Chrome binary)',
].join('\n');

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium, else undefined: Playwright's own browser. */
export function chromiumPath(env = process.env): string | undefined {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist.\n${NO_CHROMIUM}`);
    return env.CHROMIUM_PATH;
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  const browser = await chromium
    .launch({
      executablePath,
      args: ['--disable-gpu', '--disable-quic'],
      // Playwright turns the back/forward cache off by default; the tracker must work with it.
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
    })
    .catch((error: Error) => {
      // Without executablePath, Playwright looks for its own download, which is not there.
      if (!executablePath && /Executable doesn't exist|browserType\.launch/.test(error.message)) throw new Error(NO_CHROMIUM, { cause: error });
      throw error;
    });
  return {
    engine: 'chromium',
    newContext: async () => wrapContext(await browser.newContext()),
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
    close: () => context.close(),
  };
}

function wrapPage(page: PlaywrightPage): Page {
  return {
    async goto(url, options = {}) {
      await page.goto(url, { waitUntil: 'load', referer: options.referer });
    },
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    async reload() {
      await page.reload({ waitUntil: 'load' });
    },
    async back() {
      await page.goBack({ waitUntil: 'commit' });
    },
    close: (options) => page.close(options),
    url: () => page.url(),
  };
}
