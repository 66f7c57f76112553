// @vitest-environment happy-dom
// What the tabs of a site know of the collector's health (src/health.ts): in localStorage, so that a
// closing tab reads at once what the draining tab learnt.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { failing, noteAnswer, sharedBackoff } from '../src/health';

const T0 = Date.UTC(2026, 11, 2, 12);

beforeEach(() => {
  localStorage.clear();
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('failing', () => {
  it('nobody knows before any answer: not failing', () => {
    expect(failing('bt')).toBe(false);
  });

  it('the latest answer decides: a 2xx, then a failure, then a 2xx again', () => {
    noteAnswer('bt', true);
    expect(failing('bt')).toBe(false);
    vi.setSystemTime(T0 + 1000);
    noteAnswer('bt', false);
    expect(failing('bt')).toBe(true);
    vi.setSystemTime(T0 + 2000);
    noteAnswer('bt', true);
    expect(failing('bt')).toBe(false);
    expect(JSON.parse(localStorage.getItem('bt:health')!)).toEqual({ ok: T0 + 2000, failed: T0 + 1000, retry: 0, wait: 0 });
  });

  it('a failure holds for five minutes: a collector that failed is taken for down until it answers again', () => {
    noteAnswer('bt', true);
    noteAnswer('bt', false); // in the same millisecond: the failure is the news
    vi.setSystemTime(T0 + 300_000);
    expect(failing('bt')).toBe(true);
    vi.setSystemTime(T0 + 300_001);
    expect(failing('bt')).toBe(false);
  });

  it("a time ahead of this tab's clock (written by a tab whose clock is wrong) is no knowledge", () => {
    localStorage.setItem('bt:health', JSON.stringify({ ok: T0 + 86_400_000, failed: T0 - 1000 }));
    expect(failing('bt')).toBe(true); // the failure this tab can believe
    localStorage.setItem('bt:health', JSON.stringify({ failed: T0 + 86_400_000 }));
    expect(failing('bt')).toBe(false);
    noteAnswer('bt', false);
    expect(JSON.parse(localStorage.getItem('bt:health')!)).toEqual({ ok: 0, failed: T0, retry: 0, wait: 0 });
  });

  it("each tracker knows its own collector's", () => {
    noteAnswer('a', false);
    noteAnswer('b', true);
    expect([failing('a'), failing('b')]).toEqual([true, false]);
  });

  it.each<[string, () => void]>([
    ['garbage', () => localStorage.setItem('bt:health', 'not json')],
    ['strings', () => localStorage.setItem('bt:health', '{"failed":"soon"}')],
    ['localStorage throwing', () => vi.stubGlobal('localStorage', undefined)],
  ])('%s in its place: nobody knows, and nothing throws', (_name, spoil) => {
    spoil();
    expect(failing('bt')).toBe(false);
    expect(() => noteAnswer('bt', true)).not.toThrow();
  });
});

describe('sharedBackoff', () => {
  it('a new page waits as the page before it did: the time left and the last wait, from any tab', () => {
    sharedBackoff('bt')._write(30_000, 12_000);
    vi.setSystemTime(T0 + 10_000);
    expect(sharedBackoff('bt')._read()).toEqual([20_000, 12_000]);
    vi.setSystemTime(T0 + 40_000);
    expect(sharedBackoff('bt')._read()).toEqual([0, 12_000]);
  });

  it('a backoff beyond any wait (a clock that is wrong, a tampered entry) holds ten minutes at most', () => {
    localStorage.setItem('bt:health', JSON.stringify({ retry: T0 + 86_400_000, wait: 1e12 }));
    expect(sharedBackoff('bt')._read()).toEqual([600_000, 600_000]);
    localStorage.setItem('bt:health', JSON.stringify({ retry: 'soon', wait: -5 }));
    expect(sharedBackoff('bt')._read()).toEqual([0, 0]);
  });
});
