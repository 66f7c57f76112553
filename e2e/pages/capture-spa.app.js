// A single-page app on the npm build with capture: `import 'beacon-tracker/capture'`, as an app adds it.
// e2e/setup.ts bundles it into build/capture-spa.js, resolving both imports to dist/ as a bundler would.
import { tracker } from 'beacon-tracker';
import 'beacon-tracker/capture';

tracker.init({ url: document.body.dataset.collector, source: 'e2e-capture-spa', pageViews: true, engagement: true, taggedEvents: true });

window.app = {
  /** What a router does on a link click: no page load, a new URL and title. */
  navigate(path, title) {
    history.pushState({}, '', path);
    document.title = title;
  },
  flush: () => tracker.flush(),
  sessionId: () => tracker.sessionId,
};
