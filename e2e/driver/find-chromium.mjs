// Which Chromium the end-to-end tests launch. Plain JavaScript: e2e/run.mjs checks it before vitest starts,
// and the Chromium adapter (playwright.ts) launches it.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const NO_CHROMIUM = [
  'No Chromium found for the end-to-end tests. Get one in any of these ways:',
  '  apt-get install -y chromium        (Debian/Ubuntu: gives /usr/bin/chromium)',
  "  npx playwright install chromium    (Playwright's own build, where downloads are allowed)",
  '  CHROMIUM_PATH=/path/to/chromium    (any Chromium or Chrome binary)',
].join('\n');

/**
 * CHROMIUM_PATH, else Debian's /usr/bin/chromium, else Playwright's own download (undefined: launch()
 * without executablePath). Throws NO_CHROMIUM when none of them exists.
 * @returns {string | undefined}
 */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) {
    if (existsSync(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
    throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist.\n${NO_CHROMIUM}`);
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  if (existsSync(chromium.executablePath())) return undefined;
  throw new Error(NO_CHROMIUM);
}
