import { safely } from './safely.js';

/** What a page knows of the collector's health is trusted this long: it may have gone down since. */
const FRESH_MS = 300_000;

/**
 * When the collector of tracker `name` last took events (a 2xx) and last failed, as every tab of the site
 * knows it: in localStorage under `<name>:health` (docs/storage.md), written by whichever tab drains, read at
 * once by a tab that is closing (it cannot wait for IndexedDB). A service worker has no localStorage: what
 * it learns stays its own.
 */
const read = (name: string): { ok?: number; failed?: number } => safely(() => JSON.parse(localStorage.getItem(name + ':health')!)) || {};

/** Notes an answer of the collector (or none: a failure) for every tab of the site. */
export function noteAnswer(name: string, ok: boolean) {
  const health = { ...read(name), [ok ? 'ok' : 'failed']: Date.now() };
  safely(() => localStorage.setItem(name + ':health', JSON.stringify(health)));
}

/** Whether the collector takes events, as the site's tabs know: true, false, or undefined when nobody knows (or only long ago). */
export function healthOf(name: string): boolean | undefined {
  const { ok = 0, failed = 0 } = read(name);
  if (Math.max(ok, failed) >= Date.now() - FRESH_MS) return ok > failed;
}
