// @vitest-environment node
// nextPayload: which queued events share a payload, and the payload's exact bytes.
import { describe, expect, it, vi } from 'vitest';
import { nextPayload, type Envelope } from '../src/payload';
import { utf8Bytes } from '../src/utf8';
import type { EventRecord } from '../src/record';

const encoder = new TextEncoder();
const bytesOf = (text: string) => encoder.encode(text).length;

const BASE = { url: 'https://collector.test', source: 'web', session: 'session-1', profile: undefined, at: 0, path: undefined };

/** A queued event whose JSON carries `text`. */
function record(id: string, text = '', overrides: Partial<EventRecord> = {}): EventRecord {
  return { id, ...BASE, ...overrides, event: JSON.stringify({ id, type: 'click', properties: { text } }) };
}

/** The envelope a tracker would build for the first record of a batch. */
const envelopeOf = (first: EventRecord): Envelope => ({
  source: { id: first.source },
  session: { id: first.session },
  ...(first.profile && { profile: { id: first.profile } }),
  context: { browser: { local: { browser: { userAgent: 'Agent/1.0 — «test»' } } }, time: { local: '2024-01-01T00:00:00.000Z', tz: 'UTC' } },
  properties: {},
  options: {},
});

/** What the payload of `records` must be, built independently of nextPayload's splicing. */
const expectedBody = (records: EventRecord[]) =>
  JSON.stringify({ ...envelopeOf(records[0]), events: records.map((r) => JSON.parse(r.event)) });

const ids = (records: EventRecord[] | undefined) => records?.map((r) => r.id);

describe('utf8Bytes', () => {
  it.each([
    ['', 0],
    ['a', 1],
    ['abc', 3],
    ['é', 2], // Latin-1 supplement
    ['€', 3], // BMP, 3 bytes
    ['漢字', 6], // CJK
    ['😀', 4], // astral: a surrogate pair in UTF-16, 4 bytes in UTF-8
    ['👩‍👩‍👧', 18], // ZWJ sequence: 3 emoji (4 each) and 2 joiners (3 each)
    ['\ud800', 3], // a lone surrogate becomes U+FFFD on the wire
    ['a\u0000b', 3],
  ])('%j is %i bytes', (text, bytes) => {
    expect(utf8Bytes(text)).toBe(bytes);
    expect(utf8Bytes(text)).toBe(bytesOf(text));
  });
});

describe('nextPayload: grouping by envelope', () => {
  it('takes the oldest event and the consecutive ones that share its envelope', () => {
    const records = [record('a'), record('b'), record('c', '', { session: 'session-2' }), record('d')];
    const batch = nextPayload(records, 100, 65_536, envelopeOf);
    expect(ids(batch?._records)).toEqual(['a', 'b']); // 'd' shares a's envelope but comes after 'c'
  });

  it.each<[string, Partial<EventRecord>]>([
    ['url', { url: 'https://other.test' }],
    ['source', { source: 'app' }],
    ['session', { session: 'session-2' }],
    ['profile (set vs none)', { profile: 'p1' }],
  ])('a different %s starts a new payload', (_field, change) => {
    const records = [record('a'), record('b'), record('c', '', change), record('d', '', change)];
    expect(ids(nextPayload(records, 100, 65_536, envelopeOf)?._records)).toEqual(['a', 'b']);
    // ...and the next payload, once a and b are gone, holds c and d under their own envelope.
    const rest = nextPayload(records.slice(2), 100, 65_536, envelopeOf)!;
    expect(ids(rest._records)).toEqual(['c', 'd']);
    expect(JSON.parse(rest._body)).toEqual(JSON.parse(expectedBody(records.slice(2))));
  });

  it('two different profiles do not share a payload', () => {
    const records = [record('a', '', { profile: 'p1' }), record('b', '', { profile: 'p2' })];
    expect(ids(nextPayload(records, 100, 65_536, envelopeOf)?._records)).toEqual(['a']);
  });

  // A key that joined the fields with a space would take (source 'shop eu', session 's1') for ('shop', 'eu s1').
  it('envelopes whose fields contain spaces are still told apart', () => {
    const records = [record('a', '', { source: 'shop eu', session: 's1' }), record('b', '', { source: 'shop', session: 'eu s1' })];
    expect(ids(nextPayload(records, 100, 65_536, envelopeOf)?._records)).toEqual(['a']);
  });

  it('asks for the envelope of the first record only', () => {
    const records = [record('a'), record('b')];
    const envelope = vi.fn(envelopeOf);
    nextPayload(records, 100, 65_536, envelope);
    expect(envelope).toHaveBeenCalledTimes(1);
    expect(envelope).toHaveBeenCalledWith(records[0]);
  });
});

