// @vitest-environment node
// The demo site (static files, admin API) and the collector it starts beside it.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
// @ts-ignore: plain ESM with JSDoc, no declaration file
import { startDemoServer } from './server.mjs';
import { JSON_TYPE, cleanup, json, payload, rawGet, request, tempDir, track, until } from '../collector/test-helpers';


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
    cleanup(() => server.close());
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
    expect(raw.headers.get('access-control-allow-origin')).toBeNull(); // no CORS: same-origin pages only
    expect(raw.body.map((record: any) => record.status)).toEqual([503, 200, 200]);
    expect((await admin('/raw?since=2')).body.map((record: any) => record.seq)).toEqual([3]);
    expect((await admin('/events')).body.map((event: any) => event.id)).toEqual(['e1']);
    expect((await admin('/stats')).body).toEqual({ events: 1, requests: 3, duplicates: 1, byStatus: { 200: 2, 503: 1 } });
    await admin('/reset', {});
    expect((await admin('/stats')).body).toEqual({ events: 0, requests: 0, duplicates: 0, byStatus: {} });
    expect((await admin('/nope')).status).toBe(404);
  });

  it("answers the admin API only to the site's own pages: another Origin, a cross-site fetch or another Host gets 403", async () => {
    const { siteUrl, collector } = await demo();
    const port = new URL(siteUrl).port;
    const fault = JSON.stringify({ mode: 'status', status: 503 });
    const attempts: Array<[string, Record<string, string>]> = [
      ['another origin', { origin: 'http://evil.test' }],
      ['another port of localhost', { origin: `http://localhost:${Number(port) + 1}` }],
      ['an opaque origin', { origin: 'null' }],
      ['cross-site, without Origin', { 'sec-fetch-site': 'cross-site' }],
      ['same-site, another origin', { 'sec-fetch-site': 'same-site' }],
      // A same-origin GET carries no Origin: only the Host tells a page whose name was rebound to this address.
      ['a page rebound to this address (DNS rebinding)', { host: `evil.test:${port}`, 'sec-fetch-site': 'same-origin' }],
    ];
    for (const [name, headers] of attempts) {
      for (const [method, path, body] of [['POST', '/admin/fault', fault], ['GET', '/admin/events', undefined], ['OPTIONS', '/admin/fault', undefined]]) {
        const res = await request(`${siteUrl}${path}`, { method, headers: { ...JSON_TYPE, ...headers }, body });
        expect(res.status, `${name}: ${method} ${path}`).toBe(403);
        expect(res.headers['access-control-allow-origin'], name).toBeUndefined();
      }
    }
    expect(collector.getFault()).toEqual({ mode: 'ok' });

    // Its own pages, under either name the site answers to, and callers that are no page at all.
    const own: Array<Record<string, string>> = [
      { origin: siteUrl, 'sec-fetch-site': 'same-origin' },
      { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      {},
    ];
    for (const headers of own) {
      expect((await request(`${siteUrl}/admin/fault`, { method: 'POST', headers: { ...JSON_TYPE, ...headers }, body: fault })).status, JSON.stringify(headers)).toBe(200);
    }
    expect(collector.getFault()).toEqual({ mode: 'status', status: 503 });
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
