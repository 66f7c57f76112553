import { requestSync } from './background-sync.js';
import type { Delivery } from './delivery.js';
import { exclusively } from './lock.js';
import type { Config } from './options.js';
import type { Queue } from './queue.js';
import type { Spills } from './spill.js';

/** A tab that found another draining tries again this soon: the other may finish before this tab's events were queued, or close. */
const LEASE_WAIT_MS = 1000;

export interface DrainerParts {
  _queue: Queue;
  _delivery: Delivery;
  _spills: Spills;
  /** Whether this page may send (consent, a session). */
  _active(): boolean;
  _warn(message: unknown): void;
}

/**
 * When this page drains its tracker's queue: when asked (a hand-over, the network back, a flush), then again
 * when the failing collector may be tried, or when another tab's lease may be over. Drains run one after the
 * other, each reading the queue afresh; where events stay queued, the site's service worker is asked to
 * deliver them (with backgroundSync).
 */
export function createDrainer(
  { name, backgroundSync }: Pick<Config, 'name' | 'backgroundSync'>,
  { _queue: queue, _delivery: delivery, _spills: spills, _active: active, _warn: warn }: DrainerParts,
): (retryNow?: boolean | 'online') => Promise<void> {
  let draining = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function drainOnce() {
    if (!active()) return;
    await spills._moveToQueue(); // what closing pages left
    const emptied = await exclusively(name, queue, () => delivery._drain(document.visibilityState == 'visible'));
    clearTimeout(timer);
    if (emptied === undefined) timer = setTimeout(request, LEASE_WAIT_MS);
    else if (!emptied) {
      if (backgroundSync) requestSync();
      if (navigator.onLine) timer = setTimeout(request, delivery._retryIn());
    }
  }

  /** Asks for a drain; `retryNow`: the app asked, or the network came back: a failing collector is tried at once. */
  function request(retryNow?: boolean | 'online'): Promise<void> {
    if (retryNow) delivery._retryNow(retryNow == 'online');
    draining = draining.then(drainOnce).catch(warn);
    return draining;
  }
  return request;
}
