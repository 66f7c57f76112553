/**
 * The script-tag build: defines `window.tracker`, initialises it from the script's data attributes,
 * and replays the calls the loader stub kept while the script was loading. It never throws into the
 * page: misuse is a console warning.
 */
import type { TrackerOptions } from './options.js';
import { createTracker, type Tracker } from './tracker.js';

type Method = Exclude<keyof Tracker, 'sessionId' | 'profileId'>;
type StubCall = [method: Method, args: IArguments, time: number];

const script = document.currentScript as HTMLScriptElement | null;
const stub = (window as unknown as { tracker?: { q?: StubCall[] } }).tracker;
const api = createTracker();
for (const method of ['init', 'track', 'publish', 'identify', 'collect', 'consent', 'reset'] as const) {
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

if (script && script.dataset.url) api.init(script.dataset as unknown as TrackerOptions);

for (const [method, given, time] of (stub && stub.q) || []) {
  const args = [...given];
  // The events get the time of the early call, in their options argument.
  if (method == 'track') args[2] = { time, ...args[2] };
  if (method == 'publish') args[3] = { time, ...args[3] };
  (api[method] as (...args: unknown[]) => unknown)(...args);
}
