// @vitest-environment happy-dom
// createTracker end to end in happy-dom (the harness: test/support/page.ts): batching, payloads, answers,
// retries, offline, page hide, refusals, bounds, locks.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createStore, set } from 'idb-keyval';
import { createTracker } from '../src/tracker';
import { readOptions, type TrackerOptions } from '../src/options';
import { MAX_EVENT_BYTES } from '../src/event';
import {
  allSent, beacons, COLLECTOR, eventIds, hide, idle, lease, net, pass, payloadOf, QUOTA, queued, queuedIds, redefine,
  requests, start, startAnswered, status, T0, tracardi, until, UUID_V4,
} from './support/page';

describe('init()', () => {
  it.each<[string, unknown]>([
    ['no options', undefined],
    ['empty options', {}],
    ['no url', { source: 'web' }],
    ['an empty url', { url: '', source: 'web' }],
    ['a url without scheme', { url: 'collector.test', source: 'web' }],
    ['a protocol-relative url', { url: '//collector.test', source: 'web' }],
    ['an ftp url', { url: 'ftp://collector.test', source: 'web' }],
    ['a scheme without host', { url: 'https://', source: 'web' }],
    ['a path only', { url: '/track', source: 'web' }],
    ['no source', { url: COLLECTOR }],
    ['an empty source', { url: COLLECTOR, source: '' }],
    ['a number as source', { url: COLLECTOR, source: 42 }],
  ])('throws TypeError on %s', (_name, options) => {
    expect(() => createTracker().init(options as TrackerOptions)).toThrow(TypeError);
    expect(() => createTracker().init(options as TrackerOptions)).toThrow(/^beacon-tracker: init\(\): (url .* is not http\(s\)|source .* is not a name)$/);
  });

  it.each<[string, Partial<TrackerOptions>]>([
    ['a typo in a data attribute (timeout "10s")', { timeout: '10s' as never }],
    ['a batch size of 0', { batchSize: 0 }],
    ['a negative flush interval', { flushInterval: -1 }],
    ['a session timeout that is no number', { sessionTimeout: NaN }],
    ['a queue bound of 0 events', { maxQueueEvents: 0 }],
    ['a queue bound of no bytes', { maxQueueBytes: null as never }],
  ])('throws TypeError on %s, and stays uninitialised', async (_name, bad) => {
    const tracker = createTracker();
    const [[option, value]] = Object.entries(bad);
    expect(() => tracker.init({ url: COLLECTOR, source: 'web', ...bad })).toThrow(`init(): ${option} ${typeof value == 'string' ? `'${value}'` : value} is not a number up to `);
    expect(() => tracker.track('a')).toThrow(/init\(\) first/);
  });

  it('fills in the defaults the README documents for every option not given', () => {
    expect(readOptions({ url: COLLECTOR, source: 'web' })).toMatchObject({
      name: 'bt',
      batchSize: 10,
      flushInterval: 1000,
      sessionTimeout: 30,
      timeout: 10_000,
      maxQueueEvents: 10_000,
      maxQueueBytes: 5_000_000,
      defaultContext: 'WEB',
      requireConsent: false,
      honorPrivacySignals: false,
      immediate: false,
      profileLess: false,
      cookieDomain: undefined,
    });
  });

  it('takes numbers given as strings, as data attributes give them: as numbers', async () => {
    const config = readOptions({ url: COLLECTOR, source: 'web', batchSize: '2', timeout: '5000', sessionTimeout: '0.5', maxQueueEvents: '1e3' });
    expect([config.batchSize, config.timeout, config.sessionTimeout, config.maxQueueEvents]).toEqual([2, 5000, 0.5, 1000]);
    const tracker = createTracker({ url: COLLECTOR, source: 'web', batchSize: '2' as never, timeout: '5000' as never });
    tracker.track('a');
    tracker.track('b');
    await vi.advanceTimersByTimeAsync(0);
    await until(() => requests.length == 1, 'the batch of two');
  });

  it.each(['http://127.0.0.1:8686', 'https://collector.test', 'https://collector.test/base', 'http://localhost'])('accepts %s', async (url) => {
    const tracker = createTracker();
    expect(() => tracker.init({ url, source: 'web' })).not.toThrow();
    expect(tracker.sessionId).toMatch(UUID_V4);
    await tracker.flush();
  });

  it('throws TypeError when called twice', async () => {
    const tracker = createTracker({ url: COLLECTOR, source: 'web' });
    expect(() => tracker.init({ url: COLLECTOR, source: 'web' })).toThrow(TypeError);
    expect(() => tracker.init({ url: COLLECTOR, source: 'web' })).toThrow(/init\(\) twice/);
    const other = createTracker();
    other.init({ url: COLLECTOR, source: 'web' });
    expect(() => other.init({ url: COLLECTOR, source: 'other' })).toThrow(/twice/);
    await Promise.all([tracker.flush(), other.flush()]);
  });

  it('a second init() changes nothing: events still go to the first collector, with its source and batching', async () => {
    const tracker = await start({ batchSize: 2 });
    expect(() => tracker.init({ url: 'https://other.test', source: 'other', batchSize: 1000 })).toThrow(/twice/);
    tracker.track('a');
    tracker.track('b'); // the batch size of the first init(): sent at once
    await vi.advanceTimersByTimeAsync(0);
    await until(() => requests.length == 1, 'the batch');
    expect(requests[0].url).toBe(`${COLLECTOR}/track`);
    expect(requests[0].body.source).toEqual({ id: 'web' });
  });

  it('a failed init() leaves the tracker uninitialised, and a valid one after it works', async () => {
    const tracker = createTracker();
    expect(() => tracker.init({ url: 'nope', source: 'web' })).toThrow(TypeError);
    expect(tracker.sessionId).toBeUndefined();
    expect(() => tracker.track('view')).toThrow(/init\(\) first/);
    tracker.init({ url: COLLECTOR, source: 'web' });
    expect(tracker.track('view')).not.toBe('');
    await tracker.flush();
    expect(requests).toHaveLength(1);
  });

  it('strips trailing slashes: the payload goes to <url>/track', async () => {
    const tracker = await start({ url: `${COLLECTOR}/base///` });
    tracker.track('view');
    await tracker.flush();
    expect(requests[0].url).toBe(`${COLLECTOR}/base/track`);
  });

  it('sends what an earlier page left in the queue', async () => {
    net.online = false;
    const earlier = await start();
    const id = earlier.track('view');
    await earlier.flush();
    expect(await queuedIds()).toEqual([id]);
    expect(requests).toHaveLength(0);
    net.online = true; // the next page load, online
    await start();
    expect(allSent()).toEqual([id]);
    expect(await queuedIds()).toEqual([]);
  });
});

