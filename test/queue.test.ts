// @vitest-environment node
// The queue in fake-indexeddb: a chunk of records per hand-over under [name, url, at, id, last id], the
// meta under [name] (docs/storage.md); its bounds, several tabs, the memory fallback, what a page going away
// gives back, and the spills closing pages leave.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore, get, promisifyRequest, set, type UseStore } from 'idb-keyval';
import { createQueue, type Queue } from '../src/queue';
import type { Meta } from '../src/queue-store';
import { createSpills } from '../src/spill';
import type { EventRecord } from '../src/record';

const URL = 'https://collector.test';
const SESSION = '6f1c2e4a-8b3d-4c5e-9f6a-7b8c9d0e1f2a';
/** Bounds wide enough not to matter, unless a test says otherwise. */
const WIDE = [1e6, 1e9] as const;

let dbCount = 0;
/** A fresh database per test: idb-keyval caches connections per store, and queues must not leak. */
const freshStore = () => createStore(`queue-test-${++dbCount}-${Date.now()}`, 'queue');

let clock = 1_700_000_000_000;
/** A queued event whose JSON is exactly `chars` characters long, tracked after the ones before it. */
function record(id: string, chars = 10, url = URL): EventRecord {
  const event = JSON.stringify([id, 'x'.repeat(chars - id.length - 7)]); // ["id","xx…"]
  expect(event).toHaveLength(chars);
  return { id, url, source: 'web', session: SESSION, profile: undefined, event, at: ++clock, path: undefined };
}
const records = (...ids: string[]) => ids.map((id) => record(id));
const ids = (list: EventRecord[]) => list.map((r) => r.id);

/** A queue of tracker `name` (default 'bt') for URL, over `store`, with the given bounds. */
const queueOn = (store: UseStore, [maxEvents, maxBytes]: readonly [number, number] = WIDE, name = 'bt', url = URL) => createQueue({ name, url, maxQueueEvents: maxEvents, maxQueueBytes: maxBytes }, store);

/** What the store holds for tracker `name`, as another tab would read it: every event (all collectors) and the meta. */
async function stored(store: UseStore, name = 'bt'): Promise<{ ids: string[]; meta: Meta | undefined }> {
  const events = await store('readonly', (objects) => promisifyRequest(objects.getAll(IDBKeyRange.bound([name, ''], [name, []]))));
  return { ids: events.flat().map((event: EventRecord) => event.id), meta: await get([name], store) };
}

/** The oldest `count` events of a queue, and its loss count. */
async function oldest(queue: Queue, count: number): Promise<[EventRecord[], number]> {
  const [records, meta] = await queue._oldest(count);
  return [records, meta.dropped];
}

/** Lets a few macrotasks run (fake-indexeddb schedules its work with setImmediate). */
const ticks = (n: number) => Array.from({ length: n }).reduce<Promise<void>>((p) => p.then(() => new Promise((r) => setImmediate(r))), Promise.resolve());

