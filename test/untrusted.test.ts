// @vitest-environment happy-dom
// What the tracker does with what it cannot trust (docs/trust.md): the app's options, the page's prototypes,
// storage written by other tabs and their clocks, a sandboxed frame's refusals, and the collector's answers.
// Each through createTracker in the harness (test/support/page.ts), as a page would see it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore, set } from 'idb-keyval';
import { createTracker } from '../src/tracker';
import { readOptions, type TrackerOptions } from '../src/options';
import type { EventRecord } from '../src/record';
import {
  allSent, beacons, COLLECTOR, eventIds, hide, idle, net, pass, payloadOf, queued, queuedIds, redefine, requests, start,
  startAnswered, status, T0, tracardi, until, UUID_V4,
} from './support/page';

const SESSION = '6f1c2e4a-8b3d-4c5e-9f6a-7b8c9d0e1f2a';
const DAY = 86_400_000;

/** A record as an earlier page stored it (docs/storage.md), with a wire event of its own id. */
const stored = (id: string, at = T0 - 5000, url = COLLECTOR): EventRecord => ({
  id,
  url,
  source: 'web',
  session: SESSION,
  profile: undefined,
  event: JSON.stringify({ id, type: 'stored', time: { create: new Date(at).toISOString() }, properties: {}, options: {}, context: {} }),
  at,
  path: undefined,
});
/** The site's IndexedDB store, as another tab or an earlier page writes it. */
const site = () => createStore('beacon-tracker', 'queue');
const spillKeys = () => Object.keys(localStorage).filter((key) => key.startsWith('beacon-tracker:'));
const blocked = () => new DOMException('The operation is insecure.', 'SecurityError');

/** Properties the page's other scripts put on shared prototypes, taken off after each test. */
const polluted: [object, string][] = [];
function pollute(prototype: object, key: string, value: unknown) {
  Object.defineProperty(prototype, key, { value, configurable: true, writable: true, enumerable: false });
  polluted.push([prototype, key]);
}
const cleanPrototypes = () => {
  for (const [prototype, key] of polluted.splice(0)) delete (prototype as Record<string, unknown>)[key];
};
afterEach(cleanPrototypes);

describe('a tracker named like the spills', () => {
  it("named 'beacon-tracker', it keeps its own consent, customer and health across drains", async () => {
    const tracker = await start({ name: 'beacon-tracker' });
    tracker.consent(true);
    tracker.identify('c1');
    tracker.track('a');
    await tracker.flush();
    await tracker.flush(); // a drain after the collector answered: it moves spills in
    expect(localStorage.getItem('beacon-tracker:consent')).toBe('1');
    expect(JSON.parse(localStorage.getItem('beacon-tracker:customer')!)).toEqual({ id: 'c1' });
    expect(JSON.parse(localStorage.getItem('beacon-tracker:health')!)).toMatchObject({ ok: T0 });
  });
});

