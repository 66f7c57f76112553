// @vitest-environment node
// The two ways a payload leaves: fetch and sendBeacon.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Payload } from '../src/payload';
import type { EventRecord } from '../src/record';
import { beacon, post } from '../src/transport';

/** A batch of one event for the collector at `url`: transport reads only its url and body. */
const batch = (url: string, body: string): Payload => ({ _records: [{ url } as EventRecord], _body: body, _bytes: body.length });

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('post', () => {
  it.each([true, false])('POSTs the payload to <url>/track as an application/json Blob, without credentials or redirects (keepalive %s)', async (keepalive) => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response('{"profile":{"id":"p1"}}', { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    const body = '{"events":["é😀"]}';
    const answer = await post(batch('https://collector.test', body), 10_000, keepalive);
    expect(answer).toEqual({ _status: 200, _retryAfter: 0, _body: '{"profile":{"id":"p1"}}' });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('https://collector.test/track');
    expect(init).toMatchObject({ method: 'POST', credentials: 'omit', keepalive, redirect: 'manual' });
    expect(init.body).toBeInstanceOf(Blob);
    expect((init.body as Blob).type).toBe('application/json');
    expect(await (init.body as Blob).text()).toBe(body);
    expect((init.body as Blob).size).toBe(new TextEncoder().encode(body).length);
  });

  it('reads status and Retry-After, and the body of a 2xx only', async () => {
    vi.stubGlobal('fetch', async () => new Response('busy', { status: 503, headers: { 'Retry-After': '7' } }));
    expect(await post(batch('https://collector.test', '{}'), 10_000, true)).toEqual({ _status: 503, _retryAfter: 7000, _body: undefined });
    vi.stubGlobal('fetch', async () => new Response('{"profile":{"id":"p"}}', { status: 200 }));
    expect(await post(batch('https://collector.test', '{}'), 10_000, true)).toEqual({ _status: 200, _retryAfter: 0, _body: '{"profile":{"id":"p"}}' });
  });

  it('a 2xx answer over 64 KiB is delivered, and not read: its body is cut off there', async () => {
    const big = `{"profile":{"id":"p"},"debugging":"${'x'.repeat(70_000)}"}`;
    vi.stubGlobal('fetch', async () => new Response(big, { status: 200 }));
    expect(await post(batch('https://collector.test', '{}'), 10_000, true)).toEqual({ _status: 200, _retryAfter: 0, _body: undefined });
  });

  it('a 2xx answer of 64 KiB (65,536 characters) is read whole; one character more is not read', async () => {
    const answer = (length: number) => {
      const head = '{"profile":{"id":"p"},"debugging":"';
      return head + 'x'.repeat(length - head.length - 2) + '"}';
    };
    for (const [length, read] of [[65_536, true], [65_537, false]] as const) {
      const body = answer(length);
      expect(body).toHaveLength(length);
      vi.stubGlobal('fetch', async () => new Response(body, { status: 200 }));
      expect(await post(batch('https://collector.test', '{}'), 10_000, true)).toEqual({ _status: 200, _retryAfter: 0, _body: read ? body : undefined });
    }
  });

  it('a 2xx answer whose body never ends is delivered once its status is in; the body is read no further than 64 KiB', async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode('x'.repeat(16_384)));
      },
    });
    vi.stubGlobal('fetch', async () => new Response(endless, { status: 200 }));
    expect(await post(batch('https://collector.test', '{}'), 10_000, true)).toEqual({ _status: 200, _retryAfter: 0, _body: undefined });
    expect(pulled).toBeLessThan(10);
  });

  it('a redirect is not followed, and is no answer: status 0, redirected', async () => {
    const redirect = new Response(null, { status: 200 });
    Object.defineProperty(redirect, 'type', { value: 'opaqueredirect' });
    Object.defineProperty(redirect, 'status', { value: 0 });
    vi.stubGlobal('fetch', async () => redirect);
    expect(await post(batch('https://collector.test', '{}'), 10_000, true)).toEqual({ _status: 0, _redirected: true, _retryAfter: 0 });
  });

  it('a network error (or CORS) is status 0', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await post(batch('https://collector.test', '{}'), 10_000, true)).toEqual({ _status: 0, _retryAfter: 0 });
  });

  it('a request that takes longer than the timeout is aborted: status 0', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      signal = init.signal!;
      return new Promise((_resolve, reject) => signal!.addEventListener('abort', () => reject(signal!.reason)));
    });
    const answer = post(batch('https://collector.test', '{}'), 5000, true);
    await vi.advanceTimersByTimeAsync(4999);
    expect(signal!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal!.aborted).toBe(true);
    expect(await answer).toEqual({ _status: 0, _retryAfter: 0 });
  });
});

describe('beacon', () => {
  it('hands <url>/track an application/json Blob and returns what sendBeacon says', () => {
    const sendBeacon = vi.fn((_url: string, _data: Blob) => true);
    vi.stubGlobal('navigator', { sendBeacon });
    expect(beacon(batch('https://collector.test', '{"a":1}'))).toBe(true);
    const [url, data] = sendBeacon.mock.calls[0];
    expect(url).toBe('https://collector.test/track');
    expect(data).toBeInstanceOf(Blob);
    expect(data.type).toBe('application/json');
    sendBeacon.mockReturnValue(false);
    expect(beacon(batch('https://collector.test', '{}'))).toBe(false);
  });

  it.each<[string, unknown]>([
    ['missing sendBeacon', {}],
    ['sendBeacon throwing (a policy forbids it)', { sendBeacon: () => { throw new TypeError('forbidden'); } }],
  ])('%s: false, no throw', (_name, navigator) => {
    vi.stubGlobal('navigator', navigator);
    expect(beacon(batch('https://collector.test', '{}'))).toBe(false);
  });
});
