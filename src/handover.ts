import { requestSync } from './background-sync.js';
import type { Batch } from './batch.js';
import type { Delivery } from './delivery.js';
import { failing } from './health.js';
import type { Config } from './options.js';
import type { Queue } from './queue.js';
import type { EventRecord } from './record.js';
import type { Spills } from './spill.js';
import type { Visitor } from './visitor.js';

/**
 * How a page hands its batch over, with the count of events it dropped (docs/delivery.md#a-page-going-away):
 * while it is visible, written to the queue; when it goes away, what was not written yet is beaconed
 * or spilled, never both written and beaconed. Only while the visitor's consent allows storing.
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

export function createHandOver(
  { name, backgroundSync }: Pick<Config, 'name' | 'backgroundSync'>,
  { _batch: batch, _visitor: visitor, _queue: queue, _delivery: delivery, _spills: spills }: HandOverParts,
): HandOver {
  /** What a pagehide of a still visible page spilled, and only this page holds: sent on by the hide after it, or written if the page comes back. */
  let spilled: { _key: string; _records: EventRecord[]; _dropped: number } | undefined;

  /**
   * Everything only this page holds, oldest first: its own spill, the writes not committed (aborted now:
   * their events are this page's to send, never both written and sent) and the batch.
   */
  function takeAll(): [EventRecord[], number] {
    const [records, dropped] = spilled ? [spilled._records, spilled._dropped] : [[], 0];
    const [released, lost] = queue._release();
    const [pending, refused] = batch._empty();
    spilled = undefined;
    return [records.concat(released, pending), dropped + lost + refused];
  }

  /**
   * The page is hidden, maybe for good: beacons what only it holds, and keeps all of it all the same. A
   * browser says nothing of a beacon's fate (the collector may have failed a moment ago, the browser may drop
   * it): where the tracker cannot know, it keeps; a collector drops the copy by its id.
   */
  function hide(records: EventRecord[], dropped: number, key?: string) {
    if (navigator.onLine && !failing(name)) delivery._beacon(records);
    if (!records.length && !dropped) return spills._remove(key);
    spills._write(records, dropped, key);
    // Into IndexedDB as well, as far as that gets: a spill outlives a crash only once written to disk, and the
    // service worker cannot read localStorage. The spill moved in later is the same chunk: added once.
    if (!queue._inMemory()) queue._add(records, 0).catch(() => {});
    if (backgroundSync) requestSync();
  }

  return {
    _run(hiding) {
      const session = visitor._session();
      if (!session) return;
      session._save(hiding);
      if (hiding) {
        const key = spilled && spilled._key;
        return hide(...takeAll(), key);
      }
      if (spilled) {
        // Back from the back/forward cache: what it spilled is written instead, as a tab moving the spill in
        // would write it (the same chunks: added once).
        spills._remove(spilled._key);
        queue._add(spilled._records, spilled._dropped);
        spilled = undefined;
      }
      const [records, dropped] = batch._empty();
      if (records.length || dropped) return queue._add(records, dropped, true).then(() => {});
    },

    _pagehide() {
      if (!visitor._session()) return;
      const key = spilled && spilled._key;
      const [records, dropped] = takeAll();
      spilled = { _key: spills._write(records, dropped, key), _records: records, _dropped: dropped };
    },

    _clear() {
      takeAll();
      spills._clear();
    },
  };
}