describe('options', () => {
  it.each([
    ['a query', `${COLLECTOR}/?k=1`],
    ['a fragment', `${COLLECTOR}#x`],
    ['a trailing space', `${COLLECTOR} `],
    ['credentials', 'https://user:pass@collector.test'],
    ['a backslash', 'https://collector.test\\@evil.test'],
  ])('a url with %s is refused at init(): the events would go to another path, or nowhere', (_name, url) => {
    expect(() => createTracker({ url, source: 'web' })).toThrow(/^beacon-tracker: init\(\): url .* is not http\(s\)$/);
  });

  it.each<[string, Partial<TrackerOptions>]>([
    ['timeout Infinity', { timeout: Infinity }],
    ['timeout 2^31 ms (setTimeout fires at once past 2^31 - 1)', { timeout: 2 ** 31 }],
    ['flushInterval past an hour', { flushInterval: 3_600_001 }],
    ['sessionTimeout past a year', { sessionTimeout: 525_601 }],
    ['batchSize past one request', { batchSize: 1001 }],
    ['maxQueueEvents of 1e12', { maxQueueEvents: 1e12 }],
    ['maxQueueBytes Infinity', { maxQueueBytes: Infinity }],
  ])('%s is refused at init()', (_name, bad) => {
    expect(() => createTracker({ url: COLLECTOR, source: 'web', ...bad })).toThrow(/^beacon-tracker: init\(\): \w+ .* is not a number up to \d+$/);
  });

  it('each number at its bound is taken: a collector answering after a minute is waited for with timeout 600000', async () => {
    net.answer = async () => {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      return tracardi();
    };
    const tracker = createTracker({ url: COLLECTOR, source: 'web', timeout: 600_000, flushInterval: 3_600_000, batchSize: 1000, sessionTimeout: 525_600 });
    const id = tracker.track('a');
    const flushed = tracker.flush();
    await until(() => requests.length == 1, 'the request');
    await pass(61_000);
    await flushed;
    expect((requests[0].init.signal as AbortSignal).aborted).toBe(false);
    expect(allSent()).toEqual([id]);
    expect(await queuedIds()).toEqual([]);
  });

  it('objects given as JSON strings (data attributes) are read: the payload carries the options object', async () => {
    const tracker = await start({ options: '{"saveSession":false}' as never, context: '{"ip":"1.2.3.4"}' as never, schemas: '{"buy":["sku"]}' as never });
    expect(() => tracker.track('buy')).toThrow(/buy needs sku/);
    tracker.track('buy', { sku: 1 });
    await tracker.flush();
    expect(requests[0].body.options).toEqual({ saveSession: false });
    expect(requests[0].body.context.ip).toBe('1.2.3.4');
  });

  it.each(['not json', '[1,2]', '42', 'true'])('an object option given as %s is refused at init()', (given) => {
    expect(() => createTracker({ url: COLLECTOR, source: 'web', options: given as never })).toThrow('beacon-tracker: init(): options is not an object');
  });

  it.each<[string, () => unknown]>([
    ['a BigInt', () => ({ n: 1n })],
    ['a cycle', () => {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      return cycle;
    }],
    ['a getter that throws', () => ({ get ip(): never { throw new Error('getter') } })],
  ])('a context holding %s is refused at init(): it could go in no payload, and no event would ever leave', (_name, context) => {
    expect(() => createTracker({ url: COLLECTOR, source: 'web', context: context() as never })).toThrow('beacon-tracker: init(): context is not an object');
    expect(() => createTracker({ url: COLLECTOR, source: 'web', name: 'o', options: context() as never })).toThrow('beacon-tracker: init(): options is not an object');
  });

  it.each([
    ['a port out of range', 'https://collector.test:99999'],
    ['a host no URL parser takes', 'https://%'],
  ])('a url with %s is refused at init(): no request could be made to it', (_name, url) => {
    expect(() => createTracker({ url, source: 'web' })).toThrow(/^beacon-tracker: init\(\): url /);
  });

  it.each<[string, unknown]>([
    ['a number', 5],
    ['a list', ['bt']],
  ])('a name that is %s is refused at init(): a name is a string', (_name, name) => {
    expect(() => createTracker({ url: COLLECTOR, source: 'web', name: name as string })).toThrow(/^beacon-tracker: init\(\): name /);
  });

  it.each<[string, unknown]>([
    ['a Symbol', Symbol('n')],
    ['a BigInt', 10n],
    ["an object whose valueOf is the page's", { valueOf: () => 10 }],
  ])("a number option that is %s is refused with init()'s own TypeError", (_name, batchSize) => {
    expect(() => createTracker({ url: COLLECTOR, source: 'web', batchSize: batchSize as number })).toThrow(/^beacon-tracker: init\(\): batchSize .* is not a number up to 1000$/);
  });

  it('a switch is on only for true or the data attribute "true"', async () => {
    const tracker = createTracker({ url: COLLECTOR, source: 'web', requireConsent: ['true'] as never, immediate: 'true' as never });
    const id = tracker.track('a'); // immediate, and no consent awaited
    await tracker.flush();
    expect(allSent()).toEqual([id]);
  });

  it.each<[unknown, boolean]>([
    [true, true],
    ['true', true],
    [false, false],
    ['false', false],
    ['', false],
    ['1', false],
    [1, false],
    [undefined, false],
  ])('a switch (and requireConsent) given %j is %s: a data attribute saying "false" turns nothing on', (given, on) => {
    const config = readOptions({ url: COLLECTOR, source: 'web', debug: given, immediate: given, profileLess: given, honorPrivacySignals: given, pageViews: given, backgroundSync: given, requireConsent: given });
    expect([config.debug, config.immediate, config.profileLess, config.honorPrivacySignals, config.pageViews, config.backgroundSync, config.requireConsent]).toEqual(Array(7).fill(on));
  });

  it("requireConsent 'source' is kept as it is: consent waits for the collector to ask for it", () => {
    expect(readOptions({ url: COLLECTOR, source: 'web', requireConsent: 'source' }).requireConsent).toBe('source');
  });

  it('options are read as the object gives them: a later change by the app changes nothing', async () => {
    const options: Record<string, unknown> = { debugger: false };
    const tracker = await start({ options });
    options.debugger = true;
    options.profile = 'nope';
    tracker.track('a');
    await tracker.flush();
    expect(requests[0].body.options).toEqual({ debugger: false });
  });
});

