import type { Queue } from './queue.js';
import { storedNumber } from './read.js';
import { isRecord, type EventRecord } from './record.js';
import { safely } from './safely.js';

/**
 * Prefix of the spills: the localStorage entries a page going away leaves, `{ name, events, dropped }`
 * (docs/storage.md). An IndexedDB write from pagehide may never land; a localStorage write is synchronous.
 */
const SPILL = 'beacon-tracker:';

const spillKeys = () => (safely(() => Object.keys(localStorage)) || []).filter((key) => key.startsWith(SPILL));

/**
 * What a spill holds for tracker `name`: its records, and its loss count with the broken records counted in;
 * undefined when it is another tracker's. A spill that is not one holds nothing, and goes.
 */
export function readSpill(value: any, name: string): [EventRecord[], number] | undefined {
  if (!value || typeof value != 'object') return [[], 0];
  if (value.name != name) return typeof value.name == 'string' ? undefined : [[], 0];
  const records: EventRecord[] = [];
  let dropped = storedNumber(value.dropped);
  for (const record of Array.isArray(value.events) ? value.events : []) {
    if (isRecord(record)) records.push(record);
    else dropped++;
  }
  return [records, dropped];
}

/**
 * The spills of one tracker, beside its queue: written by a page going away, moved into the queue by the
 * next drain of that tracker, in any tab. Pages only: a service worker has no localStorage.
 */
export interface Spills {
  /** Keeps the events of a page going away, synchronously (under `key` if given, rewriting it); gives the key. */
  _write(records: EventRecord[], dropped: number, key?: string): string;
  /** Moves this tracker's spills into the queue. */
  _moveToQueue(): Promise<void>;
  /** Deletes the spill under `key`. */
  _remove(key: string | undefined): void;
  /** Deletes this tracker's spills (consent withdrawn). */
  _clear(): void;
}

export function createSpills(name: string, url: string, queue: Queue): Spills {
  /** Spills moved into memory, where IndexedDB failed: they stay in localStorage for a page that has it. */
  const inMemory = new Set<string>();
  const read = (key: string) => readSpill(safely(() => JSON.parse(localStorage.getItem(key)!)), name);
  const remove = (key: string | undefined) => key && safely(() => localStorage.removeItem(key));

  return {
    _write(records, dropped, key = SPILL + Math.random()) {
      const value = JSON.stringify({ name, events: records, dropped });
      const written = safely(() => {
        localStorage.setItem(key, value);
        return true;
      });
      // Blocked or full: IndexedDB, as far as it gets.
      if (!written) queue._add(records, dropped);
      return key;
    },

    async _moveToQueue() {
      for (const key of spillKeys()) {
        if (inMemory.has(key)) continue;
        const spill = read(key);
        if (!spill) continue; // another tracker's
        const [records, dropped] = spill;
        const toMemory = queue._inMemory();
        // This page's memory sends to its own collector only.
        await queue._add(records.filter((record) => !toMemory || record.url == url), dropped);
        // Without IndexedDB the spill stays where it is, moved once: this page's memory would not outlive it.
        if (queue._inMemory()) inMemory.add(key);
        else remove(key);
      }
    },

    _remove: remove,

    _clear() {
      for (const key of spillKeys()) {
        if (read(key)) remove(key);
      }
    },
  };
}
