import { deviceContext, pageContext, timeContext } from './context.js';
import { serializeEvent, type EventOptions } from './event.js';
import { onPageLifecycle } from './lifecycle.js';
import { nextBatch, type Envelope, type QueuedEvent } from './payload.js';
import { createQueue, withAdded, withRemoved, type Queue, type QueueLimits } from './queue.js';
import { eventId } from './id.js';
import { safely } from './safely.js';
import { createSession, type Session } from './session.js';
import { backoffDelay, beacon, post, refusesSome, retryable } from './transport.js';

export type { EventOptions };

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
  /** Prefix of the cookie and localStorage names; give each tracker on a page its own. Default 'bt'. */
  name?: string;
  /** Events kept at most while they cannot be delivered; past it the oldest are dropped and reported. Default 10,000. */
  maxQueueEvents?: number;
  /** Characters of event JSON kept at most, likewise. Default 5,000,000. */
  maxQueueBytes?: number;
  /** Ms a request may take before it counts as failed and is retried. Default 10,000. */
  timeout?: number;
}

export interface Tracker {
  /** Configures the tracker; throws on a missing or malformed `url` or `source`. */
  init(options: TrackerOptions): void;
  /** Records one event and returns its id at once, or '' when the event was refused (see README). */
  track(type: string, properties?: object, eventOptions?: EventOptions): string;
  /** Resolves, never rejects, once every event tracked before the call is delivered or safely queued. */
  flush(): Promise<void>;
  readonly sessionId: string | undefined;
  readonly profileId: string | undefined;
}

/** Browsers refuse beacons and keepalive requests past 64 KiB in flight per page, counted in UTF-8 bytes. */
const BEACON_QUOTA = 65_536;
/** How long the drain lease holds where there are no Web Locks. */
const LEASE_MS = 60_000;
/** Events per request at most. */
const MAX_BATCH_EVENTS = 100;

