import { promisifyRequest, type UseStore } from 'idb-keyval';
import { MOVED, over, size, type Meta, type QueuePlace, type QueueStore } from './queue-store.js';
import { own } from './read.js';
import { readRecord, type EventRecord } from './record.js';

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

/** Walks the chunks in `range`, oldest first, until `step` says stop (returns false). */
function walk(objects: IDBObjectStore, range: IDBKeyRange, step: (cursor: IDBCursorWithValue) => boolean | void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = objects.openCursor(range);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const cursor = request.result;
      if (cursor && step(cursor) !== false) cursor.continue();
      else resolve();
    };
  });
}

/**
 * Adds a chunk under the key of its first and last events, unless one is there already: the same events,
 * added by whichever came second of a closing page and a tab moving its spill in, or the rest of them, the
 * others sent. The same events are always cut into the same chunks (`_add`).
 */
function addChunk(objects: IDBObjectStore, name: string, meta: Meta, chunk: EventRecord[]): Promise<void> {
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

/**
 * The queue in IndexedDB, shared by the tabs of a site (docs/storage.md): a hand-over's events of one
 * collector as one chunk under `[name, url, at, id, last id]`, so that a change costs a request per chunk it
 * moves, never the queue's length. Gives the store of one readwrite transaction's object store.
 */
export function createChunks(place: QueuePlace): (objects: IDBObjectStore) => QueueStore {
  const { name, url } = place;
  /** This tracker's chunks for every collector; and for its own. */
  const everyChunk = () => IDBKeyRange.bound([name, ''], [name, []]);
  const ownChunks = () => IDBKeyRange.bound([name, url], [name, url, []]);
  /** Whether this page made the meta's counts exact, as it does once, at a bound. */
  let counted = false;

  /** Drops the oldest events until the meta is within the bounds, counted; first, once a page, makes its counts exact. */
  async function bound(objects: IDBObjectStore, meta: Meta) {
    if (!over(place, meta)) return;
    if (!counted) {
      counted = true;
      // The broken records found on the way are dropped and counted by the walk; the counts are of the rest.
      let [events, bytes] = [0, 0];
      await walk(objects, everyChunk(), (cursor) => {
        const records = readChunk(cursor, meta);
        events += records.length;
        bytes += size(records);
      });
      meta.count = events;
      meta.bytes = bytes;
    }
    await walk(objects, everyChunk(), (cursor) => {
      if (!over(place, meta)) return false;
      const records = readChunk(cursor, meta);
      let kept = records.length;
      // Past a bound the oldest events go, and are counted: loss is never silent.
      while (kept && over(place, meta)) {
        const oldest = records[records.length - kept--];
        meta.count--;
        meta.bytes -= oldest.event.length;
        meta.dropped++;
      }
      if (kept) cursor.update(records.slice(-kept));
      else cursor.delete();
    });
    if (!over(place, meta)) return;
    meta.count = meta.bytes = 0; // nothing left, whatever the counts said
  }

  return (objects) => ({
    /** As chunks of one collector and at most WRITE_CHUNK events, one request after the other. */
    async _add(meta, records, dropped, spill) {
      if (spill) {
        if (meta.moved.includes(spill)) return;
        meta.moved = [spill].concat(meta.moved.slice(0, MOVED - 1));
      }
      meta.dropped += dropped;
      for (let start = 0; start < records.length; ) {
        let end = start + 1;
        while (end < records.length && end - start < WRITE_CHUNK && records[end].url == records[start].url) end++;
        await addChunk(objects, name, meta, records.slice(start, end));
        start = end;
      }
      await bound(objects, meta);
    },

    async _oldest(meta, wanted) {
      const records: EventRecord[] = [];
      await walk(objects, ownChunks(), (cursor) => {
        records.push(...readChunk(cursor, meta));
        return records.length < wanted;
      });
      return records.slice(0, wanted);
    },

    _remove(meta, records, dropped) {
      meta.dropped += dropped;
      /** The characters of each event removed, by id. */
      const removing = new Map(records.map((record) => [record.id, record.event.length]));
      // The events sent are the oldest: the walk ends at the last chunk that holds one of them. They were read
      // and checked when they were sent: a chunk is matched by id, not checked again.
      let left = removing.size;
      return walk(objects, ownChunks(), (cursor) => {
        const value = cursor.value;
        const values: unknown[] = Array.isArray(value) ? value : [value];
        const kept: unknown[] = [];
        for (const item of values) {
          const characters = removing.get(own(item, 'id'));
          if (characters === undefined) kept.push(item);
          else {
            meta.count--;
            meta.bytes -= characters;
            left--;
          }
        }
        if (!kept.length) cursor.delete();
        else if (kept.length < values.length) cursor.update(kept);
        return left > 0;
      });
    },

    _clear(meta) {
      objects.delete(everyChunk());
      meta.count = meta.bytes = meta.dropped = 0;
    },

    _lease(meta, held, ms) {
      // The clock is read in the transaction: a page may be suspended while it waits for it.
      const now = Date.now();
      // A lease ahead of what any tab may take was written by a clock that is wrong: it holds nothing.
      if (meta.lease > now && meta.lease <= now + LEASE_MS && meta.lease != held) return 0;
      meta.lease = ms ? now + ms : 0;
      return meta.lease;
    },
  });
}