describe('bounds', () => {
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
  ])('%s', async (_name, before, added, refused, limits, after, dropped) => {
    const store = freshStore();
    const queue = queueOn(store, limits);
    await queue._add(records(...before), 0);
    const meta = await queue._add(records(...added), refused);
    const { ids: kept } = await stored(store);
    expect(kept).toEqual(after);
    expect(meta).toMatchObject({ count: after.length, bytes: after.length * 10, dropped });
    expect((await stored(store)).meta).toEqual(meta);
  });

  it('adds to the count already there', async () => {
    const queue = queueOn(freshStore(), [2, 1e9]);
    await queue._add(records('a', 'b'), 7);
    expect((await queue._add(records('c'), 1)).dropped).toBe(7 + 1 + 1);
  });

  it.each<[string, number, string[], number]>([
    ['all fit exactly (4 × 10 chars)', 40, ['a', 'b', 'c', 'd'], 0],
    ['one character short drops the oldest', 39, ['b', 'c', 'd'], 1],
    ['room for two', 25, ['c', 'd'], 2],
    ['room for one', 10, ['d'], 3],
    ['room for none', 9, [], 4],
  ])('bounded by size: %s', async (_name, maxChars, after, dropped) => {
    const store = freshStore();
    const queue = queueOn(store, [100, maxChars]);
    await queue._add(records('a', 'b'), 0);
    expect((await queue._add(records('c', 'd'), 0)).dropped).toBe(dropped);
    expect((await stored(store)).ids).toEqual(after);
  });

  it('a big new event pushes out several small old ones', async () => {
    const store = freshStore();
    const queue = queueOn(store, [100, 50]);
    await queue._add(records('a', 'b', 'c', 'd'), 0);
    expect(await queue._add([record('big', 35)], 0)).toMatchObject({ count: 2, bytes: 45, dropped: 3 });
    expect((await stored(store)).ids).toEqual(['d', 'big']);
  });

  it('a chunk the queue holds already (a spill moved in by two tabs) is not added again, nor counted', async () => {
    const store = freshStore();
    const queue = queueOn(store);
    const [a, b] = records('a', 'b');
    await queue._add([a, b], 0);
    expect(await queue._add([{ ...a }, { ...b }], 0)).toMatchObject({ count: 2, bytes: 20, dropped: 0 });
    expect((await stored(store)).ids).toEqual(['a', 'b']);
  });

  it('the same events added again after some were sent (a spill moved in late) add nothing: the rest is queued already', async () => {
    const store = freshStore();
    const queue = queueOn(store);
    const [a, b, c] = records('a', 'b', 'c');
    await queue._add([a, b, c], 0);
    await queue._remove([a, b], 0); // sent: the chunk keeps c under a's key
    expect(await queue._add([{ ...a }, { ...b }, { ...c }], 0)).toMatchObject({ count: 1, bytes: 10 });
    expect((await stored(store)).ids).toEqual(['c']);
  });

  it('a hand-over of thousands is cut into chunks of 500, each its own IndexedDB value', async () => {
    const store = freshStore();
    const many = Array.from({ length: 1201 }, (_, i) => record(`e${i}`, 12));
    await queueOn(store)._add(many, 0);
    const values = await store('readonly', (objects) => promisifyRequest(objects.getAll(IDBKeyRange.bound(['bt', ''], ['bt', []]))));
    expect(values.map((chunk: EventRecord[]) => chunk.length)).toEqual([500, 500, 201]);
    expect((await stored(store)).ids).toEqual(many.map((r) => r.id));
  });

  it('counts another tab left wrong after this page made them exact are mended too: the queue takes events again', async () => {
    const store = freshStore();
    const queue = queueOn(store, [3, 1e9]);
    await queue._add(records('a', 'b', 'c', 'd'), 0); // past the bound: this page makes the counts exact, once
    expect((await stored(store)).ids).toEqual(['b', 'c', 'd']);
    await set(['bt'], { count: 9999, bytes: 123_456, dropped: 1 }, store); // another tab (another version) wrote wrong counts
    await queue._add(records('e'), 0); // over the bound by the counts: the events go, and the counts with them
    const meta = await queue._add(records('f'), 0);
    const { ids: kept } = await stored(store);
    expect(kept).toContain('f');
    expect(meta).toMatchObject({ count: kept.length, bytes: kept.length * 10 });
  });

  it('past the bound, a page counts the whole queue once, not at every add: a full queue costs one walk per event added', async () => {
    const store = freshStore();
    let walks = 0;
    const counting: UseStore = (mode, callback) =>
      store(mode, (objects) => {
        const openCursor = objects.openCursor.bind(objects);
        objects.openCursor = (...args: Parameters<IDBObjectStore['openCursor']>) => {
          walks++;
          return openCursor(...args);
        };
        return callback(objects);
      });
    const queue = queueOn(counting, [3, 1e9]);
    await queue._add(records('a', 'b', 'c'), 0);
    expect(walks).toBe(0); // within the bound: no walk
    await queue._add(records('d'), 0);
    expect(walks).toBe(2); // the count made exact, then the oldest dropped
    for (const id of ['e', 'f', 'g']) await queue._add(records(id), 0);
    expect(walks).toBe(2 + 3);
    expect((await stored(store)).ids).toEqual(['e', 'f', 'g']);
  });

  it('counts that storage lost track of are mended once the queue is empty', async () => {
    const store = freshStore();
    await set(['bt'], { count: 9999, bytes: 123_456, dropped: 2 }, store);
    const queue = queueOn(store, [3, 1e9]);
    expect(await queue._add(records('a'), 0)).toMatchObject({ count: 1, dropped: 2 });
    expect((await stored(store)).ids).toEqual(['a']);
  });
});

