import type { Queue } from './queue.js';
import { entryFor, type QueuedEvent } from './record.js';
import { safely } from './safely.js';

/**
 * Prefix of the spills: the localStorage entries a page going away leaves, `{ name, events, dropped }`
 * (docs/storage.md). An IndexedDB write from pagehide may never land; a localStorage write is synchronous.
 */
const SPILL = 'beacon-tracker:';

const spillKeys = () => (safely(() => Object.keys(localStorage)) || []).filter((key) => key.startsWith(SPILL));

/**
 * The spills of one tracker, beside its queue: written by a page going away, taken into the queue by the
 * next drain of that tracker, in any tab. Pages only: a service worker has no localStorage.
 */
export interface Spills {
  /** Keeps the events of a page going away, synchronously (under `key` if given, rewriting it); gives the key. */
  _write(records: QueuedEvent[], dropped: number, key?: string): string;
  /** Moves this tracker's spills into the queue. */
  _take(): Promise<void>;
  /** Deletes this tracker's spills (consent withdrawn). */
  _clear(): void;
}

export function createSpills(name: string, url: string, queue: Queue): Spills {
  /** Spills taken into memory, where IndexedDB failed: they stay in localStorage for a page that has it. */
  const takenIntoMemory = new Set<string>();
  const read = (key: string) => entryFor(safely(() => JSON.parse(localStorage.getItem(key)!)), name, url);

  return {
    _write(records, dropped, key = SPILL + Math.random()) {
      const value = JSON.stringify({ name, events: records, dropped });
      const kept = safely(() => {
        localStorage.setItem(key, value);
        return true;
      });
      // Blocked or full: IndexedDB, as far as it gets.
      if (!kept) queue._add(records, dropped);
      return key;
    },

    async _take() {
      for (const key of spillKeys()) {
        if (takenIntoMemory.has(key)) continue;
        const [records, dropped, others] = read(key);
        if (!records.length && !dropped && others.length) continue; // another tracker's
        const inMemory = queue._inMemory();
        await queue._add(records.filter((record) => !inMemory || record.url == url), dropped);
        // Without IndexedDB the spill stays where it is, taken once: this page's memory would not outlive it.
        if (queue._inMemory()) takenIntoMemory.add(key);
        else safely(() => (others.length ? localStorage.setItem(key, JSON.stringify({ events: others, dropped: 0 })) : localStorage.removeItem(key)));
      }
    },

    _clear() {
      for (const key of spillKeys()) {
        if (read(key)[0].length) safely(() => localStorage.removeItem(key));
      }
    },
  };
}
