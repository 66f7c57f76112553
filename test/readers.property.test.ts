// @vitest-environment node
// Properties of the readers of outside data (docs/trust.md), for any value fast-check makes (test/support/
// hostile.ts): a reader never throws (but init()'s and track()'s own TypeErrors), gives a checked value of
// its own or undefined, keeps every number within its range, and never gives a url other than the one
// configured or stored; Object.prototype set by the page changes nothing it reads.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { createStore, promisifyRequest, set, type UseStore } from 'idb-keyval';
import { readOptions, type Config } from '../src/options';
import { CONTEXTS, eventIdOf, readEventOptions } from '../src/event';
import { readRecord, type EventRecord } from '../src/record';
import { readSpill } from '../src/spill';
import { readDescription } from '../src/background-sync';
import { answeredProfile, readAnswer } from '../src/answer';
import { retryAfter, retryDelay } from '../src/retry';
import { readCustomer } from '../src/session';
import { LEASE_MS } from '../src/chunks';
import { createQueue } from '../src/queue';
import { createDelivery } from '../src/delivery';
import { endpointOf, isCollectorUrl, PROFILE_LESS } from '../src/endpoint';
import { isProfileId, isSessionId } from '../src/id';
import { own } from '../src/read';
import { drainInBackground } from '../src/worker';
import { asyncProperty, hostile, late, hostileNumber, hostileString, pollution, property, shaped, storable, unprintable, urlish, withPollution } from './support/hostile';

const URL = 'https://collector.test';
const SESSION = '6f1c2e4a-8b3d-4c5e-9f6a-7b8c9d0e1f2a';
const hasOwn = (value: object, key: string) => Object.prototype.hasOwnProperty.call(value, key);
/** What a reader gave, comparable: its JSON, or the message it threw. */
const outcome = (read: () => unknown) => {
  try {
    return { value: JSON.stringify(read(), (_key, value) => (typeof value == 'function' ? 'function' : value)) };
  } catch (error) {
    return { error: String(error) };
  }
};

// ------------------------------------------------------------------------------------------------------
// init()'s options

const NUMBERS: Record<string, number> = { batchSize: 1000, flushInterval: 3_600_000, timeout: 600_000, sessionTimeout: 525_600, maxQueueEvents: 1_000_000, maxQueueBytes: 1_000_000_000 };
const SWITCHES = ['debug', 'immediate', 'profileLess', 'requireConsent', 'honorPrivacySignals', 'pageViews', 'backgroundSync', 'taggedEvents', 'outboundLinks', 'engagement'];
const OBJECTS = ['context', 'options', 'properties', 'schemas'];
const CALLBACKS = ['onResponse', 'beforeSend', 'onConsentRequired'] as const;
const CONFIG_KEYS = ['url', 'source', 'name', 'cookieDomain', 'defaultContext', 'fileDownloads', ...SWITCHES, ...Object.keys(NUMBERS), ...OBJECTS, ...CALLBACKS].sort();

