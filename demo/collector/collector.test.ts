// @vitest-environment node
// The collector over real HTTP on 127.0.0.1: limits, CORS, profiles and sessions, faults, robustness.
import { describe, expect, it, vi } from 'vitest';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
// @ts-ignore: plain ESM with JSDoc, no declaration file
import { createCollector } from './collector.mjs';
import { JSON_TYPE, ORIGIN, json, payload, rawGet, request, serve, stall, tempDir, track, until } from './test-helpers';


describe('body size and sources', () => {
  it('answers 413 as soon as Content-Length says too much, before the body is sent', async () => {
    const { url, collector } = await serve({ bodyLimit: 1000 });
    const req = http.request(`${url}/track`, { method: 'POST', headers: { ...JSON_TYPE, 'content-length': String(1024 * 1024) } });
    req.on('error', () => {});
    req.write('{"source":');
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    expect(res.statusCode).toBe(413);
    req.destroy();
    expect(collector.rawLog[0]).toMatchObject({ status: 413, contentLength: 0 });
  });

  it('stops reading a chunked body that crosses the limit and answers 413', async () => {
    const { url, collector } = await serve({ bodyLimit: 1000 });
    const req = http.request(`${url}/track`, { method: 'POST', headers: JSON_TYPE });
    req.on('error', () => {});
    req.write('x'.repeat(600));
    req.write('x'.repeat(600));
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    expect(res.statusCode).toBe(413);
    req.destroy();
    expect(collector.rawLog[0].status).toBe(413);
    expect(collector.rawLog[0].contentLength).toBeGreaterThan(1000);
    expect(collector.rawLog[0].contentLength).toBeLessThanOrEqual(1200);
  });

  it('answers 413 to a fetch of a large body, and accepts a body exactly at the limit', async () => {
    const { url } = await serve({ bodyLimit: 2000 });
    const big = await track(url, payload([{ type: 'a', properties: { pad: 'x'.repeat(5000) } }]));
    expect(big.status).toBe(413);
    const base = JSON.stringify(payload([{ type: 'a', properties: { pad: '' } }]));
    const exact = JSON.stringify(payload([{ type: 'a', properties: { pad: 'x'.repeat(2000 - base.length) } }]));
    expect(Buffer.byteLength(exact)).toBe(2000);
    expect((await track(url, exact)).status).toBe(200);
  });

  it('answers 401 for a source that is not configured, after checking the model', async () => {
    const { url, collector } = await serve({ sources: ['web', 'app'] });
    expect((await json(track(url, payload([{ type: 'a' }], { source: { id: 'other' } })))).status).toBe(401);
    expect((await track(url, payload([{ type: 'a' }], { source: { id: 'app' } }))).status).toBe(200);
    expect((await track(url, payload([{}], { source: { id: 'other' } }))).status).toBe(422);
    expect(collector.store.size).toBe(1);
  });
});

