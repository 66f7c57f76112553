/**
 * The moments a page can be left or come back. `hide` runs on visibilitychange → hidden and on a
 * pagehide of a hidden page, and never on `unload` (unreliable on mobile, and it keeps a page out of the
 * back/forward cache). Firefox closes a tab with pagehide first, the page still visible, and
 * visibilitychange → hidden after it; a beacon sent from that pagehide is dropped (0 of 3 arrived here,
 * 3 of 3 from the visibilitychange after it). Safari may skip visibilitychange on a navigation. So a
 * pagehide of a visible page runs `keep`: what only this page holds is kept for a later page, and the
 * visibilitychange that usually follows beacons it (see handOver in tracker.ts).
 * `resume` runs when the network comes back. A page restored from the back/forward cache needs nothing:
 * its timers and state carry on, and nothing was held that would have kept it out of the cache.
 */
export function onPageLifecycle(hide: () => void, keep: () => void, resume: () => void): void {
  const hidden = () => document.visibilityState == 'hidden';
  addEventListener('visibilitychange', () => hidden() && hide(), true);
  addEventListener('pagehide', () => (hidden() ? hide() : keep()), true);
  addEventListener('online', resume);
}
