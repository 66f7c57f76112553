export { createTracker } from './tracker.js';
export type { EventOptions, Tracker, TrackerOptions } from './tracker.js';
import { createTracker } from './tracker.js';

/** The default instance: call `tracker.init(options)` once, then `tracker.track(...)`. */
export const tracker = /*#__PURE__*/ createTracker();
