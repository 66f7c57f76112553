// Values a reader of outside data may be given (docs/trust.md), as fast-check arbitraries: what the app passes,
// what storage and other tabs give back, what a collector answers, and what a page's other scripts make of
// objects (getters and Proxies that throw, inherited properties, polluted prototypes).
//
// fast-check inspects what it generates (`cloneMethod in value`), which a Proxy that throws would break: the
// hostile objects are made late, by realize(), inside the property.
import fc from 'fast-check';

/** Keys that find Object.prototype's, or that readers and JSON treat specially. */
export const SPECIAL_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'toJSON', 'then', 'length', '0'];

const boom = () => {
  throw new Error('hostile');
};

/** A value made when the property runs, shown as `label` in a counterexample. */
class Late {
  constructor(
    readonly make: () => unknown,
    readonly label: string,
  ) {}
  [fc.toStringMethod]() {
    return this.label;
  }
}
export const late = (label: string, make: () => unknown) => fc.constant(null).map(() => new Late(make, label));

/** The generated value, with every late part made: call it first thing in a property. */
export function realize(value: unknown): any {
  if (value instanceof Late) return value.make();
  if (Array.isArray(value)) return value.map(realize);
  if (value && typeof value == 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const copy = Object.create(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      if ('value' in descriptor) descriptor.value = realize(descriptor.value);
      Object.defineProperty(copy, key, descriptor);
    }
    return Object.isFrozen(value) ? Object.freeze(copy) : copy;
  }
  return value;
}

/**
 * fc.property, with the generated values realized (their late parts made) before the predicate sees them:
 * what it gets is no longer what was generated, hence `any`.
 */
export function property(a: fc.Arbitrary<unknown>, predicate: (a: any) => void): fc.IPropertyWithHooks<[unknown]>;
export function property(a: fc.Arbitrary<unknown>, b: fc.Arbitrary<unknown>, predicate: (a: any, b: any) => void): fc.IPropertyWithHooks<[unknown, unknown]>;
export function property(...args: unknown[]): fc.IPropertyWithHooks<unknown[]>;
export function property(...args: unknown[]) {
  const predicate = args.pop() as (...values: unknown[]) => void;
  return (fc.property as (...parts: unknown[]) => fc.IPropertyWithHooks<unknown[]>)(...args, (...values: unknown[]) => predicate(...values.map(realize)));
}
/** fc.asyncProperty, likewise. */
export function asyncProperty(a: fc.Arbitrary<unknown>, predicate: (a: any) => Promise<void>): fc.IAsyncPropertyWithHooks<[unknown]>;
export function asyncProperty(...args: unknown[]) {
  const predicate = args.pop() as (...values: unknown[]) => Promise<void>;
  return (fc.asyncProperty as (...parts: unknown[]) => fc.IAsyncPropertyWithHooks<unknown[]>)(...args, (...values: unknown[]) => predicate(...values.map(realize)));
}

/** A Proxy whose every trap throws. */
export const throwingProxy = (target: object = {}) =>
  new Proxy(target, { get: boom, getOwnPropertyDescriptor: boom, ownKeys: boom, has: boom, getPrototypeOf: boom, defineProperty: boom, set: boom });
/** A revoked Proxy: every operation on it throws a TypeError. */
export const revokedProxy = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
/** An object that has no string or number form (String() and + throw). */
export const unprintable = () => ({ toString: boom, valueOf: boom, [Symbol.toPrimitive]: boom });

/** Numbers at and past every bound: NaN, infinities, setTimeout's 2^31, past the safe integers, -0. */
export const hostileNumber = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 53 + 2, 1e12, 1e21, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE),
  fc.double(),
  fc.integer(),
);

/** Strings a reader must not trust: empty, white space, control characters, near-JSON, long. */
export const hostileString = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'null', 'undefined', 'true', '{}', '[]', '"x"', '{"a":', '\ud800', 'x'.repeat(70_000), '9'.repeat(400), ...SPECIAL_KEYS),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.json(),
);