describe('removing', () => {
  it.each<[string, string[], string[], number, string[], number]>([
    ['delivered: removes them and subtracts the reported count', ['a', 'b', 'c'], ['a', 'b'], -2, ['c'], 1],
    ['refused: removes them and counts them as lost', ['a', 'b', 'c'], ['b'], 1, ['a', 'c'], 4],
    ['keeps the order of the rest', ['a', 'b', 'c', 'd', 'e'], ['b', 'd'], 0, ['a', 'c', 'e'], 3],
    ['removing everything', ['a'], ['a'], -3, [], 0],
    ['removing nothing', ['a'], [], 0, ['a'], 3],
  ])('%s', async (_name, before, removed, delta, after, dropped) => {
    const store = freshStore();
    const queue = queueOn(store);
    const all = records(...before);
    await queue._add(all, 3);
    await queue._remove(
      all.filter((r) => removed.includes(r.id)).map((r) => ({ ...r })), // copies, as IndexedDB gives them back
      delta,
    );
    const { ids: kept, meta } = await stored(store);
    expect(kept).toEqual(after);
    expect(meta).toMatchObject({ count: after.length, bytes: after.length * 10, dropped });
  });
});

describe('reading the oldest events', () => {
  it('reads only the oldest `count` events for its collector, in the order they were tracked', async () => {
    const store = freshStore();
    const queue = queueOn(store);
    const other = queueOn(store, WIDE, 'bt', 'https://other.test'); // the same name, another collector
    await queue._add(records('a', 'b'), 0);
    await other._add([record('x', 10, 'https://other.test')], 0);
    await queue._add(records('c', 'd'), 0);
    expect(await oldest(queue, 3)).toEqual([[expect.objectContaining({ id: 'a' }), expect.objectContaining({ id: 'b' }), expect.objectContaining({ id: 'c' })], 0]);
    expect(ids((await oldest(other, 10))[0])).toEqual(['x']);
  });

  it("each tracker keeps its own events, counts and loss count: another tracker's never touches them", async () => {
    const store = freshStore();
    const shop = queueOn(store, [2, 1e9], 'shop');
    const partner = queueOn(store, [2, 1e9], 'partner', 'https://partner.test');
    await shop._add(records('a', 'b', 'c'), 1);
    await partner._add([record('p', 10, 'https://partner.test')], 0);
    expect(ids((await oldest(shop, 10))[0])).toEqual(['b', 'c']);
    expect((await oldest(shop, 10))[1]).toBe(2);
    expect(await oldest(partner, 10)).toEqual([[expect.objectContaining({ id: 'p' })], 0]);
  });

  it.each<[string, object]>([
    ['not an object', { value: 'x' }],
    ['no id', { id: '' }],
    ['a url that is not http(s)', { url: 'javascript:alert(1)' }],
    ['no source', { source: undefined }],
    ['a session that is no UUID', { session: 'evil-session' }],
    ['a profile id that is not one', { profile: 'p;q=r' }],
    ['an event that is no string', { event: { type: 'x' } }],
  ])('a stored record with %s is removed and counted, and holds nothing back', async (_name, change) => {
    const store = freshStore();
    const queue = queueOn(store);
    const [a, broken, c] = records('a', 'b', 'c');
    await queue._add([a], 0);
    await queue._add([c], 0);
    const value = 'value' in change ? change.value : { ...broken, ...change };
    await set(['bt', URL, broken.at, broken.id], value, store);
    await set(['bt'], { count: 3, bytes: 30, dropped: 0, lease: 0 }, store);
    expect(await oldest(queue, 10)).toEqual([[a, c], 1]);
    expect((await stored(store)).ids).toEqual(['a', 'c']);
    expect((await stored(store)).meta).toMatchObject({ count: 2, dropped: 1 });
  });

  it('a broken record inside a chunk is removed from it and counted; the chunk keeps the others', async () => {
    const store = freshStore();
    const queue = queueOn(store);
    const [a, b, c] = records('a', 'b', 'c');
    await queue._add([a, b, c], 0);
    await set(['bt', URL, a.at, a.id, c.id], [a, { ...b, session: 'evil' }, c], store);
    expect(await oldest(queue, 10)).toEqual([[a, c], 1]);
    expect((await stored(store)).ids).toEqual(['a', 'c']);
    expect((await stored(store)).meta).toMatchObject({ count: 2, dropped: 1 });
  });

  it('a record stored under its url but naming another is not sent to that other url', async () => {
    const store = freshStore();
    const queue = queueOn(store);
    const evil = record('e');
    await set(['bt', URL, evil.at, evil.id], { ...evil, url: 'https://attacker.test' }, store);
    expect(await oldest(queue, 10)).toEqual([[], 1]);
  });
});

