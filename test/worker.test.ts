// @vitest-environment node
// The service-worker drain in a worker-like environment: no document, no localStorage, no cookies; fetch,
// navigator.onLine and Web Locks stubbed; the queue in fake-indexeddb, written as pages write it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStore, type UseStore } from 'idb-keyval';
import { createQueue } from '../src/queue';
import type { EventRecord } from '../src/record';
import { describeTracker, SYNC_TAG, type TrackerDescription } from '../src/background-sync';
import { drainInBackground, onSync } from '../src/worker';

const URL = 'https://collector.test';
const SESSION = '6f1c2e4a-8b3d-4c5e-9f6a-7b8c9d0e1f2a';

let store: UseStore;
let dbCount = 0;
let requests: { url: string; body: any; keepalive: boolean | undefined }[];
let answer: (url: string) => Response;
let online: boolean;
let locks: string[];

beforeEach(() => {
  store = createStore(`worker-test-${++dbCount}`, 'queue');
  requests = [];
  answer = () => new Response('{"profile":{"id":"p-from-answer"}}');
  online = true;
  locks = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    requests.push({ url, body: JSON.parse(await (init.body as Blob).text()), keepalive: init.keepalive });
    return answer(url);
  });
  vi.stubGlobal('navigator', {
    get onLine() {
      return online;
    },
    locks: {
      request: async (name: string, task: () => Promise<unknown>) => {
        locks.push(name);
        return task();
      },
    },
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

let at = 1_700_000_000_000;
const record = (id: string, url = URL, profile?: string): EventRecord => ({
  id,
  url,
  source: 'web',
  session: SESSION,
  profile,
  event: JSON.stringify({ id, type: 'view', properties: {} }),
  at: ++at,
  path: undefined,
});
const description = (changes: Partial<TrackerDescription> = {}): TrackerDescription => ({
  name: 'bt',
  url: URL,
  context: { browser: { local: { browser: { userAgent: 'Agent/1' } } }, site: 'A' },
  options: { saveEvents: true },
  timeout: 10_000,
  session: SESSION,
  ...changes,
});
/** What a page leaves: the tracker's description and its queued events. */
async function pageLeft(records: EventRecord[], changes: Partial<TrackerDescription> = {}) {
  const given = description(changes);
  await describeTracker(given.name, given, store);
  await createQueue({ name: given.name, url: given.url, maxQueueEvents: 1e4, maxQueueBytes: 1e9 }, store)._add(records, 0);
}
const left = async (name = 'bt', url = URL) => (await createQueue({ name: name, url: url, maxQueueEvents: 1e4, maxQueueBytes: 1e9 }, store)._oldest(100))[0].map((r) => r.id);

describe('drainInBackground', () => {
  it("sends every queued event, oldest first, in the envelope the pages described, under the tracker's lock, and removes them", async () => {
    await pageLeft([record('a'), record('b', URL, 'p-known'), record('c', URL, 'p-known')]);
    await drainInBackground(false, store);
    expect(locks).toEqual(['beacon-tracker:bt']);
    expect(requests.map((r) => [r.url, r.body.events.map((e: { id: string }) => e.id)])).toEqual([
      [`${URL}/track`, ['a']],
      [`${URL}/track`, ['b', 'c']],
    ]);
    expect(requests[0].body).toMatchObject({ source: { id: 'web' }, session: { id: SESSION }, context: { site: 'A', time: { local: expect.any(String) } }, options: { saveEvents: true } });
    expect(requests[1].body.profile).toEqual({ id: 'p-known' });
    expect(await left()).toEqual([]);
  });

  it('events tracked before the collector answered go with the profile the pages learnt since', async () => {
    await pageLeft([record('a')], { profile: 'p-learnt' });
    await drainInBackground(false, store);
    expect(requests[0].body.profile).toEqual({ id: 'p-learnt' });
  });

  it("the profile goes only with its visitor's session: not with another visitor's events, left before a reset", async () => {
    await pageLeft([record('old-visitor')], { profile: 'p-new', session: 'a3581cde-d3d3-4694-96ff-f8fd0f17fb48' });
    await drainInBackground(false, store);
    expect(requests[0].body.profile).toBeUndefined();
  });

  it('a description deleted (consent withdrawn) sends nothing more', async () => {
    await pageLeft([record('a')]);
    await describeTracker('bt', undefined, store);
    await drainInBackground(false, store);
    expect(requests).toEqual([]);
  });

  it('each tracker of the site, each to its own collector', async () => {
    await pageLeft([record('a')]);
    await pageLeft([record('p', 'https://partner.test')], { name: 'partner', url: 'https://partner.test', context: { site: 'P' } });
    await drainInBackground(false, store);
    expect(requests.map((r) => [r.url, r.body.context.site]).sort()).toEqual([
      [`${URL}/track`, 'A'],
      ['https://partner.test/track', 'P'],
    ]);
    expect(locks.sort()).toEqual(['beacon-tracker:bt', 'beacon-tracker:partner']);
  });

  it('never sends to a collector the pages did not configure, nor for a description that is not one', async () => {
    await pageLeft([record('a')]);
    await createQueue({ name: 'bt', url: 'https://elsewhere.test', maxQueueEvents: 1e4, maxQueueBytes: 1e9 }, store)._add([record('x', 'https://elsewhere.test')], 0);
    await store('readwrite', (objects) => {
      objects.put({ name: 'evil', url: 'javascript:alert(1)', context: {}, options: {} }, 'tracker:evil');
      objects.put('not a description', 'tracker:junk');
      return Promise.resolve();
    });
    await drainInBackground(false, store);
    expect(requests.map((r) => r.url)).toEqual([`${URL}/track`]);
    expect(await left('bt', 'https://elsewhere.test')).toEqual(['x']);
  });

  it('a collector failing: rejects (the browser tries again later), nothing lost; on the last chance, resolves and keeps them for the next page', async () => {
    await pageLeft([record('a'), record('b')]);
    answer = () => new Response('down', { status: 503 });
    await expect(drainInBackground(false, store)).rejects.toThrow(/not all delivered/);
    expect(await left()).toEqual(['a', 'b']);
    await expect(drainInBackground(true, store)).resolves.toBeUndefined();
    expect(await left()).toEqual(['a', 'b']);
  });

  it('offline: rejects, nothing sent', async () => {
    await pageLeft([record('a')]);
    online = false;
    await expect(drainInBackground(false, store)).rejects.toThrow();
    expect(requests).toEqual([]);
    expect(await left()).toEqual(['a']);
  });

  it('a redirect is a failure, never a delivery: nothing leaves the queue', async () => {
    await pageLeft([record('a')]);
    vi.stubGlobal('fetch', async () => Object.defineProperties(new Response(null), { type: { value: 'opaqueredirect' }, status: { value: 0 } }));
    await expect(drainInBackground(false, store)).rejects.toThrow();
    expect(await left()).toEqual(['a']);
  });

  it('refused events are split and counted as a page does', async () => {
    await pageLeft([record('a'), record('bad'), record('c')]);
    answer = () => new Response('{}', { status: 200 });
    const statusFor = (ids: string[]) => (ids.includes('bad') ? 422 : 200);
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const body = JSON.parse(await (init.body as Blob).text());
      requests.push({ url, body, keepalive: init.keepalive });
      return new Response('{}', { status: statusFor(body.events.map((e: { id: string }) => e.id)) });
    });
    await drainInBackground(false, store);
    expect(await left()).toEqual([]);
    const delivered = requests.filter((r) => !r.body.events.some((e: { id: string }) => e.id == 'bad'));
    expect(delivered.flatMap((r) => r.body.events.map((e: { id: string }) => e.id)).sort()).toEqual(['a', 'c']);
  });

  it('with nothing described, there is nothing to do', async () => {
    await expect(drainInBackground(false, store)).resolves.toBeUndefined();
    expect(requests).toEqual([]);
  });
});

describe('onSync', () => {
  it('answers its own tag, with the drain as the event’s lifetime, and leaves other tags alone', async () => {
    const waited: Promise<unknown>[] = [];
    onSync({ tag: 'other', waitUntil: (promise) => void waited.push(promise) });
    expect(waited).toEqual([]);
    onSync({ tag: SYNC_TAG, lastChance: false, waitUntil: (promise) => void waited.push(promise) });
    expect(waited).toHaveLength(1);
    await waited[0];
  });
});