describe("the page's prototypes", () => {
  it('Object.prototype.beforeSend is not an option: every event is taken', async () => {
    pollute(Object.prototype, 'beforeSend', 'x');
    const tracker = await start();
    const id = tracker.track('a');
    expect(id).not.toBe('');
    await tracker.flush();
    expect(allSent()).toEqual([id]);
  });

  it.each(['url', 'source', 'name', 'timeout', 'batchSize', 'schemas', 'options', 'context', 'onResponse'])(
    'Object.prototype.%s changes no option',
    async (key) => {
      pollute(Object.prototype, key, key == 'url' ? 'https://evil.test' : key == 'timeout' || key == 'batchSize' ? 1 : key == 'onResponse' ? () => {} : 'evil');
      const tracker = await start();
      const ids = [tracker.track('a'), tracker.track('b')];
      await tracker.flush();
      cleanPrototypes();
      expect(requests.map((r) => r.url)).toEqual([`${COLLECTOR}/track`]);
      expect(allSent()).toEqual(ids);
      expect(requests[0].body.options).toEqual({});
    },
  );

  it('Object.prototype.context, mode and time change no event: track(), identify() and page views are taken as they are', async () => {
    pollute(Object.prototype, 'context', 'NOWHERE');
    pollute(Object.prototype, 'mode', 'SIDEWAYS');
    pollute(Object.prototype, 'time', 'never');
    const tracker = await start({ pageViews: true });
    const ids = [tracker.track('a'), tracker.identify('c1')];
    await tracker.flush();
    cleanPrototypes();
    const events = requests.flatMap((r) => r.body.events);
    expect(events.map((e) => e.type)).toEqual(['page-view', 'a', 'identify']);
    expect(events.slice(1).map((e) => e.id)).toEqual(ids);
    for (const event of events) expect(event.options).toEqual({ context: 'WEB' });
    expect((await queued()).dropped).toBe(0);
  });

  it("Object.prototype.path sends no beacon to another host: a closing page's events go to <url>/track", async () => {
    pollute(Object.prototype, 'path', '.evil.test/steal');
    const tracker = await startAnswered({ flushInterval: 60_000 });
    const id = tracker.track('a');
    hide();
    cleanPrototypes();
    expect(beacons.map((b) => b.url)).toEqual([`${COLLECTOR}/track`]);
    expect(eventIds(await payloadOf(beacons[0].blob))).toEqual([id]);
  });

  it('Object.prototype.path: a spill (its records have no path once in JSON) is delivered to <url>/track by the next page', async () => {
    pollute(Object.prototype, 'path', '.evil.test/steal');
    const value = JSON.stringify({ name: 'bt', events: [stored('spilled')], dropped: 0 }); // `path: undefined` is left out
    localStorage.setItem('beacon-tracker:0.25', value);
    await start();
    cleanPrototypes();
    expect(requests.map((r) => r.url)).toEqual([`${COLLECTOR}/track`]);
    expect(allSent()).toEqual(['spilled']);
  });

  // Prototype.js 1.6's Array#toJSON: an array serialises as a string of its JSON.
  const prototypeJs = function (this: unknown[]) {
    return `[${this.map((value) => JSON.stringify(value)).join(', ')}]`;
  };
  // As the issue gives it: any array then overflows the stack, and the tracker's own must not be arrays.
  const recursive = function (this: unknown[]) {
    return JSON.stringify(this);
  };

  it.each([
    ['as Prototype.js 1.6 has it', prototypeJs, { list: [1, 2] }],
    ['as JSON.stringify(this)', recursive, { n: 1 }],
  ])('Array.prototype.toJSON %s leaves the payload an array of events', async (_name, toJSON, properties) => {
    const tracker = await start();
    pollute(Array.prototype, 'toJSON', toJSON);
    const ids = [tracker.track('a', properties), tracker.track('b')];
    await tracker.flush();
    cleanPrototypes();
    expect(requests).toHaveLength(1);
    expect(Array.isArray(requests[0].body.events)).toBe(true);
    expect(allSent()).toEqual(ids);
  });

  it('Array.prototype.toJSON: what a closing page spills is read back by the next page', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    pollute(Array.prototype, 'toJSON', prototypeJs);
    const id = tracker.track('a');
    window.dispatchEvent(new Event('pagehide')); // a visible page closing (Firefox): it spills
    cleanPrototypes();
    expect(spillKeys()).toHaveLength(1);
    await start(); // the next page
    expect(allSent()).toEqual([id]);
  });

  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'])('track(%j) with schemas set is taken and sent', async (type) => {
    const tracker = await start({ schemas: { buy: ['sku'] } });
    const id = tracker.track(type);
    expect(id).not.toBe('');
    await tracker.flush();
    expect(allSent()).toEqual([id]);
    expect(requests[0].body.events[0].type).toBe(type);
  });
});