describe('several tabs', () => {
  it('another queue on the same database (another tab, a later page) reads what one wrote', async () => {
    const store = freshStore();
    await queueOn(store)._add(records('a'), 0);
    expect(ids((await oldest(queueOn(store), 10))[0])).toEqual(['a']);
  });

  it('concurrent changes from several tabs are all kept, counts included', async () => {
    const store = freshStore();
    const [tab1, tab2, tab3] = [queueOn(store), queueOn(store), queueOn(store)];
    const [a, b] = records('a', 'b');
    await tab1._add([a, b], 0);
    await Promise.all([tab1._remove([a], 0), tab2._add(records('c'), 1), tab3._add(records('d'), 2), tab1._add(records('e'), 0)]);
    const { ids: kept, meta } = await stored(store);
    expect(kept.sort()).toEqual(['b', 'c', 'd', 'e']);
    expect(meta).toMatchObject({ count: 4, bytes: 40, dropped: 3 });
  });

  it('an event tracked earlier in one tab and handed over later is still sent before later ones', async () => {
    const store = freshStore();
    const [early, late] = [record('early', 14), record('late', 14)];
    await queueOn(store)._add([late], 0);
    await queueOn(store)._add([early], 0);
    expect(ids((await oldest(queueOn(store), 10))[0])).toEqual(['early', 'late']);
  });
});

