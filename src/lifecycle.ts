/**
 * The moments a page can be left or come back. `hide` runs on visibilitychange → hidden and on a pagehide of
 * a hidden page, never on `unload` (unreliable on mobile, and it keeps a page out of the back/forward cache).
 * A pagehide of a page still visible (Firefox closing the tab in front; docs/browsers.md) runs `keep`
 * instead: a beacon sent there may be dropped, and the visibilitychange that usually follows hides the page.
 * `resume` runs when the network comes back.
 */
export function onPageLifecycle(hide: () => void, keep: () => void, resume: () => void): void {
  const hidden = () => document.visibilityState == 'hidden';
  addEventListener('visibilitychange', () => hidden() && hide(), true);
  addEventListener('pagehide', () => (hidden() ? hide() : keep()), true);
  addEventListener('online', resume);
}