describe("events as the app gives them", () => {
  it.each<[string, unknown]>([
    ['an object', { id: 1 }],
    ['true', true],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['an empty string', ''],
    ['a string of 257 characters', 'x'.repeat(257)],
  ])('an externalId that is %s is refused with a TypeError: no event gets an id like "[object Object]"', async (_name, externalId) => {
    const tracker = await start();
    expect(() => tracker.track('a', { externalId })).toThrow(/^beacon-tracker: track\(\): externalId .* is not an id or a number$/);
    await tracker.flush();
    expect(requests).toHaveLength(0);
  });

  it.each<[unknown, string]>([
    [42, '42'],
    [-1.5, '-1.5'],
    ['order-7', 'order-7'],
  ])('an externalId %j is the event id %j', async (externalId, id) => {
    const tracker = await start();
    expect(tracker.track('a', { externalId })).toBe(id);
    await tracker.flush();
    expect(allSent()).toEqual([id]);
  });

  it.each<[string, () => object]>([
    ['a getter that throws', () => ({ get externalId(): never { throw new Error('getter') } })],
    ['a Proxy whose every trap throws', () => new Proxy({}, { get: () => { throw new Error('trap') }, getOwnPropertyDescriptor: () => { throw new Error('trap') }, ownKeys: () => { throw new Error('trap') }, has: () => { throw new Error('trap') } })],
  ])('properties with %s do not throw out of track(): the event is refused and counted', async (_name, properties) => {
    const tracker = await start();
    expect(() => tracker.track('a', properties())).not.toThrow();
    const ok = tracker.track('ok');
    await tracker.flush();
    expect(allSent()).toEqual([ok]);
    expect(requests[0].body.context.tracker).toEqual({ dropped: 1 });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'WEB'],
    ['a number', 5],
  ])('event options that are %s are read as none', async (_name, eventOptions) => {
    const tracker = await start();
    const id = tracker.track('a', {}, eventOptions as never);
    expect(id).not.toBe('');
    await tracker.flush();
    expect(allSent()).toEqual([id]);
  });

  it('event options are read as their own properties only', async () => {
    const tracker = await start();
    const id = tracker.track('a', {}, Object.create({ mode: 'SIDEWAYS', context: 'NOWHERE', customerId: { no: 1 } }));
    await tracker.flush();
    expect(allSent()).toEqual([id]);
    expect(requests[0].body.events[0].options).toEqual({ context: 'WEB' });
  });

  it.each<[string, unknown]>([
    ['a Symbol', Symbol('t')],
    ['an object whose valueOf throws', { valueOf: () => { throw new Error('valueOf') } }],
    ['a BigInt', 10n],
  ])('a time that is %s is no time: the event is refused and counted, nothing thrown', async (_name, time) => {
    const tracker = await start();
    expect(tracker.track('a', {}, { time: time as number })).toBe('');
    const ok = tracker.track('ok');
    await tracker.flush();
    expect(allSent()).toEqual([ok]);
    expect(requests[0].body.context.tracker).toEqual({ dropped: 1 });
  });

  it.each<[string, unknown]>([
    ['a Symbol', Symbol('d')],
    ['a number', 1_700_000_000_000],
  ])("a DM Hub date that is %s is refused with track()'s own TypeError", async (_name, date) => {
    const tracker = await start();
    expect(() => tracker.track('a', { date })).toThrow(/^beacon-tracker: track\(\): date .* is not a date/);
  });

  it('a custom (c_) event whose properties are a Proxy that throws is refused and counted, not thrown', async () => {
    const tracker = await start();
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('trap') } });
    expect(tracker.track('c_custom', hostile)).toBe('');
    await tracker.flush();
    expect((await queued()).dropped).toBe(1);
  });

  it('a beforeSend that returns a Promise (async) is refused, counted and warned: no event goes out as {"id":…}', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const tracker = await start({ debug: true, beforeSend: (async (event: unknown) => event) as never });
    expect(tracker.track('a')).toBe('');
    await tracker.flush();
    expect(requests).toHaveLength(0);
    expect((await queued()).dropped).toBe(1);
    expect(warn).toHaveBeenCalledWith('beacon-tracker:', expect.stringMatching(/^event refused: TypeError: beforeSend returned a Promise/));
  });

  it.each<[string, (event: any) => unknown]>([
    ['properties set to null', (event) => ({ ...event, properties: null })],
    ['options set to a string', (event) => ({ ...event, options: 'x' })],
    ['context removed', ({ context: _, ...event }) => event],
    ['the type made a number', (event) => ({ ...event, type: 7 })],
  ])('a beforeSend that gives back %s is refused and counted', async (_name, hook) => {
    const tracker = await start({ beforeSend: hook as never });
    expect(tracker.track('a')).toBe('');
    await tracker.flush();
    expect(requests).toHaveLength(0);
    expect((await queued()).dropped).toBe(1);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'text'],
    ['an array', [1]],
    ['a number', 1],
  ])('properties whose toJSON gives %s are refused and counted: never "properties": null on the wire', async (_name, json) => {
    const tracker = await start();
    expect(tracker.track('a', { toJSON: () => json })).toBe('');
    const ok = tracker.track('ok');
    await tracker.flush();
    expect(allSent()).toEqual([ok]);
    expect(requests[0].body.events[0].properties).toEqual({});
    expect(requests[0].body.context.tracker).toEqual({ dropped: 1 });
  });
});

