import type { Config } from './options.js';
import type { EventRecord } from './record.js';
import type { Visitor } from './visitor.js';

/**
 * This page's batch: the events it tracked and has not handed over yet (no other tab can send them), and
 * the count of events it refused, until a hand-over carries both. It hands over when it holds `batchSize`
 * events, when its oldest has waited `flushInterval`, or at once for an immediate event; never while the
 * visitor's consent is awaited (no session yet).
 */
export interface Batch {
  /** The events not handed over yet, oldest first. */
  readonly _pending: EventRecord[];
  /** Events refused since the last hand-over. */
  readonly _dropped: number;
  /**
   * Adds an event's JSON, as a record with what it needs to be sent later (`at`, its place in the page's
   * order; the session, once there is one), and arms the hand-over.
   */
  _push(id: string, event: string, path?: string, immediate?: boolean): void;
  /** Counts an event refused. */
  _refuse(): void;
  /** Consent came: the events that waited for it get their session, and are handed over at once. */
  _resume(): void;
  /** Empties the batch, with the timer; gives what it held. */
  _empty(): [EventRecord[], number];
}

export function createBatch(
  { url, source, batchSize, flushInterval, immediate }: Pick<Config, 'url' | 'source' | 'batchSize' | 'flushInterval' | 'immediate'>,
  visitor: Visitor,
  handOver: () => void,
): Batch {
  let pending: EventRecord[] = [];
  let dropped = 0;
  /** The `at` of the last event: each event's is later, so that the queue keeps their order. */
  let lastAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The timer armed is for now (a full batch, an immediate event), not for the flush interval. */
  let soon = false;

  /** Hands over in `ms`, unless a timer is armed as soon: track() runs on every click, one timer per batch. */
  function arm(ms: number) {
    if (!visitor._session() || (timer && (ms || soon))) return;
    clearTimeout(timer);
    soon = !ms;
    timer = setTimeout(handOver, ms);
  }

  return {
    get _pending() {
      return pending;
    },
    get _dropped() {
      return dropped;
    },
    _push(id, event, path, now) {
      const session = visitor._session();
      const time = Date.now();
      // Events of one millisecond get fractions of it, in the order they were tracked.
      lastAt = Math.max(time, lastAt + 0.001);
      pending.push({ id, url, source, session: session ? session._touch(time) : '', profile: session && session._profile, event, at: lastAt, path });
      arm(now || immediate || pending.length >= batchSize ? 0 : flushInterval);
    },
    _refuse() {
      dropped++;
    },
    _resume() {
      const session = visitor._session()!;
      for (const record of pending) record.session = session._touch(Math.floor(record.at));
      if (pending.length) arm(0);
    },
    _empty() {
      const emptied: [EventRecord[], number] = [pending, dropped];
      clearTimeout(timer);
      timer = undefined;
      soon = false;
      pending = [];
      dropped = 0;
      return emptied;
    },
  };
}