describe('the drain lease (no Web Locks)', () => {
  it("three tabs asking at the same moment: exactly one gets it, in the tracker's meta", async () => {
    const store = freshStore();
    const tabs = [1, 2, 3].map(() => queueOn(store));
    await tabs[0]._add(records('a'), 0);
    const leases = await Promise.all(tabs.map((tab) => tab._lease(0, 60_000)));
    expect(leases.filter(Boolean)).toHaveLength(1);
    const [ours] = leases.filter(Boolean);
    expect(ours).toBeGreaterThan(Date.now() + 59_000);
    expect((await stored(store)).meta).toMatchObject({ lease: ours, count: 1 }); // the rest of the meta is not touched
  });

  it('the holder renews and gives it back; then another tab gets it', async () => {
    const store = freshStore();
    const [tab1, tab2] = [queueOn(store), queueOn(store)];
    const first = await tab1._lease(0, 60_000);
    const renewed = await tab1._lease(first, 60_000);
    expect(renewed).toBeGreaterThanOrEqual(first - 1);
    expect(await tab2._lease(0, 60_000)).toBe(0);
    expect(await tab1._lease(renewed, 0)).toBe(0);
    expect((await stored(store)).meta!.lease).toBe(0);
    expect(await tab2._lease(0, 60_000)).toBeGreaterThan(0);
  });

  it('a lease that ran out (its tab closed mid-drain) is taken; giving back one taken since changes nothing', async () => {
    const store = freshStore();
    const [closed, tab] = [queueOn(store), queueOn(store)];
    const stale = await closed._lease(0, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ours = await tab._lease(0, 60_000);
    expect(ours).toBeGreaterThan(0);
    expect(await closed._lease(stale, 0)).toBe(0); // the closed tab's late release
    expect((await stored(store)).meta!.lease).toBe(ours);
  });

  it("each tracker has its own lease: one draining never holds another's back", async () => {
    const store = freshStore();
    expect(await queueOn(store, WIDE, 'a')._lease(0, 60_000)).toBeGreaterThan(0);
    expect(await queueOn(store, WIDE, 'b')._lease(0, 60_000)).toBeGreaterThan(0);
  });

  it("without IndexedDB the lease is always this page's: its queue is in its own memory", async () => {
    const queue = queueOn(() => Promise.reject(new Error('blocked')));
    expect(await queue._lease(0, 60_000)).toBeTruthy();
    expect(await queue._lease(0, 60_000)).toBeTruthy();
  });
});

describe('memory fallback', () => {
  const throwing: UseStore = () => {
    throw new DOMException('blocked', 'InvalidStateError');
  };
  const rejecting: UseStore = () => Promise.reject(new DOMException('quota', 'QuotaExceededError'));

  it.each([
    ['throws', throwing],
    ['rejects', rejecting],
  ])('a store that %s: the queue keeps working in memory, bounds and counts included', async (_name, store) => {
    const queue = queueOn(store, [3, 1e9]);
    expect(await oldest(queue, 10)).toEqual([[], 0]);
    const [a, b, c, d] = records('a', 'b', 'c', 'd');
    await queue._add([a, b], 1);
    expect(await queue._add([c, d], 0)).toMatchObject({ count: 3, bytes: 30, dropped: 2 }); // past the bound, a goes
    await queue._remove([{ ...b }], -2);
    expect(await oldest(queue, 10)).toEqual([[c, d], 0]);
    expect(ids((await oldest(queue, 1))[0])).toEqual(['c']);
  });

  it('the first change fails over to memory without losing what it carried', async () => {
    const queue = queueOn(rejecting);
    await queue._add(records('a'), 0);
    expect(ids((await oldest(queue, 10))[0])).toEqual(['a']);
  });

  it('once failed, IndexedDB is not tried again on this page', async () => {
    let calls = 0;
    const queue = queueOn(() => {
      calls++;
      return Promise.reject(new Error('broken'));
    });
    await queue._add(records('a'), 0);
    await queue._add(records('b'), 0);
    await oldest(queue, 10);
    expect(calls).toBe(1);
    expect(ids((await oldest(queue, 10))[0])).toEqual(['a', 'b']);
  });

  it('two changes in flight when IndexedDB fails (both writes over the quota) are both kept', async () => {
    const real = freshStore();
    const full: UseStore = (mode, callback) =>
      real(mode, (objects) => {
        objects.add = () => {
          throw new DOMException('quota', 'QuotaExceededError');
        };
        return callback(objects);
      });
    const queue = queueOn(full);
    await Promise.all([queue._add(records('a'), 0), queue._add(records('b'), 0)]);
    expect(ids((await oldest(queue, 10))[0])).toEqual(['a', 'b']);
  });

  it('the same with a store that fails later for the later change', async () => {
    let call = 0;
    const staggered: UseStore = async () => {
      await ticks(++call * 3); // the first fails after 3 macrotasks, the second after 6
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const queue = queueOn(staggered);
    await Promise.all([queue._add(records('a'), 0), queue._add(records('b'), 0)]);
    expect(ids((await oldest(queue, 10))[0])).toEqual(['a', 'b']);
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
const spillKeys = () => Object.keys(localStorage).filter((key) => /^beacon-tracker:0\.\d+$/.test(key));

// A closing page cannot count on an IndexedDB write landing: it hands its events over in localStorage
// (`beacon-tracker:<random number>` → `{ name, events, dropped }`), synchronously, and another tab or the
// next drain, in any page, moves them into the queue.
/** The spills of a page of tracker `name`, beside its queue `queue`. */
const spillsOf = (queue: Queue, name = 'bt') => createSpills(name, queue);

describe('spills: what a closing page leaves in localStorage', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('a spill is written at once (no await), in the documented format', () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const events = records('a', 'b');
    spillsOf(queueOn(freshStore()))._write(events, 2);
    expect(spillKeys()).toHaveLength(1);
    expect(JSON.parse(localStorage.getItem(spillKeys()[0])!)).toEqual({ name: 'bt', events, dropped: 2 });
  });

  it('the next page moves the spills in after what was queued, with their loss count, once', async () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const store = freshStore();
    const closing = queueOn(store);
    await closing._add(records('a'), 1);
    spillsOf(closing)._write(records('b', 'c'), 2);
    spillsOf(queueOn(store))._write(records('d'), 0); // another closing tab
    const next = queueOn(store);
    await spillsOf(next)._moveToQueue();
    expect(await oldest(next, 10)).toEqual([[expect.objectContaining({ id: 'a' }), ...['b', 'c', 'd'].map((id) => expect.objectContaining({ id }))], 3]);
    expect(spillKeys()).toEqual([]);
    await spillsOf(next)._moveToQueue();
    expect((await stored(store)).meta).toMatchObject({ count: 4, dropped: 3 }); // moved once, not twice
  });

  it("another tracker's spills are left for it", async () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const store = freshStore();
    const partner = queueOn(store, WIDE, 'partner', 'https://partner.test');
    spillsOf(partner, 'partner')._write([record('p', 10, 'https://partner.test')], 0);
    await spillsOf(queueOn(store))._moveToQueue();
    expect(spillKeys()).toHaveLength(1);
    await spillsOf(partner, 'partner')._moveToQueue();
    expect(ids((await oldest(partner, 10))[0])).toEqual(['p']);
    expect(spillKeys()).toEqual([]);
  });

  it('a spill that is not JSON, or not a queue, is removed; its broken records are counted', async () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const store = freshStore();
    localStorage.setItem('beacon-tracker:0.1', 'not json');
    localStorage.setItem('beacon-tracker:0.2', '"x"');
    localStorage.setItem('beacon-tracker:0.3', JSON.stringify({ name: 'bt', events: [{}, { ...record('ok') }], dropped: 'NaN' }));
    const queue = queueOn(store);
    await spillsOf(queue)._moveToQueue();
    expect(await oldest(queue, 10)).toEqual([[expect.objectContaining({ id: 'ok' })], 1]);
    expect(spillKeys()).toEqual([]);
  });

  it('a spill moved in and sent, whose removal did not reach the disk before a crash, is not moved in and sent again', async () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const store = freshStore();
    const spilled = records('a', 'b');
    spillsOf(queueOn(store))._write(spilled, 0);
    const [key] = spillKeys();
    const value = localStorage.getItem(key)!;
    const page = queueOn(store);
    await spillsOf(page)._moveToQueue();
    await page._remove((await oldest(page, 10))[0], 0); // delivered
    localStorage.setItem(key, value); // the crash: localStorage as it was on disk
    const relaunched = queueOn(store);
    await spillsOf(relaunched)._moveToQueue();
    expect(await oldest(relaunched, 10)).toEqual([[], 0]);
    expect(spillKeys()).toEqual([]);
  });

  it('the spills of several closing pages, moved in and sent, whose removals a crash undid, are none of them moved in and sent again', async () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const store = freshStore();
    for (const id of ['a', 'b', 'c', 'd', 'e']) spillsOf(queueOn(store))._write(records(id), 0); // five tabs closing
    const left = Object.fromEntries(spillKeys().map((key) => [key, localStorage.getItem(key)!]));
    const page = queueOn(store);
    await spillsOf(page)._moveToQueue();
    await page._remove((await oldest(page, 10))[0], 0); // delivered
    for (const [key, value] of Object.entries(left)) localStorage.setItem(key, value); // the crash
    const relaunched = queueOn(store);
    await spillsOf(relaunched)._moveToQueue();
    expect(await oldest(relaunched, 10)).toEqual([[], 0]);
    expect(spillKeys()).toEqual([]);
  });

  it("a tracker named like the spills' prefix keeps its own entries: its consent, customer and health are no spills", async () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const own = { 'beacon-tracker': 'x', 'beacon-tracker:consent': '1', 'beacon-tracker:customer': '{"id":"c"}', 'beacon-tracker:health': '{"ok":1}' };
    for (const [key, value] of Object.entries(own)) localStorage.setItem(key, value);
    const spills = spillsOf(queueOn(freshStore()), 'beacon-tracker');
    await spills._moveToQueue();
    spills._clear();
    expect({ ...localStorage }).toEqual(own);
  });

  it.each([
    ['setItem throws (quota)', () => fakeLocalStorage(true)],
    ['localStorage is missing', () => undefined],
  ])('%s: the spill goes to IndexedDB instead', async (_name, makeStorage) => {
    vi.stubGlobal('localStorage', makeStorage());
    const store = freshStore();
    spillsOf(queueOn(store))._write(records('a'), 1);
    await ticks(50);
    expect(await oldest(queueOn(store), 10)).toEqual([[expect.objectContaining({ id: 'a' })], 1]);
  });

  it("with IndexedDB failing, a spill moves into the page's memory, which gives it back when the page goes away: sent once, never by every later page", async () => {
    vi.stubGlobal('localStorage', fakeLocalStorage());
    const failing: UseStore = () => Promise.reject(new DOMException('blocked', 'InvalidStateError'));
    spillsOf(queueOn(freshStore()))._write(records('a'), 2); // a page that closed
    const page = queueOn(failing);
    await page._oldest(1); // IndexedDB fails: the queue goes to memory
    await spillsOf(page)._moveToQueue();
    expect(await oldest(page, 10)).toEqual([[expect.objectContaining({ id: 'a' })], 2]);
    expect(spillKeys()).toEqual([]); // this page's to keep now
    // It closes before the collector answered: what it holds is its to hand on.
    const [released, dropped] = page._release();
    expect([ids(released), dropped]).toEqual([['a'], 2]);
    expect(await oldest(page, 10)).toEqual([[], 0]);
    // Delivered from memory instead, it is gone for good.
    const other = queueOn(failing);
    await other._add(records('b'), 0);
    await other._remove((await oldest(other, 10))[0], 0);
    expect(other._release()).toEqual([[], 0]);
  });
});

