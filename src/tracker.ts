import { deviceContext, pageContext, timeContext } from './context.js';
import { createDelivery, drain, type Delivery } from './drain.js';
import { serializeEvent, type EventOptions } from './event.js';
import { handOverOnHide } from './handover.js';
import { eventId } from './id.js';
import { onPageLifecycle } from './lifecycle.js';
import { exclusively } from './lock.js';
import { fail, show } from './misuse.js';
import { readOptions, type Config, type TrackerOptions } from './options.js';
import type { Envelope } from './payload.js';
import { createQueue, type Meta, type Queue } from './queue.js';
import { isProfileId, type QueuedEvent } from './record.js';
import { safely } from './safely.js';
import { createSession, type Session } from './session.js';

export type { EventOptions, TrackerOptions };

export interface Tracker {
  /** Configures the tracker; throws on a missing or malformed option (see README). */
  init(options: TrackerOptions): void;
  /** Records one event and returns its id at once, or '' when the event was not taken (see README). */
  track(type: string, properties?: object, eventOptions?: EventOptions): string;
  /** Resolves, never rejects, once every event tracked before the call is delivered or safely queued. */
  flush(): Promise<void>;
  readonly sessionId: string | undefined;
  readonly profileId: string | undefined;
}

/** What a page knows of the collector's health is trusted this long: it may have gone down since. */
const HEALTH_FRESH_MS = 300_000;
/** Events per IndexedDB transaction when a page hands its events over: a burst of thousands makes no long task. */
const WRITE_CHUNK = 500;

/** The collector of each tracker name on this page: a name is one collector's cookie, profile and queue. */
const collectors = new Map<string, string>();

/** Forgets the trackers of this page: a test's next page. */
export const forgetTrackers = () => collectors.clear();

/** Outside a browser (server rendering, Node), every call does nothing. */
const inBrowser = typeof document != 'undefined';

