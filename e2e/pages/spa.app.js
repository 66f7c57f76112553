// A single-page app that uses the npm build. e2e/setup.ts bundles it (rollup, node-resolve) into
// build/spa.js, resolving 'beacon-tracker' to dist/index.js as a bundler would resolve the package.
import { createTracker, tracker } from 'beacon-tracker';

// pageViews: a page-view on load and on every navigation of the app (history.pushState, replaceState, popstate).
tracker.init({ url: document.body.dataset.collector, source: 'e2e-spa', pageViews: true });
tracker.track('view', { seq: 1, view: 'home' });

window.app = {
  ready: typeof createTracker == 'function',
  /** What a router does on a link click: no page load, a new URL and title. */
  navigate(path, title) {
    history.pushState({}, '', path);
    document.title = title;
  },
  track: (type, properties) => tracker.track(type, properties),
  flush: () => tracker.flush(),
};