describe('track(): validation', () => {
  it('throws TypeError before init()', () => {
    expect(() => createTracker().track('view')).toThrow(TypeError);
    expect(() => createTracker().track('view')).toThrow(/init\(\) first/);
  });

  it.each<[string, unknown]>([
    ['an empty type', ''],
    ['no type', undefined],
    ['null', null],
    ['a number', 5],
    ['an object', { type: 'view' }],
    ['an array', ['view']],
  ])('throws TypeError on %s as type', async (_name, type) => {
    const tracker = await start();
    expect(() => tracker.track(type as string)).toThrow(TypeError);
    expect(() => tracker.track(type as string)).toThrow(/^beacon-tracker: track\(\): type .* is not a name$/);
  });

  it.each<[string, unknown]>([
    ['a string', 'text'],
    ['a number', 5],
    ['a boolean', true],
    ['an array', [1, 2]],
    ['a function', () => ({})],
  ])('throws TypeError on %s as properties', async (_name, properties) => {
    const tracker = await start();
    expect(() => tracker.track('view', properties as Record<string, unknown>)).toThrow(TypeError);
  });

  it('accepts no properties, null and an object', async () => {
    const tracker = await start();
    for (const properties of [undefined, null, {}, { a: 1 }]) expect(tracker.track('view', properties as never)).not.toBe('');
  });

  it('an invalid call queues nothing and is not counted as dropped', async () => {
    const tracker = await start();
    expect(() => tracker.track('')).toThrow();
    const id = tracker.track('ok');
    await tracker.flush();
    expect(allSent()).toEqual([id]);
    expect(requests[0].body.context.tracker).toBeUndefined();
  });
});

describe('track(): the hot path', () => {
  it('returns a string id at once: a nanoid, unique to each event', async () => {
    const tracker = await start();
    const ids = [tracker.track('a'), tracker.track('b'), tracker.track('c')];
    for (const id of ids) expect(id).toMatch(/^[\w-]{21}$/);
    expect(new Set(ids).size).toBe(3);
    await tracker.flush();
    expect(allSent()).toEqual(ids);
  });

  it('does no storage or network work on its path (until its timer fires)', async () => {
    const tracker = await start({ flushInterval: 1000 });
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    const setItem = vi.spyOn(localStorage, 'setItem');
    const getItem = vi.spyOn(localStorage, 'getItem');
    const cookie = vi.spyOn(document, 'cookie', 'set');
    net.fetchStub.mockClear();
    for (let i = 0; i < 5; i++) tracker.track('click', { i });
    await idle(200);
    expect(transaction).not.toHaveBeenCalled();
    expect(net.fetchStub).not.toHaveBeenCalled();
    expect(net.sendBeacon).not.toHaveBeenCalled();
    expect(setItem).not.toHaveBeenCalled();
    expect(getItem).not.toHaveBeenCalled();
    expect(cookie).not.toHaveBeenCalled();
    // The spies do see the work once the timer fires: the queue written, the request sent.
    await vi.advanceTimersByTimeAsync(1000);
    await until(() => requests.length == 1, 'the request');
    expect(transaction).toHaveBeenCalled();
  });
});

describe('when events leave', () => {
  it('batchSize events trigger a send without waiting for flushInterval', async () => {
    const tracker = await start({ batchSize: 3, flushInterval: 60_000 });
    tracker.track('a');
    tracker.track('b');
    await vi.advanceTimersByTimeAsync(0);
    await idle();
    expect(requests).toHaveLength(0);
    tracker.track('c');
    await vi.advanceTimersByTimeAsync(0);
    await until(() => requests.length == 1, 'the batch');
    expect(requests[0].body.events.map((e) => e.type)).toEqual(['a', 'b', 'c']);
    expect(requests[0].at).toBe(T0); // no time passed
  });

  it('flushInterval sends a smaller batch, counted from the first event', async () => {
    const tracker = await start({ batchSize: 10, flushInterval: 1000 });
    tracker.track('a');
    await vi.advanceTimersByTimeAsync(600);
    tracker.track('b'); // does not restart the timer
    await vi.advanceTimersByTimeAsync(399);
    await idle();
    expect(requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => requests.length == 1, 'the timed batch');
    expect(requests[0].body.events.map((e) => e.type)).toEqual(['a', 'b']);
    expect(requests[0].at).toBe(T0 + 1000);
  });

  it('an event after a send starts a new timer', async () => {
    const tracker = await start({ flushInterval: 1000 });
    tracker.track('a');
    await vi.advanceTimersByTimeAsync(1000);
    await until(() => requests.length == 1);
    await vi.advanceTimersByTimeAsync(5000);
    tracker.track('b');
    await vi.advanceTimersByTimeAsync(999);
    await idle();
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => requests.length == 2);
    expect(requests[1].at).toBe(T0 + 7000);
  });

  it('flush() resolves only after the request was answered, and the queue is empty then', async () => {
    let respond!: () => void;
    net.answer = () => new Promise<Response>((resolve) => (respond = () => resolve(tracardi())));
    const tracker = await start();
    tracker.track('a');
    let resolved = false;
    const flushed = tracker.flush().then(() => (resolved = true));
    await until(() => requests.length == 1, 'the request');
    await idle();
    expect(resolved).toBe(false);
    respond();
    await flushed;
    expect(await queuedIds()).toEqual([]);
  });

  it('flush() with nothing tracked sends nothing', async () => {
    const tracker = await start();
    await tracker.flush();
    expect(requests).toHaveLength(0);
  });

  it('while the page is hidden, at most 100 events and 64 KiB per request, all keepalive', async () => {
    const tracker = await start({ batchSize: 1000, flushInterval: 60_000 });
    const ids = Array.from({ length: 250 }, (_, i) => tracker.track('e', { i }));
    redefine(document, 'visibilityState', { get: () => 'hidden' }); // without the event: no hand-over by beacon
    await tracker.flush();
    expect(requests.map((r) => r.body.events.length)).toEqual([100, 100, 50]);
    for (const request of requests) expect(request.init.keepalive).toBe(true);
    expect(allSent()).toEqual(ids);
  });

  it('while the page is visible, a backlog goes in large requests (up to 1,000 events, 256 KiB) without keepalive', async () => {
    const tracker = await start({ batchSize: 1000, flushInterval: 60_000 });
    const ids = Array.from({ length: 2500 }, (_, i) => tracker.track('e', { i }));
    await tracker.flush();
    expect(requests.map((r) => r.body.events.length)).toEqual([1000, 1000, 500]);
    for (const request of requests) {
      expect(request.bytes).toBeLessThanOrEqual(262_144);
      expect(request.init.keepalive).toBe(request.bytes <= QUOTA);
    }
    expect(allSent()).toEqual(ids);
  });

  it('keepalive requests stay within 64 KiB (they share the beacon quota); larger ones go without keepalive', async () => {
    const tracker = await start({ batchSize: 1000, flushInterval: 60_000 });
    const ids = Array.from({ length: 100 }, (_, i) => tracker.track('e', { text: '€'.repeat(2000), i }));
    await tracker.flush();
    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests) expect(request.bytes).toBeLessThanOrEqual(request.init.keepalive ? QUOTA : 262_144);
    expect(requests.some((request) => !request.init.keepalive)).toBe(true);
    expect(allSent()).toEqual(ids);
  });
});

