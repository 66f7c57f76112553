import { endpointOf } from './endpoint.js';
import type { Payload } from './payload.js';
import { retryAfter } from './retry.js';

/** What the collector answered; status 0 when it did not (network error, CORS, timeout, a redirect). */
export interface Answer {
  _status: number;
  /** The collector redirected the request: refused, since only the configured collector may receive events. */
  _redirected?: boolean;
  /** Retry-After in ms (0 when absent); readable cross-origin only if the collector exposes it. */
  _retryAfter: number;
  _body?: string;
}

/**
 * A tracker payload as application/json: a Tracardi server answers 422 to text/plain (the batch would be
 * lost). Sent as a Blob, whose type fetch and sendBeacon both use as the Content-Type.
 */
const json = (body: string) => new Blob([body], { type: 'application/json' });

/**
 * The most of a 2xx answer read: more than the tracker needs (a profile id, Tracardi's debugging) is not
 * parsed, and a body that never ends is not read on (docs/trust.md).
 */
const MAX_ANSWER = 65_536;

async function readBody(response: Response): Promise<string | undefined> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
    if (text.length > MAX_ANSWER) return void reader.cancel().catch(() => {});
  }
}

/**
 * POSTs a payload to its collector (the endpoint of its events), without credentials (Tracardi may answer normal
 * requests with a `*` origin) and without following redirects. `keepalive` lets a request of at most
 * 64 KiB finish when the page closes meanwhile.
 */
export async function post({ _records: [first], _body: body }: Payload, timeout: number, keepalive: boolean): Promise<Answer> {
  const abort = new AbortController();
  setTimeout(() => abort.abort(), timeout); // harmless once answered
  try {
    const response = await fetch(endpointOf(first), { method: 'POST', body: json(body), credentials: 'omit', keepalive, redirect: 'manual', signal: abort.signal });
    if (response.type == 'opaqueredirect') return { _status: 0, _redirected: true, _retryAfter: 0 };
    const status = response.status;
    // The answer counts once its status is in: a body cut off, or too long, is only not read.
    const answer = status > 199 && status < 300 ? await readBody(response).catch(() => undefined) : undefined;
    return { _status: status, _retryAfter: retryAfter(response.headers.get('Retry-After')), _body: answer };
  } catch {
    return { _status: 0, _retryAfter: 0 };
  }
}

/**
 * Hands a payload to the browser for delivery after the page is gone; false when it refused (quota). A beacon
 * follows redirects: what it carries is what the page would send, to the collector the page was given.
 */
export function beacon({ _records: [first], _body: body }: Payload): boolean {
  try {
    return navigator.sendBeacon(endpointOf(first), json(body));
  } catch {
    return false; // missing sendBeacon, or a page policy that forbids it
  }
}
