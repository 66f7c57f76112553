import { promisifyRequest, type UseStore } from 'idb-keyval';
import type { Config } from './options.js';
import { count, own } from './read.js';
import { readRecord, type EventRecord } from './record.js';

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

/** Events per IndexedDB value: a burst of thousands makes no long task (each put clones its value at once). */
const WRITE_CHUNK = 500;

/** The longest a drain lease may run (lock.ts): a lease further ahead was taken by a tab whose clock is wrong. */
export const LEASE_MS = 60_000;

/**
 * The IndexedDB store of every tracker of the site, as idb-keyval's createStore opens it, but closed when
 * the page deletes or upgrades the database (versionchange), which would otherwise wait for this page.
 */
export function openStore(): UseStore {
  let database: Promise<IDBDatabase> | undefined;
  const open = () => {
    const request = indexedDB.open('beacon-tracker');
    request.onupgradeneeded = () => request.result.createObjectStore('queue');
    database = promisifyRequest(request);
    database.then(
      (db) => {
        db.onclose = db.onversionchange = () => {
          db.close();
          database = undefined;
        };
      },
      () => (database = undefined),
    );
    return database;
  };
  // In a promise: where IndexedDB throws at once (a sandboxed frame), the change fails over to memory.
  return (mode, callback) =>
    Promise.resolve()
      .then(() => database || open())
      .then((db) => callback(db.transaction('queue', mode).objectStore('queue')));
}

/** A hand-over's write in flight, and its transaction once there is one. */
interface Write {
  _records: EventRecord[];
  _dropped: number;
  _aborted?: boolean;
  _transaction?: IDBTransaction;
}

/** What events count for the byte bound: the characters of their JSON (close enough to bytes for a bound). */
const size = (records: EventRecord[]) => records.reduce((sum, record) => sum + record.event.length, 0);

/**
 * The records of the chunk under a cursor, checked (a record must be of the collector its key names), and
 * how many of its values were none: those are removed and counted, since they could never be sent and must
 * not hold the queue back.
 */
function readChunk(cursor: IDBCursorWithValue, meta: Meta): EventRecord[] {
  const value = cursor.value;
  const url = (cursor.key as unknown[])[1];
  const records: EventRecord[] = [];
  const values: unknown[] = Array.isArray(value) ? value : [value];
  for (const item of values) {
    const record = readRecord(item);
    if (record && record.url == url) records.push(record);
  }
  const broken = values.length - records.length;
  if (broken) {
    meta.count -= broken;
    meta.dropped += broken;
    if (records.length) cursor.update(records);
    else cursor.delete();
  }
  return records;
}

/**
 * The events of tracker `name` that wait for a collector, shared by the tabs of a site (docs/storage.md):
 * in IndexedDB, a hand-over's events of one collector as one chunk under `[name, url, at, id, last id]`,
 * so that a change costs a request per chunk it moves, never the queue's length; or in this page's memory
 * once IndexedDB is missing, blocked or failing (some private modes, policies, quota): tracking goes on.
 */