describe('the payload', () => {
  it('has source, session, context and options, and no profile before the collector gave one', async () => {
    const tracker = await start();
    const id = tracker.track('view', { a: 1 });
    await tracker.flush();
    const payload = requests[0].body;
    expect(requests[0].url).toBe(`${COLLECTOR}/track`);
    expect(payload.source).toEqual({ id: 'web' });
    expect(payload.session.id).toMatch(UUID_V4);
    expect(payload.session.id).toBe(tracker.sessionId);
    expect('profile' in payload).toBe(false);
    expect(payload.context.browser.local.browser.userAgent).toBe(navigator.userAgent);
    expect(payload.context.browser.local.browser.language).toBe(navigator.language);
    expect(payload.context.screen.local).toMatchObject({ width: screen.width, height: screen.height });
    expect(payload.context.time).toEqual({ local: new Date(T0).toISOString(), tz: Intl.DateTimeFormat().resolvedOptions().timeZone });
    expect(payload.context.tracker).toBeUndefined();
    expect(payload.properties).toEqual({});
    expect(payload.options).toEqual({});
    expect(eventIds(payload)).toEqual([id]);
  });

  it('carries the profile id the collector gave afterwards, and keeps it for the next page', async () => {
    const tracker = await start();
    tracker.track('first');
    await tracker.flush();
    expect(tracker.profileId).toBe('p1');
    tracker.track('second');
    await tracker.flush();
    expect(requests[1].body.profile).toEqual({ id: 'p1' });
    const nextPage = await start();
    nextPage.track('third');
    await nextPage.flush();
    expect(requests[2].body.profile).toEqual({ id: 'p1' });
    expect(requests[2].body.session.id).toBe(requests[0].body.session.id);
  });

  it('events tracked before the first answer go with the profile it gave', async () => {
    let respond!: () => void;
    net.answer = () => (requests.length == 1 ? new Promise<Response>((resolve) => (respond = () => resolve(tracardi('p9')))) : tracardi('p9'));
    const tracker = await start();
    tracker.track('a');
    const flushed = tracker.flush();
    await until(() => requests.length == 1);
    tracker.track('b'); // while the first request waits for its answer
    respond();
    await flushed;
    await tracker.flush();
    expect(requests[1].body.profile).toEqual({ id: 'p9' });
    expect(requests[1].body.events.map((e) => e.type)).toEqual(['b']);
  });

  it('an answer without a profile (null, other JSON, not JSON) keeps the known one', async () => {
    const answers = [tracardi('p1'), status(200), new Response('{"ok":true}'), new Response('not json')];
    net.answer = () => answers.shift() || tracardi('p1');
    const tracker = await start();
    for (let i = 0; i < 4; i++) {
      tracker.track('e');
      await tracker.flush();
      expect(tracker.profileId).toBe('p1');
    }
    expect(requests).toHaveLength(4);
  });

  it('options and context from init() go in every payload', async () => {
    const tracker = await start({ options: { saveEvents: true, debugger: false }, context: { ip: '203.0.113.7' } });
    tracker.track('view');
    await tracker.flush();
    expect(requests[0].body.options).toEqual({ saveEvents: true, debugger: false });
    expect(requests[0].body.context.ip).toBe('203.0.113.7');
    expect(requests[0].body.context.browser).toBeDefined();
  });

  // A Tracardi server answers 500 to `"options": null`, and 500 is retried for ever.
  it('options is {} when init() got options: null', async () => {
    const tracker = await start({ options: null as never });
    tracker.track('view');
    await tracker.flush();
    expect(requests[0].body.options).toEqual({});
  });

  it('each event has its id, type, time, properties, options and page context', async () => {
    document.title = 'Red shoes';
    history.pushState({}, '', '/products/42?color=red#reviews');
    const tracker = await start();
    await vi.advanceTimersByTimeAsync(1234);
    tracker.track('view', { sku: 42 });
    tracker.track('late', {}, { time: new Date(T0 - 60_000), options: { tag: 'x' }, context: { campaign: 'spring' } });
    history.pushState({}, '', '/cart');
    tracker.track('cart');
    await tracker.flush();
    const [view, late, cart] = requests[0].body.events;
    expect(view).toEqual({
      id: expect.any(String),
      type: 'view',
      time: { create: new Date(T0 + 1234).toISOString() },
      properties: { sku: 42 },
      options: { context: 'WEB' }, // ContactHub's context of use, WEB unless said otherwise
      context: {
        page: {
          url: 'http://localhost:3000/products/42?color=red#reviews',
          path: '/products/42',
          hash: '#reviews',
          title: 'Red shoes',
          referer: { host: '', query: '' },
        },
      },
    });
    expect(late.time.create).toBe(new Date(T0 - 60_000).toISOString());
    expect(late.options).toEqual({ tag: 'x', context: 'WEB' });
    expect(late.context).toMatchObject({ campaign: 'spring', page: { path: '/products/42' } });
    expect(cart.context.page).toMatchObject({ url: 'http://localhost:3000/cart', path: '/cart', hash: '' });
  });

  it('an event keeps the session it was tracked in, after the timeout too', async () => {
    const tracker = await start({ sessionTimeout: 1, flushInterval: 10 * 60_000 });
    tracker.track('a');
    const first = tracker.sessionId;
    await vi.advanceTimersByTimeAsync(61_000);
    tracker.track('b');
    expect(tracker.sessionId).not.toBe(first);
    await tracker.flush();
    expect(requests.map((r) => [r.body.session.id, r.body.events.map((e) => e.type)])).toEqual([
      [first, ['a']],
      [tracker.sessionId, ['b']],
    ]);
  });
});

