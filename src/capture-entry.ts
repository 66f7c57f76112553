/**
 * `import 'beacon-tracker/capture'`: registers capture (src/capture.ts) with the tracker, for init()'s options
 * taggedEvents, outboundLinks, fileDownloads and engagement. Imported for this side effect only (package.json
 * lists it in sideEffects); an app that never imports it carries none of capture's code.
 */
import { startCapture } from './capture.js';
import { useCapture } from './tracker.js';

// track() throws on misuse, and here the misuse is in the page's markup, seen from a listener: warned of instead.
useCapture((config, track) =>
  startCapture(config, (...args) => {
    try {
      return track(...args);
    } catch (error) {
      console.warn(error);
      return '';
    }
  }),
);
