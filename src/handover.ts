import { BEACON_QUOTA, type Delivery } from './drain.js';
import { nextBatch } from './payload.js';
import type { QueuedEvent } from './record.js';
import { safely } from './safely.js';
import { beacon, post } from './transport.js';

/**
 * What a page going away does with the events only it holds (`records`, and `lost`, the count of events it
 * lost). While the browser is online and the collector is not known to fail, it beacons them, in payloads
 * that together fit in the quota left. What the beacons may not carry is kept in localStorage for a later
 * page, and so is everything when nobody knows whether the collector takes events: a browser says nothing
 * of a beacon's fate. `healthy` is that knowledge: true, false, or undefined. `pagehideSpill` is the key of
 * the spill a pagehide of a visible page wrote, rewritten or withdrawn here. Returns the events kept.
 */
export function handOverOnHide(delivery: Delivery, records: QueuedEvent[], lost: number, healthy: boolean | undefined, pagehideSpill?: string): QueuedEvent[] {
  if (navigator.onLine && healthy != false) {
    let budget = BEACON_QUOTA - delivery._inflight;
    let rest = records;
    while (rest.length) {
      const batch = nextBatch(rest, Infinity, budget, (first) => delivery._envelope(first, 0));
      if (!batch) break;
      if (!beacon(batch)) {
        // Refused (quota) or missing: a keepalive request may carry it, and it is kept as well.
        post(batch, delivery._timeout, true);
        break;
      }
      rest = rest.slice(batch._records.length);
      budget -= batch._bytes;
    }
    if (healthy) records = rest;
  }
  if (records.length || lost) delivery._queue._spill(records, lost, pagehideSpill);
  else if (pagehideSpill) safely(() => localStorage.removeItem(pagehideSpill));
  return records;
}
