/**
 * The service-worker drain (docs/background-sync.md): on a Background Sync event, a site's service worker
 * sends what every tracker of the site left queued, by the same rules as a page, with no page open. It
 * has no options of its own: the pages describe each tracker (background-sync.ts). It reads no answers and
 * notes no health: a worker has no localStorage.
 */
import { promisifyRequest, type UseStore } from 'idb-keyval';
import { DESCRIPTION, readDescription, SYNC_TAG } from './background-sync.js';
import { createDelivery } from './delivery.js';
import { exclusively } from './lock.js';
import { openStore } from './chunks.js';
import { createQueue } from './queue.js';

/**
 * Drains the queue of every tracker the pages described, oldest first, one drainer per tracker across the
 * pages and the worker (the same Web Locks). Resolves once all were delivered; rejects when a collector
 * failed or the browser is offline, so that the browser tries again later, unless it is the `lastChance`:
 * then the events stay queued for the next page.
 */
export async function drainInBackground(lastChance = false, store: UseStore = openStore()): Promise<void> {
  const values = await store('readonly', (objects) => promisifyRequest(objects.getAll(IDBKeyRange.bound(DESCRIPTION, DESCRIPTION + '\uffff'))));
  const results = await Promise.all(
    values.map(readDescription).map((description) => {
      if (!description) return true;
      const { name, url, context, options, properties, timeout, session, profile } = description;
      const queue = createQueue({ name, url, maxQueueEvents: Infinity, maxQueueBytes: Infinity }, store);
      const visitor = { session, profile };
      const delivery = createDelivery({ _queue: queue, _timeout: timeout, _parts: () => ({ context, options, properties, visitor }), _answered() {}, _warn() {} });
      return exclusively(name, queue, () => delivery._drain(true));
    }),
  );
  if (results.includes(false) && !lastChance) throw new Error('beacon-tracker: not all delivered; the browser tries again later');
}

/** A sync event, as a service worker gets it. */
export interface SyncEvent {
  tag: string;
  lastChance?: boolean;
  waitUntil(promise: Promise<unknown>): void;
}

/** The handler of a service worker's `sync` event: `addEventListener('sync', onSync)`. */
export function onSync(event: SyncEvent) {
  if (event.tag == SYNC_TAG) event.waitUntil(drainInBackground(event.lastChance));
}
