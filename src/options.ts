import { isCollectorUrl } from './endpoint.js';
import { CONTEXTS, type BeforeSend, type ContextOfUse } from './event.js';
import { fail, show } from './misuse.js';
import { own } from './read.js';
import { safely } from './safely.js';

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
  /** Tracardi payload properties (a Tracardi server keeps them with the session). Default {}. */
  properties?: Record<string, unknown>;
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
  /**
   * Nothing is stored or sent before consent(true); events tracked before wait in memory. `'source'`: so from
   * the moment the collector answers that the event source requires consent (Tracardi's `source.consent`),
   * while the visitor has not decided. Default false.
   */
  requireConsent?: boolean | 'source';
  /** Called once a page when the collector answers that the source requires consent and the visitor has not decided: ask them. */
  onConsentRequired?: () => void;
  /** A browser that sends Do Not Track or Global Privacy Control counts as consent refused, until consent(true). Default false. */
  honorPrivacySignals?: boolean;
  /** Tracks a `page-view` on load and on each navigation of a single-page app. Default false. */
  pageViews?: boolean;
  /**
   * When events stay queued that this page could not deliver, asks the site's service worker (which loads
   * dist/sw.js) to deliver them with Background Sync, even if the visitor never comes back. Default false.
   */
  backgroundSync?: boolean;
  /**
   * An element with `data-track="<type>"` tracks that event when it is clicked or activated by key (a form:
   * submitted), with its `data-track-<property>` attributes as properties. Needs capture (`import
   * 'beacon-tracker/capture'`; the script build has it). Default false.
   */
  taggedEvents?: boolean;
  /** A click on a link to another host tracks `outbound-link` with `{ url }`. Needs capture. Default false. */
  outboundLinks?: boolean;
  /**
   * A click on a link to a file tracks `file-download` with `{ url }`: true for the usual extensions (pdf,
   * zip, docx...), or a list of extensions ('pdf,zip' in a data attribute); a link with a `download`
   * attribute counts either way. Needs capture. Default false.
   */
  fileDownloads?: boolean | string[];
  /**
   * One `page-engagement` event per page view, when the page goes away or a single-page app navigates:
   * `{ visibleMs, maxScrollPercent }`. Needs capture. Default false.
   */
  engagement?: boolean;
}

/** The options as the tracker uses them: checked, with their defaults, every one the config's own. */
export type Config = Required<Omit<TrackerOptions, 'cookieDomain' | 'onResponse' | 'beforeSend' | 'onConsentRequired'>> &
  Pick<TrackerOptions, 'cookieDomain' | 'onResponse' | 'beforeSend' | 'onConsentRequired'>;

/**
 * The numeric options: their defaults, and the most each may be (a timer past 2^31 - 1 ms fires at once;
 * a batch goes in one request).
 */
const NUMBERS = {
  batchSize: [10, 1000],
  flushInterval: [1000, 3_600_000],
  timeout: [10_000, 600_000],
  sessionTimeout: [30, 525_600],
  maxQueueEvents: [10_000, 1_000_000],
  maxQueueBytes: [5_000_000, 1_000_000_000],
} as const;
/** The options that are on or off (off by default): a data attribute gives 'true'. */
const SWITCHES = ['debug', 'immediate', 'profileLess', 'honorPrivacySignals', 'pageViews', 'backgroundSync', 'taggedEvents', 'outboundLinks', 'engagement'] as const;
/** The options that are objects: a data attribute gives their JSON. */
const OBJECTS = ['context', 'options', 'properties', 'schemas'] as const;

/**
 * Checks init()'s options, read as the option object's own properties only (a page's scripts may have set
 * Object.prototype.beforeSend), and fills in the defaults. Data attributes give strings: numbers and
 * objects are read from them here, and a typo (data-timeout="10s") is an error rather than NaN ms.
 */
export function readOptions(given: unknown): Config {
  const option = (key: string) => own(given, key);
  const url = option('url');
  const source = option('source');
  // And one a request can go to: 'https://collector.test:99999' has the pattern, yet fetch would refuse it.
  if (!isCollectorUrl(url) || !safely(() => new URL(url))) fail(`init(): url ${show(url)} is not http(s)`);
  if (!source || typeof source != 'string') fail(`init(): source ${show(source)} is not a name`);
  const name = option('name') || 'bt';
  // The name of a cookie and of storage keys: no ';', '=', ':' or space in it.
  if (typeof name != 'string' || !/^[\w-]{1,64}$/.test(name)) fail(`init(): name ${show(name)} is not a name`);
  const cookieDomain = option('cookieDomain');
  if (cookieDomain !== undefined && (typeof cookieDomain != 'string' || !/^\.?[\w-]+(\.[\w-]+)*$/.test(cookieDomain))) fail(`init(): cookieDomain ${show(cookieDomain)} is not a domain`);
  const defaultContext = option('defaultContext') || 'WEB';
  if (!CONTEXTS.includes(defaultContext)) fail(`init(): defaultContext ${show(defaultContext)} is not one of ${CONTEXTS.join(' ')}`);
  const config = { url: url.replace(/\/+$/, ''), source, name, cookieDomain, defaultContext } as Config;
  for (const key of SWITCHES) config[key] = [true, 'true'].includes(option(key));
  const requireConsent = option('requireConsent');
  config.requireConsent = requireConsent === 'source' ? requireConsent : [true, 'true'].includes(requireConsent);
  for (const key of Object.keys(NUMBERS) as (keyof typeof NUMBERS)[]) {
    const [fallback, most] = NUMBERS[key];
    const given = option(key);
    // A number, or a data attribute's digits; nothing else is converted (an object's valueOf is the page's code).
    const value = given === undefined ? fallback : typeof given == 'number' || typeof given == 'string' ? +given : NaN;
    if (!(value > 0 && value <= most)) fail(`init(): ${key} ${show(given)} is not a number up to ${most}`);
    config[key] = value;
  }
  for (const key of OBJECTS) {
    let value = option(key);
    // A data attribute's JSON; a string that is none is no object either (false, refused below).
    if (typeof value == 'string') value = safely(() => JSON.parse(value)) || false;
    // It goes in payloads as JSON: what cannot (a BigInt, a cycle, a getter that throws) is refused now, not at every send.
    const json = value == null ? '{}' : safely(() => JSON.stringify(value));
    if (!json || json[0] != '{') fail(`init(): ${key} is not an object`);
    // Copied: a later change by the app changes nothing; without a prototype: no type finds Object.prototype's.
    config[key] = Object.assign(Object.create(null), value);
  }
  for (const type in config.schemas) {
    const required = config.schemas[type];
    if (!Array.isArray(required) || required.some((name) => typeof name != 'string')) fail(`init(): schemas.${type} is not a list of names`);
  }
  // true, or file extensions: a list, or as a data attribute gives them, 'pdf,zip' (which String() makes of a list).
  const downloads = option('fileDownloads') === undefined ? 'false' : safely(() => String(option('fileDownloads')).replace(/\s/g, '')) || '';
  if (!/^\w+(,\w+)*$/.test(downloads)) fail(`init(): fileDownloads ${show(option('fileDownloads'))} is not true or file extensions`);
  config.fileDownloads = downloads == 'true' || (downloads != 'false' && downloads.split(','));
  for (const key of ['onResponse', 'beforeSend', 'onConsentRequired'] as const) {
    const value = option(key);
    if (value !== undefined && typeof value != 'function') fail(`init(): ${key} is not a function`);
    config[key] = value;
  }
  return config;
}