export function createTracker(initOptions?: TrackerOptions): Tracker {
  let config: Config;
  let session: Session | undefined;
  let queue: Queue;
  let delivery: Delivery;
  let device: Record<string, unknown>;
  /** This page's events not yet handed to the queue: no other tab can send them. */
  let pending: QueuedEvent[] = [];
  /** This page's events on their way into IndexedDB, a chunk per transaction. */
  let writing: QueuedEvent[][] = [];
  /** Hands `pending` over when the batch is full or has waited flushInterval. */
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Drains again when the collector may be tried again, or another tab's lease may be over. */
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  /** Events refused by track(), counted until the next write to the queue carries the count. */
  let refused = 0;
  /** The `at` of the last event tracked: each event's is later, so that the queue keeps their order. */
  let lastAt = 0;
  /** The localStorage key of the copy a pagehide of a still visible page wrote (see onPageLifecycle). */
  let copy: string | undefined;
  /** Drains run one after the other; each reads the queue afresh. */
  let draining = Promise.resolve();

  const warn = (message: unknown) => {
    if (config.debug) console.warn('beacon-tracker:', message);
  };

  function init(given: TrackerOptions) {
    if (!inBrowser) return;
    if (session) fail('init() twice'); // before the options are read: a second init() changes nothing
    const checked = readOptions(given || ({} as TrackerOptions));
    const { name, url } = checked;
    if ((collectors.get(name) || url) != url) fail(`init(): name ${show(name)} is another tracker's: give each tracker its own`);
    collectors.set(name, url);
    config = checked;
    session = createSession(name, config.sessionTimeout, config.cookieDomain);
    queue = createQueue(name, url, config.maxQueueEvents, config.maxQueueBytes);
    delivery = createDelivery(queue, config.timeout, envelope, answered, warn);
    onPageLifecycle(
      () => handOver(true), // the page is hidden, maybe for good: beacon what only it holds
      // A pagehide of a still visible page (Firefox closing the tab in front) may be cut off at any
      // statement, and its beacons are dropped: it only writes a copy of what this page holds. The
      // visibilitychange that follows rewrites or withdraws it; where none follows, the next page sends it.
      () => (copy = queue._spill(inWriting().concat(pending), refused, copy)),
      () => {
        delivery._retryAt = 0; // the network came back: retry now
        startDrain();
      },
    );
    startDrain(); // what earlier pages left behind
  }

  function track(type: string, properties?: object, eventOptions: EventOptions = {}): string {
    if (!inBrowser) return '';
    if (!session) fail('track(): init() first');
    if (!type || typeof type != 'string') fail(`track(): type ${show(type)} is not a name`);
    if (properties != null && (typeof properties != 'object' || Array.isArray(properties))) fail('track(): properties must be an object');
    const now = Date.now();
    const id = eventId();
    let event: string;
    try {
      event = serializeEvent(id, type, +(eventOptions.time || now), properties, eventOptions, pageContext());
    } catch (error) {
      refused++;
      warn(`event refused: ${error}`);
      return '';
    }
    // Events of one millisecond get fractions of it, in the order they were tracked.
    lastAt = Math.max(now, lastAt + 0.001);
    pending.push({ id, url: config.url, source: config.source, session: session._touch(now), profile: session._profile, event, at: lastAt });
    if (pending.length >= config.batchSize) {
      clearTimeout(flushTimer);
      flushTimer = setTimeout(flush);
    } else if (!flushTimer) flushTimer = setTimeout(flush, config.flushInterval);
    return id;
  }

  const inWriting = () => writing.flat();

  /**
   * Takes this page's events, with the count of refused events. While the page is visible, it writes them
   * to the queue; hidden, it hands them over as handOverOnHide says.
   */
  function handOver(hiding?: boolean) {
    let records = pending;
    const lost = refused;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    pending = [];
    refused = 0;
    session!._save(hiding);
    const written = copy;
    copy = undefined;
    if (hiding) {
      // The events whose write to IndexedDB is under way go too: a page torn down after pagehide never
      // finishes it. Should the write land all the same, they are sent twice, never lost.
      records = inWriting().concat(records);
      writing = [];
      return handOverOnHide(delivery, records, lost, healthy(), written);
    }
    if (written) safely(() => localStorage.removeItem(written)); // restored from the back/forward cache
    if (records.length || lost) return write(records, lost);
  }

  async function write(records: QueuedEvent[], lost: number) {
    const chunks = [records.slice(0, WRITE_CHUNK)];
    for (let start = WRITE_CHUNK; start < records.length; start += WRITE_CHUNK) chunks.push(records.slice(start, start + WRITE_CHUNK));
    writing = writing.concat(chunks);
    for (const chunk of chunks) {
      learn(await queue._add(chunk, lost));
      lost = 0;
      writing = writing.filter((other) => other != chunk);
    }
  }

  /** Takes in what the drainer (maybe another tab) knows of the collector, from the queue's meta. */
  function learn(meta: Meta) {
    delivery._ok = Math.max(delivery._ok, meta.ok);
    delivery._failed = Math.max(delivery._failed, meta.failed);
  }

  /** Whether the collector takes events, as this page knows: true, false, or undefined when nobody knows (or only long ago). */
  function healthy(): boolean | undefined {
    const { _ok: ok, _failed: failed } = delivery;
    if (Math.max(ok, failed) > Date.now() - HEALTH_FRESH_MS) return ok > failed;
  }

  async function flush() {
    if (session) {
      await handOver();
      await startDrain();
    }
  }

  function startDrain(): Promise<void> {
    draining = draining.then(drainQueue).catch(warn);
    return draining;
  }

  async function drainQueue() {
    await queue._takeOver();
    const emptied = await exclusively(config.name, queue, () => drain(delivery, document.visibilityState == 'visible'));
    clearTimeout(drainTimer);
    // Another tab holds the lease: it may finish before this tab's events were queued, or close.
    if (emptied === undefined) drainTimer = setTimeout(startDrain, 1000);
    else if (!emptied && navigator.onLine) drainTimer = setTimeout(startDrain, delivery._retryAt - Date.now());
  }

  function envelope(first: QueuedEvent, dropped: number): Envelope {
    // Events tracked before the collector first answered go with the profile id it gave since.
    const profile = first.profile || session!._profile;
    return {
      source: { id: first.source },
      session: { id: first.session },
      ...(profile && { profile: { id: profile } }),
      context: {
        ...(device ||= deviceContext()),
        ...config.context,
        time: timeContext(),
        // Events dropped past the queue bound or refused: loss is reported, never silent.
        ...(dropped && { tracker: { dropped } }),
      },
      properties: {},
      options: config.options, // never null: a Tracardi server answers 500
    };
  }

  /** A 2xx answer's body: the profile id it gives, if it is one (anything else is ignored, never kept). */
  function answered(body: string | undefined) {
    const answer = safely(() => JSON.parse(body!));
    const id = answer && answer.profile && answer.profile.id;
    if (isProfileId(id)) session!._setProfile(id);
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
