export { createTracker } from './tracker';
export type { EventOptions, Tracker, TrackerOptions } from './tracker';
import { createTracker } from './tracker';

/** The default instance: call `tracker.init(options)` once, then `tracker.track(...)`. */
export const tracker = /*#__PURE__*/ createTracker();
