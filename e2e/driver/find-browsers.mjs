// Where the Firefox and WebKit binaries are, checked by e2e/run.mjs before vitest starts and used by the
// adapters (firefox.ts, webkit.ts). Plain JavaScript, like find-chromium.mjs.
import { existsSync, readdirSync } from 'node:fs';

export const NO_FIREFOX = [
  'No Firefox found for the end-to-end tests. Get one in any of these ways:',
  '  apt-get install -y firefox-esr     (Debian/Ubuntu: gives /usr/bin/firefox-esr)',
  '  FIREFOX_PATH=/path/to/firefox      (a Firefox recent enough for WebDriver BiDi)',
].join('\n');

export const NO_WEBKIT = [
  'No WebKit found for the end-to-end tests (WebKitWebDriver, MiniBrowser and xvfb-run are needed):',
  '  apt-get install -y webkit2gtk-driver xvfb',
].join('\n');

/** FIREFOX_PATH, else Debian's firefox-esr, else firefox. Throws NO_FIREFOX when none exists. */
export function findFirefox(env = process.env) {
  if (env.FIREFOX_PATH) {
    if (existsSync(env.FIREFOX_PATH)) return env.FIREFOX_PATH;
    throw new Error(`FIREFOX_PATH=${env.FIREFOX_PATH} does not exist.\n${NO_FIREFOX}`);
  }
  for (const file of ['/usr/bin/firefox-esr', '/usr/bin/firefox']) if (existsSync(file)) return file;
  throw new Error(NO_FIREFOX);
}

/** Where a binary is on PATH, or undefined. */
export function which(name, env = process.env) {
  for (const dir of (env.PATH || '').split(':')) if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  return undefined;
}

/**
 * WebKitGTK's WebDriver and MiniBrowser (Debian's webkit2gtk-driver), and xvfb-run for the display
 * MiniBrowser needs (none is needed when DISPLAY is set). Throws NO_WEBKIT when one is missing.
 * @returns {{ driver: string; miniBrowser: string; xvfbRun: string | undefined }}
 */
export function findWebKit(env = process.env) {
  const driver = env.WEBKIT_DRIVER_PATH || which('WebKitWebDriver', env);
  let miniBrowser = env.MINIBROWSER_PATH;
  if (!miniBrowser) {
    for (const lib of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib']) {
      const dirs = existsSync(lib) ? readdirSync(lib).filter((dir) => /^webkit2?gtk-[\d.]+$/.test(dir)).sort().reverse() : [];
      miniBrowser = dirs.map((dir) => `${lib}/${dir}/MiniBrowser`).find((file) => existsSync(file));
      if (miniBrowser) break;
    }
  }
  const xvfbRun = which('xvfb-run', env);
  const missing = [!driver && 'WebKitWebDriver', !miniBrowser && 'MiniBrowser', !xvfbRun && !env.DISPLAY && 'xvfb-run'].filter(Boolean);
  if (missing.length) throw new Error(`${missing.join(', ')} not found.\n${NO_WEBKIT}`);
  return { driver: /** @type {string} */ (driver), miniBrowser: /** @type {string} */ (miniBrowser), xvfbRun };
}