describe('storage written by no tracker', () => {
  it('a spill whose loss count is a fraction reports a whole one; a record whose path is a list is dropped and counted', async () => {
    const listed = { ...stored('listed'), path: ['/collect/x'] };
    localStorage.setItem('beacon-tracker:0.75', JSON.stringify({ name: 'bt', events: [stored('fine'), listed], dropped: 2.5 }));
    await start();
    expect(allSent()).toEqual(['fine']);
    expect(requests.map((r) => r.url)).toEqual([`${COLLECTOR}/track`]);
    expect(requests[0].body.context.tracker).toEqual({ dropped: 3 });
  });
});

describe('consent and reset', () => {
  it('requireConsent, identify, reset, consent(true): the events after it carry no customer', async () => {
    const tracker = await start({ requireConsent: true });
    tracker.identify('c1');
    tracker.reset();
    tracker.consent(true);
    const id = tracker.track('a');
    await tracker.flush();
    const event = requests.flatMap((r) => r.body.events).find((e) => e.id == id)!;
    expect(event.context.customer).toBeUndefined();
    expect(localStorage.getItem('bt:customer')).toBeNull();
  });

  it('consent(false) in another tab: this tab stops storing and sending, and writes no cookie or ids back', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    tracker.identify('c1');
    const pending = tracker.track('pending');
    // The other tab withdraws consent: it deletes the ids, and writes its decision.
    localStorage.removeItem('bt');
    localStorage.removeItem('bt:customer');
    document.cookie = 'bt=; max-age=-1; path=/';
    localStorage.setItem('bt:consent', '0');
    window.dispatchEvent(new StorageEvent('storage', { key: 'bt:consent', oldValue: null, newValue: '0' }));
    expect(tracker.track('after')).toBe('');
    expect(tracker.sessionId).toBeUndefined();
    hide();
    await tracker.flush();
    await pass(60_000);
    expect(allSent()).not.toContain(pending);
    expect(beacons).toHaveLength(0);
    expect(document.cookie).not.toMatch(/(^|; )bt=/);
    expect(localStorage.getItem('bt')).toBeNull();
    expect(localStorage.getItem('bt:customer')).toBeNull();
  });

  it('reset() in another tab: this tab goes on in the session that tab started, without the customer it forgot', async () => {
    const tracker = await start();
    tracker.identify('c1');
    await tracker.flush();
    const before = tracker.sessionId;
    const next = '3389844f-828a-4017-af00-1c468163a37c';
    localStorage.removeItem('bt:customer');
    localStorage.setItem('bt', `${next}.${T0.toString(36)}.`);
    window.dispatchEvent(new StorageEvent('storage', { key: 'bt', newValue: localStorage.getItem('bt') }));
    expect(tracker.sessionId).toBe(next);
    expect(tracker.sessionId).not.toBe(before);
    const id = tracker.track('a');
    await tracker.flush();
    const request = requests.find((r) => eventIds(r).includes(id))!;
    expect(request.body.session.id).toBe(next);
    expect(request.body.events[0].context.customer).toBeUndefined();
  });
});