describe('what the queue gives back to a page going away', () => {
  it('a hand-over write not committed yet is aborted and given back whole; one committed is not', async () => {
    const store = freshStore();
    const queue = queueOn(store);
    await queue._add(records('a'), 0, true); // committed
    const writing = queue._add(records('b', 'c'), 4, true);
    const [released, dropped] = queue._release(); // at once, before it committed
    expect([ids(released), dropped]).toEqual([['b', 'c'], 4]);
    await expect(writing).rejects.toThrow();
    expect((await stored(store)).ids).toEqual(['a']);
    expect((await stored(store)).meta).toMatchObject({ count: 1, dropped: 0 });
    expect(queue._inMemory()).toBe(false); // an abort is no failure of IndexedDB
    expect(queue._release()).toEqual([[], 0]);
  });

  it('a hand-over write that committed before the page heard of it (abort() refused) is not given back: its events are stored, never sent twice', async () => {
    const store = freshStore();
    let released: [EventRecord[], number] | undefined;
    // The page goes away just as the transaction committed: before the queue has learnt it did.
    const committing: UseStore = (mode, callback) =>
      store(mode, callback).then((result) => {
        released ||= queue._release();
        return result;
      });
    const queue = queueOn(committing);
    await queue._add(records('a', 'b'), 3, true);
    expect(released).toEqual([[], 0]);
    expect((await stored(store)).ids).toEqual(['a', 'b']);
    expect((await stored(store)).meta).toMatchObject({ count: 2, dropped: 3 });
  });

  it('writes that are no hand-over (a spill moved in) are never given back: their spill holds them', async () => {
    const queue = queueOn(freshStore());
    const moving = queue._add(records('a'), 0);
    expect(queue._release()).toEqual([[], 0]);
    await moving;
    expect(ids((await oldest(queue, 10))[0])).toEqual(['a']);
  });
});