describe('collector answers', () => {
  it.each([400, 413, 422])('%i for a batch with one bad event: the others are delivered, the bad one dropped and reported', async (code) => {
    net.answer = (request) => (request.body.events.some((e) => e.properties.bad) ? status(code) : tracardi());
    const tracker = await start();
    const [a, b, bad, d] = [tracker.track('a'), tracker.track('b'), tracker.track('x', { bad: true }), tracker.track('d')];
    await tracker.flush();
    const delivered = requests.filter((r) => !r.body.events.some((e) => e.properties.bad)).flatMap(eventIds);
    expect(delivered.sort()).toEqual([a, b, d].sort());
    expect(new Set(delivered).size).toBe(delivered.length); // each once
    // The batch was halved until the bad event was alone, then dropped.
    const withBad = requests.filter((r) => eventIds(r).includes(bad));
    expect(eventIds(withBad[withBad.length - 1])).toEqual([bad]);
    expect(requests.length).toBeLessThanOrEqual(6);
    expect(await queued()).toEqual({ events: [], dropped: 0 });
    // Its loss is reported, once, in a payload after it was dropped.
    const reports = requests.filter((r) => r.body.context.tracker);
    expect(reports.map((r) => r.body.context.tracker)).toEqual([{ dropped: 1 }]);
    expect(requests.indexOf(reports[0])).toBeGreaterThan(requests.indexOf(withBad[withBad.length - 1]));
    tracker.track('later');
    await tracker.flush();
    expect(requests[requests.length - 1].body.context.tracker).toBeUndefined();
  });

  it('413 from a collector with a body limit: halved until a request passes, then doubled back a step at a time, so that a backlog meets at most one refusal per delivered request', async () => {
    net.answer = (request) => (request.body.events.length > 300 ? status(413) : tracardi());
    const tracker = await start({ batchSize: 1000, flushInterval: 60_000 });
    const ids = Array.from({ length: 2000 }, (_, i) => tracker.track('e', { i }));
    await tracker.flush();
    const delivered = requests.filter((r) => r.body.events.length <= 300);
    expect(delivered.flatMap(eventIds)).toEqual(ids); // each once, in order
    expect(requests.length - delivered.length).toBeLessThanOrEqual(delivered.length + 1); // 1000, 500, then 500 once before each 250
    expect(await queued()).toEqual({ events: [], dropped: 0 });
  });

  it('226 (stored with errors) counts as delivered', async () => {
    net.answer = () => status(226);
    const tracker = await start();
    tracker.track('a');
    await tracker.flush();
    expect(await queued()).toEqual({ events: [], dropped: 0 });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await idle();
    expect(requests).toHaveLength(1);
  });

  describe('retries', () => {
    beforeEach(() => {
      vi.spyOn(Math, 'random').mockReturnValue(0.5); // decorrelated jitter: 1 s + half of (3 × 1 s - 1 s) = 2 s, then 1 s + half of (3 × 2 s - 1 s) = 3.5 s
    });

    it.each<[string, () => Response | Promise<Response>]>([
      ['503', () => status(503)],
      ['500', () => status(500)],
      ['429', () => status(429)],
      ['408', () => status(408)],
      ['a network error', () => Promise.reject(new TypeError('Failed to fetch'))],
    ])('%s is retried after a backoff: no request before the delay, one after', async (_name, failure) => {
      const answers = [failure, failure, () => tracardi()];
      net.answer = () => answers.shift()!();
      const tracker = await start();
      const id = tracker.track('a');
      await tracker.flush();
      expect(requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1999);
      await idle();
      expect(requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => requests.length == 2, 'the first retry');
      await idle(); // its failure is known: the second wait is set now, not at the clock's next jump
      expect(requests[1].at - requests[0].at).toBe(2000);
      // The second failure waits up to three times the first.
      await vi.advanceTimersByTimeAsync(3499);
      await idle();
      expect(requests).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => requests.length == 3, 'the second retry');
      expect(requests[2].at - requests[1].at).toBe(3500);
      expect(requests.map(eventIds)).toEqual([[id], [id], [id]]);
      await until(() => !net.fetchStub.mock.results.some((r) => r.type == 'incomplete'));
      await idle();
      expect(await queued()).toEqual({ events: [], dropped: 0 });
    });

    it('Retry-After is honoured when longer than the backoff', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0); // no spread: exactly the Retry-After
      const answers = [status(503, { 'Retry-After': '5' }), tracardi()];
      net.answer = () => answers.shift()!;
      const tracker = await start();
      tracker.track('a');
      await tracker.flush();
      await vi.advanceTimersByTimeAsync(4999);
      await idle();
      expect(requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => requests.length == 2, 'the retry');
      expect(requests[1].at - requests[0].at).toBe(5000);
    });

    it('an explicit flush() tries at once after a failure without Retry-After: the app asked', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.99);
      const answers = [status(503), tracardi()];
      net.answer = () => answers.shift()!;
      const tracker = await start();
      tracker.track('a');
      await tracker.flush();
      expect(requests).toHaveLength(1);
      await tracker.flush(); // the backoff would wait about a second
      expect(requests).toHaveLength(2);
      expect(requests[1].at).toBe(requests[0].at);
      expect(eventIds(requests[1])).toEqual(eventIds(requests[0]));
    });

    it("flush() during a collector's Retry-After does not send before it", async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0); // no spread: exactly the Retry-After
      const answers = [status(503, { 'Retry-After': '5' }), tracardi()];
      net.answer = () => answers.shift()!;
      const tracker = await start();
      tracker.track('a');
      await tracker.flush();
      tracker.track('b');
      await tracker.flush();
      await vi.advanceTimersByTimeAsync(4000);
      await tracker.flush();
      expect(requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1000);
      await until(() => requests.length == 2);
      expect(requests[1].body.events.map((e) => e.type)).toEqual(['a', 'b']);
    });

    it('a new page waits as the page before it did: the backoff is the site\'s, not each page\'s', async () => {
      net.answer = () => status(503);
      const tracker = await start();
      const id = tracker.track('a');
      await tracker.flush(); // fails: the next try in 2 s, for every page of the site
      expect(requests).toHaveLength(1);
      net.answer = () => tracardi();
      await vi.advanceTimersByTimeAsync(1000);
      const next = createTracker({ url: COLLECTOR, source: 'web' } as TrackerOptions); // the next page of the site
      await next.flush(); // an app's flush skips its own page's backoff, not the one a page before left
      await idle();
      expect(requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1000);
      await until(() => allSent().includes(id) && requests.length > 1, 'the retry at 2 s');
    });

    it('a new page goes on with the backoff a page before left: its next failure waits up to three times the last wait, not from 1 s again', async () => {
      // What a page left after two failures (docs/storage.md): the collector may be tried at T0 + 3.5 s, the last wait 3.5 s.
      localStorage.setItem('bt:health', JSON.stringify({ ok: 0, failed: T0, retry: T0 + 3500, wait: 3500 }));
      net.answer = () => status(503);
      const tracker = await start();
      tracker.track('a');
      await pass(3500); // its batch waits for the site's backoff, then fails
      expect(requests.map((r) => r.at)).toEqual([T0 + 3500]);
      net.answer = () => tracardi();
      await vi.advanceTimersByTimeAsync(5749); // 1 s + half of (3 × 3.5 s - 1 s) at this random
      await idle();
      expect(requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => requests.length == 2, 'the retry');
      expect(requests[1].at - requests[0].at).toBe(5750);
    });

    it('after failures, a backlog goes a full request at a time, paced; the last partial request ends the pace', async () => {
      const answers = [status(503)];
      net.answer = () => answers.shift() || tracardi();
      const tracker = await start({ batchSize: 1000, flushInterval: 60_000 });
      Array.from({ length: 2500 }, (_, i) => tracker.track('e', { i }));
      await tracker.flush(); // the first request fails
      await vi.advanceTimersByTimeAsync(2000);
      await until(() => requests.length == 2, 'the retry');
      expect(requests.map((r) => r.body.events.length)).toEqual([1000, 1000]);
      await vi.advanceTimersByTimeAsync(14_999); // the pace: up to 30 s, 15 s at this random
      await idle();
      expect(requests).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => requests.length == 3, 'the paced request');
      await vi.advanceTimersByTimeAsync(15_000);
      await until(() => requests.length == 4, 'the last request');
      expect(requests.map((r) => r.body.events.length)).toEqual([1000, 1000, 1000, 500]);
      tracker.track('after');
      await tracker.flush(); // the backlog is gone: no pace
      expect(requests).toHaveLength(5);
    });

    it('once the collector takes a request that is not full, the pace and the backoff end: the next batch leaves at its flushInterval, the next failure waits from 1 s to 3 s again', async () => {
      const answers = [status(503)];
      net.answer = () => answers.shift() || tracardi();
      const tracker = await start();
      tracker.track('a');
      await tracker.flush(); // fails: the retry in 2 s
      await vi.advanceTimersByTimeAsync(2000);
      await until(() => requests.length == 2, 'the retry');
      await idle();
      const b = tracker.track('b');
      await pass(1000); // its flushInterval, not a pace of up to 30 s
      expect(eventIds(requests[2])).toEqual([b]);
      answers.push(status(503));
      tracker.track('c');
      await pass(1000); // fails: a new run of failures, whose first wait is 2 s at this random (not 3.5 s)
      expect(requests).toHaveLength(4);
      const failed = requests[3].at;
      await vi.advanceTimersByTimeAsync(1999);
      await idle();
      expect(requests).toHaveLength(4);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => requests.length == 5, 'the retry of the new run');
      expect(requests[4].at - failed).toBe(2000);
    });

    it('a page opened after the collector recovered starts its backoff afresh: the wait of the failures before is over for the site', async () => {
      const answers = [status(503), status(503)];
      net.answer = () => answers.shift() || tracardi();
      const tracker = await start();
      tracker.track('a');
      await tracker.flush(); // fails: 2 s
      await vi.advanceTimersByTimeAsync(2000);
      await until(() => requests.length == 2, 'the first retry');
      await idle(); // fails again: 3.5 s
      await vi.advanceTimersByTimeAsync(3500);
      await until(() => requests.length == 3, 'the second retry');
      await idle(); // delivered
      answers.push(status(503));
      const next = await start(); // the next page of the site
      next.track('b');
      await next.flush(); // fails: the first failure since the collector recovered
      const [failed, sent] = [requests[requests.length - 1].at, requests.length];
      await vi.advanceTimersByTimeAsync(1999);
      await idle();
      expect(requests).toHaveLength(sent);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => requests.length > sent, 'the retry at 2 s');
      expect(requests[requests.length - 1].at - failed).toBe(2000);
    });

    it('a backlog after being offline (no failure from the collector) goes at full speed', async () => {
      net.online = false;
      const tracker = await start({ batchSize: 1000, flushInterval: 60_000 });
      Array.from({ length: 2500 }, (_, i) => tracker.track('e', { i }));
      await tracker.flush();
      net.online = true;
      window.dispatchEvent(new Event('online'));
      await until(() => requests.length == 3, 'the backlog');
      expect(requests.map((r) => r.at - requests[0].at)).toEqual([0, 0, 0]);
    });

    it("a backlog that waited for a failing collector goes at full speed once the 'online' event says the network is back", async () => {
      const answers = [status(503)];
      net.answer = () => answers.shift() || tracardi();
      const tracker = await start({ batchSize: 1000, flushInterval: 60_000 });
      const ids = Array.from({ length: 2500 }, (_, i) => tracker.track('e', { i }));
      await tracker.flush(); // the first request fails
      window.dispatchEvent(new Event('online'));
      await until(() => requests.length == 4, 'the backlog');
      expect(requests.map((r) => r.at - requests[0].at)).toEqual([0, 0, 0, 0]);
      expect(requests.slice(1).flatMap(eventIds)).toEqual(ids);
    });

    it("events wait in the queue while the collector fails, and the 'online' event retries at once", async () => {
      const answers = [status(503, { 'Retry-After': '600' }), tracardi()];
      net.answer = () => answers.shift()!;
      const tracker = await start();
      const id = tracker.track('a');
      await tracker.flush();
      expect(await queuedIds()).toEqual([id]);
      window.dispatchEvent(new Event('online'));
      await until(() => requests.length == 2, 'the retry on online');
      expect(requests[1].at).toBe(requests[0].at);
    });
  });

  it.each([401, 403, 404])('%i drops the batch, counts it, and does not retry', async (code) => {
    const answers = [status(code)];
    net.answer = () => answers.shift() || tracardi();
    const tracker = await start();
    tracker.track('a');
    tracker.track('b');
    await tracker.flush();
    expect(requests).toHaveLength(1);
    expect(await queued()).toEqual({ events: [], dropped: 2 });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await idle();
    expect(requests).toHaveLength(1);
    const c = tracker.track('c');
    await tracker.flush();
    expect(eventIds(requests[1])).toEqual([c]);
    expect(requests[1].body.context.tracker).toEqual({ dropped: 2 });
    expect((await queued()).dropped).toBe(0);
    tracker.track('d');
    await tracker.flush();
    expect(requests[2].body.context.tracker).toBeUndefined();
  });
});

