/**
 * Fault injection for the end-to-end suites: the demo server's admin API (collector down/up, injected
 * faults), and what the collector saw for a scenario's events: lost ones (after dedupe by id) and wire
 * duplicates (the same event id in more than one 2xx-answered /track request).
 */
import type { Page } from '../driver';
import { trackRequests, type Collector, type RawRecord } from './collector';
import type { Suite } from './site';
import { waitFor } from './wait';

export type Fault =
  | { mode: 'ok' }
  | { mode: 'status'; status: number }
  /** Retry-After in seconds, or as an HTTP date that many seconds ahead (`httpDate`); none without `retryAfter`. */
  | { mode: '429'; retryAfter?: number; httpDate?: boolean }
  | { mode: 'hang' }
  | { mode: 'slow'; delayMs: number }
  | { mode: 'drop' }
  /** Stored, then the connection closed unanswered. */
  | { mode: 'cut' };

/**
 * The tracker's backoff (src/retry.ts, docs/delivery.md): decorrelated jitter, each wait from 1 s to three
 * times the one before (3 s at first), capped at five minutes.
 */
export const RETRY_BASE = 1000;
export const RETRY_CAP = 300_000;
/** Request latency and timer slack allowed on top of a backoff delay, on a slow 2-core CI machine. */
export const SLACK = 400;
/** The shortest wait after a failure. */
export const MIN_DELAY = RETRY_BASE;
/** The longest wait after a failure, given the wait before it (`previous`, 0 for the first). */
export const maxDelay = (previous: number) => Math.min(RETRY_CAP, 3 * Math.max(previous, RETRY_BASE));

/**
 * Tracks `count` events of `type` with properties `{ seq }` from `from` on, in one go, through the page's
 * `window.tracker`; with `flush`, resolves once tracker.flush() did. Returns their ids.
 */
export const trackSeq = (page: Page, type: string, from: number, count: number, flush = false) =>
  page.evaluate(
    async ({ type, from, count, flush }) => {
      const { tracker } = window as unknown as { tracker: { track(type: string, properties: object): string; flush(): Promise<void> } };
      const ids = Array.from({ length: count }, (_, i) => tracker.track(type, { seq: from + i }));
      if (flush) await tracker.flush();
      return ids;
    },
    { type, from, count, flush },
  );

/** POSTs to the demo site's admin API (e.g. '/down', '/up', '/fault'), and returns its JSON answer. */
export async function admin(suite: Suite, route: string, body?: unknown): Promise<{ fault: Fault; down: boolean }> {
  const response = await fetch(`${suite.siteUrl}/admin${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST /admin${route} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** Takes the collector off the network (refused connections); it is brought back up after the test whatever happens. */
export async function collectorDown(suite: Suite): Promise<void> {
  suite.cleanup(() => admin(suite, '/up'));
  await admin(suite, '/down');
}

export const collectorUp = (suite: Suite) => admin(suite, '/up');

/** Sets the collector's fault; the suite's reset before each test sets it back to ok. */
export const setFault = (suite: Suite, fault: Fault) => admin(suite, '/fault', fault);

const answered2xx = (record: RawRecord) => typeof record.status == 'number' && record.status >= 200 && record.status < 300;

/** The /track requests answered with a 2xx that carried any of `ids`. */
export const deliveredRequests = (collector: Collector, ids: string[]) => trackRequests(collector, ids).filter(answered2xx);

/** The ids of `ids` the collector does not hold (after its dedupe by id). */
export const missing = (collector: Collector, ids: string[]) => ids.filter((id) => !collector.store.get(id));

/**
 * How many times events of `ids` arrived more than once on the wire: each id counted over every
 * 2xx-answered /track request that carried it, less one for each id that arrived at all.
 */
export function wireDuplicates(collector: Collector, ids: string[]): number {
  const wanted = new Set(ids);
  const counts = new Map<string, number>();
  for (const record of trackRequests(collector).filter(answered2xx)) {
    for (const id of record.eventIds) if (wanted.has(id)) counts.set(id, (counts.get(id) || 0) + 1);
  }
  let duplicates = 0;
  for (const count of counts.values()) duplicates += count - 1;
  return duplicates;
}

/**
 * Waits until every id of `ids` is stored at the collector (zero lost is the hard assertion: the wait
 * fails naming how many are missing), then, once nothing more arrives for `quiet` ms, logs and returns
 * the wire duplicates.
 */
export async function expectAllDelivered(
  collector: Collector,
  ids: string[],
  { scenario, timeout = 20_000, quiet = 700 }: { scenario: string; timeout?: number; quiet?: number },
): Promise<{ duplicates: number; requests: number }> {
  if (ids.some((id) => !id)) throw new Error(`${scenario}: track() refused an event that should have been accepted`);
  await waitFor(() => missing(collector, ids).length == 0, {
    timeout,
    what: `${ids.length} events at the collector (${scenario})`,
  }).catch((error) => {
    const lost = missing(collector, ids);
    const positions = lost.map((id) => ids.indexOf(id));
    throw new Error(`${error.message}: ${lost.length} missing, at positions ${positions.join(', ')} of ${ids.length} (${JSON.stringify(lost.slice(0, 3))}…)`);
  });
  // Whatever was still on its way (a beacon, a retry) is counted too.
  let last = collector.rawLog.length;
  let since = Date.now();
  while (Date.now() - since < quiet) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (collector.rawLog.length != last) [last, since] = [collector.rawLog.length, Date.now()];
  }
  const duplicates = wireDuplicates(collector, ids);
  const requests = trackRequests(collector, ids).length;
  console.log(`[faults] ${scenario}: ${ids.length} of ${ids.length} delivered, ${duplicates} wire duplicates, ${requests} /track requests carried them`);
  return { duplicates, requests };
}

/**
 * The event ids a request's body carries, parsed from the raw body: the collector fills `eventIds` only for
 * bodies it accepted, not for requests answered with an injected fault (503, 429...).
 */
export function idsInBody(record: RawRecord): string[] {
  try {
    return (JSON.parse(record.body).events || []).map((event: { id: string }) => event.id);
  } catch {
    return record.eventIds; // truncated or not JSON
  }
}

/** A one-line summary of the raw log (for evidence in failure messages): `#seq +ms status n-events`. */
export function rawSummary(collector: Collector, since = 0): string {
  const start = collector.rawLog[0] ? Date.parse(collector.rawLog[0].at) : 0;
  return collector.rawLog
    .filter((record) => record.seq > since)
    .map((record) => `#${record.seq} +${Date.parse(record.at) - start}ms ${record.path} → ${record.status} (${record.eventIds.length} ev)`)
    .join('; ');
}
