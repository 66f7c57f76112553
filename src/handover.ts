import { requestSync } from './background-sync.js';
import type { Batch } from './batch.js';
import type { Delivery } from './delivery.js';
import { healthOf } from './health.js';
import type { Config } from './options.js';
import type { Queue } from './queue.js';
import type { EventRecord } from './record.js';
import type { Spills } from './spill.js';
import type { Visitor } from './visitor.js';

/** Events per IndexedDB transaction: a burst of thousands makes no long task. */
const WRITE_CHUNK = 500;

/**
 * How a page hands its batch over, with the count of events it dropped: while it is visible, written to
 * the queue in chunks; when it goes away, beaconed or spilled (docs/delivery.md#a-page-going-away). Only
 * while the visitor's consent allows storing.
 */
export interface HandOver {
  /** Hands the batch over: to the queue (resolves once written), or when the page is `hiding`, by beacon or spill. */
  _run(hiding?: boolean): Promise<void> | void;
  /** A pagehide of a page still visible: may be cut off at any statement, so it only spills. */
  _pagehide(): void;
  /** Forgets what it holds (consent withdrawn). */
  _clear(): void;
}

export interface HandOverParts {
  _batch: Batch;
  _visitor: Visitor;
  _queue: Queue;
  _delivery: Delivery;
  _spills: Spills;
}

export function createHandOver({ name, backgroundSync }: Pick<Config, 'name' | 'backgroundSync'>, { _batch: batch, _visitor: visitor, _queue: queue, _delivery: delivery, _spills: spills }: HandOverParts): HandOver {
  /** Events on their way into IndexedDB, a chunk per transaction. */
  let writing: EventRecord[][] = [];
  /** The spill a pagehide of a still visible page wrote: rewritten or withdrawn once the page hides or comes back. */
  let pagehideSpill: string | undefined;

  function withdrawSpill() {
    const spill = pagehideSpill;
    pagehideSpill = undefined;
    return spill;
  }

  const stopped = () => !visitor._session();

  /** Writes to the queue; resolves once written, or once the page stopped storing. */
  async function write(records: EventRecord[], dropped: number) {
    spills._remove(withdrawSpill()); // restored from the back/forward cache
    if (!records.length && !dropped) return;
    const chunks = [records.slice(0, WRITE_CHUNK)];
    for (let start = WRITE_CHUNK; start < records.length; start += WRITE_CHUNK) chunks.push(records.slice(start, start + WRITE_CHUNK));
    writing = writing.concat(chunks);
    for (const chunk of chunks) {
      if (stopped()) return;
      await queue._add(chunk, dropped);
      dropped = 0;
      writing = writing.filter((other) => other != chunk);
    }
  }

  /** The page is hidden, maybe for good: beacons what only it holds, and spills what it must keep. */
  function hide(records: EventRecord[], dropped: number) {
    const spill = withdrawSpill();
    // A page torn down never finishes its writes: their events go too, sent twice should a write land.
    records = writing.flat().concat(records);
    writing = [];
    // A browser says nothing of a beacon's fate: beaconed events are let go only while the collector is
    // known to take events; else they are kept as well.
    const healthy = healthOf(name);
    if (navigator.onLine && healthy != false) {
      const rest = delivery._beacon(records);
      if (healthy) records = rest;
    }
    if (records.length || dropped) spills._write(records, dropped, spill);
    else spills._remove(spill);
    // The service worker cannot read localStorage: what is kept goes to IndexedDB too, as far as that gets.
    if (records.length && backgroundSync) {
      queue._add(records, 0);
      requestSync();
    }
  }

  return {
    _run(hiding) {
      const session = visitor._session();
      if (!session) return;
      const [records, dropped] = batch._empty();
      session._save(hiding);
      if (hiding) hide(records, dropped);
      else return write(records, dropped);
    },

    _pagehide() {
      if (!stopped()) pagehideSpill = spills._write(writing.flat().concat(batch._pending), batch._dropped, pagehideSpill);
    },

    _clear() {
      writing = [];
      spills._remove(withdrawSpill());
    },
  };
}
