import type { Backoff } from './delivery.js';
import { count, own } from './read.js';
import { safely } from './safely.js';

/** How long a failure keeps a closing tab from beaconing into a collector that is likely still down. */
const FAILING_MS = 300_000;

/**
 * When the collector of tracker `name` last took events (a 2xx) and last failed, as every tab of the site
 * knows it: in localStorage under `<name>:health` (docs/storage.md), written by whichever tab drains, read
 * at once by a tab that is closing (it cannot wait for IndexedDB). A time ahead of this tab's clock was
 * written by a tab whose clock is wrong: it is no knowledge.
 */
function read(name: string, now: number): Health {
  const health = safely(() => JSON.parse(localStorage.getItem(name + ':health')!));
  const time = (key: string) => {
    const at = count(own(health, key));
    return at > now ? 0 : at;
  };
  // The backoff, shared: when the collector may be tried again and the last wait, within a wait's bounds.
  return { ok: time('ok'), failed: time('failed'), retry: Math.min(count(own(health, 'retry')), now + MAX_WAIT), wait: count(own(health, 'wait'), MAX_WAIT) };
}

/** What the site's tabs know of the collector (docs/storage.md): when it last took events and last failed, and the backoff. */
interface Health {
  ok: number;
  failed: number;
  /** When it may be tried again (ms since the epoch), and the last wait after a failure (retry.ts). */
  retry: number;
  wait: number;
}

/** The longest wait there is (retry.ts): a shared backoff further ahead was written by a clock that is wrong. */
const MAX_WAIT = 600_000;

const write = (name: string, health: Health) => safely(() => localStorage.setItem(name + ':health', JSON.stringify(health)));

/** Notes an answer of the collector (or none: a failure) for every tab of the site. */
export function noteAnswer(name: string, ok: boolean, now = Date.now()) {
  const health = read(name, now);
  health[ok ? 'ok' : 'failed'] = now;
  write(name, health);
}

/** The backoff of tracker `name`'s collector, as the pages of the site share it: a new page waits as the page before did. */
export const sharedBackoff = (name: string): Backoff => ({
  _read() {
    const now = Date.now();
    const { retry, wait } = read(name, now);
    return [Math.max(0, retry - now), wait];
  },
  _write(retryIn, wait) {
    const now = Date.now();
    write(name, { ...read(name, now), retry: now + retryIn, wait });
  },
});

/** Whether the collector failed since it last took events, in the last five minutes, as the site's tabs know. */
export function failing(name: string, now = Date.now()): boolean {
  const { ok, failed } = read(name, now);
  return !!failed && failed >= ok && failed >= now - FAILING_MS;
}
