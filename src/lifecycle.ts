/**
 * The moments a page can be left or come back. `hide` runs on visibilitychange → hidden and on pagehide:
 * Firefox often loses a beacon sent from pagehide when a tab closes while the one sent on visibilitychange
 * arrives, and Safari may skip visibilitychange when a page is navigated away. Never `unload`: it is
 * unreliable on mobile and keeps a page out of the back/forward cache.
 * `resume` runs when the network comes back. A page restored from the back/forward cache needs nothing:
 * its timers and state carry on, and nothing was held that would have kept it out of the cache.
 */
export function onPageLifecycle(hide: () => void, resume: () => void): void {
  const on = addEventListener;
  on('visibilitychange', () => document.visibilityState == 'hidden' && hide(), true);
  on('pagehide', hide, true);
  on('online', resume);
}
