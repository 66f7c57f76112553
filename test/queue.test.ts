// @vitest-environment node
// The queue: its pure bounds (withAdded, withRemoved) and the IndexedDB value, in fake-indexeddb.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore, get, type UseStore } from 'idb-keyval';
import { createQueue, withAdded, withRemoved, type Stored } from '../src/queue';
import type { QueuedEvent } from '../src/payload';

/** Bounds wide enough not to matter, unless a test says otherwise. */
const LIMITS: [number, number] = [1e6, 1e9];

let dbCount = 0;
/** A fresh database per test: idb-keyval caches connections per store, and queues must not leak. */
const freshStore = () => createStore(`queue-test-${++dbCount}-${Date.now()}`, 'queue');

/** A queued event whose JSON is exactly `chars` characters long. */
function record(id: string, chars = 10): QueuedEvent {
  const event = JSON.stringify([id, 'x'.repeat(chars - id.length - 7)]); // ["id","xx…"]
  expect(event).toHaveLength(chars);
  return { id, url: 'https://collector.test', source: 'web', session: 's1', event };
}
const records = (...ids: string[]) => ids.map((id) => record(id));
const idsOf = (stored: Stored) => stored.events.map((r) => r.id);
const stored = (ids: string[], dropped = 0): Stored => ({ events: records(...ids), dropped });

/** Lets a few macrotasks run (fake-indexeddb schedules its work with setImmediate). */
const ticks = (n: number) => Array.from({ length: n }).reduce<Promise<void>>((p) => p.then(() => new Promise((r) => setImmediate(r))), Promise.resolve());

describe('withAdded', () => {
  it.each<[string, string[], string[], number, [number, number], string[], number]>([
    ['under both bounds', ['a', 'b'], ['c'], 0, [10, 1e9], ['a', 'b', 'c'], 0],
    ['exactly at the event bound', ['a', 'b'], ['c'], 0, [3, 1e9], ['a', 'b', 'c'], 0],
    ['one past the event bound drops the oldest', ['a', 'b', 'c'], ['d'], 0, [3, 1e9], ['b', 'c', 'd'], 1],
    ['several past it', ['a', 'b', 'c'], ['d', 'e', 'f', 'g'], 0, [3, 1e9], ['e', 'f', 'g'], 4],
    ['more added than the bound keeps the newest', [], ['a', 'b', 'c', 'd', 'e'], 0, [2, 1e9], ['d', 'e'], 3],
    ['refused events are counted too', ['a'], ['b'], 2, [10, 1e9], ['a', 'b'], 2],
    ['refused and bound together', ['a', 'b'], ['c'], 5, [2, 1e9], ['b', 'c'], 6],
    ['only a refused count', ['a'], [], 3, [10, 1e9], ['a'], 3],
    ['a bound of 0 keeps nothing', ['a'], ['b'], 0, [0, 1e9], [], 2],
  ])('%s', (_name, before, added, refused, limits, after, dropped) => {
    const result = withAdded(stored(before, 0), records(...added), refused, limits);
    expect(idsOf(result)).toEqual(after);
    expect(result.dropped).toBe(dropped);
  });

  it('adds to the count already there', () => {
    expect(withAdded(stored(['a', 'b'], 7), records('c'), 1, [2, 1e9]).dropped).toBe(7 + 1 + 1);
  });

  it.each<[string, number, string[], number]>([
    ['all fit exactly (4 × 10 chars)', 40, ['a', 'b', 'c', 'd'], 0],
    ['one character short drops the oldest', 39, ['b', 'c', 'd'], 1],
    ['room for two', 25, ['c', 'd'], 2],
    ['room for one', 10, ['d'], 3],
    ['room for none', 9, [], 4],
  ])('bounded by size: %s', (_name, maxChars, after, dropped) => {
    const result = withAdded(stored(['a', 'b']), records('c', 'd'), 0, [100, maxChars]);
    expect(idsOf(result)).toEqual(after);
    expect(result.dropped).toBe(dropped);
  });

  it('a big new event pushes out several small old ones', () => {
    const big = record('big', 35);
    const result = withAdded(stored(['a', 'b', 'c', 'd']), [big], 0, [100, 50]);
    expect(idsOf(result)).toEqual(['d', 'big']);
    expect(result.dropped).toBe(3);
  });

  it('leaves its input alone', () => {
    const before = stored(['a', 'b', 'c'], 1);
    const copy = structuredClone(before);
    const added = records('d');
    withAdded(before, added, 1, [2, 1e9]);
    expect(before).toEqual(copy);
    expect(added).toHaveLength(1);
  });
});

