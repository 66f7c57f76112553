import { BEACON_QUOTA, type Delivery } from './drain.js';
import { nextPayload } from './payload.js';
import type { QueuedEvent } from './record.js';
import { safely } from './safely.js';
import type { Spills } from './spill.js';
import { beacon, post } from './transport.js';

/** Events per IndexedDB transaction: a burst of thousands makes no long task. */
const WRITE_CHUNK = 500;

/**
 * How a page hands its events over to the queue, with the count of events it dropped: while it is visible,
 * written to IndexedDB in chunks; when it goes away, as `_hide` says; at a pagehide of a page still visible
 * (Firefox closing the tab in front, docs/browsers.md), only spilled to localStorage.
 */
export interface HandOver {
  /** Writes to the queue; resolves once written, or once `stop()` says the page stopped storing. */
  _write(records: QueuedEvent[], dropped: number, stop: () => boolean): Promise<void>;
  /**
   * The page is hidden, maybe for good. The events only it holds (these, and those still being written: a
   * page torn down never finishes that write) are beaconed while the browser is online and the collector is
   * not known to fail, in payloads that together fit in the quota left. What the beacons may not carry is
   * spilled to localStorage for a later page, and so is everything while nobody knows whether the collector
   * takes events (`healthy` undefined): a browser says nothing of a beacon's fate. Returns the events kept.
   */
  _hide(records: QueuedEvent[], dropped: number, healthy: boolean | undefined): QueuedEvent[];
  /** A pagehide of a page still visible: may be cut off at any statement, so it only spills. */
  _spill(records: QueuedEvent[], dropped: number): void;
  /** Forgets what it holds (consent withdrawn). */
  _clear(): void;
}

export function createHandOver(delivery: Delivery, spills: Spills): HandOver {
  const queue = delivery._queue;
  /** Events on their way into IndexedDB, a chunk per transaction. */
  let writing: QueuedEvent[][] = [];
  /** The localStorage key of the spill a pagehide of a still visible page wrote: rewritten or withdrawn after it. */
  let pagehideSpill: string | undefined;

  /** The pagehide spill, once the page hides for real or comes back. */
  function takeSpill() {
    const spill = pagehideSpill;
    pagehideSpill = undefined;
    return spill;
  }

  return {
    async _write(records, dropped, stop) {
      const spill = takeSpill();
      if (spill) safely(() => localStorage.removeItem(spill)); // restored from the back/forward cache
      if (!records.length && !dropped) return;
      const chunks = [records.slice(0, WRITE_CHUNK)];
      for (let start = WRITE_CHUNK; start < records.length; start += WRITE_CHUNK) chunks.push(records.slice(start, start + WRITE_CHUNK));
      writing = writing.concat(chunks);
      for (const chunk of chunks) {
        if (stop()) return;
        await queue._add(chunk, dropped);
        dropped = 0;
        writing = writing.filter((other) => other != chunk);
      }
    },

    _hide(records, dropped, healthy) {
      const spill = takeSpill();
      // Should a write under way land all the same, its events are sent twice, never lost.
      records = writing.flat().concat(records);
      writing = [];
      if (navigator.onLine && healthy != false) {
        let budget = BEACON_QUOTA - delivery._inflight;
        let rest = records;
        while (rest.length) {
          const payload = nextPayload(rest, Infinity, budget, (first) => delivery._envelope(first, 0));
          if (!payload) break;
          if (!beacon(payload)) {
            // Refused (quota) or missing: a keepalive request may carry it, and it is kept as well.
            post(payload, delivery._timeout, true);
            break;
          }
          rest = rest.slice(payload._records.length);
          budget -= payload._bytes;
        }
        if (healthy) records = rest;
      }
      if (records.length || dropped) spills._write(records, dropped, spill);
      else if (spill) safely(() => localStorage.removeItem(spill));
      return records;
    },

    _spill(records, dropped) {
      pagehideSpill = spills._write(writing.flat().concat(records), dropped, pagehideSpill);
    },

    _clear() {
      writing = [];
      const spill = takeSpill();
      if (spill) safely(() => localStorage.removeItem(spill));
    },
  };
}
