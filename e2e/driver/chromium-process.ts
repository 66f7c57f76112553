/**
 * Chromium's Browser.onProfile() (types.ts): a browser process of our own, on a user-data dir of our own,
 * reached over CDP, so that a scenario can kill it with SIGKILL (a crash: closing a context or the browser
 * is not one) and launch it again on the same profile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type Browser as PlaywrightBrowser, type Page as PlaywrightPage } from 'playwright-core';
import { findChromium } from './find-chromium.mjs';
import { killGroup } from './kill-group';
import type { Page, PageLog, ProfileBrowser } from './types';

/** Launches Chromium headless on `userDataDir` and connects to it over CDP. */
export async function launchChromiumProcess(userDataDir: string): Promise<ProfileBrowser> {
  // find-chromium returns undefined for Playwright's own download.
  const executable = findChromium() || chromium.executablePath();
  const child = spawn(
    executable,
    [
      '--headless',
      '--remote-debugging-port=0',
      `--user-data-dir=${userDataDir}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-gpu',
      '--disable-quic',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      'about:blank',
    ],
    // A process group of its own, so that kill() takes the renderers and utility processes with it.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let browser: PlaywrightBrowser;
  try {
    const endpoint = await devToolsEndpoint(child);
    browser = await chromium.connectOverCDP(endpoint);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const context = browser.contexts()[0];
  const listeners: Array<(entry: PageLog) => void> = [];
  const log = (entry: PageLog) => listeners.forEach((listener) => listener(entry));
  context.on('console', (message) => log({ type: message.type(), text: message.text(), url: message.page()?.url() ?? '' }));
  context.on('weberror', (error) => log({ type: 'pageerror', text: String(error.error()), url: error.page()?.url() ?? '' }));
  return {
    pid: child.pid!,
    async newPage(url) {
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'load' });
      return wrap(page);
    },
    setOffline: (offline) => context.setOffline(offline),
    onLog: (listener) => void listeners.push(listener),
    kill: () => killGroup(child.pid!, exited, 'Chromium'), // spawned detached: a process group of its own
  };
}

/** Reads `DevTools listening on ws://...` from Chromium's stderr. */
function devToolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => done(new Error(`Chromium printed no DevTools endpoint in 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) done(undefined, match[1]);
    };
    const onExit = (code: number | null) => done(new Error(`Chromium exited (${code}) before listening:\n${output}`));
    function done(error?: Error, endpoint?: string) {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      child.stderr!.resume(); // keep draining, or a chatty Chromium blocks on a full pipe
      if (error) reject(error);
      else resolve(endpoint!);
    }
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** The driver's Page over a CDP-connected Playwright page (only what the crash scenario uses matters). */
function wrap(page: PlaywrightPage): Page {
  return {
    goto: async (url, { referer } = {}) => void (await page.goto(url, { waitUntil: 'load', referer })),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    reload: async () => void (await page.reload({ waitUntil: 'load' })),
    back: async () => void (await page.goBack({ waitUntil: 'commit' })),
    close: (options) => page.close(options),
    click: (selector, { button, modifier } = {}) => page.click(selector, { button, modifiers: modifier && [modifier] }),
    press: (selector, key) => page.press(selector, key == ' ' ? 'Space' : key),
    fill: (selector, value) => page.fill(selector, value),
    screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
    url: () => page.url(),
  };
}