const numberish = fc.oneof(hostileNumber, hostileNumber.map(String), fc.nat({ max: 2_000_000 }), fc.nat().map(String), fc.constantFrom('10s', ' 5 ', '0x10', '1e3', ''));
const switchish = fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', '', 'TRUE', 'yes', 1, 0));
const objectish = fc.oneof(
  fc.object({ maxDepth: 2 }),
  fc.dictionary(fc.string(), fc.array(fc.string(), { maxLength: 3 }), { maxKeys: 3 }),
  fc.dictionary(fc.constantFrom('buy', 'constructor', '__proto__', 'toString'), fc.array(fc.string(), { maxLength: 3 })),
  fc.json(),
  fc.dictionary(fc.string(), fc.array(fc.string(), { maxLength: 3 }), { maxKeys: 3 }).map((value) => JSON.stringify(value)),
  fc.constantFrom({ n: 1n }, Object.assign(Object.create(null), { a: 1 }), [1], new Date(0), null),
  late('an object whose getter throws', () => ({ get x() { throw new Error('getter') } })),
  late('a cycle', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    return cycle;
  }),
);
const optionFields = {
  url: urlish,
  source: fc.oneof(fc.constant('web'), hostileString),
  name: fc.oneof(fc.constantFrom('bt', 'beacon-tracker', 'a;b', 'a:b', 'a b', 'x'.repeat(64), 'x'.repeat(65), ['bt'], 5), fc.string()),
  cookieDomain: fc.oneof(fc.constantFrom('.example.com', 'example.com', 'a..b', '.', 'a;b', ['a.com'], 5), fc.domain()),
  defaultContext: fc.oneof(fc.constantFrom(...CONTEXTS), fc.string()),
  ...Object.fromEntries(Object.keys(NUMBERS).map((key) => [key, numberish])),
  ...Object.fromEntries(SWITCHES.map((key) => [key, switchish])),
  ...Object.fromEntries(OBJECTS.map((key) => [key, objectish])),
  fileDownloads: fc.oneof(switchish, fc.constantFrom('pdf,zip', 'pdf, zip', ['pdf', 'zip'], 'p.df', [])),
  onResponse: fc.oneof(fc.constant(() => {}), fc.constant(undefined)),
  beforeSend: fc.oneof(fc.constant((event: unknown) => event), fc.constant(undefined)),
  onConsentRequired: fc.oneof(fc.constant(() => {}), fc.constant(undefined), fc.constant('no function')),
};
/** Options as a script tag's data attributes give them: every value a string. */
const dataAttributes = fc.record(
  {
    url: fc.oneof(fc.constant(URL), urlish),
    source: fc.oneof(fc.constant('web'), fc.string()),
    ...Object.fromEntries(Object.keys(NUMBERS).map((key) => [key, fc.oneof(fc.nat({ max: 2_000_000 }).map(String), hostileString)])),
    ...Object.fromEntries(SWITCHES.map((key) => [key, fc.constantFrom('true', 'false', '')])),
    ...Object.fromEntries(OBJECTS.map((key) => [key, fc.oneof(fc.json(), hostileString)])),
  },
  { requiredKeys: ['url', 'source'] },
);

/** What a config must be, whatever it was read from. */
function checkConfig(given: unknown, config: Config) {
  expect(Object.keys(config).sort()).toEqual(CONFIG_KEYS);
  expect(isCollectorUrl(config.url)).toBe(true);
  // The url given, without its trailing slashes: never another.
  const url = Object.getOwnPropertyDescriptor(Array.isArray(given) ? {} : given, 'url')!.value as string;
  expect(config.url).toBe(url.replace(/\/+$/, ''));
  // A url fetch and sendBeacon can post to, on its own origin.
  const base = new globalThis.URL(config.url);
  expect(new globalThis.URL(`${config.url}/track`).origin).toBe(base.origin);
  expect(typeof config.source == 'string' && config.source.length > 0).toBe(true);
  expect(typeof config.name).toBe('string');
  expect(config.name).toMatch(/^[\w-]{1,64}$/);
  if (config.cookieDomain !== undefined) {
    expect(typeof config.cookieDomain).toBe('string');
    expect(config.cookieDomain).toMatch(/^\.?[\w-]+(\.[\w-]+)*$/);
  }
  expect(CONTEXTS).toContain(config.defaultContext);
  for (const key of SWITCHES) expect(typeof config[key as keyof Config]).toBe('boolean');
  for (const [key, most] of Object.entries(NUMBERS)) {
    const value = config[key as keyof Config] as number;
    expect(typeof value).toBe('number');
    expect(value > 0 && value <= most).toBe(true);
  }
  for (const key of OBJECTS) {
    const value = config[key as keyof Config] as object;
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(value !== own(given, key)).toBe(true); // a copy
    expect(JSON.stringify(value)[0]).toBe('{'); // it can go in a payload
  }
  for (const type of Object.keys(config.schemas)) {
    expect(Array.isArray(config.schemas[type])).toBe(true);
    for (const name of config.schemas[type]) expect(typeof name).toBe('string');
  }
  for (const key of CALLBACKS) expect(config[key] === undefined || typeof config[key] == 'function').toBe(true);
  // true, or file extensions: words.
  expect(config.fileDownloads === true || config.fileDownloads === false || (Array.isArray(config.fileDownloads) && config.fileDownloads.every((extension) => /^\w+$/.test(extension)))).toBe(true);
}

