// @vitest-environment node
// The demo collector and site, over real HTTP on 127.0.0.1 (port 0).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-ignore: plain ESM with JSDoc, no declaration file
import { createCollector } from '../demo/collector.mjs';
// @ts-ignore: plain ESM with JSDoc, no declaration file
import { startDemoServer } from '../demo/server.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ORIGIN = 'http://localhost:5173';
const JSON_TYPE = { 'content-type': 'application/json' };

// Everything a test opens is closed after it, even when it fails.
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A collector on its own http server, on a free port. */
async function serve(options: Record<string, unknown> = {}) {
  const collector = createCollector(options);
  const server = http.createServer(collector.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => {
    collector.close();
    server.close(() => resolve());
    server.closeAllConnections();
  });
  cleanups.push(close);
  return { collector, server, url, close };
}

function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-collector-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const payload = (events: unknown[], extra: Record<string, unknown> = {}) => ({
  source: { id: 'web' },
  session: { id: 'session-1' },
  events,
  ...extra,
});

function track(url: string, body: unknown, headers: Record<string, string> = {}, query = '') {
  return fetch(`${url}/track${query}`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function json(response: Response | Promise<Response>) {
  const res = await response;
  return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) };
}

/** A request with exactly this path (fetch would normalise it), for traversal and odd inputs. */
function rawGet(url: string, rawPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = http.request({ host: hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(condition: () => boolean, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('POST /track validation', () => {
  it('refuses a body that is not application/json with 415, and accepts a charset', async () => {
    const { url } = await serve();
    const plain = await json(track(url, payload([{ type: 'a' }]), { 'content-type': 'text/plain' }));
    expect(plain.status).toBe(415);
    expect(plain.body.detail).toMatch(/application\/json.*text\/plain/);
    const none = await fetch(`${url}/track`, { method: 'POST', body: new Uint8Array([123, 125]) });
    expect(none.status).toBe(415);
    const charset = await track(url, payload([{ type: 'a' }]), { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(charset.status).toBe(200);
  });

  it('answers 422 in the FastAPI shape when the body is not JSON', async () => {
    const { url } = await serve();
    const res = await json(track(url, '{"source": '));
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([expect.objectContaining({ loc: ['body'], type: 'value_error.jsondecode' })]);
  });

  const event = { type: 'page-view' };
  it.each([
    ['source missing', { session: { id: 's' }, events: [event] }, ['body', 'source'], 'value_error.missing'],
    ['source.id missing', payload([event], { source: {} }), ['body', 'source', 'id'], 'value_error.missing'],
    ['session.id missing', payload([event], { session: {} }), ['body', 'session', 'id'], 'value_error.missing'],
    ['session.id not a string', payload([event], { session: { id: 42 } }), ['body', 'session', 'id'], 'type_error.str'],
    ['profile.id not a string', payload([event], { profile: { id: 7 } }), ['body', 'profile', 'id'], 'type_error.str'],
    ['options null', payload([event], { options: null }), ['body', 'options'], 'type_error.none.not_allowed'],
    ['properties null', payload([event], { properties: null }), ['body', 'properties'], 'type_error.none.not_allowed'],
    ['context null', payload([event], { context: null }), ['body', 'context'], 'type_error.none.not_allowed'],
    ['context not an object', payload([event], { context: 'x' }), ['body', 'context'], 'type_error.dict'],
    ['events not an array', payload([], { events: { type: 'a' } }), ['body', 'events'], 'type_error.list'],
    ['events null', payload([], { events: null }), ['body', 'events'], 'type_error.none.not_allowed'],
    ['event without type', payload([{ properties: {} }]), ['body', 'events', 0, 'type'], 'value_error.missing'],
    ['event type not a string', payload([{ type: 5 }]), ['body', 'events', 0, 'type'], 'type_error.str'],
    ['event type empty', payload([{ type: '' }]), ['body', 'events', 0, 'type'], 'value_error.any_str.min_length'],
    ['event id not a string', payload([{ type: 'a', id: 12 }]), ['body', 'events', 0, 'id'], 'type_error.str'],
    ['event null', payload([null]), ['body', 'events', 0], 'type_error.none.not_allowed'],
    ['event options null', payload([{ type: 'a', options: null }]), ['body', 'events', 0, 'options'], 'type_error.none.not_allowed'],
    ['event properties null', payload([{ type: 'a', properties: null }]), ['body', 'events', 0, 'properties'], 'type_error.none.not_allowed'],
    ['event context null', payload([{ type: 'a', context: null }]), ['body', 'events', 0, 'context'], 'type_error.none.not_allowed'],
    ['event time null', payload([{ type: 'a', time: null }]), ['body', 'events', 0, 'time'], 'type_error.none.not_allowed'],
    ['event time.create not a date', payload([{ type: 'a', time: { create: 'yesterday' } }]), ['body', 'events', 0, 'time', 'create'], 'value_error.datetime'],
    ['body not an object', [event], ['body'], 'type_error.dict'],
  ])('answers 422 naming the field: %s', async (_name, body, loc, type) => {
    const { url, collector } = await serve();
    const res = await json(track(url, body));
    expect(res.status).toBe(422);
    expect(res.body.detail).toContainEqual(expect.objectContaining({ loc, type }));
    expect(collector.store.size).toBe(0);
  });

  it('lists every offending field at once, and stores nothing of a broken batch', async () => {
    const { url, collector } = await serve();
    const res = await json(track(url, payload([{ type: 'ok' }, { id: 1 }, { type: 'b', time: null }], { source: {} })));
    expect(res.status).toBe(422);
    expect(res.body.detail.map((error: { loc: unknown[] }) => error.loc)).toEqual([
      ['body', 'source', 'id'],
      ['body', 'events', 1, 'type'],
      ['body', 'events', 1, 'id'],
      ['body', 'events', 2, 'time'],
    ]);
    expect(collector.store.size).toBe(0);
  });

  it('accepts a null profile (a first visit) and answers an empty batch with 200 and null, like Tracardi', async () => {
    const { url, collector } = await serve();
    const first = await json(track(url, payload([{ type: 'a' }], { profile: null })));
    expect(first.status).toBe(200);
    const empty = await track(url, payload([]));
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('null');
    expect(collector.store.size).toBe(1);
  });

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

describe('CORS', () => {
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

  it('links a session to a profile: earlier anonymous events and later ones take it (add_customer_session)', async () => {
    const { url, collector } = await serve();
    await track(url, payload([{ id: 'a1', type: 'view' }, { id: 'a2', type: 'view' }]));
    await track(url, payload([{ id: 'other', type: 'view' }], { session: { id: 'session-2' } }));
    const link = await json(fetch(`${url}/profiles/known-1/sessions`, { method: 'POST', headers: JSON_TYPE, body: '{"sessionId":"session-1"}' }));
    expect(link).toMatchObject({ status: 200, body: { profile: { id: 'known-1' }, session: { id: 'session-1' }, updated: 2 } });
    expect(collector.store.get('a1').profile).toEqual({ id: 'known-1' });
    expect(collector.store.get('other').profile).not.toEqual({ id: 'known-1' });

    // The tracker still carries its anonymous profile: the link wins, and the answer tells it so.
    const later = await json(track(url, payload([{ id: 'a3', type: 'buy' }], { profile: { id: 'anonymous' } })));
    expect(later.body.profile).toEqual({ id: 'known-1' });
    expect(collector.store.get('a3').profile).toEqual({ id: 'known-1' });
    const { body } = await json(fetch(`${url}/events?profile=known-1`));
    expect(body.items.map((event: any) => event.id)).toEqual(['a1', 'a2', 'a3']);

    const bad = await fetch(`${url}/profiles/known-1/sessions`, { method: 'POST', headers: JSON_TYPE, body: '{}' });
    expect(bad.status).toBe(422);
    const notJson = await json(fetch(`${url}/profiles/known-2/sessions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"sessionId":"session-2"}' }));
    expect(notJson).toMatchObject({ status: 415, body: { detail: expect.stringContaining('application/json') } });
    expect(collector.store.get('other').profile).not.toEqual({ id: 'known-2' });
  });
});

describe('duplicates and the raw log', () => {
  it('stores an event id once, counts each resend, and logs every request as it arrived', async () => {
    const { url, collector } = await serve();
    const batch = payload([{ id: 'e1', type: 'a' }, { id: 'e2', type: 'b' }], { profile: { id: 'p' } });
    await track(url, batch);
    const resend = await json(track(url, batch));
    expect(resend.body.events).toEqual({ saved: 0, duplicates: 2 });
    const sameBatch = await json(track(url, payload([{ id: 'e3', type: 'a' }, { id: 'e3', type: 'a' }])));
    expect(sameBatch.body.events).toEqual({ saved: 1, duplicates: 1 });

    expect(collector.store.size).toBe(3);
    expect(collector.store.get('e1').seen).toBe(2);
    expect(collector.store.get('e3').seen).toBe(2);
    expect(collector.stats()).toMatchObject({ events: 3, requests: 3, duplicates: 3, byStatus: { 200: 3 } });
    expect(collector.rawLog.map((record: any) => record.eventIds)).toEqual([['e1', 'e2'], ['e1', 'e2'], ['e3', 'e3']]);
    expect(collector.rawLog[1]).toMatchObject({
      seq: 2,
      method: 'POST',
      path: '/track',
      query: {},
      contentType: 'application/json',
      contentLength: Buffer.byteLength(JSON.stringify(batch)),
      ip: '127.0.0.1',
      status: 200,
      body: JSON.stringify(batch),
    });
    expect(Date.parse(collector.rawLog[1].at)).not.toBeNaN();
  });

  it('dedupes id-less events by externalId, on the event or in its properties (DM Hub)', async () => {
    const { url, collector } = await serve();
    await track(url, payload([{ type: 'order', externalId: 'X1' }, { type: 'order', properties: { externalId: 'X2' } }]));
    const again = await json(track(url, payload([
      { type: 'order', externalId: 'X1', time: { create: '2024-01-01T00:00:00Z' } },
      { type: 'refund', properties: { externalId: 'X2' } },
    ])));
    expect(again.body.events).toEqual({ saved: 0, duplicates: 2 });
    expect(collector.store.size).toBe(2);
  });

  it('dedupes id-less events by the same time, profile and type (DM Hub), and only then', async () => {
    const { url, collector } = await serve();
    const at = { create: '2024-01-01T12:00:00Z' };
    await track(url, payload([{ type: 'login', time: at }], { profile: { id: 'p1' } }));
    const res = await json(track(url, payload([
      { type: 'login', time: { create: '2024-01-01T12:00:00.000Z' } }, // the same instant, written otherwise
      { type: 'logout', time: at },
    ], { profile: { id: 'p1' } })));
    expect(res.body.events).toEqual({ saved: 1, duplicates: 1 });
    await track(url, payload([{ type: 'login', time: at }], { profile: { id: 'p2' } }));
    // Without a client time there is nothing to identify them by: both are kept.
    await track(url, payload([{ type: 'tick' }, { type: 'tick' }], { profile: { id: 'p1' } }));
    expect(collector.store.size).toBe(5);
    expect(collector.rawLog).toHaveLength(4);
  });

  it('keeps the whole length but only 256 KiB of a large body in the raw log', async () => {
    const { url, collector } = await serve();
    const body = JSON.stringify(payload([{ id: 'big', type: 'a', properties: { pad: 'x'.repeat(300_000) } }]));
    expect((await track(url, body)).status).toBe(200);
    expect(collector.rawLog[0].contentLength).toBe(Buffer.byteLength(body));
    expect(collector.rawLog[0].body).toHaveLength(256 * 1024);
    expect(collector.rawLog[0].bodyTruncated).toBe(true);
  });
});

describe('GET /events', () => {
  async function seeded() {
    const served = await serve();
    const event = (id: string, type: string, create: string, options: Record<string, string> = {}) => ({ id, type, time: { create }, options });
    await track(served.url, payload([
      event('e1', 'view', '2024-01-01T10:00:00Z', { context: 'WEB', mode: 'ACTIVE' }),
      event('e2', 'click', '2024-01-02T10:00:00Z', { context: 'WEB', mode: 'PASSIVE' }),
      event('e3', 'buy', '2024-01-03T10:00:00Z', { context: 'MOBILE', mode: 'ACTIVE' }),
    ], { profile: { id: 'p1' } }));
    await track(served.url, payload([
      event('e4', 'view', '2024-01-02T10:00:00Z'), // ties with e2 on time
      event('e5', 'view', '2023-12-31T10:00:00Z'),
    ], { profile: { id: 'p2' }, session: { id: 'session-2' } }));
    const query = async (search: string) => (await json(fetch(`${served.url}/events${search}`))).body;
    const ids = async (search: string) => (await query(search)).items.map((item: any) => item.id);
    return { ...served, query, ids };
  }

  it('sorts by time.create, ties in insertion order, ascending by default or descending', async () => {
    const { ids } = await seeded();
    expect(await ids('')).toEqual(['e5', 'e1', 'e2', 'e4', 'e3']);
    expect(await ids('?sort=desc')).toEqual(['e3', 'e4', 'e2', 'e1', 'e5']);
  });

  it('filters by profile, session, several types (repeated or comma separated), from/to, context and mode', async () => {
    const { ids } = await seeded();
    expect(await ids('?profile=p1')).toEqual(['e1', 'e2', 'e3']);
    expect(await ids('?session=session-2')).toEqual(['e5', 'e4']);
    expect(await ids('?type=click&type=buy')).toEqual(['e2', 'e3']);
    expect(await ids('?type=click,buy')).toEqual(['e2', 'e3']);
    expect(await ids('?profile=p2&type=view')).toEqual(['e5', 'e4']);
    // from is inclusive, to exclusive
    expect(await ids('?from=2024-01-02T10:00:00Z&to=2024-01-03T10:00:00Z')).toEqual(['e2', 'e4']);
    expect(await ids('?from=2024-01-01')).toEqual(['e1', 'e2', 'e4', 'e3']);
    expect(await ids('?context=WEB')).toEqual(['e1', 'e2']);
    expect(await ids('?context=WEB&mode=PASSIVE')).toEqual(['e2']);
    expect(await ids('?type=none')).toEqual([]);
  });

  it('pages with a total, 20 by default and at most 1000', async () => {
    const { query, url } = await seeded();
    expect(await query('?size=2&page=2')).toMatchObject({ total: 5, page: 2, size: 2 });
    expect((await query('?size=2&page=2')).items.map((item: any) => item.id)).toEqual(['e2', 'e4']);
    expect((await query('?size=2&page=3')).items).toHaveLength(1);
    expect((await query('?size=2&page=4')).items).toHaveLength(0);
    expect(await query('')).toMatchObject({ total: 5, page: 1, size: 20 });
    expect(await query('?size=5000')).toMatchObject({ size: 1000 });
    for (const bad of ['?page=0', '?size=0', '?size=x', '?page=-1', '?sort=up', '?from=notadate']) {
      expect((await fetch(`${url}/events${bad}`)).status, bad).toBe(400);
    }
  });

  it('GET /events/:id answers the event or 404', async () => {
    const { url } = await seeded();
    expect((await json(fetch(`${url}/events/e3`))).body).toMatchObject({ id: 'e3', type: 'buy', profile: { id: 'p1' } });
    expect((await fetch(`${url}/events/missing`)).status).toBe(404);
    expect((await json(fetch(`${url}/stats`))).body).toEqual({ events: 5, requests: 2, duplicates: 0, byStatus: { 200: 2 } });
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

  it('rejects a malformed fault', async () => {
    const { collector } = await serve();
    expect(() => collector.setFault({ mode: 'status' })).toThrow(TypeError);
    expect(() => collector.setFault({ mode: 'slow', delayMs: -1 })).toThrow(TypeError);
    expect(() => collector.setFault({ mode: 'nope' })).toThrow(TypeError);
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

describe('persistence', () => {
  it('reloads events, duplicate counts and session links after a restart', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([{ id: 'e1', type: 'a' }, { id: 'e2', type: 'b' }]));
    await track(first.url, payload([{ id: 'e1', type: 'a' }]));
    await fetch(`${first.url}/profiles/known/sessions`, { method: 'POST', headers: JSON_TYPE, body: '{"sessionId":"session-1"}' });
    await first.close();
    expect(fs.readFileSync(path.join(dataDir, 'raw.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);

    const second = await serve({ dataDir });
    expect(second.collector.store.size).toBe(2);
    expect(second.collector.store.get('e1')).toMatchObject({ seen: 2, profile: { id: 'known' } });
    expect(second.collector.stats().duplicates).toBe(1);
    const later = await json(track(second.url, payload([{ id: 'e1', type: 'a' }, { id: 'e3', type: 'c' }])));
    expect(later.body).toMatchObject({ profile: { id: 'known' }, events: { saved: 1, duplicates: 1 } });
  });

  it("remembers a session's created profile after a restart", async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    const created = await json(track(first.url, payload([{ id: 'e1', type: 'a' }], { session: { id: 'visit' } })));
    await first.close();
    const second = await serve({ dataDir });
    const again = await json(track(second.url, payload([{ id: 'e2', type: 'b' }], { session: { id: 'visit' } })));
    expect(again.body.profile).toEqual(created.body.profile);
  });

  it('skips a torn last line with a warning, and appends whole lines after it', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([{ id: 'e1', type: 'a' }]));
    await first.close();
    const file = path.join(dataDir, 'events.jsonl');
    fs.appendFileSync(file, '{"id":"torn","type":"a","sess');

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const second = await serve({ dataDir });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('torn'));
    expect(second.collector.store.all().map((event: any) => event.id)).toEqual(['e1']);
    await track(second.url, payload([{ id: 'e2', type: 'b' }]));
    await second.close();

    const third = await serve({ dataDir });
    expect(third.collector.store.all().map((event: any) => event.id)).toEqual(['e1', 'e2']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('reset() empties the files too', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([{ id: 'e1', type: 'a' }]));
    first.collector.reset();
    await first.close();
    expect((await serve({ dataDir })).collector.store.size).toBe(0);
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
      const res = await fetch(`${url}/track`, { method: 'POST', headers: JSON_TYPE, body });
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
    const { url } = await serve({ dataDir });
    vi.spyOn(console, 'error').mockImplementation(() => {});
    fs.rmSync(dataDir, { recursive: true }); // the next append throws ENOENT
    const res = await track(url, payload([{ type: 'a' }]));
    expect(res.status).toBe(500);
    expect((await fetch(`${url}/stats`)).status).toBe(200);
  });
});

describe('demo server', () => {
  /** A demo server over temporary static roots, with a file outside them to steal. */
  async function demo(options: Record<string, unknown> = {}) {
    const root = tempDir();
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    write('public/index.html', '<html data-collector="{{COLLECTOR_URL}}" data-site="{{SITE_URL}}"></html>');
    write('public/app.js', 'export const app = 1;');
    write('public/style.css', 'body{}');
    write('public/data.json', '{}');
    write('public/logo.svg', '<svg/>');
    write('public/sub/index.html', '<p>{{SITE_URL}}</p>');
    write('dist/tracker.min.js', 'window.tracker={}');
    write('dist/tracker.min.js.map', '{}');
    write('e2e/basic.html', '<p>{{COLLECTOR_URL}}</p>');
    write('secret.txt', 'TOP SECRET');
    const server = await startDemoServer({
      collectorPort: 0,
      sitePort: 0,
      memory: true,
      staticRoots: { public: path.join(root, 'public'), dist: path.join(root, 'dist'), e2e: path.join(root, 'e2e') },
      ...options,
    });
    cleanups.push(() => server.close());
    return server;
  }

  it('hands out a 127.0.0.1 collector and a localhost site: two origins', async () => {
    const { collectorUrl, siteUrl } = await demo();
    expect(collectorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(siteUrl).toMatch(/^http:\/\/localhost:\d+$/);
  });

  it('serves static files with content types, no-store and the URL placeholders filled in', async () => {
    const { collectorUrl, siteUrl } = await demo();
    const index = await fetch(`${siteUrl}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-store');
    expect(await index.text()).toBe(`<html data-collector="${collectorUrl}" data-site="${siteUrl}"></html>`);
    expect(await (await fetch(`${siteUrl}/sub/`)).text()).toBe(`<p>${siteUrl}</p>`);
    expect(await (await fetch(`${siteUrl}/e2e/basic.html`)).text()).toBe(`<p>${collectorUrl}</p>`);
    const types = {
      '/app.js': 'text/javascript; charset=utf-8',
      '/style.css': 'text/css; charset=utf-8',
      '/data.json': 'application/json; charset=utf-8',
      '/logo.svg': 'image/svg+xml',
      '/dist/tracker.min.js': 'text/javascript; charset=utf-8',
      '/dist/tracker.min.js.map': 'application/json; charset=utf-8',
    };
    for (const [file, type] of Object.entries(types)) {
      const res = await fetch(`${siteUrl}${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe(type);
    }
    expect((await fetch(`${siteUrl}/missing.html`)).status).toBe(404);
  });

  it('blocks directory traversal', async () => {
    const { siteUrl } = await demo();
    for (const attempt of [
      '/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/sub/..%2f..%2fsecret.txt',
      '/dist/..%2f..%2fsecret.txt', '/dist/%2e%2e%2f%2e%2e%2fsecret.txt', '/e2e/..%5c..%5csecret.txt', '/..%00/secret.txt',
      '/%2fetc%2fpasswd', '/dist/%2Fetc%2Fpasswd',
    ]) {
      const res = await rawGet(siteUrl, attempt);
      expect(res.status, attempt).toBeGreaterThanOrEqual(400);
      expect(res.body, attempt).not.toContain('SECRET');
      expect(res.body, attempt).not.toContain('root:');
    }
  });

  it('delays a file on ?delay= and adds a strict CSP on ?csp=strict', async () => {
    const { siteUrl, collectorUrl } = await demo();
    const started = Date.now();
    expect((await fetch(`${siteUrl}/app.js?delay=250`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    const strict = await fetch(`${siteUrl}/?csp=strict`);
    expect(strict.headers.get('content-security-policy')).toBe(
      `default-src 'self'; script-src 'self'; connect-src ${collectorUrl}; style-src 'self'`,
    );
    expect((await fetch(`${siteUrl}/`)).headers.get('content-security-policy')).toBeNull();
  });

  it('takes the collector down (connections refused) and brings it back on the same port', async () => {
    const { collectorUrl, siteUrl, collector } = await demo();
    expect((await track(collectorUrl, payload([{ id: 'e1', type: 'a' }]))).status).toBe(200);
    const admin = (path: string, body?: unknown) =>
      json(fetch(`${siteUrl}/admin${path}`, body === undefined ? {} : { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) }));

    expect((await admin('/down', {})).body).toEqual({ fault: { mode: 'ok' }, down: true });
    const refused = await track(collectorUrl, payload([{ type: 'a' }])).catch((error) => error);
    expect(refused).toBeInstanceOf(TypeError);
    expect(refused.cause?.code).toBe('ECONNREFUSED');
    // The QA page still reads what was stored.
    expect((await admin('/query?type=a')).body).toMatchObject({ total: 1 });

    expect((await admin('/up', {})).body.down).toBe(false);
    expect((await track(collectorUrl, payload([{ id: 'e2', type: 'a' }]))).status).toBe(200);
    expect(collector.store.size).toBe(2);
  });

  it('admin API: fault, state, raw log since a seq, events, stats, reset', async () => {
    const { collectorUrl, siteUrl } = await demo();
    const admin = (path: string, body?: unknown) =>
      json(fetch(`${siteUrl}/admin${path}`, body === undefined ? {} : { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) }));
    expect((await admin('/fault', { mode: 'status', status: 503 })).body.fault).toEqual({ mode: 'status', status: 503 });
    expect((await track(collectorUrl, payload([{ id: 'e1', type: 'a' }]))).status).toBe(503);
    expect((await admin('/fault', { mode: 'bogus' })).status).toBe(400);
    expect((await admin('/state')).body).toEqual({ fault: { mode: 'status', status: 503 }, down: false });
    await admin('/fault', { mode: 'ok' });
    await track(collectorUrl, payload([{ id: 'e1', type: 'a' }]));
    await track(collectorUrl, payload([{ id: 'e1', type: 'a' }]));

    const raw = await admin('/raw');
    expect(raw.headers.get('access-control-allow-origin')).toBe('*');
    expect(raw.body.map((record: any) => record.status)).toEqual([503, 200, 200]);
    expect((await admin('/raw?since=2')).body.map((record: any) => record.seq)).toEqual([3]);
    expect((await admin('/events')).body.map((event: any) => event.id)).toEqual(['e1']);
    expect((await admin('/stats')).body).toEqual({ events: 1, requests: 3, duplicates: 1, byStatus: { 200: 2, 503: 1 } });
    await admin('/reset', {});
    expect((await admin('/stats')).body).toEqual({ events: 0, requests: 0, duplicates: 0, byStatus: {} });
    expect((await admin('/nope')).status).toBe(404);
  });

  it('close() ends promptly while a request hangs', async () => {
    const server = await demo();
    server.collector.setFault({ mode: 'hang' });
    const hanging = track(server.collectorUrl, payload([{ type: 'a' }])).catch((error) => error);
    await until(() => server.collector.rawLog.length === 1);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hanging).toBeInstanceOf(TypeError);
  });
});

describe('demo/start.mjs', () => {
  function start(args: string[]) {
    const child = spawn(process.execPath, ['demo/start.mjs', '--memory', ...args], { cwd: repoRoot, stdio: 'pipe' });
    cleanups.push(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = once(child, 'exit').then(([code]) => code);
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  it('prints DEMO_READY with the URLs and exits 0 on SIGTERM', async () => {
    const demo = start(['--collector-port', '0', '--site-port', '0']);
    await until(() => demo.output().stdout.includes('DEMO_READY'), 5000);
    const line = demo.output().stdout.split('\n').find((text) => text.startsWith('DEMO_READY '))!;
    const { collectorUrl, siteUrl } = JSON.parse(line.slice('DEMO_READY '.length));
    expect((await fetch(`${collectorUrl}/stats`)).status).toBe(200);
    expect((await fetch(`${siteUrl}/admin/state`)).status).toBe(200);
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
  });

  it('believes X-Forwarded-For from --trusted-proxies, and stops on Ctrl-C (SIGINT) with exit 0', async () => {
    const demo = start(['--collector-port', '0', '--site-port', '0', '--trusted-proxies', '127.0.0.1']);
    await until(() => demo.output().stdout.includes('DEMO_READY'), 5000);
    const line = demo.output().stdout.split('\n').find((text) => text.startsWith('DEMO_READY '))!;
    const { collectorUrl, siteUrl } = JSON.parse(line.slice('DEMO_READY '.length));
    await track(collectorUrl, payload([{ id: 'xff', type: 'a' }]), { 'x-forwarded-for': '203.0.113.7' });
    const events = await (await fetch(`${siteUrl}/admin/events`)).json();
    expect(events[0].request.ip).toBe('203.0.113.7');
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.output().stdout).toContain('Demo stopped.');
    await expect(fetch(`${collectorUrl}/stats`)).rejects.toThrow();
  });

  it('names the busy port and how to change it, and exits 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const busy = (blocker.address() as net.AddressInfo).port;

    const collector = start(['--collector-port', String(busy), '--site-port', '0']);
    expect(await collector.exited).toBe(1);
    expect(collector.output().stderr.trim()).toBe(
      `Port ${busy} (collector) is already in use: choose another with --collector-port <port> or COLLECTOR_PORT=<port>.`,
    );
    const site = start(['--collector-port', '0', '--site-port', String(busy)]);
    expect(await site.exited).toBe(1);
    expect(site.output().stderr).toContain('--site-port');
  });
});