describe('what other tabs and earlier pages wrote', () => {
  it("a health entry a day ahead (another tab's clock) is no knowledge: a closing page keeps what it beacons while the collector fails", async () => {
    localStorage.setItem('bt:health', JSON.stringify({ ok: T0 + DAY, failed: T0 - 1000 }));
    const tracker = await start({ flushInterval: 60_000 });
    const id = tracker.track('a');
    hide(); // the collector failed a second ago: a beacon would be lost
    await start(); // the next page
    expect(allSent()).toEqual([id]);
  });

  it("a health entry a day ahead: a closing page that beacons keeps a copy all the same", async () => {
    localStorage.setItem('bt:health', JSON.stringify({ ok: T0 + DAY }));
    const tracker = await start({ flushInterval: 60_000 });
    const id = tracker.track('a');
    hide();
    expect(eventIds(await payloadOf(beacons[0].blob))).toEqual([id]); // beaconed
    await start(); // and kept: the next page sends it again (the collector dedupes by id)
    expect(allSent()).toEqual([id]);
  });

  it("a drain lease a day ahead (without Web Locks) holds nothing: the queue drains", async () => {
    await set(['bt'], { count: 0, bytes: 0, dropped: 0, lease: T0 + DAY }, site());
    const tracker = await start();
    const id = tracker.track('a');
    await tracker.flush();
    await pass(2000);
    expect(allSent()).toEqual([id]);
  });

  it("a record stored under another collector's key is neither sent there nor resent: it is dropped and counted", async () => {
    await set(['bt', COLLECTOR, T0 - 5000, 'moved'], stored('moved', T0 - 5000, 'https://other.test'), site());
    const tracker = await start();
    const id = tracker.track('a');
    await tracker.flush();
    await start(); // a later page
    expect(requests.map((r) => r.url)).toEqual([`${COLLECTOR}/track`]);
    expect(allSent()).toEqual([id]);
    expect(requests[0].body.context.tracker).toEqual({ dropped: 1 });
    expect(await queued()).toEqual({ events: [], dropped: 0 });
  });

  it('a record stored under a key that names another event is sent once, not on every drain', async () => {
    await set(['bt', COLLECTOR, T0 - 5000, 'key-id'], stored('value-id'), site());
    const tracker = await start();
    tracker.track('a');
    await tracker.flush();
    await start();
    await start();
    expect(allSent().filter((id) => id == 'value-id')).toHaveLength(1);
    expect(await queued()).toEqual({ events: [], dropped: 0 });
  });

  it.each([
    ['bytes', { count: 3, bytes: 1e12 }],
    ['count', { count: 1e12, bytes: 3 }],
  ])("a meta whose %s says 1e12 loses no event: the counts are made exact at the bound", async (_name, counts) => {
    const store = site();
    const old = [stored('o1', T0 - 3000), stored('o2', T0 - 2000), stored('o3', T0 - 1000)];
    for (const record of old) await set(['bt', COLLECTOR, record.at, record.id], record, store);
    await set(['bt'], { ...counts, dropped: 0, lease: 0 }, store);
    net.online = false;
    const tracker = await start();
    const id = tracker.track('a');
    await tracker.flush();
    expect(await queued()).toEqual({ events: expect.any(Array), dropped: 0 });
    expect(await queuedIds()).toEqual(['o1', 'o2', 'o3', id]);
  });
});