/**
 * Whether one of `keys` of `given` holds a value with no string form (String() throws: a revoked Proxy, an
 * object without a prototype, a toString that throws): misuse.ts's show() throws on those while it words
 * init()'s or track()'s TypeError (see 'a value with no string form' below).
 */
const unprintableIn = (given: unknown, keys: string[]) =>
  keys.some((key) => {
    const value = own(given, key);
    try {
      String(value);
      return false;
    } catch {
      return true;
    }
  });

/** readOptions gives a checked config, or throws its own TypeError; nothing else. */
function readsOrRefuses(given: unknown) {
  let config: Config;
  try {
    config = readOptions(given);
  } catch (error) {
    if (unprintableIn(given, ['url', 'source', 'name', 'cookieDomain', 'defaultContext', ...Object.keys(NUMBERS)])) return;
    expect(error instanceof TypeError).toBe(true);
    expect(String((error as Error).message)).toMatch(/^beacon-tracker: init\(\): /);
    return;
  }
  checkConfig(given, config);
}

describe('readOptions', () => {
  it('an options object of any shape gives a checked config, or init()\'s own TypeError', () => {
    fc.assert(property(shaped(optionFields, ['own', 'own', 'own', 'own', 'inherited', 'getters', 'proxy', 'throwingProxy', 'nullPrototype', 'frozen', 'array']), readsOrRefuses), { numRuns: 100 });
  });

  it('a switch whose value has no string form runs none of its code: requireConsent is compared, never converted (found by the property above)', () => {
    expect(readOptions({ url: URL, source: 'web', requireConsent: unprintable() as never }).requireConsent).toBe(false);
  });

  it('anything at all in place of the options: a config, or init()\'s own TypeError', () => {
    fc.assert(property(hostile, readsOrRefuses), { numRuns: 100 });
  });

  it('data attributes (a map of strings) give a checked config, or init()\'s own TypeError', () => {
    fc.assert(property(dataAttributes, readsOrRefuses), { numRuns: 80 });
  });

  it('inherited options are no options: a config read from an object whose prototype holds them has none of them', () => {
    fc.assert(
      property(shaped(optionFields, ['own']), (inherited) => {
        const given = Object.assign(Object.create(inherited as object), { url: URL, source: 'web' });
        expect(outcome(() => readOptions(given))).toEqual(outcome(() => readOptions({ url: URL, source: 'web' })));
      }),
      { numRuns: 100 },
    );
  });

  it('Object.prototype set by the page changes no config', () => {
    fc.assert(
      property(shaped(optionFields, ['own']), pollution, (given, keys) => {
        expect(withPollution(keys, () => outcome(() => readOptions(given)))).toEqual(outcome(() => readOptions(given)));
      }),
      { numRuns: 60 },
    );
  });
});

// ------------------------------------------------------------------------------------------------------
// track()'s event options and externalId

const EVENT_OPTION_KEYS = ['context', 'mode', 'contextInfo', 'options', 'time', 'immediate', 'customerId'];
const eventOptionFields = {
  context: fc.oneof(fc.constantFrom(...CONTEXTS), fc.object()),
  mode: fc.constantFrom('ACTIVE', 'PASSIVE', 'x'),
  contextInfo: fc.object(),
  options: fc.object(),
  time: fc.oneof(fc.date(), fc.integer()),
  immediate: fc.boolean(),
  customerId: fc.string(),
};

