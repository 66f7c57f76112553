import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import type { QueuedEvent } from './payload.js';
import { safely } from './safely.js';

/**
 * What waits for a collector, shared by the tabs of a site. This is the value stored in IndexedDB
 * (database `beacon-tracker`, store `queue`, key `queue`), documented in README.md: never rename its keys.
 */
export interface Stored {
  /** Oldest first. */
  events: QueuedEvent[];
  /** Events lost (past the bound, refused by track() or by the collector) and not yet reported. */
  dropped: number;
}

export interface Queue {
  /** The queue, after taking in what closing pages left in localStorage. */
  _read(): Promise<Stored>;
  /** Applies `changer` in one transaction, so that tabs never interleave their changes. */
  _change(changer: (stored: Stored) => Stored): Promise<void>;
  /** Keeps events of a page that is going away, synchronously (see SPILL), under `key` if given; gives the key. */
  _spill(records: QueuedEvent[], dropped: number, key?: string): string;
  /**
   * Takes the drain lease for `ms` unless another tab holds one that has not run out, and resolves to it
   * (0 when it is another's); with the lease it `held` and no `ms`, gives it back.
   */
  _lease(held: number, ms: number): Promise<number>;
}

/** [events, characters of event JSON (close enough to bytes for a bound)] kept at most. */
export type QueueLimits = [number, number];

const KEY = 'queue';
/** The drain lease where there are no Web Locks: beside the queue, in the same store. */
const LEASE = 'lease';
const EMPTY: Stored = { events: [], dropped: 0 };
/**
 * Prefix of the localStorage entries a closing page leaves. An IndexedDB write issued from pagehide
 * landed in 9 of 15 closes in Chromium (13 of 15 with an explicit commit); a localStorage write in 15 of
 * 15. The next drain, in any tab, moves them into IndexedDB.
 */
const SPILL = 'beacon-tracker:';

/**
 * Events wait in IndexedDB, kept across reloads and browser restarts, or in memory once IndexedDB is
 * missing, blocked or failing (some private modes, policies, quota): tracking goes on either way.
 * The queue is one value, with each event in it serialised on its own: for the usual few events a
 * change costs well under a millisecond; at the bound of 10,000 events, tens (see `npm run bench`).
 */
export function createQueue(limits: QueueLimits, store: UseStore = createStore('beacon-tracker', KEY)): Queue {
  /** Set once IndexedDB failed: from then on this page keeps its events here. */
  let memory: Stored | undefined;

  async function database<T>(operation: () => Promise<T>): Promise<T | void> {
    try {
      if (!memory) return await operation();
    } catch {
      memory ||= EMPTY; // not again: another change may already have gone to memory
    }
  }

  /** Reads and writes `key` in one transaction: IndexedDB runs the transactions of all tabs one at a time. */
  const update = <T>(key: string, changer: (value?: T) => T) =>
    database(() =>
      store('readwrite', (objects) => {
        const request = objects.get(key);
        request.onsuccess = () => objects.put(changer(request.result), key);
        return promisifyRequest(objects.transaction);
      }),
    );

  async function change(changer: (stored: Stored) => Stored) {
    await update<Stored>(KEY, (stored) => changer(stored || EMPTY));
    if (memory) memory = changer(memory);
  }

  return {
    async _read() {
      // Without IndexedDB the entries stay where they are: this page's memory would not outlive it.
      const spills = (!memory && safely(() => Object.keys(localStorage).filter((key) => key.startsWith(SPILL)))) || [];
      if (spills.length) {
        await change((stored) =>
          spills.reduce((stored, key) => {
            const spilled: Stored | undefined = safely(() => JSON.parse(localStorage.getItem(key)!));
            return spilled ? withAdded(stored, spilled.events, spilled.dropped, limits) : stored; // or not ours after all
          }, stored),
        );
        if (!memory) for (const key of spills) localStorage.removeItem(key); // once IndexedDB holds them
      }
      return (await database(() => store('readonly', (objects) => promisifyRequest<Stored>(objects.get(KEY))))) || memory || EMPTY;
    },

    _change: change,

    async _lease(held, ms) {
      let ours = 1; // without IndexedDB this page's queue is its own: nobody to share it with
      await update<number>(LEASE, (holder = 0) => {
        // The clock is read in the transaction: a page may be suspended while it waits for it.
        const now = Date.now();
        if (holder > now && holder != held) return (ours = 0), holder;
        return (ours = ms && now + ms);
      });
      return ours;
    },

    _spill(events, dropped, key = SPILL + Math.random()) {
      // Blocked or full: IndexedDB, as far as it gets.
      if (!safely(() => (localStorage.setItem(key, JSON.stringify({ events, dropped })), true))) change((stored) => withAdded(stored, events, dropped, limits));
      return key;
    },
  };
}

/**
 * `stored` with `records` appended, but for those it holds already (two copies of a closing page's events
 * may both land); past the bound the oldest events go, and are counted: loss is never silent.
 */
export function withAdded(stored: Stored, records: QueuedEvent[], refused: number, limits: QueueLimits): Stored {
  const ids = new Set(stored.events.map((record) => record.id));
  const events = stored.events.concat(records.filter((record) => !ids.has(record.id)));
  let size = 0;
  for (const record of events) size += record.event.length;
  let oldest = 0;
  while (events.length - oldest > limits[0] || size > limits[1]) size -= events[oldest++].event.length;
  return { events: events.slice(oldest), dropped: stored.dropped + refused + oldest };
}

/** `stored` without `records`, and with `dropped` added to the count of lost events (negative once reported). */
export function withRemoved(stored: Stored, records: QueuedEvent[], dropped: number): Stored {
  const ids = new Set(records.map((record) => record.id));
  return { events: stored.events.filter((record) => !ids.has(record.id)), dropped: stored.dropped + dropped };
}
