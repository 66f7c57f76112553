// @vitest-environment happy-dom
// Properties of what a page reads back from the site's storage and from the app's calls (docs/trust.md), in
// the happy-dom harness: the collector's health and the session in localStorage and cookies, whatever another
// tab or script wrote there; track() with any properties and event options; and a whole tracker over
// garbage in IndexedDB and localStorage, which must still deliver a good event, to its collector only.
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { IDBFactory } from 'fake-indexeddb';
import { createStore, promisifyRequest } from 'idb-keyval';
import { failing, noteAnswer, sharedBackoff } from '../src/health';
import { createSession } from '../src/session';
import { createTracker, forgetTrackers } from '../src/tracker';
import { CONTEXTS } from '../src/event';
import { isProfileId, isSessionId } from '../src/id';
import { own } from '../src/read';
import { PROFILE_LESS } from '../src/endpoint';
import { asyncProperty, hostile, hostileNumber, hostileString, pollution, property, realize, shaped, storable, withPollution } from './support/hostile';
import { COLLECTOR, redefine, start, T0, UUID_V4 } from './support/page';

const SESSION = '6f1c2e4a-8b3d-4c5e-9f6a-7b8c9d0e1f2a';
const MINUTE = 60_000;

/** A time near `T0`: past, present, or ahead (another tab's clock), or no time at all. */
const timeish = fc.oneof(fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }).map((ms) => T0 + ms), fc.constantFrom(T0, T0 - 10_000, T0 - 300_000, T0 + 1), hostileNumber, hostileString);
/** A generated value as another tab leaves it in localStorage: its JSON, or its string form, or garbage. */
const asJson = (generated: unknown) => {
  const value = realize(generated);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return '{"garbage":';
    }
  }
};
/** A value as document.cookie keeps it. */
const cookieValue = (value: string) => {
  try {
    return encodeURIComponent(value);
  } catch {
    return value; // a lone surrogate: written as it is
  }
};

function clearStorage() {
  localStorage.clear();
  for (const cookie of document.cookie.split('; ')) {
    const name = cookie.split('=')[0];
    if (name) document.cookie = `${name}=; max-age=-1; path=/`;
  }
}

describe("the collector's health, as other tabs wrote it", () => {
  const entry = fc.oneof(shaped({ ok: timeish, failed: timeish, retry: timeish, wait: timeish }, ['own', 'own', 'nullPrototype', 'array']).map(asJson), hostileString);
  /** The rule of failing(), from the times this tab can believe: whole ms, from 0, not ahead of its clock. */
  const believed = (value: unknown, now: number) => (typeof value == 'number' && value > 0 && Math.floor(Math.min(value, Number.MAX_SAFE_INTEGER)) <= now ? Math.floor(value) : 0);

  it('whatever is there, failing() believes no time ahead of its clock, and never throws', () => {
    fc.assert(
      property(entry, fc.integer({ min: T0 - MINUTE, max: T0 + MINUTE }), (stored: string, now: number) => {
        localStorage.setItem('bt:health', stored);
        let parsed: unknown;
        try {
          parsed = JSON.parse(stored);
        } catch {
          parsed = undefined;
        }
        const [ok, failed] = [believed(own(parsed, 'ok'), now), believed(own(parsed, 'failed'), now)];
        expect(failing('bt', now)).toBe(!!failed && failed >= ok && failed >= now - 300_000);
      }),
      { numRuns: 100 },
    );
  });

  it('an answer noted over anything leaves whole times from 0 to now, and the answer is what failing() says', () => {
    fc.assert(
      property(entry, fc.boolean(), fc.integer({ min: T0 - MINUTE, max: T0 + MINUTE }), (stored: string, ok: boolean, now: number) => {
        localStorage.setItem('bt:health', stored);
        noteAnswer('bt', ok, now);
        const written = JSON.parse(localStorage.getItem('bt:health')!);
        expect(Object.keys(written).sort()).toEqual(['failed', 'ok', 'retry', 'wait']);
        for (const time of [written.ok, written.failed]) expect(Number.isInteger(time) && time >= 0 && time <= now).toBe(true);
        // A 2xx of this very ms is news unless a failure of the same ms was noted: then the failure is.
        expect(failing('bt', now)).toBe(ok ? written.failed == now : true);
      }),
      { numRuns: 100 },
    );
  });
});

