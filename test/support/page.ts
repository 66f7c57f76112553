// The harness of the tracker's unit tests in happy-dom: a stubbed collector (fetch), sendBeacon, onLine and
// page lifecycle events, a fresh fake IndexedDB per test, and fake setTimeout/Date only (faking everything
// makes IndexedDB hang: fake-indexeddb runs on the real setImmediate). Importing it sets up every test.
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { createStore, get, promisifyRequest } from 'idb-keyval';
import { createTracker, forgetTrackers, type Tracker } from '../../src/tracker';
import type { TrackerOptions } from '../../src/options';
import type { EventRecord } from '../../src/record';
import type { WireEvent } from '../../src/event';

export const COLLECTOR = 'https://collector.test';
export const T0 = Date.UTC(2024, 2, 10, 9, 30, 0, 0);
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const QUOTA = 65_536;

export type { WireEvent };
export interface Payload {
  source: { id: string };
  session: { id: string };
  profile?: { id: string };
  context: Record<string, any>;
  properties: Record<string, unknown>;
  options: Record<string, unknown>;
  events: WireEvent[];
}
export interface Request {
  url: string;
  body: Payload;
  bytes: number;
  init: RequestInit;
  /** Fake time at which it was sent. */
  at: number;
}


/** The requests the stubbed collector received, and the beacons handed to the browser, in order. */
export const requests: Request[] = [];
export const beacons: { url: string; blob: Blob }[] = [];

/** The page's world, set per test: how the collector answers, whether the browser is online, whether sendBeacon accepts. */
export const net = {
  answer: (() => tracardi()) as (request: Request) => Response | Promise<Response>,
  online: true,
  beaconAccepts: (() => true) as (blob: Blob) => boolean,
  fetchStub: undefined as unknown as ReturnType<typeof vi.fn>,
  sendBeacon: undefined as unknown as ReturnType<typeof vi.fn>,
};

/** A Tracardi collector's answer to a stored payload. */
export const tracardi = (profile = 'p1') =>
  new Response(JSON.stringify({ profile: { id: profile } }), { status: 200, headers: { 'content-type': 'application/json' } });
export const status = (code: number, headers: Record<string, string> = {}) =>
  new Response(code < 300 ? 'null' : JSON.stringify({ detail: 'error' }), { status: code, headers });

// The lifecycle listeners each tracker adds to window, removed after each test: trackers of earlier
// tests must not answer this test's `online` and `visibilitychange` events.
const realAddEventListener = globalThis.addEventListener;
const realRemoveEventListener = globalThis.removeEventListener;
const listeners: [string, EventListenerOrEventListenerObject, unknown][] = [];

const redefined: [object, string, PropertyDescriptor | undefined][] = [];
export function redefine(target: object, key: string, descriptor: PropertyDescriptor) {
  redefined.push([target, key, Object.getOwnPropertyDescriptor(target, key)]);
  Object.defineProperty(target, key, { configurable: true, ...descriptor });
}

beforeEach(() => {
  forgetTrackers(); // each test is a new page
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'], now: T0 });
  vi.stubGlobal('indexedDB', new IDBFactory());
  requests.length = 0;
  beacons.length = 0;
  net.online = true;
  net.answer = () => tracardi();
  net.beaconAccepts = () => true;
  net.fetchStub = vi.fn(async (url: string, init: RequestInit) => {
    const blob = init.body as Blob;
    const request = { url, body: JSON.parse(await blob.text()), bytes: blob.size, init, at: Date.now() };
    requests.push(request);
    return net.answer(request);
  });
  vi.stubGlobal('fetch', net.fetchStub);
  net.sendBeacon = vi.fn((url: string, blob: Blob) => {
    const accepted = net.beaconAccepts(blob);
    if (accepted) beacons.push({ url, blob });
    return accepted;
  });
  redefine(navigator, 'sendBeacon', { value: net.sendBeacon });
  redefine(navigator, 'onLine', { get: () => net.online });
  vi.stubGlobal('addEventListener', (type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    listeners.push([type, listener, options]);
    realAddEventListener(type, listener, options as AddEventListenerOptions);
  });
  localStorage.clear();
  for (const cookie of document.cookie.split('; ')) {
    const name = cookie.split('=')[0];
    if (name) document.cookie = `${name}=; max-age=-1; path=/`;
  }
  history.replaceState({}, '', '/');
  document.title = 'Home';
});

afterEach(() => {
  for (const [type, listener, options] of listeners.splice(0)) realRemoveEventListener(type, listener, options as EventListenerOptions);
  for (const [target, key, before] of redefined.splice(0).reverse()) {
    if (before) Object.defineProperty(target, key, before);
    else delete (target as Record<string, unknown>)[key];
  }
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Real macrotasks (IndexedDB work), without moving the fake clock. */
export async function idle(hops = 100) {
  for (let i = 0; i < hops; i++) await new Promise((resolve) => setImmediate(resolve));
}
/**
 * Moves the fake clock on a second at a time, with the IndexedDB work due at each step done (on real
 * macrotasks): a single jump would be a page suspended in the middle of its drain.
 */
export async function pass(ms: number) {
  for (let step = 0; step < ms; step += 1000) {
    await vi.advanceTimersByTimeAsync(Math.min(1000, ms - step));
    await idle();
  }
}
/** Waits, in real macrotasks and without moving the fake clock, until `condition` holds. */
export async function until(condition: () => boolean, what = 'the condition') {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A tracker whose init() drain (of what earlier pages left) is done. */
export async function start(options: Partial<TrackerOptions> = {}): Promise<Tracker> {
  const tracker = createTracker({ url: COLLECTOR, source: 'web', ...options } as TrackerOptions);
  await tracker.flush();
  return tracker;
}

/** A tracker whose collector has answered (a warm-up event, delivered and forgotten): its health is known. */
export async function startAnswered(options: Partial<TrackerOptions> = {}): Promise<Tracker> {
  const tracker = await start(options);
  tracker.track('warm-up');
  await tracker.flush();
  expect(requests).toHaveLength(1);
  requests.length = 0;
  net.fetchStub.mockClear();
  return tracker;
}

/** The default tracker's queue in IndexedDB (docs/storage.md), read as another tab would: its events and its loss count. */
export async function queued(): Promise<{ events: EventRecord[]; dropped: number }> {
  const store = createStore('beacon-tracker', 'queue');
  const chunks = await store('readonly', (objects) => promisifyRequest(objects.getAll(IDBKeyRange.bound(['bt', ''], ['bt', []]))));
  return { events: chunks.flat(), dropped: (await get(['bt'], store))?.dropped ?? 0 };
}
export const queuedIds = async () => (await queued()).events.map((record) => record.id);
/** The drain lease where there are no Web Locks: when it runs out, 0 once given back. */
export const lease = async () => (await get(['bt'], createStore('beacon-tracker', 'queue')))?.lease;

export const eventIds = (request: Request | Payload) => ('body' in request ? request.body : request).events.map((event) => event.id);
export const allSent = () => requests.flatMap(eventIds);
export const payloadOf = async (blob: Blob): Promise<Payload> => JSON.parse(await blob.text());

export function hide() {
  redefine(document, 'visibilityState', { get: () => 'hidden' });
  document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
}

