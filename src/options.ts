import { isCollectorUrl } from './endpoint.js';
import { CONTEXTS, type BeforeSend, type ContextOfUse } from './event.js';
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
  /** ContactHub's context of use of every event that names none. Default 'WEB'. */
  defaultContext?: ContextOfUse;
  /** Required properties per event type, as ContactHub's schemas: `{ serviceSubscribed: ['subscriberId', 'serviceId'] }`. */
  schemas?: Record<string, string[]>;
  /** Every event leaves at once, without waiting for its batch (bc-events' publish_immediately). Default false. */
  immediate?: boolean;
  /** Tracardi's profile-less events: payloads go to `/track?profile_less=true`, and no profile id is sent or kept. Default false. */
  profileLess?: boolean;
  /** Called with each 2xx answer of the collector, parsed (Tracardi's `profile`, `debugging`, `ux`, `response`): data, never run. */
  onResponse?: (answer: Record<string, unknown>) => void;
  /** Sees each event before it is queued: returns it (changed or not), or null or false to drop it. */
  beforeSend?: BeforeSend;
  /** Nothing is stored or sent before consent(true); events tracked before wait in memory. Default false. */
  requireConsent?: boolean;
  /** A browser that sends Do Not Track or Global Privacy Control counts as consent refused, until consent(true). Default false. */
  honorPrivacySignals?: boolean;
  /** Tracks a `page-view` on load and on each navigation of a single-page app. Default false. */
  pageViews?: boolean;
  /**
   * When events stay queued that this page could not deliver, asks the site's service worker (which loads
   * dist/sw.js) to deliver them with Background Sync, even if the visitor never comes back. Default false.
   */
  backgroundSync?: boolean;
}

/** The options as the tracker uses them: checked, with their defaults. */
export type Config = Required<Omit<TrackerOptions, 'cookieDomain' | 'context' | 'onResponse' | 'beforeSend'>> &
  Pick<TrackerOptions, 'cookieDomain' | 'context' | 'onResponse' | 'beforeSend'>;

/** The numeric options and their defaults. */
const NUMBERS = { batchSize: 10, flushInterval: 1000, timeout: 10_000, sessionTimeout: 30, maxQueueEvents: 10_000, maxQueueBytes: 5_000_000 };
/** The options that are on or off (off by default): a data attribute gives 'true'. */
const SWITCHES = ['debug', 'immediate', 'profileLess', 'requireConsent', 'honorPrivacySignals', 'pageViews', 'backgroundSync'] as const;

/**
 * Checks init()'s options and fills in the defaults. Data attributes give strings: numbers are converted
 * here, and a typo (data-timeout="10s") is an error rather than NaN ms, every request aborted at once.
 */
export function readOptions(given: TrackerOptions): Config {
  const { url, source } = given;
  if (!isCollectorUrl(url)) fail(`init(): url ${show(url)} is not http(s)`);
  if (!source || typeof source != 'string') fail(`init(): source ${show(source)} is not a name`);
  const config = { ...given, url: url.replace(/\/+$/, ''), name: given.name || 'bt', options: given.options || {}, defaultContext: given.defaultContext || 'WEB', schemas: given.schemas || {} } as Config;
  if (!CONTEXTS.includes(config.defaultContext)) fail(`init(): defaultContext ${show(config.defaultContext)} is not one of ${CONTEXTS.join(' ')}`);
  for (const key of SWITCHES) config[key] = String(given[key]) == 'true';
  for (const [key, fallback] of Object.entries(NUMBERS) as [keyof typeof NUMBERS, number][]) {
    const value = given[key] === undefined ? fallback : +given[key]!;
    if (!(value > 0)) fail(`init(): ${key} ${show(given[key])} is not a positive number`);
    config[key] = value;
  }
  return config;
}