export function createTracker(initOptions?: TrackerOptions): Tracker {
  // The options, once init() has checked them.
  let url: string;
  let source: string;
  let batchSize: number;
  let flushInterval: number;
  let timeout: number;
  let context: Record<string, unknown> | undefined;
  let options: Record<string, unknown>;
  let debug: boolean | undefined;
  let limits: QueueLimits;

  let session: Session | undefined;
  let queue: Queue;
  let device: Record<string, unknown>;
  /** This page's events not yet handed to the queue: no other tab can send them. */
  let pending: QueuedEvent[] = [];
  /** This page's events on their way into IndexedDB. */
  let writing: QueuedEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined | 0;
  /** Events refused by track(), counted until the next write to the queue carries the count. */
  let refused = 0;
  /** Halved when the collector refuses a batch (400, 413, 422), to find the one event it refuses. */
  let batchLimit = MAX_BATCH_EVENTS;
  /** UTF-8 bytes of this page's request in flight: keepalive requests share the beacon quota. */
  let inflight = 0;
  /** Failed attempts in a row, for the backoff. */
  let attempt = 0;
  /** Whether the collector's last answer was a 2xx: undefined before any answer. */
  let healthy: boolean | undefined;
  /** When the failing collector may be tried again (ms since the epoch). */
  let retryAt = 0;
  /** The localStorage key of the copy a pagehide of a still visible page wrote (see handOver). */
  let kept: string | undefined;
  /** Drain passes run one after the other; each reads the queue afresh. */
  let draining = Promise.resolve();

  const warn = (...args: unknown[]) => {
    if (debug) console.warn('beacon-tracker:', ...args);
  };

  function init(initial: TrackerOptions) {
    if (session) fail('init() twice'); // before the options below are taken: a second init() changes nothing
    const {
      name = 'bt',
      sessionTimeout = 30,
      maxQueueEvents = 10_000,
      maxQueueBytes = 5_000_000,
      cookieDomain,
    } = ({ url, source, batchSize = 10, flushInterval = 1000, timeout = 10_000, context, options = {}, debug } = initial || {}) as TrackerOptions;
    if (!/^https?:\/\/[^/]/.test(url) || !source || typeof source != 'string') fail('init() needs url (http/https) and source');
    // Data attributes are strings, converted where they are used: a typo would be NaN ms, a request aborted at once.
    if (![batchSize, flushInterval, timeout, sessionTimeout, maxQueueEvents, maxQueueBytes].every((n) => n > 0)) fail('init() options are positive numbers');
    url = url.replace(/\/+$/, '');
    limits = [maxQueueEvents, maxQueueBytes];
    session = createSession(name, sessionTimeout, cookieDomain);
    queue = createQueue(limits);
    onPageLifecycle(
      () => handOver(true), // the page is hidden, maybe for good: beacon what only it holds
      // A pagehide of a still visible page (Firefox closing the tab in front, see lifecycle.ts) may be cut
      // off at any statement, and its beacons are dropped: it only writes a copy of what this page holds
      // and changes nothing else. The visibilitychange that follows takes the events as usual (handOver)
      // and writes what it keeps under the same key, or withdraws the copy; where none follows, the copy
      // is sent by the next page. Should another tab take the copy in meanwhile, an event may go twice.
      () => (kept = queue._spill(writing.concat(pending), refused, kept)),
      () => {
        retryAt = 0; // the network came back: retry now
        drain();
      },
    );
    drain(); // what earlier pages left behind
  }

  function track(type: string, properties?: object, eventOptions: EventOptions = {}): string {
    if (!session) fail('init() first');
    if (!type || typeof type != 'string' || (properties != null && (typeof properties != 'object' || Array.isArray(properties)))) {
      fail('track() needs a type, and properties as an object');
    }
    const now = Date.now();
    const id = eventId();
    let event: string;
    try {
      event = serializeEvent(id, type, +(eventOptions.time || now), properties, eventOptions, pageContext());
    } catch (error) {
      refused++;
      warn('event refused:', error);
      return '';
    }
    pending.push({ id, url, source, session: session._touch(now), profile: session._profile, event });
    if (pending.length == batchSize) {
      clearTimeout(timer as number);
      timer = setTimeout(flush);
    } else timer ||= setTimeout(flush, flushInterval);
    return id;
  }

  /**
   * Takes this page's events, with the count of refused events. While the page is visible, it writes them
   * to the queue. Hidden, it beacons them and keeps in localStorage what the beacons may not carry.
   */
  function handOver(hiding?: boolean) {
    const copy = kept;
    kept = undefined;
    // On hide, the events whose write to IndexedDB is still under way go too: a page torn down after
    // pagehide never finishes it. Should the write land all the same, they are sent twice, never lost.
    let records = hiding ? writing.concat(pending) : pending;
    const lost = refused;
    clearTimeout(timer as number);
    pending = [];
    timer = refused = 0;
    session!._save(hiding);
    if (!hiding) {
      if (copy) safely(() => localStorage.removeItem(copy)); // restored from the back/forward cache
      if (!records.length && !lost) return;
      writing = writing.concat(records);
      return queue._change((stored) => withAdded(stored, records, lost, limits)).then(() => {
        writing = writing.filter((record) => !records.includes(record));
      });
    }
    writing = []; // taken care of, whether that write lands or not
    // sendBeacon says true even when the request will fail: while the collector is failing or the
    // browser is offline, nothing is beaconed and everything stays queued for a later page. Before the
    // collector first answered, nobody knows: the beacons go, and the events stay queued as well (sent
    // twice, deduped by id, rather than beaconed into a collector that is down and lost).
    if (navigator.onLine && healthy != false) {
      let budget = BEACON_QUOTA - inflight;
      let rest = records;
      for (let batch; (batch = nextBatch(rest, Infinity, budget, (first) => envelope(first, 0))); ) {
        if (!beacon(batch)) {
          // Refused (quota) or missing: a keepalive request may carry it, and the queue keeps it too.
          post(batch, timeout);
          break;
        }
        rest = rest.slice(batch._records.length);
        budget -= batch._bytes;
      }
      if (healthy) records = rest;
    }
    if (records.length || lost) queue._spill(records, lost, copy);
    else if (copy) safely(() => localStorage.removeItem(copy));
  }

  async function flush() {
    if (session) {
      await handOver();
      await drain();
    }
  }

  function drain(): Promise<void> {
    return (draining = draining.then(withLock).catch(warn));
  }

  /**
   * One tab at a time drains the shared queue: a Web Lock, held only while draining so that the page
   * stays eligible for the back/forward cache. Web Locks exist only in secure contexts: on a plain-http
   * page a lease in IndexedDB stands in, taken in a transaction (a lease in localStorage let two tabs
   * take it at once: localStorage reaches other tabs late). Past a drain of a minute, another tab may
   * send an event again, never lose it. A tab that finds the lease taken tries again a second later:
   * the holder may have finished before this tab's events were queued, or closed.
   */
  function withLock(): Promise<void> {
    // navigator.locks is undefined outside secure contexts: safely() gives undefined.
    return (safely(() => navigator.locks.request('beacon-tracker', drainQueue)) as Promise<void> | undefined) || leased();
  }

  /** Where there are no Web Locks: this tab's drain lease, given back when its drain ends. */
  async function leased() {
    const lease = await queue._lease(0, LEASE_MS);
    if (!lease) return void setTimeout(drain, 1000);
    await drainQueue().finally(() => queue._lease(lease, 0));
  }

  /** Sends what the queue holds, oldest first, one request at a time, in one tab at a time. */
  async function drainQueue() {
    // Offline, a request is lost for good: nothing is sent until `online`.
    while (navigator.onLine) {
      const wait = retryAt - Date.now();
      if (wait > 0) return void setTimeout(drain, wait);
      const { events, dropped } = await queue._read();
      if (!events.length) return;
      const batch = nextBatch(events, batchLimit, BEACON_QUOTA, (first) => envelope(first, dropped));
      // Without a batch, the oldest event does not fit in a request with this envelope (a large init
      // context): it can never be sent, and must not hold up the others. It is dropped as refused.
      let sent = events.slice(0, 1);
      let delivered: boolean | undefined;
      if (batch) {
        sent = batch._records;
        inflight = batch._bytes;
        const answer = await post(batch, timeout);
        inflight = 0;
        const status = answer._status;
        // Only a 2xx says the collector takes events: after a refusal for good (401...) a beacon would lose
        // them uncounted, and the next page drops and counts them instead.
        healthy = status > 199 && status < 300;
        if (retryable(status)) {
          warn('retry after', status);
          retryAt = Date.now() + backoffDelay(attempt++, answer._retryAfter);
          continue;
        }
        // A refused batch is halved until the one event the collector refuses is alone, and dropped.
        const split = refusesSome(status);
        batchLimit = split ? Math.ceil(sent.length / 2) : Math.min(batchLimit * 2, MAX_BATCH_EVENTS);
        if (split && sent.length > 1) continue;
        // Delivered (Tracardi's 226, stored with errors, too), or refused for good (401 unknown source,
        // 403, 404...), which retrying forever would not mend.
        if ((delivered = status < 300)) {
          attempt = 0;
          // Throws on `null` (an empty batch) or no profile in the answer: what is known is kept.
          safely(() => session!._setProfile(JSON.parse(answer._body!).profile.id));
        } else warn('dropped after', status, sent);
      } else warn('dropped: too large', events[0]);
      await queue._change((stored) => withRemoved(stored, sent, delivered ? -dropped : sent.length));
    }
  }

  function envelope(first: QueuedEvent, dropped: number): Envelope {
    // Events tracked before the collector first answered go with the profile id it gave since.
    const profile = first.profile || (first.url == url && session!._profile);
    return {
      source: { id: first.source },
      session: { id: first.session },
      ...(profile && { profile: { id: profile } }),
      context: {
        ...(device ||= deviceContext()),
        ...context,
        time: timeContext(),
        // Events dropped past the queue bound or refused: loss is reported, never silent.
        ...(dropped && { tracker: { dropped } }),
      },
      properties: {},
      options: options || {}, // never null: a Tracardi server answers 500
    };
  }

  if (initOptions) init(initOptions);

  return {
    init,
    track,
    flush: () => flush().catch(warn),
    get sessionId() {
      return session && session._id;
    },
    get profileId() {
      return session && session._profile;
    },
  };
}

function fail(message: string): never {
  throw new TypeError(`beacon-tracker: ${message}`);
}