describe('withRemoved', () => {
  it.each<[string, string[], string[], number, string[], number]>([
    ['delivered: removes them and subtracts the reported count', ['a', 'b', 'c'], ['a', 'b'], -2, ['c'], 1],
    ['refused: removes them and counts them as lost', ['a', 'b', 'c'], ['b'], 1, ['a', 'c'], 4],
    ['keeps the order of the rest', ['a', 'b', 'c', 'd', 'e'], ['b', 'd'], 0, ['a', 'c', 'e'], 3],
    ['ids no longer there are ignored (another tab sent them)', ['a', 'b'], ['x', 'b'], 0, ['a'], 3],
    ['removing everything', ['a'], ['a'], -3, [], 0],
    ['removing nothing', ['a'], [], 0, ['a'], 3],
  ])('%s', (_name, before, removed, delta, after, dropped) => {
    const result = withRemoved(stored(before, 3), records(...removed), delta);
    expect(idsOf(result)).toEqual(after);
    expect(result.dropped).toBe(dropped);
  });

  it('removes by id, not by object identity (records come back from IndexedDB as copies)', () => {
    const before = stored(['a', 'b']);
    const copies = before.events.map((r) => ({ ...r }));
    expect(idsOf(withRemoved(before, copies.slice(0, 1), 0))).toEqual(['b']);
  });
});

describe('createQueue in IndexedDB (fake-indexeddb)', () => {
  it('reads an empty queue before anything was written', async () => {
    expect(await createQueue(LIMITS, freshStore())._read()).toEqual({ events: [], dropped: 0 });
  });

  it('round trip: what a change writes is read back, in the documented record format', async () => {
    const store = freshStore();
    const queue = createQueue(LIMITS, store);
    await queue._change((s) => withAdded(s, records('a', 'b'), 1, [10, 1e9]));
    const read = await queue._read();
    expect(idsOf(read)).toEqual(['a', 'b']);
    expect(read.dropped).toBe(1);
    expect(read.events[0]).toEqual(record('a'));
    // The raw value under key 'queue': { events, dropped }, as README documents it.
    expect(await get('queue', store)).toEqual({ events: records('a', 'b'), dropped: 1 });
  });

  it('another queue on the same database (another tab, a later page) reads it', async () => {
    const store = freshStore();
    await createQueue(LIMITS, store)._change((s) => withAdded(s, records('a'), 0, [10, 1e9]));
    expect(idsOf(await createQueue(LIMITS, store)._read())).toEqual(['a']);
  });

  it('changes apply in order: add then remove', async () => {
    const queue = createQueue(LIMITS, freshStore());
    await queue._change((s) => withAdded(s, records('a', 'b', 'c'), 0, [10, 1e9]));
    await queue._change((s) => withRemoved(s, records('b'), 0));
    expect(idsOf(await queue._read())).toEqual(['a', 'c']);
  });

  it('two concurrent changes do not lose either update', async () => {
    const queue = createQueue(LIMITS, freshStore());
    await Promise.all([
      queue._change((s) => withAdded(s, records('a'), 1, [10, 1e9])),
      queue._change((s) => withAdded(s, records('b'), 2, [10, 1e9])),
    ]);
    const read = await queue._read();
    expect(idsOf(read).sort()).toEqual(['a', 'b']);
    expect(read.dropped).toBe(3);
  });

  it('concurrent changes from two queues on one database (two tabs) are not lost either', async () => {
    const store = freshStore();
    const [tab1, tab2] = [createQueue(LIMITS, store), createQueue(LIMITS, store)];
    await tab1._change((s) => withAdded(s, records('a', 'b'), 0, [10, 1e9]));
    await Promise.all([
      tab1._change((s) => withRemoved(s, records('a'), 0)),
      tab2._change((s) => withAdded(s, records('c'), 0, [10, 1e9])),
      tab1._change((s) => withAdded(s, records('d'), 1, [10, 1e9])),
    ]);
    const read = await tab2._read();
    expect(idsOf(read).sort()).toEqual(['b', 'c', 'd']);
    expect(read.dropped).toBe(1);
  });
});