describe('offline', () => {
  it("sends nothing while navigator.onLine is false, and delivers after the 'online' event", async () => {
    net.online = false;
    const tracker = await start();
    const ids = [tracker.track('a'), tracker.track('b')];
    await tracker.flush();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await idle();
    expect(net.fetchStub).not.toHaveBeenCalled();
    expect(await queuedIds()).toEqual(ids);
    net.online = true;
    window.dispatchEvent(new Event('online'));
    await until(() => requests.length == 1, 'the request after online');
    expect(eventIds(requests[0])).toEqual(ids);
    await until(() => net.fetchStub.mock.results.every((r) => r.type != 'incomplete'));
    await idle();
    expect(await queuedIds()).toEqual([]);
  });

  it('a hidden page sends no beacon while offline: the events stay queued for the network to come back', async () => {
    net.online = false;
    const tracker = await start({ flushInterval: 60_000 });
    const ids = [tracker.track('a'), tracker.track('b')];
    hide();
    expect(net.sendBeacon).not.toHaveBeenCalled();
    await idle();
    expect(net.fetchStub).not.toHaveBeenCalled();
    net.online = true;
    window.dispatchEvent(new Event('online'));
    await until(() => requests.length == 1, 'the request after online');
    expect(allSent()).toEqual(ids);
  });
});