describe('readEventOptions', () => {
  it('gives every option key as its own property, and only what the value has as its own', () => {
    fc.assert(
      property(fc.oneof(shaped(eventOptionFields), hostile), (value) => {
        const options = readEventOptions(value);
        expect(Object.keys(options).sort()).toEqual([...EVENT_OPTION_KEYS].sort());
        expect(options !== value).toBe(true);
        // What it read is what a plain own-property read gives, where one can be made.
        let plain: Record<string, unknown> | undefined;
        try {
          if (value && typeof value == 'object') plain = Object.fromEntries(EVENT_OPTION_KEYS.map((key) => [key, hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined]));
        } catch {
          plain = undefined; // a getter or Proxy that throws: read as absent, or as far as it reads
        }
        if (plain) for (const key of EVENT_OPTION_KEYS) expect(Object.is(options[key as keyof typeof options], plain[key])).toBe(true);
        else if (!value || typeof value != 'object') for (const key of EVENT_OPTION_KEYS) expect(options[key as keyof typeof options]).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('Object.prototype set by the page adds no option', () => {
    fc.assert(
      property(fc.oneof(shaped(eventOptionFields, ['own']), fc.constant(undefined), fc.constant({})), pollution, (value, keys) => {
        expect(withPollution(keys, () => outcome(() => readEventOptions(value)))).toEqual(outcome(() => readEventOptions(value)));
      }),
      { numRuns: 60 },
    );
  });
});

describe('eventIdOf', () => {
  it('gives an id of 1 to 256 characters, or track()\'s own TypeError; an externalId is the id, a finite number as its string', () => {
    fc.assert(
      property(fc.oneof(shaped({ externalId: fc.oneof(fc.string({ minLength: 1 }), fc.double(), fc.integer()) }), hostile), (properties) => {
        let id: string;
        try {
          id = eventIdOf(properties as object);
        } catch (error) {
          if (unprintableIn(properties, ['externalId'])) return;
          expect(error instanceof TypeError).toBe(true);
          expect(String((error as Error).message)).toMatch(/^beacon-tracker: track\(\): externalId /);
          return;
        }
        expect(typeof id).toBe('string');
        expect(id.length >= 1 && id.length <= 256).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

// ------------------------------------------------------------------------------------------------------
// Storage: records, spills, descriptions

const recordFields = {
  id: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('x'.repeat(256), 'x'.repeat(257))),
  url: urlish,
  source: fc.oneof(fc.constant('web'), fc.string()),
  session: fc.oneof(fc.constant(SESSION), fc.uuid({ version: 4 }), fc.uuid(), fc.string()),
  profile: fc.oneof(fc.constant(undefined), fc.constantFrom('p1', 'a@b.c', 'x'.repeat(129), 'a b'), fc.string()),
  event: fc.oneof(fc.json(), fc.string()),
  at: fc.oneof(fc.integer({ min: 0 }), fc.double()),
  path: fc.oneof(fc.constant(undefined), fc.constantFrom(PROFILE_LESS, '/collect/a/web', '/track', '.evil.test/steal', '@evil.test', '/collect/../..', ['/collect/x'], '//evil.test/x'), fc.string()),
};
const RECORD_KEYS = ['at', 'event', 'id', 'path', 'profile', 'session', 'source', 'url'];

/** What a record read back must be: its own fresh object of checked fields, posted only to its url's origin. */
function checkRecord(record: EventRecord, value?: unknown) {
  expect(record !== value).toBe(true);
  expect(Object.keys(record).sort()).toEqual(RECORD_KEYS);
  expect(typeof record.id == 'string' && record.id.length >= 1 && record.id.length <= 256).toBe(true);
  expect(isCollectorUrl(record.url)).toBe(true);
  expect(typeof record.source == 'string' && record.source.length >= 1 && record.source.length <= 256).toBe(true);
  expect(isSessionId(record.session)).toBe(true);
  expect(record.profile === undefined || isProfileId(record.profile)).toBe(true);
  expect(typeof record.event).toBe('string');
  expect(Number.isFinite(record.at) && record.at >= 0).toBe(true);
  expect(record.path === undefined || record.path == PROFILE_LESS || (typeof record.path == 'string' && record.path.startsWith('/collect/'))).toBe(true);
  // Where it goes stays on its url's origin (when the url is one fetch can post to at all).
  const endpoint = endpointOf(record);
  expect(endpoint.startsWith(`${record.url}/`)).toBe(true);
  let origin: string | undefined;
  try {
    origin = new globalThis.URL(record.url).origin;
  } catch {
    origin = undefined; // not a url fetch takes: the request fails, and is retried or dropped as any failure
  }
  if (origin) expect(new globalThis.URL(endpoint).origin).toBe(origin);
}

describe('readRecord', () => {
  it('a value of any shape gives a checked record of its own, or undefined', () => {
    fc.assert(
      property(fc.oneof({ weight: 4, arbitrary: shaped(recordFields) }, { weight: 1, arbitrary: hostile }), (value) => {
        const record = readRecord(value);
        if (record) checkRecord(record, value);
      }),
      { numRuns: 100 },
    );
  });

  it('Object.prototype set by the page changes no record', () => {
    fc.assert(
      property(shaped(recordFields, ['own', 'json']), pollution, (value, keys) => {
        const parsed = typeof value == 'string' ? JSON.parse(value) : value;
        expect(withPollution(keys, () => outcome(() => readRecord(parsed)))).toEqual(outcome(() => readRecord(parsed)));
      }),
      { numRuns: 60 },
    );
  });
});

describe('readSpill', () => {
  const spill = shaped({ name: fc.constantFrom('bt', 'other', ''), events: fc.array(shaped(recordFields, ['own', 'own', 'inherited', 'nullPrototype', 'frozen']), { maxLength: 5 }), dropped: hostileNumber });

  it('a spill of any shape gives checked records and a bounded loss count; another tracker\'s gives undefined', () => {
    fc.assert(
      property(fc.oneof({ weight: 4, arbitrary: spill }, { weight: 1, arbitrary: hostile }), (value) => {
        const read = readSpill(value, 'bt');
        let owner: unknown;
        try {
          owner = value && typeof value == 'object' && hasOwn(value, 'name') ? (value as Record<string, unknown>).name : undefined;
        } catch {
          owner = undefined;
        }
        if (!read) {
          expect(typeof owner == 'string' && owner != 'bt').toBe(true);
          return;
        }
        const [records, dropped] = read;
        for (const record of records) checkRecord(record);
        expect(Number.isInteger(dropped) && dropped >= 0).toBe(true);
        expect(dropped).toBeLessThanOrEqual(1e9 + 5);
      }),
      { numRuns: 100 },
    );
  });

  it('a spill read back from its JSON with Object.prototype set by the page reads the same', () => {
    fc.assert(
      property(spill, pollution, (value, keys) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(JSON.stringify(value) ?? 'null');
        } catch {
          parsed = null;
        }
        expect(withPollution(keys, () => outcome(() => readSpill(parsed, 'bt')))).toEqual(outcome(() => readSpill(parsed, 'bt')));
      }),
      { numRuns: 60 },
    );
  });
});

describe('readDescription', () => {
  const descriptionFields = {
    name: fc.oneof(fc.constant('bt'), fc.string()),
    url: urlish,
    context: fc.oneof(fc.object(), fc.constant([])),
    options: fc.oneof(fc.object(), fc.constant([])),
    timeout: fc.oneof(fc.constant(10_000), hostileNumber),
    session: fc.oneof(fc.constant(SESSION), fc.uuid(), fc.string()),
    profile: fc.oneof(fc.constant('p1'), fc.string()),
  };

  it('a value of any shape gives a checked description, its timeout within init()\'s bounds, or undefined', () => {
    fc.assert(
      property(fc.oneof({ weight: 4, arbitrary: shaped(descriptionFields) }, { weight: 1, arbitrary: hostile }), (value) => {
        const description = readDescription(value);
        if (!description) return;
        expect(description !== value).toBe(true);
        expect(typeof description.name).toBe('string');
        expect(isCollectorUrl(description.url)).toBe(true);
        for (const part of [description.context, description.options]) expect(part && typeof part == 'object' && !Array.isArray(part)).toBe(true);
        expect(description.timeout > 0 && description.timeout <= 600_000).toBe(true);
        expect(isSessionId(description.session)).toBe(true);
        expect(description.profile === undefined || isProfileId(description.profile)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('Object.prototype set by the page changes no description', () => {
    fc.assert(
      property(shaped(descriptionFields, ['own']), pollution, (value, keys) => {
        expect(withPollution(keys, () => outcome(() => readDescription(value)))).toEqual(outcome(() => readDescription(value)));
      }),
      { numRuns: 60 },
    );
  });
});

describe('the worker over descriptions another page or version left', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.stubGlobal('navigator', { onLine: true, locks: { request: (_name: string, task: () => Promise<unknown>) => task() } });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('a description whose context could go in no payload (a BigInt, which IndexedDB keeps) is none: no sync fails on it, its events wait for a page', async () => {
    const store = createStore('description-bigint', 'queue');
    await set('tracker:bt', { name: 'bt', url: URL, context: { n: 1n }, options: {}, timeout: 1000, session: SESSION }, store);
    const record: EventRecord = { id: 'a', url: URL, source: 'web', session: SESSION, profile: undefined, event: '{"id":"a"}', at: 1, path: undefined };
    const queue = createQueue({ name: 'bt', url: URL, maxQueueEvents: 10, maxQueueBytes: 1e6 }, store);
    await queue._add([record], 0);
    const fetched = vi.fn(async () => new Response('{}', { status: 200 }));
    vi.stubGlobal('fetch', fetched);
    await expect(drainInBackground(false, store)).resolves.toBeUndefined();
    expect(fetched).not.toHaveBeenCalled();
    expect((await queue._oldest(10))[0].map((left) => left.id)).toEqual(['a']);
  });

  it.each([Infinity, 2 ** 31, 1e12])('timeout %d: the worker waits for a collector that answers in 5 s, not aborting at once', async (timeout) => {
    const store = createStore(`description-timeout-${timeout}`, 'queue');
    await set('tracker:bt', { name: 'bt', url: URL, context: {}, options: {}, timeout, session: SESSION }, store);
    const record: EventRecord = { id: 'a', url: URL, source: 'web', session: SESSION, profile: undefined, event: '{"id":"a"}', at: 1, path: undefined };
    await createQueue({ name: 'bt', url: URL, maxQueueEvents: 10, maxQueueBytes: 1e6 }, store)._add([record], 0);
    const outcomes: string[] = [];
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) =>
      new Promise((resolve, reject) => {
        init.signal!.addEventListener('abort', () => {
          outcomes.push('aborted');
          reject(new DOMException('aborted', 'AbortError'));
        });
        setTimeout(() => {
          outcomes.push('answered');
          resolve(new Response('{}', { status: 200 }));
        }, 5000);
      }),
    );
    const drained = drainInBackground(false, store);
    for (let i = 0; i < 60 && !outcomes.length; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(100);
    }
    await drained;
    expect(outcomes[0]).toBe('answered');
  });
});

// ------------------------------------------------------------------------------------------------------
// The collector's answers

describe('readAnswer and answeredProfile', () => {
  const body = fc.oneof(
    fc.json(),
    hostileString,
    fc.jsonValue().map((value) => JSON.stringify({ profile: value })),
    fc.jsonValue().map((value) => JSON.stringify({ profile: { id: value } })),
    fc.nat({ max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.nat({ max: 20_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
    fc.constant(undefined),
  );

  it('a body of any kind gives a JSON object or nothing; the profile id it names, if it is one', () => {
    fc.assert(
      property(body, (text) => {
        const answer = readAnswer(text as string);
        if (answer === undefined) return;
        expect(answer !== null && typeof answer == 'object' && !Array.isArray(answer)).toBe(true);
        const profile = answeredProfile(answer);
        expect(profile === undefined || isProfileId(profile)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('an answer of any shape names a profile id that is one, or none', () => {
    fc.assert(
      property(fc.oneof(shaped({ profile: shaped({ id: fc.oneof(fc.constant('p1'), fc.string()) }) }), hostile), (answer) => {
        const profile = answeredProfile(answer as Record<string, unknown>);
        expect(profile === undefined || isProfileId(profile)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('Object.prototype.profile set by the page names no profile', () => {
    fc.assert(
      property(fc.oneof(fc.constant('{}'), fc.constant('{"x":1}'), fc.constant('{"profile":{}}')), (text) => {
        const profile = withPollution({ profile: { id: 'evil' }, id: 'evil' }, () => answeredProfile(readAnswer(text)!));
        expect(profile).toBeUndefined();
      }),
    );
  });
});

describe('retryAfter', () => {
  const header = fc.oneof(
    fc.constant(null),
    hostileString,
    fc.nat().map(String),
    fc.constantFrom(' 5 ', '5.5', '-1', '1e3', '0x10', '9'.repeat(400), 'Infinity', 'Wed, 21 Oct 2015 07:28:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT', '+5'),
    fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
  );
  const now = fc.oneof(fc.integer({ min: 0, max: 4e12 }), hostileNumber);

  it('gives ms from 0, never NaN; the backoff it feeds stays within ten minutes', () => {
    fc.assert(
      fc.property(header, now, fc.nat({ max: 600_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (given, at, last, random) => {
        const ms = retryAfter(given, at);
        expect(typeof ms).toBe('number');
        expect(ms >= 0).toBe(true);
        const delay = retryDelay(last, ms, random);
        expect(Number.isFinite(delay) && delay >= 1000 && delay <= 600_000).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('readCustomer', () => {
  it('a value of any shape gives a customer of checked ids, or nothing', () => {
    fc.assert(
      property(fc.oneof(shaped({ id: fc.string(), externalId: fc.string() }), hostile, fc.string()), (value) => {
        const customer = readCustomer(value);
        if (!customer) return;
        expect(customer !== value).toBe(true);
        expect(Object.keys(customer).sort()).toEqual(['externalId', 'id']);
        const ids = [customer.id, customer.externalId];
        expect(ids.some(Boolean)).toBe(true);
        for (const id of ids) expect(id === undefined || (typeof id == 'string' && id.length >= 1 && id.length <= 256)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('Object.prototype set by the page names no customer', () => {
    fc.assert(
      property(fc.oneof(fc.constant({}), fc.constant(null), fc.constant({ id: 'c1' })), (value) => {
        expect(withPollution({ id: 'evil', externalId: 'evil' }, () => readCustomer(value))).toEqual(readCustomer(value));
      }),
    );
  });
});

// ------------------------------------------------------------------------------------------------------
// The queue with garbage in IndexedDB: its meta, its chunks; delivered through Delivery as a page drains

describe('the queue over garbage another tab or version left', () => {
  let runs = 0;
  let requests: { url: string; ids: string[] }[];

  beforeEach(() => {
    vi.stubGlobal('navigator', { onLine: true });
    // A collector that refuses what is no JSON, as Tracardi does (422), and takes the rest.
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const body = await (init.body as Blob).text();
      let ids: string[] = [];
      try {
        const parsed = JSON.parse(body);
        ids = Array.isArray(parsed?.events) ? parsed.events.map((event: { id?: unknown }) => String(event?.id)) : [];
      } catch {
        requests.push({ url, ids: [] });
        return new Response('{"detail":"no json"}', { status: 422 });
      }
      requests.push({ url, ids });
      return new Response('{}', { status: 200 });
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  /** What IndexedDB can hold in place of a field. */
  const storableLeaf = fc.oneof(storable, hostileNumber, hostileString);
  const metaFields = { count: hostileNumber, bytes: hostileNumber, dropped: hostileNumber, lease: fc.oneof(hostileNumber, fc.constantFrom(Date.now() + 86_400_000, Date.now() + 1000, Date.now() - 1000)) };
  const storableRecord = shaped({ ...recordFields, url: fc.oneof(fc.constant(URL), urlish), session: fc.oneof(fc.constant(SESSION), recordFields.session) }, ['own', 'own', 'nullPrototype', 'frozen', 'json'], storableLeaf);
  const chunk = fc.oneof(storableRecord, fc.array(fc.oneof({ weight: 3, arbitrary: storableRecord }, { weight: 1, arbitrary: storable }), { maxLength: 4 }), storable);
  const key = fc.tuple(fc.oneof(fc.constant(URL), fc.constant('https://other.test'), fc.string({ maxLength: 5 })), fc.oneof(fc.double({ noNaN: true }), fc.nat()), fc.string({ maxLength: 5 }));
  const garbage = fc.record({
    meta: fc.oneof(shaped(metaFields, ['own', 'own', 'nullPrototype', 'json', 'array'], storableLeaf), storable),
    chunks: fc.array(fc.tuple(key, chunk), { maxLength: 6 }),
  });

  /** Writes the garbage where the tracker's queue is, as another tab or an older version might have. */
  async function leave(store: UseStore, { meta, chunks }: { meta: unknown; chunks: [[string, number, string], unknown][] }) {
    await store('readwrite', (objects) => {
      objects.put(meta, ['bt']);
      for (const [[url, at, id], value] of chunks) objects.put(value, ['bt', url, at, id]);
      return promisifyRequest(objects.transaction);
    });
  }

  const good = (): EventRecord => ({ id: 'good', url: URL, source: 'web', session: SESSION, profile: undefined, event: '{"id":"good","type":"view","properties":{}}', at: 3e12, path: undefined });

  it('still delivers a good event added after it: the garbage is sent, refused or dropped, never to another url, and the counts stay within range', async () => {
    await fc.assert(
      asyncProperty(garbage, async (left) => {
        requests = [];
        const store = createStore(`garbage-${++runs}`, 'queue');
        await leave(store, left);
        const queue = createQueue({ name: 'bt', url: URL, maxQueueEvents: 1000, maxQueueBytes: 1e6 }, store);
        await queue._add([good()], 0);
        const delivery = createDelivery({ _queue: queue, _timeout: 10_000, _parts: () => ({ context: {}, options: {} }), _answered() {}, _warn() {} });
        expect(await delivery._drain(true)).toBe(true);
        expect(requests.flatMap((request) => request.ids)).toContain('good');
        for (const request of requests) expect(request.url.startsWith(`${URL}/`)).toBe(true);
        const [rest, after] = await queue._oldest(1000);
        expect(rest).toEqual([]);
        for (const number of [after.count, after.bytes, after.dropped, after.lease]) expect(Number.isInteger(number) && number >= 0).toBe(true);
      }),
      { numRuns: 120 },
    );
  });

  it('making the counts exact at a bound counts the events kept, broken values found on the way not taken off twice', async () => {
    const store = createStore(`exact-${++runs}`, 'queue');
    await leave(store, { meta: { count: 5, bytes: 0, dropped: 0, lease: 0 }, chunks: [[[URL, 1, 'x'], 'broken'], [[URL, 2, 'y'], { not: 'a record' }]] });
    const queue = createQueue({ name: 'bt', url: URL, maxQueueEvents: 2, maxQueueBytes: 1e6 }, store);
    await queue._add([{ ...good(), id: 'g1', at: 10 }], 0);
    const meta = await queue._add([{ ...good(), id: 'g2', at: 11 }], 0);
    expect((await queue._oldest(10))[0].map((record) => record.id)).toEqual(['g1', 'g2']);
    expect(meta).toMatchObject({ count: 2, dropped: 2 });
  });

  it('a lease another tab left is taken unless it runs out within LEASE_MS from now', async () => {
    await fc.assert(
      asyncProperty(fc.oneof(hostileNumber, fc.integer({ min: -2 * LEASE_MS, max: 2 * LEASE_MS }).map((ms) => Date.now() + ms)), async (lease) => {
        const store = createStore(`lease-${++runs}`, 'queue');
        await set(['bt'], { count: 0, bytes: 0, dropped: 0, lease }, store);
        const before = Date.now();
        const taken = await createQueue({ name: 'bt', url: URL, maxQueueEvents: 10, maxQueueBytes: 1e6 }, store)._lease(0, LEASE_MS);
        const after = Date.now();
        if (taken) expect(taken >= before + LEASE_MS && taken <= after + LEASE_MS).toBe(true);
        else expect(lease > before && lease <= after + LEASE_MS).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
