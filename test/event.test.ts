// @vitest-environment node
// buildEvent and serializeEvent: the wire form of one event, its snapshot, JSON's value rules and the size limit.
import { describe, expect, it } from 'vitest';
import type { PageContext } from '../src/context';
import { buildEvent, MAX_EVENT_BYTES, serializeEvent, type EventOptions } from '../src/event';

/** An event built and serialised as track() does, without a context of use or customer. */
const serialize = (id: string, type: string, time: number, properties: object | undefined, eventOptions: EventOptions, page: PageContext) =>
  serializeEvent(buildEvent({ id, type, properties, eventOptions, page }, time));

const bytesOf = (text: string) => new TextEncoder().encode(text).length;

const page: PageContext = {
  url: 'https://shop.test/cart?step=2#pay',
  path: '/cart',
  hash: '#pay',
  title: 'Cart',
  referer: { host: 'search.test', query: 'q=shoes' },
};
const TIME = Date.UTC(2024, 1, 29, 23, 59, 58, 765); // a leap day, late in the day

const wire = (properties?: object, options: Parameters<typeof serialize>[4] = {}) =>
  JSON.parse(serialize('page-1', 'purchase', TIME, properties, options, page));

describe('serializeEvent: wire shape', () => {
  it('has id, type, time.create, properties, options and context.page', () => {
    expect(wire({ total: 42, currency: 'EUR' })).toEqual({
      id: 'page-1',
      type: 'purchase',
      time: { create: '2024-02-29T23:59:58.765Z' },
      properties: { total: 42, currency: 'EUR' },
      options: {},
      context: { page },
    });
  });

  it('is a string that parses back (what IndexedDB stores and payloads splice in)', () => {
    const json = serialize('id', 'view', TIME, {}, {}, page);
    expect(typeof json).toBe('string');
    expect(Object.keys(JSON.parse(json))).toEqual(['id', 'type', 'time', 'properties', 'options', 'context']);
  });

  it.each([
    [0, '1970-01-01T00:00:00.000Z'],
    [Date.UTC(2030, 11, 31, 12, 0, 0, 1), '2030-12-31T12:00:00.001Z'],
    [TIME, '2024-02-29T23:59:58.765Z'],
  ])('time.create of %i is ISO 8601 in UTC: %s', (time, iso) => {
    expect(JSON.parse(serialize('id', 'view', time, {}, {}, page)).time.create).toBe(iso);
  });

  it('an invalid time throws RangeError (track() refuses the event)', () => {
    expect(() => serialize('id', 'view', NaN, {}, {}, page)).toThrow(RangeError);
  });

  it('properties and options default to {}, never null (a Tracardi server answers 500 to null)', () => {
    const event = wire(undefined);
    expect(event.properties).toEqual({});
    expect(event.options).toEqual({});
  });

  it('event options and per-event context go in, the context beside page', () => {
    const event = wire({}, { options: { saveEvent: false }, context: { campaign: 'spring', ab: { variant: 'B' } } });
    expect(event.options).toEqual({ saveEvent: false });
    expect(event.context).toEqual({ page, campaign: 'spring', ab: { variant: 'B' } });
  });
});

describe('serializeEvent: snapshot', () => {
  it('a later mutation of properties, options or context changes nothing', () => {
    const properties: Record<string, unknown> = { items: [{ sku: 'A', qty: 1 }], total: 10 };
    const options = { context: { step: 1 } as Record<string, unknown>, options: { tag: 'x' } as Record<string, unknown> };
    const json = serialize('id', 'cart', TIME, properties, options, page);
    const before = JSON.parse(json);

    (properties.items as { qty: number }[])[0].qty = 99;
    (properties.items as unknown[]).push({ sku: 'B' });
    properties.total = 0;
    properties.added = true;
    options.context.step = 2;
    options.options.tag = 'y';

    expect(JSON.parse(json)).toEqual(before);
    expect(before.properties).toEqual({ items: [{ sku: 'A', qty: 1 }], total: 10 });
    expect(before.context.step).toBe(1);
    expect(before.options).toEqual({ tag: 'x' });
  });
});

