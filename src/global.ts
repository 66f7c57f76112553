/**
 * The script-tag build: defines `window.tracker`, initialises it from the script's data attributes,
 * and replays the calls the loader stub kept while the script was loading. It never throws into the
 * page: misuse is a console warning.
 */
import { createTracker, type Tracker, type TrackerOptions } from './tracker.js';

type StubCall = [method: 'init' | 'track' | 'flush', args: IArguments, time: number];

const script = document.currentScript as HTMLScriptElement | null;
const stub = (window as unknown as { tracker?: { q?: StubCall[] } }).tracker;
const api = createTracker();
for (const method of ['init', 'track'] as const) {
  const call = api[method] as (...args: unknown[]) => unknown;
  api[method] = ((...args: unknown[]) => {
    try {
      return call(...args);
    } catch (error) {
      console.warn(error);
      return ''; // what track() gives for every event it does not take
    }
  }) as never;
}
(window as unknown as { tracker: typeof api }).tracker = api;

// Data attributes are strings; where a number is expected JavaScript converts them where they are used.
if (script && script.dataset.url) api.init(script.dataset as unknown as TrackerOptions);

// One call shape for all three methods: track() gets the time of the early call, init() reads only its
// first argument, flush() none.
for (const [method, args, time] of (stub && stub.q) || []) {
  (api[method] as Tracker['track'])(args[0], args[1], { time, ...args[2] });
}
