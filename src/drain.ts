import { nextPayload, type Envelope } from './payload.js';
import { noteAnswer } from './health.js';
import type { Queue } from './queue.js';
import type { QueuedEvent } from './record.js';
import { backoffDelay, refusesSome, retryable } from './retry.js';
import { post, type Answer } from './transport.js';

/** Browsers refuse beacons and keepalive requests past 64 KiB in flight per page, counted in UTF-8 bytes. */
export const BEACON_QUOTA = 65_536;
/** Events per request at most while the page is hidden (it may be closed at any moment). */
const MAX_EVENTS = 100;
/**
 * While the page is visible, a backlog (after an outage, a week offline) goes in larger requests, without
 * keepalive: up to this many events and bytes, well under the body limits of Tracardi and the demo
 * collector (1 MiB). A request the closing page cuts off was not answered: its events stay queued.
 */
const LARGE_EVENTS = 1000;
const LARGE_BYTES = 262_144;

/** One queue's deliveries: where payloads come from, how they are built, and the retry state. A page or the service worker keeps one per tracker. */
export interface Delivery {
  /** The tracker's name. */
  _name: string;
  _queue: Queue;
  /** Ms a request may take before it counts as failed. */
  _timeout: number;
  /** The payload around events, from the first one's record and the count of events lost. */
  _envelope(first: QueuedEvent, dropped: number): Envelope;
  /** Reads the body of a 2xx answer to the events of `first`'s envelope (the profile id, onResponse). */
  _answered(body: string | undefined, first: QueuedEvent): void;
  _warn(message: string): void;
  /** When the failing collector may be tried again (ms since the epoch). */
  _retryAt: number;
  /** Failed attempts in a row, for the backoff. */
  _attempt: number;
  /** Halved when the collector refuses a batch (400, 413, 422), to find the one event it refuses. */
  _batchLimit: number;
  /** UTF-8 bytes of this page's keepalive request in flight: it shares the beacon quota. */
  _inflight: number;
}

export function createDelivery(
  name: string,
  queue: Queue,
  timeout: number,
  envelope: Delivery['_envelope'],
  answered: Delivery['_answered'],
  warn: Delivery['_warn'],
): Delivery {
  return { _name: name, _queue: queue, _timeout: timeout, _envelope: envelope, _answered: answered, _warn: warn, _retryAt: 0, _attempt: 0, _batchLimit: LARGE_EVENTS, _inflight: 0 };
}

/** How a failed answer reads in debug messages. */
const failure = (answer: Answer) => (answer._status ? `answered ${answer._status}` : answer._redirected ? 'redirect refused' : 'collector unreachable');

/**
 * Sends what the queue holds for its collector, oldest first, one request at a time. Resolves to true once
 * the queue is empty, to false when the collector failed (`_retryAt` says when to try again) or the
 * browser is offline (a request would be lost for good). Its caller holds the queue's lock. `large`: the
 * page is visible, so a backlog may go in large requests.
 */
export async function drain(delivery: Delivery, large: boolean): Promise<boolean> {
  const queue = delivery._queue;
  while (navigator.onLine) {
    if (delivery._retryAt > Date.now()) return false;
    const maxEvents = Math.min(delivery._batchLimit, large ? LARGE_EVENTS : MAX_EVENTS);
    const [records, { dropped }] = await queue._oldest(maxEvents);
    if (!records.length) return true;
    const payload = nextPayload(records, maxEvents, large ? LARGE_BYTES : BEACON_QUOTA, (first) => delivery._envelope(first, dropped));
    if (!payload) {
      // The oldest event does not fit in a request with its envelope (a large init context): it can never
      // be sent, and must not hold up the others.
      delivery._warn('event too large for a request: dropped');
      await queue._remove(records.slice(0, 1), 1);
      continue;
    }
    const sent = payload._records;
    const keepalive = payload._bytes <= BEACON_QUOTA;
    if (keepalive) delivery._inflight = payload._bytes;
    const answer = await post(payload, delivery._timeout, keepalive);
    delivery._inflight = 0;
    const status = answer._status;
    const ok = status > 199 && status < 300;
    // Every tab of the site learns it: a closing tab beacons and lets go only while the collector takes events.
    noteAnswer(delivery._name, ok);
    if (retryable(status)) {
      const delay = backoffDelay(delivery._attempt++, answer._retryAfter);
      delivery._retryAt = Date.now() + delay;
      delivery._warn(`${failure(answer)}, retry in ${(delay / 1000).toFixed(1)} s`);
      continue;
    }
    // A refused batch is halved until the one event the collector refuses is alone, and dropped.
    const split = refusesSome(status);
    delivery._batchLimit = split ? Math.ceil(sent.length / 2) : Math.min(delivery._batchLimit * 2, LARGE_EVENTS);
    if (split && sent.length > 1) continue;
    if (ok) {
      delivery._attempt = 0;
      delivery._answered(answer._body, sent[0]);
    } else {
      // Refused for good (401 unknown source, 403, 404...): retrying forever would not mend it.
      delivery._warn(`${failure(answer)}: ${sent.length} events dropped`);
    }
    await queue._remove(sent, ok ? -dropped : sent.length);
  }
  return false;
}
