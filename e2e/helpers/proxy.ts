/**
 * A small programmable server on another loopback port: it forwards every request to `target` until told to
 * answer otherwise, and records each request it gets. In front of the demo collector it is a collector that
 * misbehaves (a hostile answer, a redirect, a Retry-After); in front of the site it records what a page asked
 * of its own origin; without a target it only records and answers, as another origin a redirect points at.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the next requests are answered (preflights are always forwarded, as a collector's are never faulted). */
export type ProxyAnswer =
  /** Passed through to the target, answer included. */
  | { mode: 'forward' }
  /** Passed through (so the target stores the events), then answered 200 with this body instead of the target's answer. */
  | { mode: 'replace'; body: string }
  /** Answered here, with CORS headers that let the page read it: a redirect (`Location`), a 503 with `Retry-After`... */
  | { mode: 'status'; status: number; headers?: Record<string, string>; body?: string };

export interface ProxiedRequest {
  method: string;
  /** The path and query. */
  path: string;
  /** When it arrived (ms since the epoch). */
  at: number;
  /** What it was answered, 0 until then. */
  status: number;
}

export interface Proxy {
  url: string;
  /** Every request, in arrival order. */
  readonly requests: ProxiedRequest[];
  /** The requests that were no preflight. */
  posts(): ProxiedRequest[];
  answer(next: ProxyAnswer): void;
  close(): Promise<void>;
}

/** What a page needs to read an answer of another origin: its Origin echoed, with credentials, and Retry-After exposed. */
const cors = (req: http.IncomingMessage): Record<string, string> =>
  req.headers.origin
    ? {
        'Access-Control-Allow-Origin': req.headers.origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || 'content-type',
        'Access-Control-Expose-Headers': 'Retry-After',
        Vary: 'Origin',
      }
    : {};

/**
 * Starts one. `host` names it in its URL (it listens on 127.0.0.1 either way): localhost makes it another site
 * than the collector's 127.0.0.1, as the demo site is. `headers` may rewrite the headers of forwarded answers.
 */
export async function startProxy(
  target?: string,
  { host = '127.0.0.1', headers: rewrite }: { host?: string; headers?: (headers: http.OutgoingHttpHeaders) => void } = {},
): Promise<Proxy> {
  let current: ProxyAnswer = { mode: 'forward' };
  const requests: ProxiedRequest[] = [];

  const server = http.createServer((req, res) => {
    const record: ProxiedRequest = { method: req.method!, path: req.url!, at: Date.now(), status: 0 };
    requests.push(record);
    const answer = req.method == 'OPTIONS' ? { mode: 'forward' as const } : current;
    const reply = (status: number, headers: http.OutgoingHttpHeaders, body: string | Buffer = '') => {
      record.status = status;
      res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (answer.mode == 'status' || !target) {
      req.resume();
      req.on('end', () => {
        if (req.method == 'OPTIONS') return reply(204, cors(req));
        if (answer.mode != 'status') return reply(200, cors(req));
        reply(answer.status, { ...cors(req), 'Content-Type': 'application/json', ...answer.headers }, answer.body);
      });
      return;
    }
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (response) => {
      const headers: http.OutgoingHttpHeaders = { ...response.headers };
      rewrite?.(headers);
      if (answer.mode == 'forward') {
        record.status = response.statusCode!;
        res.writeHead(response.statusCode!, headers);
        response.pipe(res);
        return;
      }
      response.resume();
      response.on('end', () => {
        delete headers['content-length'];
        reply(200, headers, answer.body);
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    requests,
    posts: () => requests.filter((request) => request.method != 'OPTIONS'),
    answer(next) {
      current = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
