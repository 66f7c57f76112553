import type { Queue } from './queue.js';
import { count, own } from './read.js';
import { readRecord, type EventRecord } from './record.js';
import { safely } from './safely.js';

/**
 * The keys of spills: the localStorage entries a page going away leaves, `beacon-tracker:<random number>`
 * holding `{ name, events, dropped }` (docs/storage.md). An IndexedDB write from pagehide may never land; a
 * localStorage write is synchronous. A tracker's own keys (`<name>:consent`...) never look like one.
 */
const SPILL = 'beacon-tracker:';
const isSpill = (key: string | null) => !!key && /^beacon-tracker:0\.\d+$/.test(key);

const spillKeys = () => (safely(() => Object.keys(localStorage)) || []).filter(isSpill);

/**
 * What a spill holds for tracker `name`: its records, and its loss count with the broken records counted in;
 * undefined when it is another tracker's. A spill that is not one holds nothing, and goes.
 */
export function readSpill(value: unknown, name: string): [EventRecord[], number] | undefined {
  const owner = own(value, 'name');
  if (typeof owner == 'string' && owner != name) return;
  const given = own(value, 'events');
  // A list, copied: JSON gives nothing else, and whatever stands in its place (a Proxy that throws) holds nothing.
  const events = safely(() => (Array.isArray(given) ? [...given] : [])) || [];
  const records: EventRecord[] = [];
  let dropped = count(own(value, 'dropped'), 1e9);
  for (const event of events) {
    const record = readRecord(event);
    if (record) records.push(record);
    else dropped++;
  }
  return [records, dropped];
}

/**
 * A spill as JSON, written piece by piece: a page's `Array.prototype.toJSON` (old Prototype.js) would turn
 * the array of events into a string.
 */
const spillJson = (name: string, records: EventRecord[], dropped: number) =>
  `{"name":${JSON.stringify(name)},"events":[${records.map((record) => JSON.stringify(record)).join()}],"dropped":${dropped}}`;

/**
 * The spills of one tracker, beside its queue: written by a page going away, moved into the queue by any
 * tab of the site, as soon as it wrote one (onSpill), or by the next drain. Pages only: a service worker has
 * no localStorage.
 */
export interface Spills {
  /**
   * Keeps the events of a page going away, synchronously, under a new key (a key is written once: another
   * tab may have moved in what was under an earlier one); removes the `earlier` spill it replaces. Gives the key.
   */
  _write(records: EventRecord[], dropped: number, earlier?: string): string;
  /** Moves this tracker's spills into the queue: IndexedDB, or this page's memory (then they are this page's to keep). */
  _moveToQueue(): Promise<void>;
  /** Deletes the spill under `key`. */
  _remove(key: string | undefined): void;
  /** Deletes this tracker's spills (consent withdrawn). */
  _clear(): void;
}

export function createSpills(name: string, queue: Queue): Spills {
  const read = (key: string) => readSpill(safely(() => JSON.parse(localStorage.getItem(key)!)), name);
  const remove = (key: string | undefined) => key && safely(() => localStorage.removeItem(key));
  /** Moves run one after the other: two at once would both add a spill's loss count. */
  let moving = Promise.resolve();

  async function move() {
    for (const key of spillKeys()) {
      const spill = read(key);
      if (!spill) continue; // another tracker's
      await queue._add(spill[0], spill[1], false, key);
      remove(key);
    }
  }

  return {
    _write(records, dropped, earlier) {
      const key = SPILL + Math.random();
      remove(earlier);
      const written = safely(() => {
        localStorage.setItem(key, spillJson(name, records, dropped));
        return true;
      });
      // Blocked or full: IndexedDB, as far as it gets.
      if (!written) queue._add(records, dropped);
      return key;
    },

    _moveToQueue() {
      moving = moving.then(move);
      return moving;
    },

    _remove: remove,

    _clear() {
      for (const key of spillKeys()) {
        if (read(key)) remove(key);
      }
    },
  };
}

/**
 * Calls `spilled` as soon as another tab of the site writes a spill: its events are safe from a crash once
 * moved into IndexedDB (localStorage reaches the disk lazily), and a crash may come within a second. A
 * closing Firefox tab may rewrite its spill a few milliseconds later (docs/browsers.md): that spill is moved
 * too, and its chunks, cut as the first's were, land once.
 */
export function onSpill(spilled: () => void) {
  addEventListener('storage', (event) => isSpill(event.key) && event.newValue && setTimeout(spilled));
}
