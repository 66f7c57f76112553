// Two trackers of the npm build on one page, each with its own name, collector, context and options, as a
// site that reports to its own collector and to a partner's would have them. e2e/setup.ts bundles it.
import { createTracker } from 'beacon-tracker';

window.trackers = {
  a: createTracker({ url: new URLSearchParams(location.search).get('collector'), source: 'e2e-tracker-a', name: 'a', context: { site: 'A' }, options: { tag: 'A' } }),
  b: createTracker({ url: document.body.dataset.collector, source: 'e2e-tracker-b', name: 'b', context: { site: 'B' } }),
};
