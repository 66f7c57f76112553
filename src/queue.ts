import { promisifyRequest, type UseStore } from 'idb-keyval';
import { createChunks, openStore } from './chunks.js';
import { createMemoryQueue, type MemoryQueue } from './memory-queue.js';
import { readMeta, type Meta, type QueuePlace, type QueueStore } from './queue-store.js';
import type { EventRecord } from './record.js';

export interface Queue {
  /**
   * Adds events, and the count of events lost; resolves to the meta after. A hand-over's write is
   * `abortable`: should the page go away before it commits, `_release` gives its events back. The events of
   * `spill` are added once, however often it is moved in.
   */
  _add(records: EventRecord[], dropped: number, abortable?: boolean, spill?: string): Promise<Meta>;
  /** The oldest `count` events for this tracker's collector, and the meta; broken records are removed and counted. */
  _oldest(count: number): Promise<[EventRecord[], Meta]>;
  /** Removes events sent or dropped, and adds `dropped` to the loss count (negative once reported). */
  _remove(records: EventRecord[], dropped: number): Promise<void>;
  /**
   * Takes the drain lease for `ms` unless another holds one that has not run out, and resolves to it
   * (0 when it is another's); with the lease it `held` and no `ms`, gives it back.
   */
  _lease(held: number, ms: number): Promise<number>;
  /** Deletes every event of this tracker (consent withdrawn). */
  _clear(): Promise<void>;
  /** Whether IndexedDB failed on this page: the queue is in its memory. */
  _inMemory(): boolean;
  /**
   * The page is going away: gives back what the queue cannot keep past it, with its loss count. The
   * abortable writes that have not committed are aborted (their events were never stored, and are given back
   * whole); in memory, everything.
   */
  _release(): [EventRecord[], number];
}

/** A hand-over's write in flight, and its transaction once there is one. */
interface Write {
  _records: EventRecord[];
  _dropped: number;
  _aborted?: boolean;
  _transaction?: IDBTransaction;
}

/**
 * The events of tracker `name` that wait for a collector, shared by the tabs of a site (docs/storage.md):
 * in IndexedDB (src/chunks.ts), or in this page's memory once IndexedDB fails (src/memory-queue.ts). Each
 * change runs with the tracker's meta, and the hand-over's writes can be taken back while uncommitted.
 */
export function createQueue(place: QueuePlace, store: UseStore = openStore()): Queue {
  const { name } = place;
  const chunks = createChunks(place);
  /** The queue in this page's memory, from the first time IndexedDB failed. */
  let memory: MemoryQueue | undefined;
  const memoryMeta = readMeta(0);
  const writes = new Set<Write>();

  /**
   * Runs a change with this tracker's meta in one readwrite transaction (IndexedDB runs the transactions of
   * all tabs one at a time), or in this page's memory from the first time IndexedDB fails.
   */
  async function change<T>(run: (queue: QueueStore, meta: Meta) => T | Promise<T>, write?: Write): Promise<T> {
    if (!memory) {
      try {
        return await store('readwrite', async (objects) => {
          if (write) {
            write._transaction = objects.transaction;
            if (write._aborted) objects.transaction.abort();
          }
          const meta = readMeta(await promisifyRequest(objects.get([name])));
          const result = await run(chunks(objects), meta);
          objects.put(meta, [name]);
          await promisifyRequest(objects.transaction);
          return result;
        });
      } catch (error) {
        if (write && write._aborted) throw error; // given back by _release: it must not land in memory either
        memory ||= createMemoryQueue(place); // not again: another change may have failed over already
      }
    }
    return run(memory, memoryMeta);
  }

  return {
    _add(records, dropped, abortable, spill) {
      const write: Write = { _records: records, _dropped: dropped };
      if (abortable) writes.add(write);
      return change(async (queue, meta) => {
        await queue._add(meta, records, dropped, spill);
        return meta;
      }, write).finally(() => writes.delete(write));
    },

    _oldest: (wanted) => change(async (queue, meta): Promise<[EventRecord[], Meta]> => [await queue._oldest(meta, wanted), meta]),

    _remove: (records, dropped) => change((queue, meta) => queue._remove(meta, records, dropped)),

    _lease: (held, ms) => change((queue, meta) => queue._lease(meta, held, ms)),

    _clear: () => change((queue, meta) => queue._clear(meta)),

    _inMemory: () => !!memory,

    _release() {
      let [records, dropped] = memory ? memory._release(memoryMeta) : [[], 0];
      for (const write of writes) {
        write._aborted = true;
        try {
          if (write._transaction) write._transaction.abort();
        } catch {
          continue; // committing or committed: its events are stored
        }
        records = records.concat(write._records);
        dropped += write._dropped;
      }
      writes.clear();
      return [records, dropped];
    },
  };
}
