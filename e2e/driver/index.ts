/**
 * The browser the end-to-end tests drive: `E2E_ENGINE` (set by e2e/run.mjs from `--engine`), Chromium
 * by default. Add an engine here, in gaps.mjs (Engine, GAPS) and in run.mjs, with its adapter beside playwright.ts.
 */
import { launchFirefox } from './firefox';
import { launchChromium } from './playwright';
import type { Browser, Engine } from './types';
import { launchWebKit } from './webkit';

export type * from './types';
export { cookie, localItem, putQueueEntries, queuedCount, queuedRecords, queueEntries, removeCookie, removeLocalItem, storedIds, type StoredEntry } from './storage';
export { Unsupported } from './supports';

export const ENGINES: Record<Engine, () => Promise<Browser>> = {
  chromium: launchChromium,
  firefox: launchFirefox,
  webkit: launchWebKit,
};

export function engineName(env = process.env): Engine {
  const name = (env.E2E_ENGINE || 'chromium') as Engine;
  if (!(name in ENGINES)) throw new Error(`Unknown engine ${JSON.stringify(name)}: one of ${Object.keys(ENGINES).join(', ')}`);
  return name;
}

export function launch(engine: Engine = engineName()): Promise<Browser> {
  return ENGINES[engine]();
}