describe('createQueue: the drain lease (no Web Locks)', () => {
  it('three tabs asking at the same moment: exactly one gets it, in the queue\'s store', async () => {
    const store = freshStore();
    const tabs = [1, 2, 3].map(() => createQueue(LIMITS, store));
    const leases = await Promise.all(tabs.map((tab) => tab._lease(0, 60_000)));
    expect(leases.filter(Boolean)).toHaveLength(1);
    const [ours] = leases.filter(Boolean);
    expect(ours).toBeGreaterThan(Date.now() + 59_000);
    expect(await get('lease', store)).toBe(ours);
    expect(await tabs[0]._read()).toEqual({ events: [], dropped: 0 }); // the queue's value is not touched
  });

  it('the holder renews and gives it back; then another tab gets it', async () => {
    const store = freshStore();
    const [tab1, tab2] = [createQueue(LIMITS, store), createQueue(LIMITS, store)];
    const first = await tab1._lease(0, 60_000);
    const renewed = await tab1._lease(first, 60_000);
    expect(renewed).toBeGreaterThanOrEqual(first - 1);
    expect(await tab2._lease(0, 60_000)).toBe(0);
    expect(await tab1._lease(renewed, 0)).toBe(0);
    expect(await get('lease', store)).toBe(0);
    expect(await tab2._lease(0, 60_000)).toBeGreaterThan(0);
  });

  it('a lease that ran out (its tab closed mid-drain) is taken; giving back one taken since changes nothing', async () => {
    const store = freshStore();
    const [closed, tab] = [createQueue(LIMITS, store), createQueue(LIMITS, store)];
    const stale = await closed._lease(0, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ours = await tab._lease(0, 60_000);
    expect(ours).toBeGreaterThan(0);
    expect(await closed._lease(stale, 0)).toBe(0); // the closed tab's late release
    expect(await get('lease', store)).toBe(ours);
  });

  it('without IndexedDB the lease is always this page\'s: its queue is in its own memory', async () => {
    const queue = createQueue(LIMITS, () => Promise.reject(new Error('blocked')));
    expect(await queue._lease(0, 60_000)).toBeTruthy();
    expect(await queue._lease(0, 60_000)).toBeTruthy();
  });
});

describe('createQueue: memory fallback', () => {
  const throwing: UseStore = () => {
    throw new DOMException('blocked', 'InvalidStateError');
  };
  const rejecting: UseStore = () => Promise.reject(new DOMException('quota', 'QuotaExceededError'));

  it.each([
    ['throws', throwing],
    ['rejects', rejecting],
  ])('a store that %s: the queue keeps working in memory', async (_name, store) => {
    const queue = createQueue(LIMITS, store);
    expect(await queue._read()).toEqual({ events: [], dropped: 0 });
    await queue._change((s) => withAdded(s, records('a', 'b'), 1, [10, 1e9]));
    await queue._change((s) => withAdded(s, records('c'), 0, [10, 1e9]));
    await queue._change((s) => withRemoved(s, records('a'), -1));
    const read = await queue._read();
    expect(idsOf(read)).toEqual(['b', 'c']);
    expect(read.dropped).toBe(0);
  });

  it('the first change fails over to memory without losing what it carried', async () => {
    const queue = createQueue(LIMITS, rejecting);
    await queue._change((s) => withAdded(s, records('a'), 0, [10, 1e9]));
    expect(idsOf(await queue._read())).toEqual(['a']);
  });

  it('once failed, IndexedDB is not tried again on this page', async () => {
    let calls = 0;
    const queue = createQueue(LIMITS, () => {
      calls++;
      return Promise.reject(new Error('broken'));
    });
    await queue._change((s) => withAdded(s, records('a'), 0, [10, 1e9]));
    await queue._change((s) => withAdded(s, records('b'), 0, [10, 1e9]));
    await queue._read();
    expect(calls).toBe(1);
    expect(idsOf(await queue._read())).toEqual(['a', 'b']);
  });

  it('two concurrent changes that fail at the same moment are both kept', async () => {
    const queue = createQueue(LIMITS, rejecting);
    await Promise.all([
      queue._change((s) => withAdded(s, records('a'), 0, [10, 1e9])),
      queue._change((s) => withAdded(s, records('b'), 0, [10, 1e9])),
    ]);
    expect(idsOf(await queue._read()).sort()).toEqual(['a', 'b']);
  });

  // BUG (queue.ts `database`): every failing operation resets `memory = EMPTY` in its catch, even when
  // an earlier failure already switched to memory and an earlier change was applied there. Two changes
  // in flight when IndexedDB starts failing (here both writes hit the quota; IndexedDB runs their
  // transactions one after the other, so the second fails later): the first fails, falls back and
  // applies its change to memory; then the second fails, resets memory to EMPTY and applies only its
  // own change. The first change's events are gone, silently (not counted in `dropped`).
  it('two changes in flight when IndexedDB fails are both kept', async () => {
    const real = freshStore();
    const full: UseStore = (mode, callback) =>
      real(mode, (objects) => {
        objects.put = () => {
          throw new DOMException('quota', 'QuotaExceededError');
        };
        return callback(objects);
      });
    const queue = createQueue(LIMITS, full);
    await Promise.all([
      queue._change((s) => withAdded(s, records('a'), 0, [10, 1e9])),
      queue._change((s) => withAdded(s, records('b'), 0, [10, 1e9])),
    ]);
    expect(idsOf(await queue._read())).toEqual(['a', 'b']); // actually ['b']: 'a' is lost
  });

  it('the same with a store that fails later for the later change', async () => {
    let call = 0;
    const staggered: UseStore = async () => {
      await ticks(++call * 3); // the first fails after 3 macrotasks, the second after 6
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const queue = createQueue(LIMITS, staggered);
    await Promise.all([
      queue._change((s) => withAdded(s, records('a'), 0, [10, 1e9])),
      queue._change((s) => withAdded(s, records('b'), 0, [10, 1e9])),
    ]);
    expect(idsOf(await queue._read())).toEqual(['a', 'b']); // actually ['b']
  });
});

/** A Storage-like localStorage for the node environment: entries are own enumerable properties. */
function fakeLocalStorage(full = false): Storage {
  const storage = {} as Record<string, string>;
  Object.defineProperties(storage, {
    getItem: { value: (key: string) => (Object.prototype.hasOwnProperty.call(storage, key) ? storage[key] : null) },
    setItem: {
      value: (key: string, value: string) => {
        if (full) throw new DOMException('full', 'QuotaExceededError');
        storage[key] = String(value);
      },
    },
    removeItem: { value: (key: string) => void delete storage[key] },
  });
  return storage as unknown as Storage;
}
const spillKeys = () => Object.keys(localStorage).filter((key) => key.startsWith('beacon-tracker:'));

// A closing page cannot count on an IndexedDB write landing: it spills to localStorage (README,
// "Sessions, cookies and storage": `beacon-tracker:<random>` → `{ events, dropped }`), synchronously,
// and the next _read(), in any page, moves the entries into the queue.
describe('createQueue: the closing-page spill', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('_spill writes localStorage at once (no await), in the documented format', () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    createQueue(LIMITS, freshStore())._spill(records('a', 'b'), 2);
    expect(spillKeys()).toHaveLength(1);
    expect(JSON.parse(localStorage.getItem(spillKeys()[0])!)).toEqual({ events: records('a', 'b'), dropped: 2 });
  });

  it('the next page reads spilled events after the queued ones, with their dropped count, and clears the entries', async () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const store = freshStore();
    const closing = createQueue(LIMITS, store);
    await closing._change((s) => withAdded(s, records('a'), 1, [10, 1e9]));
    closing._spill(records('b', 'c'), 2);
    createQueue(LIMITS, store)._spill(records('d'), 0); // another closing tab
    const next = createQueue(LIMITS, store);
    const read = await next._read();
    expect(idsOf(read)).toEqual(['a', 'b', 'c', 'd']);
    expect(read.dropped).toBe(3);
    expect(spillKeys()).toEqual([]);
    expect(idsOf(await next._read())).toEqual(['a', 'b', 'c', 'd']); // moved once, not twice
    expect(await get('queue', store)).toEqual({ events: records('a', 'b', 'c', 'd'), dropped: 3 });
  });

  it.each([
    ['setItem throws (quota)', () => fakeLocalStorage(true)],
    ['localStorage is missing', () => undefined],
  ])('%s: _spill writes to IndexedDB instead', async (_name, makeStorage) => {
    vi.stubGlobal('localStorage', makeStorage());
    const store = freshStore();
    createQueue(LIMITS, store)._spill(records('a'), 1);
    await ticks(50);
    expect(await createQueue(LIMITS, store)._read()).toEqual({ events: records('a'), dropped: 1 });
  });

  // BUG (queue.ts _read, low): spilled entries are removed "once IndexedDB holds them", but when this
  // page's IndexedDB has failed (memory mode, README item 8), change() puts them in memory only, and the
  // entries are removed all the same. The events of pages that closed before are moved from durable
  // localStorage into this page's memory: if they are not delivered before this page closes too (the
  // collector is down), they are gone, although localStorage was working.
  it('with IndexedDB failing, spilled events stay in localStorage until delivered', async () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const failing: UseStore = () => Promise.reject(new DOMException('blocked', 'InvalidStateError'));
    createQueue(LIMITS, freshStore())._spill(records('a'), 0); // a page that closed
    const page = createQueue(LIMITS, failing);
    expect(idsOf(await page._read())).toEqual(['a']);
    // This page closes too before the collector answered; the next page has no IndexedDB either.
    expect(idsOf(await createQueue(LIMITS, failing)._read())).toEqual(['a']); // actually []: 'a' is lost
  });
});

describe('withAdded keeps one copy of an event', () => {
  it('records whose id the queue holds already are not added again (two copies of a closing page may land)', () => {
    const record = (id: string) => ({ id, url: 'u', source: 's', session: 'x', event: `{"id":"${id}"}` });
    const stored = withAdded({ events: [record('a'), record('b')], dropped: 0 }, [record('b'), record('c')], 0, [100, 1e6]);
    expect(stored.events.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(stored.dropped).toBe(0);
  });
});