// What a hidden page does not beacon is kept (IndexedDB, or whatever the queue uses for a closing page):
// these tests check it by delivery, through the same tracker or the next page's, not by storage layout.
describe('page hidden', () => {
  it('pending events go by net.sendBeacon, as application/json Blobs, and are kept as well: the next page sends them again, the same ids', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    const ids = [tracker.track('a'), tracker.track('b'), tracker.track('c')];
    hide();
    expect(net.sendBeacon).toHaveBeenCalledTimes(1);
    const [{ url, blob }] = beacons;
    expect(url).toBe(`${COLLECTOR}/track`);
    expect(blob).toBeInstanceOf(Blob);
    expect(blob.type).toBe('application/json');
    expect(blob.size).toBeLessThanOrEqual(QUOTA);
    const payload = await payloadOf(blob);
    expect(eventIds(payload)).toEqual(ids);
    expect(payload.source).toEqual({ id: 'web' });
    expect(payload.session.id).toBe(tracker.sessionId);
    expect(payload.options).toEqual({});
    expect(payload.context.browser.local.browser.userAgent).toBe(navigator.userAgent);
    await idle();
    expect(net.fetchStub).not.toHaveBeenCalled();
    // A browser says nothing of a beacon's fate: the next page sends them again, once, and a collector keeps one.
    await start();
    expect(allSent()).toEqual(ids);
    expect(await queued()).toEqual({ events: [], dropped: 0 });
  });

  it('before the collector ever answered, hidden events are beaconed and kept: the next page sends them again', async () => {
    // A first visit closed during an outage: the beacon may go into a failing collector, and a
    // browser says nothing of its fate. Sent twice (same ids, deduped) is better than lost.
    const tracker = await start({ flushInterval: 60_000 });
    const ids = [tracker.track('a'), tracker.track('b')];
    hide();
    expect(beacons).toHaveLength(1);
    expect(eventIds(await payloadOf(beacons[0].blob))).toEqual(ids);
    await start(); // the next page
    expect(allSent()).toEqual(ids);
    expect(await queued()).toEqual({ events: [], dropped: 0 });
  });

  it('events on their way into IndexedDB when the page hides go by beacon instead: the write is aborted, never both', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    const a = tracker.track('a');
    const flushed = tracker.flush(); // the write to IndexedDB starts, and has not landed
    const b = tracker.track('b');
    hide();
    const beaconed = (await Promise.all(beacons.map((x) => payloadOf(x.blob)))).flatMap(eventIds);
    expect(beaconed).toEqual([a, b]);
    await flushed;
    expect(await queuedIds()).toEqual([a, b]); // kept once, by the hide: the aborted write never landed
    await start(); // the next page
    expect(allSent()).toEqual([a, b]);
  });

  it("a spill another tab writes is moved into IndexedDB at once, offline too: it outlives a crash then", async () => {
    await start();
    net.online = false;
    const closing = { id: 'closed-tab-1', url: COLLECTOR, source: 'web', session: '6f1c2e4a-8b3d-4c5e-9f6a-7b8c9d0e1f2a', event: '{"id":"closed-tab-1"}', at: T0 };
    const key = 'beacon-tracker:0.5';
    const value = JSON.stringify({ name: 'bt', events: [closing], dropped: 1 });
    localStorage.setItem(key, value);
    window.dispatchEvent(new StorageEvent('storage', { key, newValue: value }));
    await vi.advanceTimersByTimeAsync(500);
    await until(() => localStorage.getItem(key) == null, 'the spill moved');
    expect(await queued()).toEqual({ events: [{ ...closing, profile: undefined, path: undefined }], dropped: 1 });
    expect(requests).toHaveLength(0);
  });

  it('visibilitychange to visible does nothing', async () => {
    const tracker = await start({ flushInterval: 60_000 });
    tracker.track('a');
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    expect(net.sendBeacon).not.toHaveBeenCalled();
  });

  it('pagehide beacons the pending events too, and only once with visibilitychange', async () => {
    const tracker = await start({ flushInterval: 60_000 });
    const id = tracker.track('a');
    hide();
    window.dispatchEvent(new Event('pagehide'));
    expect(net.sendBeacon).toHaveBeenCalledTimes(1);
    expect(eventIds(await payloadOf(beacons[0].blob))).toEqual([id]);
  });

  it('pagehide of a hidden page alone beacons them', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    const id = tracker.track('a');
    redefine(document, 'visibilityState', { get: () => 'hidden' });
    window.dispatchEvent(new Event('pagehide'));
    expect(eventIds(await payloadOf(beacons[0].blob))).toEqual([id]);
    await start();
    expect(allSent()).toEqual([id]); // kept as well, sent again once
  });

  it('pagehide of a visible page (Firefox closing a tab) beacons nothing; the visibilitychange after it does, and keeps the one spill', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    const ids = [tracker.track('a'), tracker.track('b')];
    window.dispatchEvent(new Event('pagehide'));
    expect(net.sendBeacon).not.toHaveBeenCalled(); // Firefox drops a beacon sent from here
    const keys = () => Object.keys(localStorage).filter((key) => key.startsWith('beacon-tracker:'));
    expect(keys()).toHaveLength(1);
    hide();
    expect(eventIds(await payloadOf(beacons[0].blob))).toEqual(ids);
    expect(keys()).toHaveLength(1); // the same spill, rewritten
    await start(); // the next page sends them again, once
    expect(allSent()).toEqual(ids);
  });

  it('a spill another tab moved in before the visibilitychange is beaconed all the same: sent twice at worst, never lost', async () => {
    // The page cannot tell a copy another tab took in from a pagehide write that never landed (Firefox).
    const tracker = await startAnswered({ flushInterval: 60_000 });
    const ids = [tracker.track('a'), tracker.track('b')];
    window.dispatchEvent(new Event('pagehide'));
    await start(); // another tab drains: it moves the spill in and delivers it
    expect(allSent()).toEqual(ids);
    hide();
    expect(eventIds(await payloadOf(beacons[0].blob))).toEqual(ids);
    await start();
    for (const id of ids) expect(allSent().filter((sent) => sent == id).length).toBeLessThanOrEqual(2); // never lost
  });

  it('a spill beaconed while the collector is failing stays spilled: the next page delivers it', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    net.answer = () => status(503);
    tracker.track('x');
    await tracker.flush(); // the collector fails: health false, the event stays queued
    const ids = [tracker.track('a'), tracker.track('b')];
    window.dispatchEvent(new Event('pagehide'));
    hide();
    expect(net.sendBeacon).not.toHaveBeenCalled();
    net.answer = () => tracardi();
    await pass(120_000);
    await start();
    for (const id of ids) expect(allSent().filter((sent) => sent == id)).toHaveLength(1); // not beaconed, delivered once
  });

  it('pagehide of a visible page with no visibilitychange after it (Safari navigating): the next page delivers the events', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    const ids = [tracker.track('a'), tracker.track('b')];
    window.dispatchEvent(new Event('pagehide'));
    expect(net.sendBeacon).not.toHaveBeenCalled();
    await start();
    expect(allSent()).toEqual(ids);
  });

  it('a page kept at pagehide and then restored (back/forward cache) sends its events once', async () => {
    const tracker = await startAnswered({ flushInterval: 1000 });
    const ids = [tracker.track('a'), tracker.track('b')];
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(1000); // restored: its timer runs, the events go to IndexedDB and out
    await tracker.flush();
    await start(); // and a later page
    expect(allSent()).toEqual(ids);
    expect(Object.keys(localStorage).filter((key) => key.startsWith('beacon-tracker:'))).toEqual([]);
  });

  it('beacons stay within 64 KiB in all; the next page delivers every event, what was beaconed too', async () => {
    const tracker = await startAnswered({ batchSize: 1000, flushInterval: 60 * 60_000 });
    const ids = Array.from({ length: 30 }, (_, i) => tracker.track('big', { i, text: 'x'.repeat(5000) }));
    hide();
    for (const { blob } of beacons) expect(blob.size).toBeLessThanOrEqual(QUOTA);
    expect(beacons.reduce((sum, b) => sum + b.blob.size, 0)).toBeLessThanOrEqual(QUOTA);
    const beaconed = (await Promise.all(beacons.map((b) => payloadOf(b.blob)))).flatMap(eventIds);
    expect(beaconed.length).toBeGreaterThan(0);
    expect(beaconed.length).toBeLessThan(ids.length);
    expect(net.fetchStub).not.toHaveBeenCalled(); // nothing over the quota as keepalive either
    await start(); // the next page
    expect(allSent()).toEqual(ids);
  });

  it("a closing page's beacon carries up to the whole 64 KiB the browser allows: twelve events of 5 KB go in one", async () => {
    const tracker = await startAnswered({ batchSize: 1000, flushInterval: 60 * 60_000 });
    const ids = Array.from({ length: 12 }, (_, i) => tracker.track('big', { i, text: 'x'.repeat(5050) }));
    hide();
    expect(beacons).toHaveLength(1);
    expect(beacons[0].blob.size).toBeGreaterThan(64_000);
    expect(beacons[0].blob.size).toBeLessThanOrEqual(QUOTA);
    expect(eventIds(await payloadOf(beacons[0].blob))).toEqual(ids);
  });

  it('a keepalive request still in flight when the page hides leaves its bytes out of the beacons: together they stay within 64 KiB', async () => {
    const tracker = await startAnswered({ batchSize: 1000, flushInterval: 60 * 60_000 });
    let answer!: (response: Response) => void;
    net.answer = () => new Promise((resolve) => (answer = resolve));
    const sending = Array.from({ length: 8 }, (_, i) => tracker.track('big', { i, text: 'x'.repeat(5000) }));
    void tracker.flush();
    await until(() => requests.length == 1, 'the request in flight');
    expect(requests[0].init.keepalive).toBe(true);
    const pending = Array.from({ length: 8 }, (_, i) => tracker.track('big', { i, text: 'y'.repeat(5000) }));
    hide();
    expect(requests[0].bytes + beacons.reduce((sum, b) => sum + b.blob.size, 0)).toBeLessThanOrEqual(QUOTA);
    const beaconed = (await Promise.all(beacons.map((b) => payloadOf(b.blob)))).flatMap(eventIds);
    expect(beaconed.length).toBeGreaterThan(0);
    expect(beaconed.length).toBeLessThan(pending.length);
    answer(tracardi());
    net.answer = () => tracardi();
    await start(); // the next page: what was not beaconed was kept
    for (const id of [...sending, ...pending]) expect(allSent()).toContain(id);
  });

  it('one beacon per envelope (here: sessions), all within the quota', async () => {
    const tracker = await startAnswered({ sessionTimeout: 1, flushInterval: 60 * 60_000 });
    const ids: string[] = [];
    const sessions: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(tracker.track('big', { text: 'y'.repeat(20_000) }));
      sessions.push(tracker.sessionId!);
      await vi.advanceTimersByTimeAsync(61_000);
    }
    expect(new Set(sessions).size).toBe(4);
    hide();
    const payloads = await Promise.all(beacons.map((b) => payloadOf(b.blob)));
    expect(payloads.map((p) => p.session.id)).toEqual(sessions.slice(0, 3));
    expect(payloads.map(eventIds)).toEqual([[ids[0]], [ids[1]], [ids[2]]]);
    expect(beacons.reduce((sum, b) => sum + b.blob.size, 0)).toBeLessThanOrEqual(QUOTA);
    await start(); // 4 × 20 KB is over the quota: the last one waits for the next page, with the kept others
    expect(requests.map((r) => [r.body.session.id, eventIds(r)])).toEqual(sessions.map((session, i) => [session, [ids[i]]]));
  });

  it('sendBeacon returning false leaves the events queued, and they are delivered later', async () => {
    net.beaconAccepts = () => false;
    net.answer = () => Promise.reject(new TypeError('keepalive over the quota')); // no other way out now
    const tracker = await start({ flushInterval: 60_000 });
    const ids = [tracker.track('a'), tracker.track('b')];
    hide();
    expect(net.sendBeacon).toHaveBeenCalledTimes(1);
    await until(() => net.fetchStub.mock.results.every((r) => r.type != 'incomplete'));
    await idle();
    net.answer = () => tracardi();
    const delivered = requests.length;
    await start(); // the next page
    expect(requests.slice(delivered).flatMap(eventIds)).toEqual(ids);
  });

  it('sendBeacon refusing (or missing), the closing page posts the events as a keepalive request instead', async () => {
    net.beaconAccepts = () => false;
    const tracker = await startAnswered({ flushInterval: 60_000 });
    const ids = [tracker.track('a'), tracker.track('b')];
    hide();
    await until(() => requests.length == 1, 'the keepalive request');
    expect(requests[0].init.keepalive).toBe(true);
    expect(eventIds(requests[0])).toEqual(ids);
  });

  it('sends no beacon while the collector is failing: everything stays queued', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    net.answer = () => status(503);
    const tracker = await start({ flushInterval: 60_000 });
    const first = tracker.track('a');
    await tracker.flush();
    const second = tracker.track('b');
    hide();
    expect(net.sendBeacon).not.toHaveBeenCalled();
    net.answer = () => tracardi();
    await vi.advanceTimersByTimeAsync(2000);
    await until(() => requests.length == 2, 'the retry');
    await until(() => net.fetchStub.mock.results.every((r) => r.type != 'incomplete'));
    await tracker.flush();
    expect(requests.slice(1).flatMap(eventIds)).toEqual([first, second]);
  });

  it('sends no beacon after a refusal for good (401): the events stay queued, not lost uncounted', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    net.answer = () => status(401);
    tracker.track('a');
    await tracker.flush(); // refused for good: dropped and counted
    const id = tracker.track('b');
    hide();
    expect(net.sendBeacon).not.toHaveBeenCalled(); // a beacon would lose it uncounted
    net.answer = () => tracardi();
    await start(); // the next page: the collector takes events again
    expect(allSent()).toContain(id);
  });

  it("a tab that never sent anything itself knows from the drainer that the collector fails: it beacons nothing into it, and keeps all", async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const drainer = await start();
    net.answer = () => status(503);
    drainer.track('x');
    await drainer.flush(); // the collector failed, as every tab of the site now knows
    const quiet = await start({ name: 'bt', flushInterval: 60_000 });
    const ids = [quiet.track('a'), quiet.track('b')];
    hide();
    expect(net.sendBeacon).not.toHaveBeenCalled();
    net.answer = () => tracardi();
    await vi.advanceTimersByTimeAsync(1000);
    await start(); // a later page
    for (const id of ids) expect(allSent()).toContain(id);
  });

  it("a failure five minutes old no longer stops a closing tab's beacon: it beacons, and keeps what it beaconed", async () => {
    const drainer = await start();
    net.answer = () => status(503);
    drainer.track('x');
    await drainer.flush();
    net.answer = () => tracardi();
    const quiet = await start({ flushInterval: 60 * 60_000 });
    await vi.advanceTimersByTimeAsync(5 * 60_000 + 1);
    const id = quiet.track('a');
    hide();
    expect(eventIds(await payloadOf(beacons[0].blob))).toEqual([id]);
    await start(); // kept as well: the next page sends it again (the collector dedupes by id)
    expect(allSent()).toContain(id);
  });

  it('events of one millisecond (their order kept in fractions of it) leave the stored activity a whole number', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    for (let i = 0; i < 5; i++) tracker.track('same-ms');
    hide(); // writes the session at once
    const value = decodeURIComponent(document.cookie.match(/(?:^|; )bt=([^;]+)/)![1]);
    expect(value).toMatch(/^[0-9a-f-]{36}\.[0-9a-z]+\.p1$/);
    expect(localStorage.getItem('bt')).toBe(value);
  });

  it('the session is written on hide', async () => {
    const tracker = await start({ flushInterval: 60_000 });
    await vi.advanceTimersByTimeAsync(5000);
    tracker.track('a');
    const setItem = vi.spyOn(localStorage, 'setItem');
    hide();
    expect(setItem).toHaveBeenCalledWith('bt', `${tracker.sessionId}.${(T0 + 5000).toString(36)}.`);
  });
});

