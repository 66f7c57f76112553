import { envelopeOf, nextPayload, type EnvelopeParts, type Payload } from './payload.js';
import type { Queue } from './queue.js';
import type { EventRecord } from './record.js';
import { paceDelay, refusesSome, retryable, retryDelay } from './retry.js';
import { beacon, post, type Answer } from './transport.js';

/** Browsers refuse beacons and keepalive requests past 64 KiB in flight per page, counted in UTF-8 bytes. */
export const BEACON_QUOTA = 65_536;
/** Events per request at most while the page is hidden (it may be closed at any moment). */
const MAX_EVENTS = 100;
/**
 * While the page is visible, a backlog goes in larger requests, without keepalive, well under the body
 * limits of Tracardi and the demo collector (1 MiB); docs/delivery.md.
 */
const LARGE_EVENTS = 1000;
const LARGE_BYTES = 262_144;

export interface DeliveryOptions {
  _queue: Queue;
  /** Ms a request may take before it counts as failed. */
  _timeout: number;
  /** What the tracker puts in every envelope, as it is now. */
  _parts(): EnvelopeParts;
  /** Learns from each answer to the payload of `first`: whether the collector took it, and a 2xx's body. */
  _answered(ok: boolean, body: string | undefined, first: EventRecord): void;
  _warn(message: string): void;
  /** Where a page shares its backoff with the site's other pages (health.ts): a new page waits as the page before did. */
  _backoff?: Backoff;
}

/** A backoff as the site's pages share it: ms until the collector may be tried, and the last wait. */
export interface Backoff {
  _read(): [retryIn: number, wait: number];
  _write(retryIn: number, wait: number): void;
}

/** One queue's delivery, by a page or the service worker: its requests, their retries, and beacons. */
export interface Delivery {
  /**
   * Sends what the queue holds for its collector, oldest first, one request at a time, under the queue's
   * lock (the caller's). Resolves to true once the queue is empty, to false when the collector failed (see
   * `_retryIn`) or the browser is offline. `large`: the page is visible, so a backlog may go in large requests.
   */
  _drain(large: boolean): Promise<boolean>;
  /** Hands records to the browser by beacon, within the quota this page has left; gives back those it could not. */
  _beacon(records: EventRecord[]): EventRecord[];
  /** Ms until the failing collector may be tried again; 0: now. */
  _retryIn(): number;
  /**
   * The app asks (flush): the next drain tries at once, unless the collector's Retry-After says when, or a page
   * before this one left a backoff; or the network came back (`online`): at once.
   */
  _retryNow(online?: boolean): void;
}

/** How a failed answer reads in debug messages. */
const failure = (answer: Answer) => (answer._status ? `answered ${answer._status}` : answer._redirected ? 'redirect refused' : 'collector unreachable');

/** A clock the page's own cannot set back: a clock put back an hour after a 503 must not mean no retry for an hour. */
const monotonic = () => performance.now();

export function createDelivery({ _queue: queue, _timeout: timeout, _parts: parts, _answered: answered, _warn: warn, _backoff: backoff }: DeliveryOptions): Delivery {
  const [shared, wait] = backoff ? backoff._read() : [0, 0];
  /** When the failing collector may be tried again (on the monotonic clock); and no sooner than its Retry-After. */
  let retryAt = monotonic() + shared;
  /** What even an explicit flush waits for: the collector's Retry-After, and the backoff an earlier page left. */
  let notBefore = retryAt;
  /** The last wait after a failure (retry.ts); 0 once the collector took events and the backlog is gone. */
  let delay = wait;
  /** Halved when the collector refuses a batch (400, 413, 422), to find the one event it refuses. */
  let batchLimit = LARGE_EVENTS;
  /** UTF-8 bytes of this page's keepalive request in flight: it shares the beacon quota. */
  let inflight = 0;

  const envelope = (dropped: number) => (first: EventRecord) => envelopeOf(first, dropped, parts());

  /** The collector may be tried in `ms`; the site's other pages learn it. */
  function holdOff(ms: number) {
    retryAt = monotonic() + ms;
    if (backoff) backoff._write(ms, delay);
  }

  /** Sends one payload of at most `maxEvents`, and learns from the answer; resolves to what became of its records. */
  async function send(payload: Payload, dropped: number, maxEvents: number): Promise<void> {
    const sent = payload._records;
    const keepalive = payload._bytes <= BEACON_QUOTA;
    if (keepalive) inflight = payload._bytes;
    const answer = await post(payload, timeout, keepalive);
    inflight = 0;
    const status = answer._status;
    const ok = status > 199 && status < 300;
    answered(ok, answer._body, sent[0]);
    if (retryable(status)) {
      delay = retryDelay(delay, answer._retryAfter);
      holdOff(delay);
      notBefore = answer._retryAfter && retryAt;
      warn(`${failure(answer)}, retry in ${(delay / 1000).toFixed(1)} s`);
      return;
    }
    // A refused batch is halved until the one event the collector refuses is alone, and dropped.
    const split = refusesSome(status);
    batchLimit = split ? Math.ceil(sent.length / 2) : Math.min(batchLimit * 2, LARGE_EVENTS);
    if (split && sent.length > 1) return;
    if (ok) {
      // After failures a backlog goes at a pace, a full request at a time, so that a collector coming back is
      // not knocked over again by every visitor's backlog at once (docs/collector-load.md).
      if (delay && sent.length == maxEvents) holdOff(paceDelay());
      else if (delay) {
        delay = 0;
        holdOff(0);
      }
    } else {
      // Refused for good (401 unknown source, 403, 404...): retrying forever would not mend it.
      warn(`${failure(answer)}: ${sent.length} events dropped`);
    }
    await queue._remove(sent, ok ? -dropped : sent.length);
  }

  return {
    async _drain(large) {
      while (navigator.onLine && retryAt <= monotonic()) {
        const maxEvents = Math.min(batchLimit, large ? LARGE_EVENTS : MAX_EVENTS);
        const [records, { dropped }] = await queue._oldest(maxEvents);
        if (!records.length) return true;
        const payload = nextPayload(records, maxEvents, large ? LARGE_BYTES : BEACON_QUOTA, envelope(dropped));
        if (payload) await send(payload, dropped, maxEvents);
        else {
          // The oldest event does not fit in a request with its envelope (a large init context): it can never
          // be sent, and must not hold up the others.
          warn('event too large for a request: dropped');
          await queue._remove(records.slice(0, 1), 1);
        }
      }
      return false;
    },

    _beacon(records) {
      let budget = BEACON_QUOTA - inflight;
      while (records.length) {
        const payload = nextPayload(records, Infinity, budget, envelope(0));
        if (!payload) break;
        if (!beacon(payload)) {
          // Refused (quota) or missing: a keepalive request may carry it, and it is not counted as carried.
          post(payload, timeout, true);
          break;
        }
        records = records.slice(payload._records.length);
        budget -= payload._bytes;
      }
      return records;
    },

    _retryIn: () => Math.max(0, retryAt - monotonic()),
    _retryNow(online) {
      retryAt = online ? 0 : notBefore;
      // Back online, nothing says the collector failed: a backlog goes at full speed.
      if (online) delay = 0;
    },
  };
}