export function createQueue(
  { name, url, maxQueueEvents: maxEvents, maxQueueBytes: maxBytes }: Pick<Config, 'name' | 'url' | 'maxQueueEvents' | 'maxQueueBytes'>,
  store: UseStore = openStore(),
): Queue {
  /** This page's events once IndexedDB failed, oldest first. */
  let memory: EventRecord[] | undefined;
  const memoryMeta = readMeta(0);
  const writes = new Set<Write>();
  /** Whether this page made the meta's counts exact, as it does once, at a bound. */
  let counted = false;

  /** This tracker's chunks for every collector; and for its own. */
  const everyChunk = () => IDBKeyRange.bound([name, ''], [name, []]);
  const ownChunks = () => IDBKeyRange.bound([name, url], [name, url, []]);
  const over = (meta: Meta) => meta.count > maxEvents || meta.bytes > maxBytes;

  /**
   * Runs a change with this tracker's meta in one readwrite transaction (IndexedDB runs the transactions of
   * all tabs one at a time), or in this page's memory from the first time IndexedDB fails.
   */
  async function change<T>(inDatabase: (objects: IDBObjectStore, meta: Meta) => T | Promise<T>, inMemory: (meta: Meta) => T, write?: Write): Promise<T> {
    if (!memory) {
      try {
        return await store('readwrite', async (objects) => {
          if (write) {
            write._transaction = objects.transaction;
            if (write._aborted) objects.transaction.abort();
          }
          const meta = readMeta(await promisifyRequest(objects.get([name])));
          const result = await inDatabase(objects, meta);
          objects.put(meta, [name]);
          await promisifyRequest(objects.transaction);
          return result;
        });
      } catch (error) {
        if (write && write._aborted) throw error; // given back by _release: it must not land in memory either
        memory ||= []; // not again: another change may have failed over already
      }
    }
    return inMemory(memoryMeta);
  }

  /** Walks this tracker's chunks in `range`, oldest first, each read and checked, until `step` says stop (returns false). */
  function walk(objects: IDBObjectStore, meta: Meta, range: IDBKeyRange, step: (records: EventRecord[], cursor: IDBCursorWithValue) => boolean | void): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = objects.openCursor(range);
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        const cursor = request.result;
        if (cursor && step(readChunk(cursor, meta), cursor) !== false) cursor.continue();
        else resolve();
      };
    });
  }

  /** Drops the oldest events until the meta is within the bounds, counted; first, once a page, makes its counts exact. */
  async function bound(objects: IDBObjectStore, meta: Meta) {
    if (!over(meta)) return;
    if (!counted) {
      counted = true;
      // The broken records found on the way are dropped and counted by the walk; the counts are of the rest.
      let [events, bytes] = [0, 0];
      await walk(objects, meta, everyChunk(), (records) => {
        events += records.length;
        bytes += size(records);
      });
      meta.count = events;
      meta.bytes = bytes;
    }
    await walk(objects, meta, everyChunk(), (records, cursor) => {
      if (!over(meta)) return false;
      let kept = records.length;
      // Past a bound the oldest events go, and are counted: loss is never silent.
      while (kept && over(meta)) {
        const oldest = records[records.length - kept--];
        meta.count--;
        meta.bytes -= oldest.event.length;
        meta.dropped++;
      }
      if (kept) cursor.update(records.slice(-kept));
      else cursor.delete();
    });
    if (!over(meta)) return;
    meta.count = meta.bytes = 0; // nothing left, whatever the counts said
  }

  /**
   * Adds a chunk under the key of its first and last events, unless one is there already: the same events,
   * added by whichever came second of a closing page and a tab moving its spill in, or the rest of them, the
   * others sent. The same events are always cut into the same chunks (addToDatabase).
   */
  function addChunk(objects: IDBObjectStore, meta: Meta, chunk: EventRecord[]): Promise<void> {
    const [first] = chunk;
    return new Promise((resolve) => {
      // Its first and last events name it: other events in a chunk that starts the same way make another key.
      const request = objects.add(chunk, [name, first.url, first.at, first.id, chunk[chunk.length - 1].id]);
      request.onsuccess = () => {
        meta.count += chunk.length;
        meta.bytes += size(chunk);
        resolve();
      };
      request.onerror = (event) => {
        event.preventDefault(); // there already: no error of the transaction
        event.stopPropagation();
        resolve();
      };
    });
  }

  /** Adds events as chunks of one collector and at most WRITE_CHUNK events, one request after the other. */
  async function addToDatabase(objects: IDBObjectStore, meta: Meta, records: EventRecord[], dropped: number, spill?: string) {
    if (spill) {
      if (meta.moved.includes(spill)) return meta;
      meta.moved = [spill].concat(meta.moved.slice(0, MOVED - 1));
    }
    meta.dropped += dropped;
    for (let start = 0; start < records.length; ) {
      let end = start + 1;
      while (end < records.length && end - start < WRITE_CHUNK && records[end].url == records[start].url) end++;
      await addChunk(objects, meta, records.slice(start, end));
      start = end;
    }
    await bound(objects, meta);
    return meta;
  }

  function addToMemory(meta: Meta, records: EventRecord[], dropped: number) {
    meta.dropped += dropped;
    memory = memory!.concat(records);
    while (memory.length > maxEvents || size(memory) > maxBytes) {
      memory.shift();
      meta.dropped++;
    }
    meta.count = memory.length;
    meta.bytes = size(memory);
    return meta;
  }

  return {
    _add(records, dropped, abortable, spill) {
      const write: Write = { _records: records, _dropped: dropped };
      if (abortable) writes.add(write);
      return change(
        (objects, meta) => addToDatabase(objects, meta, records, dropped, spill),
        (meta) => addToMemory(meta, records, dropped),
        write,
      ).finally(() => writes.delete(write));
    },

    _oldest: (wanted) =>
      change(
        async (objects, meta): Promise<[EventRecord[], Meta]> => {
          const records: EventRecord[] = [];
          await walk(objects, meta, ownChunks(), (chunk) => {
            records.push(...chunk);
            return records.length < wanted;
          });
          return [records.slice(0, wanted), meta];
        },
        (meta) => [memory!.filter((record) => record.url == url).slice(0, wanted), meta],
      ),

    _remove(records, dropped) {
      const ids = new Set(records.map((record) => record.id));
      return change(
        (objects, meta) => {
          meta.dropped += dropped;
          // The events sent are the oldest: the walk ends at the last chunk that holds one of them.
          let left = ids.size;
          return walk(objects, meta, ownChunks(), (chunk, cursor) => {
            const kept = chunk.filter((record) => !ids.has(record.id));
            const removed = chunk.filter((record) => ids.has(record.id));
            left -= removed.length;
            meta.count -= removed.length;
            meta.bytes -= size(removed);
            if (!kept.length) cursor.delete();
            else if (removed.length) cursor.update(kept);
            return left > 0;
          });
        },
        (meta) => {
          memory = memory!.filter((record) => !ids.has(record.id));
          meta.dropped += dropped;
          meta.count = memory.length;
          meta.bytes = size(memory);
        },
      );
    },

    _lease: (held, ms) =>
      change(
        (_, meta) => {
          // The clock is read in the transaction: a page may be suspended while it waits for it.
          const now = Date.now();
          // A lease ahead of what any tab may take was written by a clock that is wrong: it holds nothing.
          if (meta.lease > now && meta.lease <= now + LEASE_MS && meta.lease != held) return 0;
          meta.lease = ms ? now + ms : 0;
          return meta.lease;
        },
        () => 1, // without IndexedDB this page's queue is its own: nobody to share it with
      ),

    _clear: () =>
      change(
        (objects, meta) => {
          objects.delete(everyChunk());
          meta.count = meta.bytes = meta.dropped = 0;
        },
        (meta) => {
          memory = [];
          meta.count = meta.bytes = meta.dropped = 0;
        },
      ),

    _inMemory: () => !!memory,

    _release() {
      let records: EventRecord[] = [];
      let dropped = 0;
      if (memory) {
        [records, dropped, memory] = [memory, memoryMeta.dropped, []];
        memoryMeta.count = memoryMeta.bytes = memoryMeta.dropped = 0;
      }
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

/** The spill keys the meta remembers. */
const MOVED = 50;

/** The meta as stored, checked: numbers from 0 (the lease is checked where it is read), spill keys as strings. */
function readMeta(value: unknown): Meta {
  const moved = own(value, 'moved');
  return {
    count: count(own(value, 'count')),
    bytes: count(own(value, 'bytes')),
    dropped: count(own(value, 'dropped')),
    lease: count(own(value, 'lease')),
    moved: Array.isArray(moved) ? moved.filter((key) => typeof key == 'string').slice(0, MOVED) : [],
  };
}