it("a page's requestIdleCallback that throws: init() does not, and events are sent with their time zone", async () => {
  vi.stubGlobal('requestIdleCallback', () => {
    throw new Error('the page broke it');
  });
  const tracker = createTracker({ url: COLLECTOR, source: 'web' });
  const id = tracker.track('a');
  await tracker.flush();
  expect(allSent()).toEqual([id]);
  expect(requests[0].body.context.time.tz).toEqual(expect.any(String));
});

describe('a sandboxed frame (opaque origin)', () => {
  const sandbox = () => {
    redefine(navigator, 'locks', { value: { request: () => Promise.reject(blocked()) } });
    vi.stubGlobal('indexedDB', {
      open: () => {
        throw blocked();
      },
      deleteDatabase: () => {
        throw blocked();
      },
    });
  };

  it('Web Locks and IndexedDB refused: events are sent all the same', async () => {
    sandbox();
    const tracker = await start();
    const id = tracker.track('a');
    await tracker.flush();
    expect(allSent()).toEqual([id]);
  });

  it('with backgroundSync, init() does not throw, and events are sent', async () => {
    sandbox();
    const tracker = createTracker({ url: COLLECTOR, source: 'web', backgroundSync: true });
    const id = tracker.track('a');
    await tracker.flush();
    expect(allSent()).toEqual([id]);
  });

  it('without IndexedDB, a spill is sent by one page, not by every later one', async () => {
    sandbox();
    localStorage.setItem('beacon-tracker:0.5', JSON.stringify({ name: 'bt', events: [stored('spilled')], dropped: 0 }));
    await start();
    await start();
    await start();
    expect(allSent()).toEqual(['spilled']);
  });

  it('without IndexedDB, a spill this page took and could not deliver is handed on at its hide', async () => {
    sandbox();
    localStorage.setItem('beacon-tracker:0.5', JSON.stringify({ name: 'bt', events: [stored('spilled')], dropped: 0 }));
    net.answer = () => status(503);
    await start();
    expect(spillKeys()).toEqual([]); // in this page's memory now
    hide();
    net.answer = () => tracardi();
    await start(); // the next page: it waits as the page before did (the site's backoff), then delivers
    await pass(600_000);
    expect(allSent().filter((id) => id == 'spilled').length).toBeGreaterThanOrEqual(2); // the 503, then delivered
    expect(requests[requests.length - 1].body.events.map((e) => e.id)).toEqual(['spilled']);
    expect(spillKeys()).toEqual([]);
  });
});

describe('the page deletes the database', () => {
  it('deleteDatabase is not blocked by the tracker, and tracking goes on after it', async () => {
    const tracker = await start();
    tracker.track('a');
    await tracker.flush();
    const outcome = await new Promise<string>((resolve) => {
      const request = indexedDB.deleteDatabase('beacon-tracker');
      request.onsuccess = () => resolve('deleted');
      request.onblocked = () => resolve('blocked');
      request.onerror = () => resolve('error');
    });
    expect(outcome).toBe('deleted');
    const id = tracker.track('b');
    await tracker.flush();
    expect(allSent()).toContain(id);
  });
});

