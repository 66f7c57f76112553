/**
 * The script-tag build: defines `window.tracker`, initialises it from the script's data attributes,
 * and replays the calls the loader stub kept while the script was loading. It never throws into the
 * page: misuse is a console warning.
 */
import { startCapture } from './capture.js';
import type { TrackerOptions } from './options.js';
import { own } from './read.js';
import { safely } from './safely.js';
import { createTracker, useCapture, type Tracker } from './tracker.js';

type Method = Exclude<keyof Tracker, 'sessionId' | 'profileId'>;
const METHODS: Method[] = ['init', 'track', 'publish', 'identify', 'collect', 'consent', 'reset', 'flush'];
/** Set once a copy of this script ran on the page: a second copy (the tag twice) adds no second tracker. */
const LOADED = Symbol.for('beacon-tracker');

const page = window as unknown as Record<string | symbol, unknown>;
if (page[LOADED]) console.warn('beacon-tracker: the script is on this page twice: the second copy does nothing');
else {
  page[LOADED] = true;
  // Tagged events, outbound links, downloads and engagement: the script tag is for sites that write no JavaScript.
  // Capture tracks through the API's track(), wrapped below before init() runs: it warns, never throws.
  useCapture(startCapture);
  // A named element (<img name="currentScript">, <form id="tracker">) may stand where these globals are:
  // the script is read through Document's own getter.
  const getter = safely(() => Object.getOwnPropertyDescriptor(Document.prototype, 'currentScript')!.get!);
  const script = getter ? getter.call(document) : document.currentScript;
  const dataset = script instanceof HTMLScriptElement ? script.dataset : undefined;
  const stubCalls = own(page.tracker, 'q');
  const api = createTracker();
  for (const method of METHODS) {
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
  page.tracker = api;

  if (dataset && dataset.url) api.init(dataset as unknown as TrackerOptions);

  // The loader stub's calls: [method, arguments, time], read as own properties, four arguments at most (no
  // method takes more); anything else in its place is passed over, and nothing in it throws into the page.
  const calls = Array.isArray(stubCalls) ? stubCalls.length : 0;
  for (let call = 0; call < calls; call++) {
    safely(() => {
      const stubCall = own(stubCalls, call);
      const [method, given, time] = [0, 1, 2].map((i) => own(stubCall, i));
      if (!METHODS.includes(method)) return;
      const args = [0, 1, 2, 3].map((i) => own(given, i));
      // The events get the time of the early call, in their options argument.
      const at = method == 'track' ? 2 : method == 'publish' ? 3 : -1;
      if (at > 0) args[at] = { time, ...(args[at] && typeof args[at] == 'object' ? args[at] : {}) };
      (api[method as Method] as (...args: unknown[]) => unknown)(...args);
    });
  }
}
