// @vitest-environment node
import { afterEach, expect, it, vi } from 'vitest';
import { eventId } from '../src/id';

afterEach(() => vi.restoreAllMocks());

it('gives nanoids: 21 characters of the URL-safe alphabet, all different', () => {
  const ids = Array.from({ length: 5000 }, eventId); // past two refills of the pool
  for (const id of ids) expect(id).toMatch(/^[\w-]{21}$/);
  expect(new Set(ids).size).toBe(ids.length);
});

it('draws random bytes 2 KB at a time, not once an id (getRandomValues is slow per call)', () => {
  const getRandomValues = vi.spyOn(crypto, 'getRandomValues');
  for (let i = 0; i < 1000; i++) eventId(); // 21,000 bytes
  expect(getRandomValues.mock.calls.length).toBeGreaterThanOrEqual(10);
  expect(getRandomValues.mock.calls.length).toBeLessThanOrEqual(11);
  for (const [array] of getRandomValues.mock.calls) expect((array as Uint8Array).length).toBe(2048);
});
