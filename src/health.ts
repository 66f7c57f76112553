import { count, own } from './read.js';
import { safely } from './safely.js';

/**
 * How recent a 2xx must be for a closing tab to let go of what it beacons: seconds, so that a collector
 * failing since is not plausible (docs/delivery.md#a-page-going-away).
 */
const FRESH_MS = 10_000;
/** How long a failure keeps a closing tab from beaconing into a collector that is likely still down. */
const FAILING_MS = 300_000;

/**
 * When the collector of tracker `name` last took events (a 2xx) and last failed, as every tab of the site
 * knows it: in localStorage under `<name>:health` (docs/storage.md), written by whichever tab drains, read
 * at once by a tab that is closing (it cannot wait for IndexedDB). A time ahead of this tab's clock was
 * written by a tab whose clock is wrong: it is no knowledge.
 */
function read(name: string, now: number): [ok: number, failed: number] {
  const health = safely(() => JSON.parse(localStorage.getItem(name + ':health')!));
  const time = (key: string) => {
    const at = count(own(health, key));
    return at > now ? 0 : at;
  };
  return [time('ok'), time('failed')];
}

/** Notes an answer of the collector (or none: a failure) for every tab of the site. */
export function noteAnswer(name: string, ok: boolean, now = Date.now()) {
  const health = read(name, now);
  health[ok ? 0 : 1] = now;
  safely(() => localStorage.setItem(name + ':health', JSON.stringify({ ok: health[0], failed: health[1] })));
}

/** Whether the collector takes events, as the site's tabs know: true, false, or undefined when nobody knows (or only a while ago). */
export function healthOf(name: string, now = Date.now()): boolean | undefined {
  const [ok, failed] = read(name, now);
  if (failed && failed >= ok) return failed >= now - FAILING_MS ? false : undefined;
  if (ok >= now - FRESH_MS) return true;
}