describe('refused events', () => {
  it("a too large, circular or BigInt event returns '' and is counted in a later payload", async () => {
    const tracker = await start();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(tracker.track('big', { text: 'é'.repeat(40_000) })).toBe('');
    expect(tracker.track('loop', circular)).toBe('');
    expect(tracker.track('bigint', { n: BigInt(1) })).toBe('');
    expect(tracker.track('when', {}, { time: new Date(NaN) })).toBe('');
    const ok = tracker.track('ok');
    await tracker.flush();
    expect(allSent()).toEqual([ok]);
    expect(requests[0].body.context.tracker).toEqual({ dropped: 4 });
    tracker.track('next');
    await tracker.flush();
    expect(requests[1].body.context.tracker).toBeUndefined();
  });

  it('the count waits in the queue when no event follows, and goes with the next one', async () => {
    const tracker = await start();
    expect(tracker.track('big', { text: '😀'.repeat(20_000) })).toBe('');
    await tracker.flush();
    expect(requests).toHaveLength(0);
    expect(await queued()).toEqual({ events: [], dropped: 1 });
    tracker.track('ok');
    await tracker.flush();
    expect(requests[0].body.context.tracker).toEqual({ dropped: 1 });
  });

  it('warns in the console only with debug', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const quiet = await start();
    quiet.track('big', { text: 'x'.repeat(70_000) });
    expect(warn).not.toHaveBeenCalled();
    const loud = await start({ debug: true, name: 'bt2' });
    loud.track('big', { text: 'x'.repeat(70_000) });
    expect(warn).toHaveBeenCalledWith('beacon-tracker:', expect.stringMatching(/^event refused: RangeError: event over 61440 bytes/));
  });
});

