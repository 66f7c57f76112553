import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import type { Config } from './options.js';
import { storedNumber } from './read.js';
import { isRecord, type EventRecord } from './record.js';

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
}

export interface Queue {
  /** Adds this page's events, each at most once, and the count of events it lost; resolves to the meta after. */
  _add(records: EventRecord[], dropped: number): Promise<Meta>;
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
}

/** One IndexedDB store for every tracker of the site, each under its own name. */
export const openStore = () => createStore('beacon-tracker', 'queue');

/**
 * The events of tracker `name` that wait for a collector, shared by the tabs of a site: in IndexedDB, a
 * record per event under `[name, url, at, id]`, so that a change costs what it moves, never the queue's
 * length; or in this page's memory once IndexedDB is missing, blocked or failing (some private modes,
 * policies, quota): tracking goes on either way.
 */
export function createQueue(
  { name, url, maxQueueEvents: maxEvents, maxQueueBytes: maxBytes }: Pick<Config, 'name' | 'url' | 'maxQueueEvents' | 'maxQueueBytes'>,
  store: UseStore = openStore(),
): Queue {
  /** This page's events once IndexedDB failed, oldest first. */
  let memory: EventRecord[] | undefined;
  const memoryMeta = readMeta(0);

  const key = (record: EventRecord) => [name, record.url, record.at, record.id];
  /** This tracker's events for every collector; and for its own. */
  const everyEvent = () => IDBKeyRange.bound([name, ''], [name, []]);
  const ownEvents = () => IDBKeyRange.bound([name, url], [name, url, []]);
  const over = (meta: Meta) => meta.count > maxEvents || meta.bytes > maxBytes;

  /**
   * Runs a change with this tracker's meta in one readwrite transaction (IndexedDB runs the transactions of
   * all tabs one at a time), or in this page's memory from the first time IndexedDB fails.
   */
  async function change<T>(inDatabase: (objects: IDBObjectStore, meta: Meta) => T | Promise<T>, inMemory: (meta: Meta) => T): Promise<T> {
    if (!memory) {
      try {
        return await store('readwrite', async (objects) => {
          const meta = readMeta(await promisifyRequest(objects.get([name])));
          const result = await inDatabase(objects, meta);
          objects.put(meta, [name]);
          await promisifyRequest(objects.transaction);
          return result;
        });
      } catch {
        memory ||= []; // not again: another change may have failed over already
      }
    }
    return inMemory(memoryMeta);
  }

  function add(objects: IDBObjectStore, meta: Meta, records: EventRecord[], dropped: number) {
    meta.dropped += dropped;
    for (const record of records) {
      const request = objects.add(record, key(record));
      request.onsuccess = () => {
        meta.count++;
        meta.bytes += size(record);
      };
      // There already (both copies of a closing page's events landed): not an error of the transaction.
      request.onerror = (event) => {
        event.preventDefault();
        event.stopPropagation();
      };
    }
    // A transaction answers its requests in order: this one comes after the additions above.
    return new Promise<Meta>((resolve) => {
      objects.getKey([name]).onsuccess = () => {
        if (!over(meta)) return resolve(meta);
        // Past a bound the oldest events go, and are counted: loss is never silent. The count is made
        // exact first, so that no event goes for a count that drifted.
        const counted = objects.count(everyEvent());
        counted.onsuccess = () => {
          meta.count = counted.result;
          const cursor = objects.openCursor(everyEvent());
          cursor.onsuccess = () => {
            const oldest = cursor.result;
            if (!oldest) meta.bytes = 0; // none left: whatever the count said
            if (!oldest || !over(meta)) return resolve(meta);
            meta.count--;
            meta.bytes -= size(oldest.value);
            meta.dropped++;
            oldest.delete();
            oldest.continue();
          };
        };
      };
    });
  }

  function addToMemory(meta: Meta, records: EventRecord[], dropped: number) {
    meta.dropped += dropped;
    for (const record of records) meta.bytes += size(record);
    memory = memory!.concat(records);
    while (memory.length > maxEvents || meta.bytes > maxBytes) {
      meta.bytes -= size(memory.shift());
      meta.dropped++;
    }
    meta.count = memory.length;
    return meta;
  }

  return {
    _add: (records, dropped) =>
      change(
        (objects, meta) => add(objects, meta, records, dropped),
        (meta) => addToMemory(meta, records, dropped),
      ),

    _oldest: (count) =>
      change(
        async (objects, meta): Promise<[EventRecord[], Meta]> => {
          const [keys, values] = await Promise.all([promisifyRequest(objects.getAllKeys(ownEvents(), count)), promisifyRequest(objects.getAll(ownEvents(), count))]);
          const records = values.filter((value, i) => {
            if (isRecord(value) && value.url == url) return true;
            // Broken (tampered with, cut short): it could never be sent, and must not hold the queue back.
            objects.delete(keys[i]);
            meta.count--;
            meta.dropped++;
            return false;
          });
          return [records, meta];
        },
        (meta) => [memory!.slice(0, count), meta],
      ),

    _remove: (records, dropped) =>
      change(
        (objects, meta) => {
          for (const record of records) {
            objects.delete(key(record));
            meta.count--;
            meta.bytes -= size(record);
          }
          meta.dropped += dropped;
        },
        (meta) => {
          const ids = new Set(records.map((record) => record.id));
          memory = memory!.filter((record) => !ids.has(record.id));
          meta.dropped += dropped;
          meta.count = memory.length;
          meta.bytes = memory.reduce((sum, record) => sum + size(record), 0);
        },
      ),

    _lease: (held, ms) =>
      change(
        (_, meta) => {
          // The clock is read in the transaction: a page may be suspended while it waits for it.
          const now = Date.now();
          if (meta.lease > now && meta.lease != held) return 0;
          meta.lease = ms ? now + ms : 0;
          return meta.lease;
        },
        () => 1, // without IndexedDB this page's queue is its own: nobody to share it with
      ),

    _clear: () =>
      change(
        (objects, meta) => {
          objects.delete(everyEvent());
          meta.count = meta.bytes = meta.dropped = 0;
        },
        (meta) => {
          memory = [];
          meta.count = meta.bytes = meta.dropped = 0;
        },
      ),

    _inMemory: () => !!memory,
  };
}


/** The meta as stored, checked. */
function readMeta(value: any): Meta {
  const meta: Meta = { count: 0, bytes: 0, dropped: 0, lease: 0 };
  for (const key in meta) meta[key as keyof Meta] = storedNumber(value && value[key]);
  return meta;
}

/** What an event counts for the byte bound: the characters of its JSON (close enough to bytes for a bound). */
const size = (value: any): number => (value && typeof value.event == 'string' && value.event.length) || 0;