describe("the collector's answers", () => {
  it('a 2xx answer of 4 MB of nested JSON counts as delivered, and is not parsed', async () => {
    const onResponse = vi.fn();
    net.answer = () => new Response('{"profile":{"id":"p1"},"x":' + '['.repeat(2_000_000) + ']'.repeat(2_000_000) + '}', { status: 200 });
    const tracker = await start({ onResponse });
    tracker.track('a');
    await tracker.flush();
    expect(await queued()).toEqual({ events: [], dropped: 0 });
    expect(onResponse).not.toHaveBeenCalled();
    expect(tracker.profileId).toBeUndefined();
  });

  it.each(['[{"profile":{"id":"p1"}}]', '"text"', '42', 'null'])('a 2xx answer %s is no answer: onResponse is not called with it', async (body) => {
    const onResponse = vi.fn();
    net.answer = () => new Response(body, { status: 200 });
    const tracker = await start({ onResponse });
    tracker.track('a');
    await tracker.flush();
    expect(await queued()).toEqual({ events: [], dropped: 0 });
    expect(onResponse).not.toHaveBeenCalled();
  });

  it('a 2xx answer whose body does not end counts as delivered: no more than 64 KiB of it is read', async () => {
    let pulled = 0;
    net.answer = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (++pulled > 1000) return controller.close(); // 16 MB: a page would have read on forever
            controller.enqueue(new TextEncoder().encode('x'.repeat(16_384)));
          },
        }),
        { status: 200 },
      );
    const tracker = await start();
    tracker.track('a');
    await tracker.flush();
    expect(await queued()).toEqual({ events: [], dropped: 0 });
    expect(pulled).toBeLessThan(10);
  });

  it('an async onResponse that rejects leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const tracker = await start({ onResponse: async () => Promise.reject(new Error('app failed')) });
      tracker.track('a');
      await tracker.flush();
      await idle();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});

describe('the clock', () => {
  it('a clock set back two hours after a 503 does not put the retry off: it comes after the backoff', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // a backoff of 2 s
    const answers = [status(503), tracardi()];
    net.answer = () => answers.shift()!;
    const tracker = await start();
    const id = tracker.track('a');
    await tracker.flush();
    expect(requests).toHaveLength(1);
    vi.setSystemTime(Date.now() - 2 * 3_600_000);
    await vi.advanceTimersByTimeAsync(2000);
    await until(() => requests.length == 2, 'the retry');
    expect(eventIds(requests[1])).toEqual([id]);
  });
});

describe('sessions read back', () => {
  it('a session id that is no UUID in the cookie is not taken', async () => {
    document.cookie = 'bt=not-a-uuid.1.evil;path=/';
    const tracker = await start();
    expect(tracker.sessionId).toMatch(UUID_V4);
    expect(tracker.profileId).toBeUndefined();
  });
});

// Values with no string form, or that throw when looked at, in a misuse: the tracker's own TypeError all the same.
describe('misuse with values that throw when shown', () => {
  it.each<[string, () => unknown]>([
    ['an object without a prototype', () => Object.create(null)],
    ['a toString that throws', () => ({ toString: () => { throw new Error('toString') } })],
  ])("a url that is %s is refused with init()'s own TypeError", (_name, url) => {
    expect(() => createTracker({ url: url() as string, source: 'web' })).toThrow(/^beacon-tracker: init\(\): url /);
  });

  it("an externalId with no string form is refused with track()'s own TypeError", async () => {
    const tracker = await start();
    expect(() => tracker.track('a', { externalId: Object.create(null) })).toThrow(/^beacon-tracker: track\(\): externalId /);
  });

  it("properties that are a revoked Proxy are refused with track()'s own TypeError", async () => {
    const tracker = await start();
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(() => tracker.track('a', proxy)).toThrow(/^beacon-tracker: track\(\): /);
  });
});
