// @vitest-environment node
// The retry policy against a collector that a whole site retries when it comes back (docs/collector-load.md):
// the simulation, small and seeded, held to the targets, so that a policy bringing the herd back fails here.
// 10,000 visitors behave as 100,000 do (the collector's capacity follows the visitors), with more noise.
import { describe, expect, it } from 'vitest';
import * as retry from '../src/retry';
import { simulate, summarize, type Options, type Summary } from './simulate/model.mjs';
import { policies } from './simulate/policies.mjs';

const known = policies(retry);
/** The collector answers 503 throughout, each visitor told to come back at the same second 5 min ahead. */
const MAINTENANCE: Partial<Options> = { down: '503', retryAfter: 300, retryAfterDate: true };
const runs = new Map<string, Summary>();

/** One seeded run of a named policy (src/retry.ts itself for 'tracker'), as the drain must call it. */
function run(name: string, outage: number, options: Partial<Options> = {}) {
  const key = JSON.stringify([name, outage, options]);
  if (!runs.has(key)) {
    const { policy, newPage } = known[name];
    runs.set(key, summarize(simulate({ visitors: 10_000, outage, newPage, seed: 1, ...options }, policy)));
  }
  return runs.get(key)!;
}

describe.each<[string, number, Partial<Options>]>([
  ['10 min', 600, {}],
  ['1 h', 3600, {}],
  ['1 h, Retry-After as an HTTP date', 3600, { retryAfterDate: true }],
])('the tracker after a %s outage, the collector at twice the normal load', (_name, outage, options) => {
  it('offers over twice the capacity for a few seconds at most', () => {
    expect(run('tracker', outage, options).secondsOver2x).toBeLessThanOrEqual(3);
  });

  it('delivers the backlog within 10 minutes of the recovery', () => {
    const { backlogSeconds } = run('tracker', outage, options);
    expect(backlogSeconds).toBeGreaterThanOrEqual(0);
    expect(backlogSeconds).toBeLessThanOrEqual(600);
  });

  it('does not push the collector over again once the backlog is gone', () => {
    expect(run('tracker', outage, options).overAfterBacklog).toBe(0);
  });

  it('loses nothing, drops nothing', () => {
    const { lost, dropped } = run('tracker', outage, options);
    expect(lost).toBe(0);
    expect(dropped).toBe(0);
  });
});

it('the policy before (50-100 % jitter, cap 60 s, Retry-After exact, pages starting afresh) misses the targets after an hour: the check can fail', () => {
  const before = run('before', 3600, { visitors: 5000 });
  expect(before.peak).toBeGreaterThan(5);
  expect(before.secondsOver2x).toBeGreaterThan(60);
  expect(before.lost).toBe(0);
});

describe('a 10 min maintenance: 503s with Retry-After, an HTTP date 5 min ahead', () => {
  it('the tracker spreads the visitors over 5 min past the date: under 2x capacity, the backlog delivered within 2 x Retry-After and a minute', () => {
    const spread = run('tracker', 600, MAINTENANCE);
    expect(spread.secondsOver2x).toBeLessThanOrEqual(3);
    expect(spread.backlogSeconds).toBeGreaterThanOrEqual(0);
    expect(spread.backlogSeconds).toBeLessThanOrEqual(660);
    expect(spread.lost).toBe(0);
  });

  it('Retry-After honoured exactly brings back at one second every visitor told it: waves, the backlog never delivered', () => {
    const exact = run('tracker-exact', 600, MAINTENANCE);
    expect(exact.secondsOver2x).toBeGreaterThan(3);
    expect(exact.backlogSeconds).toBe(-1);
  });
});

it('a seed replays a run', () => {
  const { policy } = known.tracker;
  const once = simulate({ visitors: 2000, outage: 600, after: 300 }, policy);
  const again = simulate({ visitors: 2000, outage: 600, after: 300 }, policy);
  expect(again.perSecond.offered).toEqual(once.perSecond.offered);
  expect(again.tracked).toBe(once.tracked);
});