describe('serializeEvent: values as JSON.stringify treats them', () => {
  it.each<[string, unknown, unknown]>([
    ['Date → ISO string', new Date(Date.UTC(2020, 0, 1)), '2020-01-01T00:00:00.000Z'],
    ['NaN → null', NaN, null],
    ['Infinity → null', Infinity, null],
    ['-Infinity → null', -Infinity, null],
    ['nested Date', { at: new Date(0) }, { at: '1970-01-01T00:00:00.000Z' }],
    ['undefined in an array → null', [1, undefined, 3], [1, null, 3]],
    ['function in an array → null', [() => 1], [null]],
    ['object with toJSON', { toJSON: () => 'custom' }, 'custom'],
    ['Map → {}', new Map([['a', 1]]), {}],
    ['unicode kept as is', 'Ça 漢字 😀', 'Ça 漢字 😀'],
  ])('%s', (_name, value, expected) => {
    expect(wire({ value }).properties).toEqual({ value: expected });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('%s as a value is dropped with its key', (_name, value) => {
    const properties = wire({ kept: 1, value }).properties;
    expect(properties).toEqual({ kept: 1 });
    expect('value' in properties).toBe(false);
  });

  it('a circular reference throws TypeError', () => {
    const properties: Record<string, unknown> = { a: 1 };
    properties.self = properties;
    expect(() => serialize('id', 'x', TIME, properties, {}, page)).toThrow(TypeError);
  });

  it.each<[string, Parameters<typeof serialize>[3], Parameters<typeof serialize>[4]]>([
    ['in properties', { n: 10n }, {}],
    ['nested in properties', { deep: { list: [1n] } }, {}],
    ['in event options', {}, { options: { n: 1n } }],
    ['in event context', {}, { context: { n: 1n } }],
  ])('a BigInt %s throws TypeError', (_name, properties, options) => {
    expect(() => serialize('id', 'x', TIME, properties, options, page)).toThrow(TypeError);
  });
});

describe('serializeEvent: MAX_EVENT_BYTES', () => {
  it('is 60 KiB, so that one event and its envelope fit in a 64 KiB beacon', () => {
    expect(MAX_EVENT_BYTES).toBe(61_440);
  });

  /** An event whose JSON is exactly `target` UTF-8 bytes, its text made of `unit` characters (padded with ASCII). */
  function eventOfBytes(target: number, unit: string) {
    const base = bytesOf(serialize('id', 'x', TIME, { text: '' }, {}, page));
    const room = target - base;
    const unitBytes = bytesOf(unit);
    const text = unit.repeat(Math.floor(room / unitBytes)) + 'a'.repeat(room % unitBytes);
    expect(bytesOf(JSON.stringify(text)) - 2).toBe(room); // no escaping changes the count
    return { text };
  }

  describe.each([
    ['ASCII', 'a'],
    ['Latin-1 (2 bytes)', 'é'],
    ['euro sign (3 bytes)', '€'],
    ['CJK (3 bytes)', '漢'],
    ['emoji (4 bytes, 2 UTF-16 units)', '😀'],
  ])('%s', (_name, unit) => {
    it.each([
      [MAX_EVENT_BYTES - 1, true],
      [MAX_EVENT_BYTES, true],
      [MAX_EVENT_BYTES + 1, false],
      [MAX_EVENT_BYTES + 100, false],
    ])('an event of %i bytes: accepted %s', (bytes, accepted) => {
      const properties = eventOfBytes(bytes, unit);
      const call = () => serialize('id', 'x', TIME, properties, {}, page);
      if (accepted) expect(bytesOf(call())).toBe(bytes);
      else expect(call).toThrow(RangeError);
    });
  });

  it('counts bytes, not characters: 15,400 emoji (30,800 UTF-16 units, 61,600 bytes) are refused', () => {
    const text = '😀'.repeat(15_400);
    expect(text.length).toBeLessThan(MAX_EVENT_BYTES);
    expect(() => serialize('id', 'x', TIME, { text }, {}, page)).toThrow(RangeError);
  });

  it('counts bytes, not characters: 20,500 CJK characters (61,500 bytes) are refused', () => {
    expect(() => serialize('id', 'x', TIME, { text: '漢'.repeat(20_500) }, {}, page)).toThrow(RangeError);
  });

  it('a long ASCII event under the limit passes (3 × its length is over, its bytes are not)', () => {
    const text = 'a'.repeat(40_000);
    expect(bytesOf(serialize('id', 'x', TIME, { text }, {}, page))).toBeGreaterThan(40_000);
  });

  it('the size counts the per-event context and options too', () => {
    const half = 'a'.repeat(MAX_EVENT_BYTES / 2);
    expect(() => serialize('id', 'x', TIME, { half }, { context: { half } }, page)).toThrow(RangeError);
    expect(() => serialize('id', 'x', TIME, { half }, { options: { half } }, page)).toThrow(RangeError);
  });
});
