import type { Config } from './options.js';
import { count, own } from './read.js';
import type { EventRecord } from './record.js';

/**
 * What a tracker keeps beside its events, under the key `[name]` (docs/storage.md): never rename its keys.
 * Every change to the queue changes it in the same transaction, so that the bounds hold without reading events.
 */
export interface Meta {
  /** Events stored, and the characters of their JSON. */
  count: number;
  bytes: number;
  /** Events lost (past the bounds, refused, found broken) and not yet reported to the collector. */
  dropped: number;
  /** When the drain lease runs out (ms since the epoch; 0: free), where there are no Web Locks. */
  lease: number;
  /**
   * The keys of the spills moved in last, newest first: a spill whose removal from localStorage did not reach
   * the disk before a crash is not moved in (and sent) again.
   */
  moved: string[];
}

/** The spill keys the meta remembers. */
export const MOVED = 50;

/** The meta as stored, checked: numbers from 0 (the lease is checked where it is read), spill keys as strings. */
export function readMeta(value: unknown): Meta {
  const moved = own(value, 'moved');
  return {
    count: count(own(value, 'count')),
    bytes: count(own(value, 'bytes')),
    dropped: count(own(value, 'dropped')),
    lease: count(own(value, 'lease')),
    moved: Array.isArray(moved) ? moved.filter((key) => typeof key == 'string').slice(0, MOVED) : [],
  };
}

/** Whose events a queue holds (the tracker's name; its collector's are the ones read and removed), and how many it may hold. */
export type QueuePlace = Pick<Config, 'name' | 'url' | 'maxQueueEvents' | 'maxQueueBytes'>;

/**
 * Where a queue's events are (src/chunks.ts, IndexedDB; src/memory-queue.ts, the page's memory), changed
 * with the meta that src/queue.ts hands in and stores after. Each change counts what it adds, drops or
 * removes in the meta.
 */
export interface QueueStore {
  /** Adds events and the count of events lost, the oldest dropped past the bounds; `spill`'s events once. */
  _add(meta: Meta, records: EventRecord[], dropped: number, spill?: string): Promise<void> | void;
  /** The oldest `wanted` events for this tracker's collector. */
  _oldest(meta: Meta, wanted: number): Promise<EventRecord[]> | EventRecord[];
  /** Removes `records` (sent or dropped: the oldest, as read), and adds `dropped` to the loss count. */
  _remove(meta: Meta, records: EventRecord[], dropped: number): Promise<void> | void;
  /** Deletes every event of this tracker. */
  _clear(meta: Meta): void;
  /** Takes the drain lease (queue.ts `_lease`): 0 when another tab holds it. */
  _lease(meta: Meta, held: number, ms: number): number;
}

/** What events count for the byte bound: the characters of their JSON (close enough to bytes for a bound). */
export const size = (records: EventRecord[]) => records.reduce((sum, record) => sum + record.event.length, 0);

export const over = (place: QueuePlace, meta: Meta) => meta.count > place.maxQueueEvents || meta.bytes > place.maxQueueBytes;