describe("the site's backoff, as other tabs wrote it", () => {
  it('whatever is there, a new page waits ten minutes at most, and no wait is over ten minutes', () => {
    const entry = fc.oneof(shaped({ retry: timeish, wait: timeish }, ['own', 'own', 'nullPrototype', 'array']).map(asJson), hostileString);
    fc.assert(
      property(entry, (stored: string) => {
        localStorage.setItem('bt:health', stored);
        const [retryIn, wait] = sharedBackoff('bt')._read();
        for (const ms of [retryIn, wait]) expect(Number.isFinite(ms) && ms >= 0 && ms <= 600_000).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('the session, as the cookie and localStorage give it', () => {
  const NOW = T0;
  const TIMEOUT = 30 * MINUTE;
  const stored = fc.oneof(
    fc
      .tuple(
        fc.oneof(fc.constant(SESSION), fc.uuid({ version: 4 }), fc.uuid(), fc.string({ maxLength: 10 })),
        fc.oneof(fc.integer({ min: NOW - 2 * TIMEOUT, max: NOW + TIMEOUT }).map((at) => at.toString(36)), fc.constantFrom('', 'zzzzzzzzzzzzzz', '-1', 'NaN', '0'), fc.string({ maxLength: 5 })),
        fc.oneof(fc.constantFrom('', 'p1', 'a@b.c', 'x'.repeat(129), 'a.b.c', 'a;b'), fc.string({ maxLength: 10 })),
      )
      .map((parts) => parts.join('.')),
    hostileString,
    fc.constant(null),
  );
  const customer = fc.oneof(shaped({ id: fc.string(), externalId: fc.string() }, ['own', 'own', 'array']).map(asJson), hostileString, fc.constant(null));

  /** The session id, activity and profile a stored value gives, if it is one the tracker could have written. */
  function parsed(value: string | null) {
    const [id, activity, ...rest] = (value || '').split('.');
    const at = parseInt(activity, 36);
    return UUID_V4.test(id) ? { id, at, profile: rest.join('.') } : undefined;
  }

  it('gives a UUID session: the most recently active stored one within the timeout and not ahead of the clock, else a new one', () => {
    fc.assert(
      property(stored, stored, customer, fc.boolean(), (cookie: string | null, kept: string | null, customerJson: string | null, profileLess: boolean) => {
        clearStorage();
        if (cookie != null) document.cookie = `bt=${cookieValue(cookie)};path=/`;
        if (kept != null) localStorage.setItem('bt', kept);
        if (customerJson != null) localStorage.setItem('bt:customer', customerJson);
        const session = createSession({ name: 'bt', sessionTimeout: 30, profileLess }, NOW);
        expect(isSessionId(session._id)).toBe(true);
        expect(session._profile === undefined || (isProfileId(session._profile) && !profileLess)).toBe(true);
        if (session._customer) for (const id of [session._customer.id, session._customer.externalId]) expect(id === undefined || (typeof id == 'string' && id.length >= 1 && id.length <= 256)).toBe(true);
        // The cookie first: on a tie it wins.
        let best: { id: string; at: number; profile: string } | undefined;
        for (const value of [cookie, kept]) {
          const candidate = parsed(value);
          if (candidate && candidate.at > (best ? best.at : 0) && candidate.at <= NOW) best = candidate;
        }
        if (best && NOW - best.at <= TIMEOUT) expect(session._id).toBe(best.id);
        else expect([parsed(cookie)?.id, parsed(kept)?.id]).not.toContain(session._id);
        // Written back, with this activity, to both stores.
        expect(localStorage.getItem('bt')).toBe(`${session._id}.${NOW.toString(36)}.${session._profile ?? ''}`);
      }),
      { numRuns: 100 },
    );
  });

  it("another tab's value adopted is read as it would be restored: a UUID session, a checked profile and customer, never throwing", () => {
    fc.assert(
      property(stored, customer, (value: string | null, customerJson: string | null) => {
        clearStorage();
        const session = createSession({ name: 'bt', sessionTimeout: 30 }, NOW);
        if (customerJson != null) localStorage.setItem('bt:customer', customerJson);
        session._adopt(value);
        expect(isSessionId(session._id)).toBe(true);
        expect(session._profile === undefined || isProfileId(session._profile)).toBe(true);
        expect(session._customer === undefined || Object.keys(session._customer).sort().join() == 'externalId,id').toBe(true);
        expect(session._touch(NOW + 1)).toMatch(UUID_V4);
      }),
      { numRuns: 100 },
    );
  });
});

describe('track() with whatever the app gives it', () => {
  const properties = fc.oneof(
    shaped({ externalId: fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.integer()), date: fc.oneof(fc.date().map((date) => date.toISOString()), fc.string()), score: fc.oneof(fc.integer(), fc.double()), targetId: fc.string(), toJSON: fc.constant(() => null) }),
    hostile,
    fc.constant(undefined),
  );
  const eventOptions = fc.oneof(
    shaped({ context: fc.oneof(fc.constantFrom(...CONTEXTS), fc.object()), mode: fc.constantFrom('ACTIVE', 'PASSIVE', 'x'), contextInfo: fc.object(), options: fc.object(), time: fc.oneof(fc.date(), fc.integer(), hostileNumber), immediate: fc.boolean(), customerId: fc.string() }),
    hostile,
    fc.constant(undefined),
  );
  const type = fc.oneof(fc.constantFrom('view', 'constructor', 'toString', '__proto__', 'c_custom', 'c_' + 'x'.repeat(40), 'buy'), fc.string(), hostile);

  it("takes an event, refuses it, or throws track()'s own TypeError; what goes out is always a Tracardi event, and a good event after all of it is delivered", async () => {
    const sent: { url: string; body: string }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      sent.push({ url, body: await (init.body as Blob).text() });
      return new Response('{}', { status: 200 });
    });
    const tracker = await start({ batchSize: 1000, flushInterval: 3_600_000, schemas: { buy: ['sku'] } });
    const taken: string[] = [];
    fc.assert(
      property(type, properties, eventOptions, (given: unknown, props: unknown, options: unknown) => {
        let id: string;
        try {
          id = tracker.track(given as string, props as object, options as object);
        } catch (error) {
          // misuse.ts's show() throws on a value with no string form while it words the TypeError (see readers.property.test.ts).
          if (error instanceof TypeError && /^beacon-tracker: track\(\): /.test(error.message)) return;
          // src/tracker.ts checks properties with Array.isArray, which throws on a revoked Proxy (see below).
          try {
            Array.isArray(props);
          } catch {
            return;
          }
          let printable = true;
          for (const value of [given, own(props, 'externalId'), own(props, 'date'), own(props, 'score'), own(options, 'mode'), own(options, 'customerId')]) {
            try {
              String(value);
            } catch {
              printable = false;
            }
          }
          expect(printable).toBe(false);
          return;
        }
        expect(typeof id).toBe('string');
        if (id) taken.push(id);
      }),
      { numRuns: 100 },
    );
    const good = tracker.track('good', { n: 1 });
    await tracker.flush();
    const events = sent.flatMap(({ url, body }) => {
      expect(url).toBe(`${COLLECTOR}/track`);
      return JSON.parse(body).events;
    });
    expect(events.map((event: { id: string }) => event.id)).toEqual([...taken, good]);
    for (const event of events) {
      expect(Object.keys(event)).toEqual(['id', 'type', 'time', 'properties', 'options', 'context']);
      expect(typeof event.id == 'string' && typeof event.type == 'string').toBe(true);
      for (const part of [event.time, event.properties, event.options, event.context]) expect(part && typeof part == 'object' && !Array.isArray(part)).toBe(true);
      expect(CONTEXTS).toContain(event.options.context);
      expect(Number.isNaN(Date.parse(event.time.create))).toBe(false);
    }
  });

  it('Object.prototype set by the page changes no event', async () => {
    const sent: string[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      sent.push(await (init.body as Blob).text());
      return new Response('{}', { status: 200 });
    });
    const tracker = await start({ batchSize: 1000, flushInterval: 3_600_000 });
    fc.assert(
      property(pollution, fc.nat(), (keys: Record<string, unknown>, n: number) => {
        expect(withPollution(keys, () => tracker.track('polluted', { n }))).not.toBe('');
      }),
      { numRuns: 100 },
    );
    await tracker.flush();
    for (const body of sent) {
      for (const event of JSON.parse(body).events) {
        expect(event.type).toBe('polluted');
        expect(Object.keys(event.properties)).toEqual(['n']);
        expect(event.options).toEqual({ context: 'WEB' });
        expect(Object.keys(event.context)).toEqual(['page']);
      }
    }
  });
});

describe('a tracker over garbage in the site storage', () => {
  const record = shaped(
    {
      id: fc.string({ minLength: 1, maxLength: 8 }),
      url: fc.oneof(fc.constant(COLLECTOR), fc.constantFrom('https://other.test', 'https://collector.test.evil.test', 'javascript:x')),
      source: fc.constant('web'),
      session: fc.oneof(fc.constant(SESSION), fc.string()),
      profile: fc.constantFrom(undefined, 'p1', 'a b'),
      event: fc.oneof(fc.string({ maxLength: 8 }).map((id) => JSON.stringify({ id, type: 'old', properties: {} })), fc.string()),
      at: fc.oneof(fc.integer({ min: 0, max: T0 }), hostileNumber),
      path: fc.constantFrom(undefined, PROFILE_LESS, '/collect/old/web', '.evil.test', '/track'),
    },
    ['own', 'own', 'nullPrototype', 'json'],
    fc.oneof(storable, hostileNumber, hostileString),
  );
  const garbage = fc.record({
    meta: fc.oneof(shaped({ count: hostileNumber, bytes: hostileNumber, dropped: hostileNumber, lease: timeish }, ['own', 'json'], storable), storable),
    chunks: fc.array(fc.tuple(fc.tuple(fc.constantFrom(COLLECTOR, 'https://other.test', ''), fc.oneof(fc.integer({ min: 0, max: T0 }), fc.double({ noNaN: true })), fc.string({ maxLength: 4 })), fc.oneof(record, fc.array(record, { maxLength: 3 }), storable)), { maxLength: 4 }),
    description: fc.oneof(shaped({ name: fc.constant('bt'), url: fc.constantFrom(COLLECTOR, 'https://evil.test'), context: fc.object(), options: fc.object(), timeout: hostileNumber, session: fc.constant(SESSION) }, ['own'], storable), storable),
    spills: fc.array(fc.oneof(shaped({ name: fc.constantFrom('bt', 'other'), events: fc.array(record, { maxLength: 3 }), dropped: hostileNumber }, ['own', 'own', 'array'], storable).map(asJson), hostileString), { maxLength: 3 }),
    health: fc.oneof(shaped({ ok: timeish, failed: timeish }, ['own'], storable).map(asJson), hostileString),
    consent: fc.constantFrom(undefined, '1', '', 'yes', '0'),
    session: fc.oneof(hostileString, fc.constant(`${SESSION}.${T0.toString(36)}.p1`), fc.constant(`${SESSION}.${(T0 + 86_400_000).toString(36)}.evil id`)),
    customer: fc.oneof(shaped({ id: fc.string(), externalId: fc.string() }, ['own'], storable).map(asJson), hostileString),
  });

  it('delivers a good event tracked now, to its collector only, whatever another tab or version left', async () => {
    redefine(navigator, 'locks', { value: { request: (_name: string, task: () => Promise<unknown>) => task() } });
    let runs = 0;
    await fc.assert(
      asyncProperty(garbage, async (left: any) => {
        // A new page: its own IndexedDB and storage, as the harness makes them for each test.
        forgetTrackers();
        vi.stubGlobal('indexedDB', new IDBFactory());
        clearStorage();
        const sent: { url: string; body: string }[] = [];
        // A collector that refuses what is no JSON (422), as Tracardi does, and takes the rest.
        vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
          const body = await (init.body as Blob).text();
          sent.push({ url, body });
          try {
            JSON.parse(body);
          } catch {
            return new Response('{"detail":"no json"}', { status: 422 });
          }
          return new Response('{"profile":{"id":"p-new"}}', { status: 200 });
        });
        const store = createStore('beacon-tracker', 'queue');
        await store('readwrite', (objects) => {
          objects.put(left.meta, ['bt']);
          for (const [[url, at, id], value] of left.chunks) objects.put(value, ['bt', url, at, id]);
          objects.put(left.description, 'tracker:bt');
          return promisifyRequest(objects.transaction);
        });
        left.spills.forEach((spill: string, i: number) => localStorage.setItem(`beacon-tracker:0.${++runs}${i}`, spill));
        localStorage.setItem('bt:health', left.health);
        if (left.consent !== undefined) localStorage.setItem('bt:consent', left.consent);
        localStorage.setItem('bt', left.session);
        localStorage.setItem('bt:customer', left.customer);

        const tracker = createTracker({ url: COLLECTOR, source: 'web', backgroundSync: true });
        const id = tracker.track('good');
        await tracker.flush();
        await tracker.flush();
        const delivered = sent.flatMap(({ body }) => {
          try {
            return JSON.parse(body).events?.map((event: { id: string }) => event.id) ?? [];
          } catch {
            return [];
          }
        });
        if (left.consent == '0') {
          expect(id).toBe('');
          expect(sent).toEqual([]);
          return;
        }
        expect(delivered).toContain(id);
        for (const { url } of sent) expect(url.startsWith(`${COLLECTOR}/`)).toBe(true);
        expect(tracker.sessionId).toMatch(UUID_V4);
        expect(tracker.profileId === undefined || isProfileId(tracker.profileId)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
