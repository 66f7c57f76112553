import { over, size, type Meta, type QueuePlace, type QueueStore } from './queue-store.js';
import type { EventRecord } from './record.js';

export interface MemoryQueue extends QueueStore {
  /** The page is going away: gives back every event, with the loss count, and holds none. */
  _release(meta: Meta): [EventRecord[], number];
}

/**
 * The queue in this page's memory, once IndexedDB is missing, blocked or failing (some private modes,
 * policies, quota): tracking goes on, and the page hands what it holds over as it goes away.
 */
export function createMemoryQueue(place: QueuePlace): MemoryQueue {
  /** Oldest first. */
  let records: EventRecord[] = [];

  /** The meta's counts from the events held. */
  function recount(meta: Meta) {
    meta.count = records.length;
    meta.bytes = size(records);
  }

  function empty(meta: Meta) {
    records = [];
    meta.count = meta.bytes = meta.dropped = 0;
  }

  return {
    _add(meta, added, dropped) {
      meta.dropped += dropped;
      records = records.concat(added);
      recount(meta);
      while (over(place, meta)) {
        meta.bytes -= records.shift()!.event.length;
        meta.count--;
        meta.dropped++;
      }
    },

    _oldest: (_, wanted) => records.filter((record) => record.url == place.url).slice(0, wanted),

    _remove(meta, removed, dropped) {
      const ids = new Set(removed.map((record) => record.id));
      records = records.filter((record) => !ids.has(record.id));
      meta.dropped += dropped;
      recount(meta);
    },

    _clear: empty,

    _lease: () => 1, // the page's queue is its own: nobody to share it with

    _release(meta) {
      const released: [EventRecord[], number] = [records, meta.dropped];
      empty(meta);
      return released;
    },
  };
}
