import type { Queue } from './queue.js';

/** How long the drain lease holds where there are no Web Locks. */
const LEASE_MS = 60_000;

/**
 * Runs `drain` when no other tab or worker of the site drains this tracker's queue, and resolves to its
 * result, or to undefined when another holds the lease. A Web Lock, held only while draining so that the
 * page stays eligible for the back/forward cache. Web Locks exist only in secure contexts: on a plain-http
 * page a lease in IndexedDB stands in, taken in a transaction (docs/storage.md). Past a drain of a minute,
 * another tab may send an event again, never lose it.
 */
export async function exclusively<T>(name: string, queue: Queue, drain: () => Promise<T>): Promise<T | undefined> {
  const locks = navigator.locks; // undefined outside secure contexts
  if (locks) return locks.request(`beacon-tracker:${name}`, drain);
  const lease = await queue._lease(0, LEASE_MS);
  if (lease) {
    try {
      return await drain();
    } finally {
      await queue._lease(lease, 0);
    }
  }
}