describe('queue bound', () => {
  it('past maxQueueEvents the oldest go, and the loss is reported', async () => {
    net.online = false;
    const tracker = await start({ maxQueueEvents: 3 });
    const ids = Array.from({ length: 5 }, (_, i) => tracker.track('e', { i }));
    await tracker.flush();
    expect(await queued()).toEqual({ events: expect.any(Array), dropped: 2 });
    expect(await queuedIds()).toEqual(ids.slice(2));
    net.online = true;
    window.dispatchEvent(new Event('online'));
    await until(() => requests.length == 1);
    expect(eventIds(requests[0])).toEqual(ids.slice(2));
    expect(requests[0].body.context.tracker).toEqual({ dropped: 2 });
  });
});

describe('navigator.locks', () => {
  it("each drain runs under its tracker's lock when Web Locks exist", async () => {
    const request = vi.fn((_name: string, task: () => Promise<void>) => task());
    redefine(navigator, 'locks', { value: { request } });
    const tracker = await start();
    request.mockClear();
    tracker.track('a');
    await tracker.flush();
    expect(request).toHaveBeenCalledWith('beacon-tracker:bt', expect.any(Function));
    expect(requests).toHaveLength(1);
  });

  it('two tabs sharing the queue and the lock deliver every event once', async () => {
    let held = Promise.resolve();
    const request = vi.fn((_name: string, task: () => Promise<void>) => {
      const run = held.then(task);
      held = run.catch(() => {});
      return run;
    });
    redefine(navigator, 'locks', { value: { request } });
    const [tab1, tab2] = [await start(), await start()];
    const ids = [tab1.track('a'), tab2.track('b'), tab1.track('c'), tab2.track('d')];
    await Promise.all([tab1.flush(), tab2.flush()]);
    expect(allSent().sort()).toEqual(ids.sort());
    expect(await queuedIds()).toEqual([]);
  });

  it('without Web Locks (an http page) the drain runs all the same', async () => {
    expect(navigator.locks ?? undefined).toBeUndefined(); // happy-dom has none
    const tracker = await start();
    tracker.track('a');
    await tracker.flush();
    expect(requests).toHaveLength(1);
  });

  it('without Web Locks, a lease in IndexedDB keeps a second tab from sending what the first is sending', async () => {
    expect(navigator.locks ?? undefined).toBeUndefined();
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    net.answer = async () => (await slow, tracardi());
    const [tab1, tab2] = [await start(), await start()];
    const ids = [tab1.track('a'), tab1.track('b')];
    const first = tab1.flush(); // its request hangs on the slow collector, with the lease held
    await until(() => requests.length == 1, 'the first request');
    expect(await lease()).toBeGreaterThan(Date.now());
    const second = tab2.flush(); // finds the lease taken: sends nothing
    await idle();
    expect(requests).toHaveLength(1);
    release();
    await Promise.all([first, second]);
    expect(allSent()).toEqual(ids);
    expect(await lease()).toBe(0); // given back
    await vi.advanceTimersByTimeAsync(60_000); // the second tab's try when the lease would have run out
    expect(allSent()).toEqual(ids);
  });

  it('without Web Locks, a lease whose tab closed runs out, and another tab drains', async () => {
    // A tab that closed mid-drain: the lease in the default tracker's meta (docs/storage.md).
    await set(['bt'], { count: 0, bytes: 0, dropped: 0, lease: Date.now() + 60_000, ok: 0, failed: 0 }, createStore('beacon-tracker', 'queue'));
    const tracker = await start();
    const id = tracker.track('a');
    await tracker.flush();
    expect(requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60_000);
    await until(() => requests.length == 1, 'the drain after the lease ran out');
    expect(allSent()).toEqual([id]);
  });
});

describe('the largest event', () => {
  it('an event of MAX_EVENT_BYTES is accepted and delivered within 64 KiB with its envelope; one byte more is refused', async () => {
    const tracker = await start();
    tracker.track('small');
    const text = (bytes: number) => '€'.repeat(Math.floor(bytes / 3)) + 'a'.repeat(bytes % 3);
    // The event's JSON without its text: measured on the wire from a probe event.
    tracker.track('big', { text: '' });
    await tracker.flush();
    const probe = requests[0].body.events[1];
    const base = new TextEncoder().encode(JSON.stringify(probe)).length;
    requests.length = 0;
    expect(tracker.track('big', { text: text(MAX_EVENT_BYTES - base + 1) })).toBe('');
    const big = tracker.track('big', { text: text(MAX_EVENT_BYTES - base) });
    expect(big).not.toBe('');
    const after = tracker.track('after');
    await tracker.flush();
    expect(allSent()).toEqual([big, after]);
    const wire = requests[0].body.events[0];
    expect(new TextEncoder().encode(JSON.stringify(wire)).length).toBe(MAX_EVENT_BYTES);
    for (const request of requests) expect(request.bytes).toBeLessThanOrEqual(QUOTA);
    expect(requests[0].body.context.tracker).toEqual({ dropped: 1 }); // the one byte over
  });
});

describe('what must never block delivery', () => {
  // track() accepts events up to 60 KiB, but an init() context of any size goes in the envelope too.
  it('an accepted event that cannot fit in a request does not block the events after it', async () => {
    const tracker = await start({ context: { note: 'n'.repeat(5000) } });
    redefine(document, 'visibilityState', { get: () => 'hidden' }); // requests of 64 KiB at most
    const big = tracker.track('big', { text: 'a'.repeat(60_000) });
    expect(big).not.toBe(''); // accepted: under MAX_EVENT_BYTES
    const small = tracker.track('small');
    await tracker.flush();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await tracker.flush();
    expect(allSent()).toEqual([small]);
    expect(requests[0].body.context.tracker).toEqual({ dropped: 1 });
  });

  // setTimeout fires at once past 2^31-1 ms (24.8 days): an unbounded wait would be a timer loop.
  it("a Retry-After past setTimeout's range does not wake the drain every millisecond", async () => {
    const request = vi.fn((_name: string, task: () => Promise<void>) => task());
    redefine(navigator, 'locks', { value: { request } });
    net.answer = () => status(503, { 'Retry-After': '2592000' }); // 30 days, valid delay-seconds
    const tracker = await start();
    tracker.track('a');
    await tracker.flush();
    const drains = request.mock.calls.length;
    for (let i = 0; i < 100; i++) await vi.advanceTimersByTimeAsync(10); // one second of page time
    expect(requests).toHaveLength(1);
    expect(request.mock.calls.length - drains).toBeLessThanOrEqual(1);
  });
});
