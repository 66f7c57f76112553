// @vitest-environment node
// The retry policy: what the tracker makes of each collector answer, and the retry schedule.
import { describe, expect, it } from 'vitest';
import { backoffDelay, refusesSome, retryable, retryAfter, RETRY_AFTER_CAP, RETRY_BASE, RETRY_CAP } from '../src/retry';

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

describe('backoffDelay', () => {
  const step = (attempt: number) => Math.min(RETRY_CAP, RETRY_BASE * 2 ** attempt);

  it('base 1 s, cap 60 s', () => {
    expect(RETRY_BASE).toBe(1000);
    expect(RETRY_CAP).toBe(60_000);
  });

  it.each([
    [0, 500, 1000],
    [1, 1000, 2000],
    [2, 2000, 4000],
    [3, 4000, 8000],
    [5, 16_000, 32_000],
    [6, 30_000, 60_000], // 64 s capped at 60
    [7, 30_000, 60_000],
    [30, 30_000, 60_000],
    [1100, 30_000, 60_000], // 2 ** 1100 is Infinity: still capped
  ])('attempt %i: from %i (random 0) to just under %i (random → 1)', (attempt, low, high) => {
    expect(backoffDelay(attempt, 0, 0)).toBe(low);
    expect(backoffDelay(attempt, 0, 0.5)).toBe((low + high) / 2);
    const top = backoffDelay(attempt, 0, 1 - Number.EPSILON);
    expect(top).toBeLessThan(high);
    expect(top).toBeGreaterThan(high - 1);
  });

  it('grows with attempts (at equal jitter) until the cap', () => {
    const delays = Array.from({ length: 10 }, (_, attempt) => backoffDelay(attempt, 0, 0.3));
    for (let i = 1; i < delays.length; i++) {
      if (step(i) < RETRY_CAP) expect(delays[i]).toBe(2 * delays[i - 1]);
      else expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    }
    expect(Math.max(...delays)).toBeLessThanOrEqual(RETRY_CAP);
  });

  it('with Math.random: always within 50-100% of the step, never over the cap', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt, 0);
        expect(delay).toBeGreaterThanOrEqual(step(attempt) / 2);
        expect(delay).toBeLessThanOrEqual(step(attempt));
        expect(delay).toBeLessThanOrEqual(RETRY_CAP);
      }
    }
  });

  it('the jitter spreads tabs out (not one fixed value)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, 0)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it.each([
    [0, 5000, 0.5, 5000], // Retry-After longer than the backoff: wait for it
    [0, 120_000, 0.5, 120_000], // even past the cap: the collector asked
    [3, 1000, 0.5, 6000], // shorter than the backoff: the backoff stands
    [6, 0, 0, 30_000],
    [0, 99_999_999_999_000, 0.5, 600_000], // Retry-After: 99999999999 is shortened to ten minutes
  ])('attempt %i, Retry-After %i ms, random %s → %i ms', (attempt, after, random, delay) => {
    expect(backoffDelay(attempt, after, random)).toBe(delay);
  });

  it('the longest wait honoured is ten minutes', () => {
    expect(RETRY_AFTER_CAP).toBe(600_000);
  });
});

