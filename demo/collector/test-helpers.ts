// What the collector's and the site's tests share: a collector on a free port of 127.0.0.1, the requests
// they send it, and cleanup. Importing it registers an afterEach that closes whatever the test opened.
import { afterEach, vi } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
// @ts-ignore: plain ESM with JSDoc, no declaration file
import { createCollector } from './collector.mjs';

export const ORIGIN = 'http://localhost:5173';
export const JSON_TYPE = { 'content-type': 'application/json' };

// Everything a test opens is closed after it, even when it fails.
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Runs `close` after the test, even when it fails. */
export const cleanup = (close: () => unknown) => void cleanups.push(close);

/** A collector listening on a free port. */
export async function serve(options: Record<string, unknown> = {}) {
  const collector = createCollector(options);
  const url: string = await collector.listen(0);
  const close = (): Promise<void> => collector.close();
  cleanups.push(close);
  return { collector, url, close };
}

export function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-collector-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const payload = (events: unknown[], extra: Record<string, unknown> = {}) => ({
  source: { id: 'web' },
  session: { id: 'session-1' },
  events,
  ...extra,
});

export function track(url: string, body: unknown, headers: Record<string, string> = {}, query = '') {
  return fetch(`${url}/track${query}`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function json(response: Response | Promise<Response>) {
  const res = await response;
  return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) };
}

/** A request with exactly this path (fetch would normalise it), for traversal and odd inputs. */
export function rawGet(url: string, rawPath: string): Promise<{ status: number; body: string }> {
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

export async function until(condition: () => boolean, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Writes `text` on a raw connection and sends nothing more: resolves when the server closes it, with
 * what it answered and after how long.
 */
export function stall(url: string, text: string): Promise<{ answer: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    cleanups.push(() => socket.destroy());
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, ms: Date.now() - started }));
    socket.write(text);
  });
}

/** A request with any headers, Host included (fetch sets Host itself). */
export function request(url: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