describe('origins and CORS', () => {
  it('answers a preflight by echoing the origin with credentials and the requested headers', async () => {
    const { url } = await serve();
    const res = await fetch(`${url}/track`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-trace' },
    });
    expect(res.status).toBe(204);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST, GET, OPTIONS',
      'access-control-allow-headers': 'content-type,x-trace',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    const defaults = await fetch(`${url}/collect/a/b`, { method: 'OPTIONS', headers: { origin: ORIGIN } });
    expect(defaults.headers.get('access-control-allow-headers')).toBe('content-type');
  });

  it('refuses a preflight from an origin that is not allowed, without CORS headers', async () => {
    const { url } = await serve({ allowedOrigins: [ORIGIN] });
    const res = await fetch(`${url}/track`, { method: 'OPTIONS', headers: { origin: 'http://evil.test' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await fetch(`${url}/track`, { method: 'OPTIONS', headers: { origin: ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('puts CORS headers on every answer to an allowed origin, errors included, and none for others', async () => {
    const { url } = await serve({ allowedOrigins: [ORIGIN] });
    for (const response of [
      track(url, payload([{ type: 'a' }]), { origin: ORIGIN }),
      track(url, '{', { origin: ORIGIN }),
      track(url, payload([{ type: 'a' }]), { origin: ORIGIN, 'content-type': 'text/plain' }),
      fetch(`${url}/nowhere`, { headers: { origin: ORIGIN } }),
    ]) {
      const res = await response;
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
      expect(res.headers.get('vary')).toBe('Origin');
    }
    const other = await track(url, payload([{ type: 'a' }]), { origin: 'http://evil.test' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses every request whose Origin is not listed with 403 on every endpoint, without reading the body', async () => {
    const { url, collector } = await serve({ allowedOrigins: [ORIGIN] });
    const body = JSON.stringify(payload([{ id: 'e1', type: 'a' }]));
    const requests: Array<[string, string, string?]> = [
      ['POST', '/track', body],
      ['POST', '/collect/coupon/web', '{}'],
      ['POST', '/profiles/p/sessions', '{"sessionId":"session-1"}'],
      ['GET', '/events'],
      ['GET', '/events/e1'],
      ['GET', '/stats'],
      ['OPTIONS', '/track'],
      ['GET', '/nowhere'],
    ];
    for (const origin of ['http://evil.test', 'null', `${ORIGIN}/`, 'http://localhost:5174']) {
      for (const [method, path, text] of requests) {
        const res = await request(`${url}${path}`, { method, headers: { ...JSON_TYPE, origin }, body: text });
        expect(res.status, `${origin} ${method} ${path}`).toBe(403);
        expect(res.headers['access-control-allow-origin'], `${origin} ${method} ${path}`).toBeUndefined();
      }
    }
    expect(collector.store.size).toBe(0);
    expect(collector.rawLog.map((record: any) => [record.path, record.status, record.contentLength])).toEqual(
      Array(4).fill([['/track', 403, 0], ['/collect/coupon/web', 403, 0]]).flat(),
    );
    // A listed origin, and a request without an Origin (a server, a webhook), are answered.
    expect((await track(url, body, { origin: ORIGIN })).status).toBe(200);
    expect((await track(url, payload([{ id: 'e2', type: 'a' }]))).status).toBe(200);
    expect((await fetch(`${url}/events`)).status).toBe(200);
  });
});

describe('request timeout', () => {
  it('cuts a request whose headers stall, with 408, after the timeout', async () => {
    const { url } = await serve({ requestTimeout: 200 });
    const { answer, ms } = await stall(url, 'POST /track HTTP/1.1\r\nHost: collector\r\nContent-Type: app');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(1000);
  });

  it('cuts a request whose body stalls, logs it as timeout, stores nothing, and keeps answering others', async () => {
    const { url, collector } = await serve({ requestTimeout: 200 });
    const head = `POST /track HTTP/1.1\r\nHost: collector\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const stalled = stall(url, `${head}{"source":{"id":"web"},`);
    expect((await track(url, payload([{ id: 'e1', type: 'a' }]))).status).toBe(200);
    const { answer, ms } = await stalled;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(1000);
    await until(() => collector.rawLog.length === 2);
    expect(collector.rawLog.map((record: any) => record.status).sort()).toEqual([200, 'timeout']);
    expect(collector.store.all().map((event: any) => event.id)).toEqual(['e1']);
  });

  it('leaves an answer the collector holds back alone: the slow fault outlasts the timeout', async () => {
    const { url, collector } = await serve({ requestTimeout: 200 });
    collector.setFault({ mode: 'slow', delayMs: 500 });
    expect((await track(url, payload([{ type: 'a' }]))).status).toBe(200);
  });

  it('is 5 s by default, and must be a whole number of ms', () => {
    expect(createCollector().requestTimeout).toBe(5000);
    for (const bad of [0, -1, 1.5, '5000', Infinity]) expect(() => createCollector({ requestTimeout: bad }), String(bad)).toThrow(TypeError);
  });
});

describe('profiles, sessions and enrichment', () => {
  it('creates a profile when the payload has none, and echoes the one it has', async () => {
    const { url, collector } = await serve();
    const created = await json(track(url, payload([{ type: 'a' }])));
    expect(created.body).toEqual({
      profile: { id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      session: { id: 'session-1' },
      source: { consent: false },
      events: { saved: 1, duplicates: 0 },
    });
    const echoed = await json(track(url, payload([{ type: 'b' }], { profile: { id: 'p-1' } })));
    expect(echoed.body.profile).toEqual({ id: 'p-1' });
    expect(collector.store.all().map((event: any) => event.profile)).toEqual([created.body.profile, { id: 'p-1' }]);
  });

  it('keeps a known session on its profile when a later payload has none (a second batch, a lost answer)', async () => {
    const { url, collector } = await serve();
    const first = await json(track(url, payload([{ id: 'e1', type: 'a' }])));
    const second = await json(track(url, payload([{ id: 'e2', type: 'b' }])));
    const resend = await json(track(url, payload([{ id: 'e1', type: 'a' }])));
    expect(second.body.profile).toEqual(first.body.profile);
    expect(resend.body).toMatchObject({ profile: first.body.profile, events: { saved: 0, duplicates: 1 } });
    expect(collector.store.get('e2').profile).toEqual(first.body.profile);
    // Another session without a profile is another visitor.
    const other = await json(track(url, payload([{ type: 'c' }], { session: { id: 'session-2' } })));
    expect(other.body.profile.id).not.toBe(first.body.profile.id);
  });

  it('creates no profile for ?profile_less=true', async () => {
    const { url, collector } = await serve();
    const res = await json(track(url, payload([{ type: 'a' }], { profile: { id: 'p-1' } }), {}, '?profile_less=true'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ session: { id: 'session-1' }, source: { consent: false }, events: { saved: 1, duplicates: 0 } });
    expect(collector.store.all()[0]).toMatchObject({ profile: null, session: { id: 'session-1' } });
  });

  it('reads profile_less as FastAPI reads a bool, and keeps the session of a profile-less payload', async () => {
    const { url, collector } = await serve();
    for (const [n, value] of ['true', 'TRUE', '1', 'yes', 'on'].entries()) {
      const res = await json(track(url, payload([{ id: `t${n}`, type: 'a' }]), {}, `?profile_less=${value}`));
      expect(res.body.profile, value).toBeUndefined();
    }
    for (const [n, value] of ['false', '0', 'no', 'off'].entries()) {
      const res = await json(track(url, payload([{ id: `f${n}`, type: 'a' }], { session: { id: 'session-2' } }), {}, `?profile_less=${value}`));
      expect(res.body.profile, value).toEqual({ id: expect.any(String) });
    }
    expect((await track(url, payload([{ type: 'a' }]), {}, '?profile_less=')).status).toBe(422);
    const { body } = await json(fetch(`${url}/events?session=session-1`));
    expect(body.items.map((event: any) => [event.id, event.profile])).toEqual([['t0', null], ['t1', null], ['t2', null], ['t3', null], ['t4', null]]);
    expect(collector.store.size).toBe(9);
  });

  it('stores the wire event enriched with source, session, profile, merged context, times and request', async () => {
    const { url, collector } = await serve();
    const before = Date.now();
    await track(url, payload(
      [{ id: 'e1', type: 'click', time: { create: '2024-05-01T10:00:00.000Z' }, properties: { x: 1 }, context: { page: { url: '/a' }, shared: 'event' } }],
      { profile: { id: 'p-1' }, context: { device: 'phone', shared: 'payload' } },
    ), { origin: ORIGIN, 'user-agent': 'UnitTest/1.0' });
    const stored = collector.store.get('e1');
    expect(stored).toMatchObject({
      id: 'e1',
      type: 'click',
      properties: { x: 1 },
      source: { id: 'web' },
      session: { id: 'session-1' },
      profile: { id: 'p-1' },
      context: { device: 'phone', page: { url: '/a' }, shared: 'event' },
      request: { ip: '127.0.0.1', userAgent: 'UnitTest/1.0', origin: ORIGIN },
      seen: 1,
    });
    expect(stored.time.create).toBe('2024-05-01T10:00:00.000Z');
    expect(Date.parse(stored.time.insert)).toBeGreaterThanOrEqual(before - 1);
    await track(url, payload([{ type: 'no-time' }]));
    const untimed = collector.store.all()[1];
    expect(untimed.time.create).toBe(untimed.time.insert);
    expect(untimed.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('takes the ip from X-Forwarded-For only when the socket is a trusted proxy', async () => {
    const untrusted = await serve();
    await track(untrusted.url, payload([{ id: 'e1', type: 'a' }]), { 'x-forwarded-for': '203.0.113.9' });
    expect(untrusted.collector.store.get('e1').request.ip).toBe('127.0.0.1');
    expect(untrusted.collector.rawLog[0].ip).toBe('127.0.0.1');

    const proxied = await serve({ trustedProxies: ['127.0.0.1'] });
    await track(proxied.url, payload([{ id: 'e1', type: 'a' }]), { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' });
    expect(proxied.collector.store.get('e1').request.ip).toBe('203.0.113.9');
  });

  it('POST /collect/:type/:source stores one profile-less, session-less event whose properties are the body', async () => {
    const { url, collector } = await serve({ sources: ['webhook'] });
    const post = (path: string, body: string) => fetch(`${url}${path}`, { method: 'POST', headers: JSON_TYPE, body });
    const res = await json(post('/collect/coupon-received/webhook', '{"voucher":"V1"}'));
    expect(res).toMatchObject({ status: 200, body: { source: { consent: false }, events: { saved: 1, duplicates: 0 } } });
    expect(collector.store.all()[0]).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'coupon-received',
      properties: { voucher: 'V1' },
      source: { id: 'webhook' },
      session: null,
      profile: null,
    });
    expect((await post('/collect/a/webhook', '[1]')).status).toBe(422);
    expect((await post('/collect/a/other', '{}')).status).toBe(401);
    expect((await post('/collect/a', '{}')).status).toBe(404);
    expect(collector.rawLog.map((record: any) => record.status)).toEqual([200, 422, 401]);
  });

  it('POST /collect answers CORS like /track: a preflight, then a cross-origin JSON POST without credentials', async () => {
    const { url, collector } = await serve({ allowedOrigins: [ORIGIN] });
    const preflight = await fetch(`${url}/collect/coupon-received/web`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers)).toMatchObject({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-methods': 'POST, GET, OPTIONS',
      'access-control-allow-headers': 'content-type',
    });
    const res = await fetch(`${url}/collect/coupon-received/web`, { method: 'POST', headers: { ...JSON_TYPE, origin: ORIGIN }, body: '{"voucher":"V1"}', credentials: 'omit' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
    expect((await fetch(`${url}/collect/coupon-received/web`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: ORIGIN }, body: '{}' })).status).toBe(415);
    expect(collector.store.all()[0]).toMatchObject({ type: 'coupon-received', request: { origin: ORIGIN } });
  });

  it('POST /collect dedupes by properties.externalId; without one, a resend is another event (there is no event id)', async () => {
    const { url, collector } = await serve();
    const post = (body: string) => json(fetch(`${url}/collect/order/web`, { method: 'POST', headers: JSON_TYPE, body }));
    expect((await post('{"externalId":"X1","total":5}')).body.events).toEqual({ saved: 1, duplicates: 0 });
    expect((await post('{"externalId":"X1","total":5}')).body.events).toEqual({ saved: 0, duplicates: 1 });
    await post('{"total":5}');
    await post('{"total":5}');
    expect(collector.store.size).toBe(3);
  });
});

describe('fault injection', () => {
  it('answers an injected status with a JSON error the browser can read, stores nothing', async () => {
    const { url, collector } = await serve();
    collector.setFault({ mode: 'status', status: 503 });
    const res = await json(track(url, payload([{ id: 'e1', type: 'a' }]), { origin: ORIGIN }));
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/503/);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(collector.store.size).toBe(0);
    expect(collector.rawLog[0]).toMatchObject({ status: 503, eventIds: [] });
    expect(collector.rawLog[0].body).toContain('"e1"');
  });

  it('answers 429 with a Retry-After that CORS exposes', async () => {
    const { url, collector } = await serve();
    collector.setFault({ mode: '429', retryAfter: 2 });
    const res = await track(url, payload([{ type: 'a' }]), { origin: ORIGIN });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
    expect(collector.getFault()).toEqual({ mode: '429', retryAfter: 2 });
  });

  it('leaves preflights and reads alone, and reset() clears fault, events and log', async () => {
    const { url, collector } = await serve();
    await track(url, payload([{ type: 'a' }]));
    collector.setFault({ mode: 'status', status: 500 });
    expect((await fetch(`${url}/track`, { method: 'OPTIONS', headers: { origin: ORIGIN } })).status).toBe(204);
    expect((await fetch(`${url}/events`)).status).toBe(200);
    collector.reset();
    expect(collector.getFault()).toEqual({ mode: 'ok' });
    expect(collector.store.size).toBe(0);
    expect(collector.rawLog).toHaveLength(0);
    expect(collector.stats()).toEqual({ events: 0, requests: 0, duplicates: 0, byStatus: {} });
  });

  it('answers 429 without Retry-After, or with one as an HTTP date that many seconds ahead', async () => {
    const { url, collector } = await serve();
    collector.setFault({ mode: '429' });
    const bare = await track(url, payload([{ type: 'a' }]), { origin: ORIGIN });
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    collector.setFault({ mode: '429', retryAfter: 3, httpDate: true });
    const dated = await track(url, payload([{ type: 'a' }]), { origin: ORIGIN });
    expect(dated.status).toBe(429);
    const ahead = Date.parse(dated.headers.get('retry-after')!) - Date.now();
    // An HTTP date has whole seconds: 2 to 3 s ahead.
    expect(ahead).toBeGreaterThan(1500);
    expect(ahead).toBeLessThanOrEqual(3000);
    expect(collector.store.size).toBe(0);
  });

  it('rejects a malformed fault', async () => {
    const { collector } = await serve();
    expect(() => collector.setFault({ mode: 'status' })).toThrow(TypeError);
    expect(() => collector.setFault({ mode: 'slow', delayMs: -1 })).toThrow(TypeError);
    expect(() => collector.setFault({ mode: 'nope' })).toThrow(TypeError);
    expect(() => collector.setFault({ mode: '429', retryAfter: -1 })).toThrow(TypeError);
    expect(() => collector.setFault({ mode: '429', retryAfter: 2, httpDate: 'yes' })).toThrow(TypeError);
  });

  it('slow: stores at once and answers normally after the delay', async () => {
    const { url, collector } = await serve();
    collector.setFault({ mode: 'slow', delayMs: 300 });
    const started = Date.now();
    const pending = track(url, payload([{ id: 'e1', type: 'a' }]));
    await until(() => collector.store.size === 1);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('hang: never answers until the client gives up, and close() releases what still hangs', async () => {
    const { url, collector, close } = await serve();
    collector.setFault({ mode: 'hang' });
    const givingUp = track(url, payload([{ type: 'a' }]), {}).catch((error) => error);
    const abortable = new AbortController();
    const aborted = fetch(`${url}/track`, { method: 'POST', headers: JSON_TYPE, body: '{}', signal: abortable.signal }).catch((error) => error);
    await until(() => collector.rawLog.length === 2);
    expect(collector.rawLog.map((record: any) => record.status)).toEqual(['hang', 'hang']);
    abortable.abort();
    expect((await aborted).name).toBe('AbortError');

    const started = Date.now();
    await close();
    expect(await givingUp).toBeInstanceOf(TypeError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(collector.store.size).toBe(0);
  });

  it('cut: stores the events, then closes the connection unanswered; the raw log has the status and no delivery', async () => {
    const { url, collector } = await serve();
    collector.setFault({ mode: 'cut' });
    const error = await track(url, payload([{ id: 'e1', type: 'a' }])).catch((failure) => failure);
    expect(error).toBeInstanceOf(TypeError);
    expect(collector.store.get('e1')).toBeDefined();
    await until(() => collector.rawLog[0]?.delivered !== null);
    expect(collector.rawLog[0]).toMatchObject({ status: 200, eventIds: ['e1'], delivered: false, answeredAt: null });
    // A refused body is refused as usual, and cut all the same.
    await track(url, '{').catch(() => {});
    await until(() => collector.rawLog[1]?.delivered === false);
    expect(collector.rawLog[1].status).toBe(422);
  });

  it('drop: destroys the socket without an answer', async () => {
    const { url, collector } = await serve();
    collector.setFault({ mode: 'drop' });
    const error = await track(url, payload([{ type: 'a' }])).catch((failure) => failure);
    expect(error).toBeInstanceOf(TypeError);
    expect(collector.rawLog[0].status).toBe('drop');
    collector.setFault({ mode: 'ok' });
    expect((await track(url, payload([{ type: 'a' }]))).status).toBe(200);
  });
});

describe('what became of each answer', () => {
  it('records the Referer, and whether the answer was delivered and when', async () => {
    const { url, collector } = await serve();
    const before = Date.now();
    expect((await track(url, payload([{ id: 'e1', type: 'a' }]), { origin: ORIGIN, referer: `${ORIGIN}/page?tab=1` })).status).toBe(200);
    await until(() => collector.rawLog[0]?.delivered !== null);
    expect(collector.rawLog[0]).toMatchObject({ referer: `${ORIGIN}/page?tab=1`, delivered: true });
    expect(Date.parse(collector.rawLog[0].answeredAt)).toBeGreaterThanOrEqual(before - 1);
    await track(url, payload([{ id: 'e2', type: 'a' }]));
    await until(() => collector.rawLog[1]?.delivered !== null);
    expect(collector.rawLog[1]).toMatchObject({ referer: null, delivered: true });
  });

  it('a slow answer the client gave up on, and a hang, were not delivered; the slow one stored its events', async () => {
    const { url, collector } = await serve();
    collector.setFault({ mode: 'slow', delayMs: 2000 });
    const giveUp = new AbortController();
    const slow = fetch(`${url}/track`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(payload([{ id: 'e1', type: 'a' }])), signal: giveUp.signal }).catch((error) => error);
    await until(() => collector.rawLog.length === 1);
    giveUp.abort();
    expect((await slow).name).toBe('AbortError');
    await until(() => collector.rawLog[0].delivered !== null);
    expect(collector.rawLog[0]).toMatchObject({ status: 200, eventIds: ['e1'], delivered: false, answeredAt: null });
    expect(collector.store.get('e1')).toBeDefined();

    collector.setFault({ mode: 'hang' });
    const hangs = new AbortController();
    const hung = fetch(`${url}/track`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(payload([{ id: 'e2', type: 'a' }])), signal: hangs.signal }).catch((error) => error);
    await until(() => collector.rawLog.length === 2);
    hangs.abort();
    await hung;
    await until(() => collector.rawLog[1].delivered !== null);
    expect(collector.rawLog[1]).toMatchObject({ status: 'hang', delivered: false });
  });
});

describe('robustness', () => {
  it('survives garbage: every bad body gets a 4xx and the collector keeps working', async () => {
    const { url, collector } = await serve();
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const bodies: Array<string | Uint8Array> = [
      randomBytes(4096),
      new Uint8Array([0xff, 0xfe, 0x00, 0x7b]),
      '\uFEFF{}',
      'null', '123', '"text"', 'true', '{}', '[]',
      deep,
      // Deeper than JSON.stringify's stack: it would poison every later query.
      `{"source":{"id":"w"},"session":{"id":"s"},"events":[{"type":"deep","properties":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]}`,
      '{"source":{"id":{"$gt":""}},"session":{"id":"s"},"events":[]}',
      '{"__proto__":{"polluted":true},"source":{"id":"w"},"session":{"id":"s"},"events":[{"type":"a","__proto__":{"polluted":1}}]}',
      '{"source":{"id":"w"},"session":{"id":"s"},"events":[{"type":"a","constructor":{"prototype":{"polluted":1}}}]}',
    ];
    for (const body of bodies) {
      const res = await fetch(`${url}/track`, { method: 'POST', headers: JSON_TYPE, body: body as BodyInit });
      expect(res.status < 500, String(body).slice(0, 40)).toBe(true);
    }
    expect(({} as any).polluted).toBeUndefined();
    expect((await fetch(`${url}/events?size=1000`)).status).toBe(200);

    for (const odd of ['/%E0%A4%A', '/events/%', '/collect/%zz/x', 'http://[::1/track', '/' + 'a'.repeat(5000)]) {
      expect((await rawGet(url, odd)).status, odd).toBeLessThan(500);
    }

    // Not HTTP at all: Node answers 400 and closes; the server stays up.
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    socket.on('error', () => {});
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.end('\x00\x01\x02 GARBAGE\r\n\r\n');
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);

    expect((await track(url, payload([{ type: 'still-alive' }]))).status).toBe(200);
    expect(collector.stats().events).toBeGreaterThan(0);
  });

  it('turns an exception inside a request into a 500 for that request only', async () => {
    const dataDir = tempDir();
    const { url, collector } = await serve({ dataDir });
    vi.spyOn(console, 'error').mockImplementation(() => {});
    fs.rmSync(dataDir, { recursive: true }); // the next append throws ENOENT
    const res = await track(url, payload([{ id: 'e1', type: 'a' }, { id: 'e2', type: 'b' }]));
    expect(res.status).toBe(500);
    expect((await fetch(`${url}/stats`)).status).toBe(200);
    expect(collector.store.size).toBe(0); // the write failed: nothing of the batch counts
  });

  it('answers small requests while a large body is still arriving', async () => {
    const { url } = await serve();
    const events = Array.from({ length: 3000 }, (_, n) => ({ id: `large-${n}`, type: 'page-view', properties: { path: `/products/${n}` } }));
    const body = Buffer.from(JSON.stringify(payload(events, { session: { id: 'large' } })));
    expect(body.length).toBeGreaterThan(200_000);
    const large = http.request(`${url}/track`, { method: 'POST', headers: { ...JSON_TYPE, 'content-length': String(body.length) } });
    const answered = once(large, 'response').then(([res]) => (res as http.IncomingMessage).statusCode);
    let largeDone = false;
    answered.then(() => (largeDone = true));
    // Ten pieces, 60 ms apart: the body takes about 600 ms to arrive.
    const piece = Math.ceil(body.length / 10);
    for (let sent = 0; sent < body.length; sent += piece) {
      large.write(body.subarray(sent, sent + piece));
      if (sent === 0) {
        for (let n = 0; n < 3; n++) {
          const started = Date.now();
          expect((await track(url, payload([{ id: `small-${n}`, type: 'a' }]))).status).toBe(200);
          expect(Date.now() - started).toBeLessThan(500);
        }
        expect(largeDone).toBe(false);
      }
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    large.end();
    expect(await answered).toBe(200);
  });
});
