import { fail, show } from './misuse.js';

export interface TrackerOptions {
  /** The collector's base URL (a Tracardi server, or any collector of its /track protocol). Required. */
  url: string;
  /** The event source id the collector knows. Required. */
  source: string;
  /** Events that trigger a send at once. Default 10. */
  batchSize?: number;
  /** Ms an event waits in memory before it is written to IndexedDB and sent. Default 1000. */
  flushInterval?: number;
  /** Minutes of inactivity after which a new session starts. Default 30. */
  sessionTimeout?: number;
  /** Domain of the cookies (`.example.com` shares them with subdomains). Default: none, this host only. */
  cookieDomain?: string;
  /** Static context merged into every payload's `context` (for example `{ ip }` when the page knows it). */
  context?: Record<string, unknown>;
  /** Tracardi payload options: `debugger`, `profile`, `saveSession`, `saveEvents`. Default {}. */
  options?: Record<string, unknown>;
  /** Warns in the console about refused events and failing deliveries. Default false. */
  debug?: boolean;
  /** Name of the cookie, the localStorage entry and the queue; each tracker on a page has its own. Default 'bt'. */
  name?: string;
  /** Events kept at most while they cannot be delivered; past it the oldest are dropped and reported. Default 10,000. */
  maxQueueEvents?: number;
  /** Characters of event JSON kept at most, likewise. Default 5,000,000. */
  maxQueueBytes?: number;
  /** Ms a request may take before it counts as failed and is retried. Default 10,000. */
  timeout?: number;
}

/** The options as the tracker uses them: checked, with their defaults. */
export type Config = Required<Omit<TrackerOptions, 'cookieDomain' | 'context'>> & Pick<TrackerOptions, 'cookieDomain' | 'context'>;

/** The numeric options and their defaults. */
const NUMBERS = { batchSize: 10, flushInterval: 1000, timeout: 10_000, sessionTimeout: 30, maxQueueEvents: 10_000, maxQueueBytes: 5_000_000 };

/**
 * Checks init()'s options and fills in the defaults. Data attributes give strings: numbers are converted
 * here, and a typo (data-timeout="10s") is an error rather than NaN ms, every request aborted at once.
 */
export function readOptions(given: TrackerOptions): Config {
  const { url, source } = given;
  if (!/^https?:\/\/[^/]/.test(url)) fail(`init(): url ${show(url)} is not http(s)`);
  if (!source || typeof source != 'string') fail(`init(): source ${show(source)} is not a name`);
  const config = { ...given, url: url.replace(/\/+$/, ''), name: given.name || 'bt', options: given.options || {}, debug: String(given.debug) == 'true' } as Config;
  for (const [key, fallback] of Object.entries(NUMBERS) as [keyof typeof NUMBERS, number][]) {
    const value = given[key] === undefined ? fallback : +given[key]!;
    if (!(value > 0)) fail(`init(): ${key} ${show(given[key])} is not a positive number`);
    config[key] = value;
  }
  return config;
}
