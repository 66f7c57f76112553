import { LEASE_MS } from './chunks.js';
import type { Queue } from './queue.js';

/**
 * Runs `drain` when no other tab or worker of the site drains this tracker's queue, and resolves to its
 * result, or to undefined when another holds the lease. A Web Lock, held only while draining so that the
 * page stays eligible for the back/forward cache. Web Locks exist only in secure contexts, and refuse an
 * opaque origin (a sandboxed frame): there a lease in IndexedDB stands in, taken in a transaction
 * (docs/storage.md). Past a drain of LEASE_MS, another tab may send an event again, never lose it.
 */
export async function exclusively<T>(name: string, queue: Queue, drain: () => Promise<T>): Promise<T | undefined> {
  let granted = false;
  try {
    return await navigator.locks.request(`beacon-tracker:${name}`, () => {
      granted = true;
      return drain();
    });
  } catch (error) {
    if (granted) throw error; // the drain's own failure
  }
  const lease = await queue._lease(0, LEASE_MS);
  if (lease) {
    try {
      return await drain();
    } finally {
      await queue._lease(lease, 0);
    }
  }
}
