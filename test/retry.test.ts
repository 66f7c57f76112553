// @vitest-environment node
// The retry policy: what the tracker makes of each collector answer, and the retry schedule. Why its
// spread is what it is: docs/collector-load.md.
import { describe, expect, it } from 'vitest';
import { PACE, paceDelay, refusesSome, retryable, retryAfter, RETRY_AFTER_CAP, RETRY_BASE, RETRY_CAP, retryDelay } from '../src/retry';

describe('status tables', () => {
  // [status, retryable, refusesSome, meaning]
  const table: [number, boolean, boolean, string][] = [
    [0, true, false, 'no answer: network error, CORS, timeout'],
    [200, false, false, 'delivered'],
    [226, false, false, "Tracardi's stored with errors: delivered"],
    [400, false, true, 'bad request: one event in it'],
    [401, false, false, 'unknown source: dropped'],
    [403, false, false, 'forbidden: dropped'],
    [404, false, false, 'no collector there: dropped'],
    [408, true, false, 'request timeout'],
    [413, false, true, 'payload too large: split it'],
    [422, false, true, 'one event invalid'],
    [429, true, false, 'too many requests'],
    [500, true, false, 'server error'],
    [503, true, false, 'unavailable'],
  ];

  it.each(table)('%i: retryable %s, refusesSome %s (%s)', (status, isRetryable, isRefusing) => {
    expect(retryable(status)).toBe(isRetryable);
    expect(refusesSome(status)).toBe(isRefusing);
  });

  it('no status is both retried and split', () => {
    for (let status = 0; status < 600; status++) expect(retryable(status) && refusesSome(status)).toBe(false);
  });

  it.each([499, 501, 502, 504, 599])('%i: retryable from 500 up', (status) => {
    expect(retryable(status)).toBe(status > 499);
  });
});

describe('retryAfter', () => {
  it.each<[string | null, number]>([
    ['2', 2000],
    ['0', 0],
    ['120', 120_000],
    [' 3 ', 3000],
  ])('%j → %i ms', (header, ms) => {
    expect(retryAfter(header)).toBe(ms);
  });

  it.each<[string, string | null]>([
    ['absent', null],
    ['empty', ''],
    ['a word', 'soon'],
    ['an HTTP date in the past', 'Wed, 21 Oct 2015 07:28:00 GMT'],
    ['a unit', '2s'],
  ])('%s → 0', (_name, header) => {
    expect(retryAfter(header)).toBe(0);
  });

  it('an HTTP date (RFC 9110): the ms until it', () => {
    const now = Date.UTC(2026, 11, 2, 12, 0, 0);
    expect(retryAfter('Wed, 02 Dec 2026 12:01:30 GMT', now)).toBe(90_000);
    expect(retryAfter('Wed, 02 Dec 2026 12:00:00 GMT', now)).toBe(0);
  });

  // RFC 9110's delay-seconds are digits only; Infinity, or a delay past setTimeout's 2^31-1 ms, would
  // make the drain timer fire at once, again and again.
  it.each<[string, string]>([
    ['Infinity', 'Infinity'],
    ['a negative number', '-1'],
    ['an exponent', '1e3'],
    ['hexadecimal', '0x10'],
  ])('%s (%j) is not delay-seconds → 0', (_name, header) => {
    expect(retryAfter(header)).toBe(0);
  });
});

/** Just under 1: the largest value Math.random() returns. */
const TOP = 1 - Number.EPSILON;
/** Randoms across [0, 1), the ends included. */
const randoms = [0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, TOP];

describe('retryDelay without Retry-After: decorrelated jitter', () => {
  /** The upper bound of the wait after a wait of `last`, before the cap. */
  const upper = (last: number) => 3 * Math.max(last, RETRY_BASE);

  it('from 1 s, capped at 5 min', () => {
    expect(RETRY_BASE).toBe(1000);
    expect(RETRY_CAP).toBe(300_000);
  });

  it.each([
    [0, 3000], // the first failure of a run
    [1000, 3000],
    [2000, 6000],
    [10_000, 30_000],
    [99_000, 297_000],
  ])('after a wait of %i ms: from 1 s (random 0) to just under %i ms (random → 1)', (last, high) => {
    expect(retryDelay(last, 0, 0)).toBe(RETRY_BASE);
    expect(retryDelay(last, 0, 0.5)).toBe((RETRY_BASE + high) / 2);
    const top = retryDelay(last, 0, TOP);
    expect(top).toBeLessThan(high);
    expect(top).toBeGreaterThan(high - 1);
  });

  it.each([
    [100_000, 0.5, 150_500],
    [200_000, 0.25, 150_750],
    [200_000, 0.5, RETRY_CAP], // 300,500 capped
    [RETRY_CAP, 0.2, 180_800], // at the cap: a third of the waits shorter...
    [RETRY_CAP, 0.5, RETRY_CAP], // ...two thirds the cap itself
    [600_000, 0.1, 180_900], // after a Retry-After spread past the cap
  ])('after a wait of %i ms, random %s → %i ms', (last, random, delay) => {
    expect(retryDelay(last, 0, random)).toBe(delay);
  });

  it('grows at equal jitter from the first failure to the cap, then stays', () => {
    let last = 0;
    for (let failure = 0; failure < 30; failure++) {
      const delay = retryDelay(last, 0, 0.5);
      if (last < RETRY_CAP) expect(delay).toBeGreaterThan(last);
      else expect(delay).toBe(RETRY_CAP);
      last = delay;
    }
    expect(last).toBe(RETRY_CAP);
  });

  it('with Math.random: from 1 s to three times the wait before, never over the cap', () => {
    for (const last of [0, 1000, 5000, 40_000, 150_000, RETRY_CAP, 600_000]) {
      for (let i = 0; i < 200; i++) {
        const delay = retryDelay(last, 0);
        expect(delay).toBeGreaterThanOrEqual(RETRY_BASE);
        expect(delay).toBeLessThan(upper(last));
        expect(delay).toBeLessThanOrEqual(RETRY_CAP);
      }
    }
  });

  it('a run of failures spreads visitors out: no two of 400 wait alike (below the cap, where the waits are equal on purpose)', () => {
    const waits = Array.from({ length: 400 }, () => {
      let last = 0;
      for (let failure = 0; failure < 4; failure++) last = retryDelay(last, 0);
      return last;
    });
    expect(new Set(waits).size).toBe(400);
  });
});

