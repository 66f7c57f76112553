// The Chromium driver: Playwright with Debian's Chromium (Playwright cannot download its own here),
// CHROMIUM_PATH to override, Playwright's own browser where that is installed.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** The Chromium to use: CHROMIUM_PATH, Debian's, or '' for Playwright's own (if installed). */
export function findChromium() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    return existsSync(chromium.executablePath()) ? chromium.executablePath() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A small driver interface, so that scenarios do not depend on Playwright's API:
 * launch() → { newContext() → { newPage(url), setOffline(bool), close() }, close() };
 * page: { goto, evaluate, reload, close, raw }.
 */
export async function launch() {
  const browser = await chromium.launch({ executablePath: findChromium(), args: ['--disable-gpu', '--disable-quic'] });
  return {
    async newContext() {
      const context = await browser.newContext();
      return {
        async newPage(url) {
          const page = await context.newPage();
          page.on('pageerror', (error) => console.error('page error:', error.message));
          if (url) await page.goto(url);
          return wrapPage(page);
        },
        setOffline: (offline) => context.setOffline(offline),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

function wrapPage(page) {
  return {
    goto: (url) => page.goto(url),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    reload: () => page.reload(),
    close: () => page.close({ runBeforeUnload: false }),
    raw: page,
  };
}
