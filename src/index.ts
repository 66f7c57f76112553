export { createTracker } from './tracker.js';
export type { EventMap, Tracker } from './tracker.js';
export type { TrackerOptions } from './options.js';
export type { UnitOfWork, Work } from './unit.js';
export { CONTEXTS, MODES } from './event.js';
export type { ContextOfUse, Customer, EventOptions, Mode, WireEvent } from './event.js';
import { createTracker } from './tracker.js';

/** The default instance: call `tracker.init(options)` once, then `tracker.track(...)`. */
export const tracker = /*#__PURE__*/ createTracker();