describe('nextPayload: limits', () => {
  const five = ['a', 'b', 'c', 'd', 'e'].map((id) => record(id, 'x'));

  it.each([
    [1, ['a']],
    [2, ['a', 'b']],
    [4, ['a', 'b', 'c', 'd']],
    [5, ['a', 'b', 'c', 'd', 'e']],
    [100, ['a', 'b', 'c', 'd', 'e']],
    [Infinity, ['a', 'b', 'c', 'd', 'e']],
  ])('maxEvents %s takes %j', (maxEvents, expected) => {
    expect(ids(nextPayload(five, maxEvents, 65_536, envelopeOf)?._records)).toEqual(expected);
  });

  it('maxEvents 0 gives nothing', () => {
    expect(nextPayload(five, 0, 65_536, envelopeOf)).toBeUndefined();
  });

  it('nothing from an empty queue', () => {
    expect(nextPayload([], 100, 65_536, envelopeOf)).toBeUndefined();
  });

  // Each text mixes widths so that a count of UTF-16 code units (string length) would be wrong.
  describe.each([
    ['ASCII', 'hello world'],
    ['Latin-1', 'Ça déjà été'],
    ['CJK', '漢字かなカナ한국어'],
    ['emoji', '😀👍🏽👩‍👩‍👧🚀'],
    ['mixed', 'a€😀漢é\u2028'],
  ])('maxBytes with %s text', (_name, text) => {
    const records = ['a', 'b', 'c', 'd'].map((id, i) => record(id, text.repeat(i + 1)));
    const sizes = [1, 2, 3, 4].map((n) => bytesOf(expectedBody(records.slice(0, n))));

    it.each([1, 2, 3, 4])('exactly the bytes of %i events fits them, one byte less drops the last', (n) => {
      const fits = nextPayload(records, 100, sizes[n - 1], envelopeOf)!;
      expect(ids(fits._records)).toEqual(ids(records.slice(0, n)));
      expect(fits._bytes).toBe(sizes[n - 1]);
      const short = nextPayload(records, 100, sizes[n - 1] - 1, envelopeOf);
      if (n == 1) expect(short).toBeUndefined();
      else expect(ids(short!._records)).toEqual(ids(records.slice(0, n - 1)));
    });

    it('the body parses to the envelope and the events in order; _bytes is its UTF-8 size', () => {
      const batch = nextPayload(records, 100, 65_536, envelopeOf)!;
      expect(batch._body).toBe(expectedBody(records));
      expect(JSON.parse(batch._body)).toEqual({ ...envelopeOf(records[0]), events: records.map((r) => JSON.parse(r.event)) });
      expect(batch._bytes).toBe(bytesOf(batch._body));
      expect(batch._bytes).toBeGreaterThan(batch._body.length); // the envelope's user agent is multibyte: bytes, not characters
    });
  });

  it('returns undefined when even the first event does not fit, whatever follows', () => {
    const records = [record('big', '😀'.repeat(1000)), record('small')];
    const size = bytesOf(expectedBody(records.slice(0, 1)));
    expect(nextPayload(records, 100, size - 1, envelopeOf)).toBeUndefined();
    expect(ids(nextPayload(records, 100, size, envelopeOf)?._records)).toEqual(['big']);
  });

  it('stops at the first event that does not fit (order is kept, no skipping ahead)', () => {
    const records = [record('a', 'x'), record('big', 'y'.repeat(5000)), record('c', 'z')];
    const batch = nextPayload(records, 100, 1000, envelopeOf)!;
    expect(ids(batch._records)).toEqual(['a']);
  });

  it('_bytes equals the UTF-8 length of _body for single and many events', () => {
    for (const count of [1, 2, 10, 100]) {
      const records = Array.from({ length: count }, (_, i) => record(`e${i}`, `ü€😀${i}`));
      const batch = nextPayload(records, 100, 1_000_000, envelopeOf)!;
      expect(batch._records).toHaveLength(count);
      expect(batch._bytes).toBe(bytesOf(batch._body));
      expect(JSON.parse(batch._body).events.map((e: { id: string }) => e.id)).toEqual(records.map((r) => r.id));
    }
  });
});