describe('retryDelay after a Retry-After: never before it, spread to twice it', () => {
  it('honours Retry-After up to five minutes', () => {
    expect(RETRY_AFTER_CAP).toBe(300_000);
  });

  it.each([3000, 30_000, 120_000, RETRY_AFTER_CAP])('Retry-After %i ms, at the first failure: from it (random 0) to just under twice it (random → 1)', (after) => {
    expect(retryDelay(0, after, 0)).toBe(after);
    expect(retryDelay(0, after, 0.5)).toBe(after * 1.5);
    const top = retryDelay(0, after, TOP);
    expect(top).toBeLessThan(2 * after);
    expect(top).toBeGreaterThan(2 * after - 1);
  });

  it.each(randoms)('random %s: never before Retry-After, whatever the wait before', (random) => {
    for (const last of [0, 8000, 100_000, RETRY_CAP]) {
      for (const after of [1000, 30_000, 299_000]) expect(retryDelay(last, after, random)).toBeGreaterThanOrEqual(after);
    }
  });

  it.each([
    [0, 5000, 0.5, 7500], // Retry-After longer than the backoff: 1.5 times it
    [10_000, 1000, 0.5, 15_500], // shorter than the backoff: the backoff stands
    [RETRY_CAP, 30_000, 0.02, 30_600], // 30.6 s against 19 s: Retry-After
    [RETRY_CAP, 30_000, 0.5, RETRY_CAP], // against the cap: the backoff
    [0, 600_000, 0, 300_000], // ten minutes asked: five honoured...
    [0, 600_000, 0.5, 450_000], // ...and spread
    [0, 99_999_999_999_000, TOP, 600_000 - 300_000 * Number.EPSILON], // Retry-After: 99999999999: under ten minutes
  ])('after a wait of %i ms, Retry-After %i ms, random %s → %i ms', (last, after, random, delay) => {
    expect(retryDelay(last, after, random)).toBe(delay);
  });

  it('visitors told the same Retry-After come back over as long again, not in the same second', () => {
    const delays = Array.from({ length: 400 }, () => retryDelay(0, 30_000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(30_000);
    expect(Math.max(...delays)).toBeLessThan(60_000);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(25_000);
    // Spread evenly: about a tenth in each three seconds, none of them holding a crowd.
    const seconds = new Map<number, number>();
    for (const delay of delays) seconds.set(Math.floor(delay / 1000), (seconds.get(Math.floor(delay / 1000)) || 0) + 1);
    expect(Math.max(...seconds.values())).toBeLessThan(40);
  });

  it('no wait is longer than ten minutes', () => {
    for (const random of randoms) {
      for (const last of [0, 9000, RETRY_CAP, 600_000]) {
        for (const after of [0, 1000, RETRY_AFTER_CAP, 99_999_999_999_000]) expect(retryDelay(last, after, random)).toBeLessThan(600_000);
      }
    }
  });
});

describe('paceDelay: a backlog after failures', () => {
  it('up to 30 s between full requests', () => {
    expect(PACE).toBe(30_000);
  });

  it.each([
    [0, 0],
    [0.25, 7500],
    [0.5, 15_000],
  ])('random %s → %i ms', (random, delay) => {
    expect(paceDelay(random)).toBe(delay);
  });

  it('just under 30 s at most', () => {
    expect(paceDelay(TOP)).toBeLessThan(PACE);
    expect(paceDelay(TOP)).toBeGreaterThan(PACE - 1);
  });

  it('with Math.random: within 0 to PACE, spread over it', () => {
    const delays = Array.from({ length: 400 }, () => paceDelay());
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(PACE);
    }
    expect(new Set(delays).size).toBeGreaterThan(390);
    expect(delays.filter((delay) => delay < PACE / 2).length).toBeGreaterThan(150);
    expect(delays.filter((delay) => delay < PACE / 2).length).toBeLessThan(250);
  });
});