/** Anything at all, nested: JSON values, Dates, Maps, typed arrays, sparse arrays, BigInts, null prototypes, boxed values. */
export const anything = fc.anything({
  key: fc.oneof(fc.string(), fc.constantFrom(...SPECIAL_KEYS)),
  maxDepth: 2,
  maxKeys: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** What a structured clone can hold (IndexedDB values): no functions, Symbols, getters or Proxies. */
export const storable = fc.anything({
  key: fc.oneof(fc.string(), fc.constantFrom(...SPECIAL_KEYS)),
  maxDepth: 2,
  maxKeys: 4,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** A value in place of any one field: a hostile leaf, or a hostile object. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: anything },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 2, arbitrary: hostileString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(undefined, null, true, false, Symbol('s'), 10n, new Date(NaN), () => ({}), class {}, [], [[]]).map((value) => value),
  },
  { weight: 1, arbitrary: late('a Proxy that throws', () => throwingProxy()) },
  { weight: 1, arbitrary: late('a revoked Proxy', revokedProxy) },
  { weight: 1, arbitrary: late('an object with no string or number form', unprintable) },
  { weight: 1, arbitrary: late('an object without a prototype', () => Object.create(null)) },
);

/** How an object carrying some fields reaches a reader. */
type Shape = 'own' | 'inherited' | 'getters' | 'proxy' | 'throwingProxy' | 'nullPrototype' | 'frozen' | 'array' | 'json';

/**
 * Objects with the given fields, each valid (from its arbitrary), hostile, or absent, and the object itself
 * made hostile in one of several ways: its fields inherited, behind getters that throw, behind a Proxy (one
 * that passes through, or one that throws), without a prototype, frozen, inside an array, or as its JSON.
 */
export function shaped(
  fields: Record<string, fc.Arbitrary<unknown>>,
  shapes: Shape[] = ['own', 'own', 'own', 'inherited', 'getters', 'proxy', 'throwingProxy', 'nullPrototype', 'frozen', 'array', 'json'],
  other: fc.Arbitrary<unknown> = hostile,
): fc.Arbitrary<unknown> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, valid] of Object.entries(fields)) model[key] = fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: other });
  const keys = Object.keys(fields);
  return fc
    .tuple(fc.record(model, { requiredKeys: [] }), fc.dictionary(fc.constantFrom(...SPECIAL_KEYS), other, { maxKeys: 2 }), fc.constantFrom(...shapes), fc.subarray(keys))
    .map(([object, extra, shape, trapped]) => new Late(() => build(realize(object), realize(extra), shape, trapped), `${shape} ${fc.stringify({ ...object, ...extra })}`));
}

function build(object: Record<string, unknown>, extra: Record<string, unknown>, shape: Shape, trapped: string[]): unknown {
  const value: Record<string, unknown> = { ...object };
  for (const [key, extraValue] of Object.entries(extra)) Object.defineProperty(value, key, { value: extraValue, enumerable: true, configurable: true, writable: true });
  switch (shape) {
    case 'inherited':
      return Object.create(value);
    case 'getters':
      for (const key of trapped) Object.defineProperty(value, key, { get: boom, enumerable: true, configurable: true });
      return value;
    case 'proxy':
      return new Proxy(value, {});
    case 'throwingProxy':
      return throwingProxy(value);
    case 'nullPrototype':
      return Object.assign(Object.create(null), value);
    case 'frozen':
      return Object.freeze(value);
    case 'array':
      return [value];
    case 'json':
      try {
        return JSON.stringify(value);
      } catch {
        return value;
      }
    default:
      return value;
  }
}

/** Collector urls, most of them almost right: a query, a fragment, credentials, white space, other schemes. */
export const urlish = fc.oneof(
  fc.constantFrom(
    'https://collector.test',
    'https://collector.test/',
    'https://collector.test/base//',
    'http://127.0.0.1:8686',
    'https://collector.test?k=1',
    'https://collector.test/#x',
    'https://collector.test ',
    ' https://collector.test',
    'https://user:pass@collector.test',
    'https://collector.test\\@evil.test',
    'https://collector.test.evil.test',
    'https://collector.test:99999',
    'https://[',
    'https://%',
    'https://',
    'https:///x',
    '//collector.test',
    'javascript:alert(1)',
    'data:text/plain,x',
    'ftp://collector.test',
    'HTTPS://COLLECTOR.TEST',
  ),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webUrl().map((url) => url.replace(/[?#].*$/, '')),
  fc.string().map((rest) => `https://${rest}`),
);

/** The Object.prototype keys a page's scripts may set, with values meant to mislead a reader. */
export const pollution = fc.dictionary(
  fc.constantFrom('url', 'path', 'name', 'source', 'timeout', 'beforeSend', 'onResponse', 'context', 'options', 'schemas', 'mode', 'time', 'id', 'event', 'at', 'session', 'profile', 'events', 'dropped', 'count', 'bytes', 'lease', 'ok', 'failed', 'externalId', 'customerId', 'debug', 'immediate', 'requireConsent'),
  fc.oneof(fc.constantFrom('https://evil.test', '.evil.test/steal', '/collect/x', 1e12, -1, true, 'true', 'x', () => 'x'), hostileNumber, fc.string()),
  { minKeys: 1, maxKeys: 4 },
);

/** Runs `task` with Object.prototype carrying `keys` (not enumerable, as a careful polluter writes them), then takes them off. */
export function withPollution<T>(keys: Record<string, unknown>, task: () => T): T {
  const added: string[] = [];
  try {
    for (const [key, value] of Object.entries(keys)) {
      if (Object.prototype.hasOwnProperty.call(Object.prototype, key)) continue;
      Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true, enumerable: false });
      added.push(key);
    }
    return task();
  } finally {
    for (const key of added) delete (Object.prototype as Record<string, unknown>)[key];
  }
}
