/**
 * The retry policy: what each answer of the collector means for the events sent, and how long to wait
 * before the next attempt (docs/delivery.md). Its spread is set for a collector that a whole site's visitors
 * retry at once, as measured by `npm run simulate` (docs/collector-load.md).
 */

/** The collector or the network may recover: no answer, 408, 429, 5xx. */
export const retryable = (status: number) => !status || status == 408 || status == 429 || status > 499;

/** The collector refuses something in the batch: halve it to find the one event to drop. */
export const refusesSome = (status: number) => status == 400 || status == 413 || status == 422;

/** Retry-After in ms, in seconds or as an HTTP date (RFC 9110); 0 when absent, past or unreadable. */
export function retryAfter(header: string | null, now = Date.now()): number {
  if (!header) return 0;
  const ms = /^\s*\d+\s*$/.test(header) ? +header * 1000 : Date.parse(header) - now;
  return ms > 0 ? ms : 0;
}

/** The shortest wait after a failure, and the first backoff's unit. */
export const RETRY_BASE = 1000;
/**
 * The longest backoff: five minutes. After a long outage a site's visitors come back over these minutes rather
 * than in the first one, and a page kept open still retries.
 */
export const RETRY_CAP = 300_000;
/** Retry-After is honoured up to five minutes, and spread up to twice that: no wait is over ten minutes. */
export const RETRY_AFTER_CAP = 300_000;
/** After failures, the full requests of a backlog are up to this far apart (paceDelay). */
export const PACE = 30_000;

/**
 * Ms to wait after a failure, given `last`, the wait after the failure before it in the same run (0 for the
 * first): decorrelated jitter, anywhere from 1 s to three times `last` (3 s at first), capped; and never before
 * the collector's Retry-After, spread from it to twice it, so that the visitors it refused at one moment do not
 * all come back at another.
 */
export function retryDelay(last: number, retryAfterMs: number, random = Math.random()): number {
  const backoff = Math.min(RETRY_CAP, RETRY_BASE + random * (3 * Math.max(last, RETRY_BASE) - RETRY_BASE));
  return Math.max(Math.min(retryAfterMs, RETRY_AFTER_CAP) * (1 + random), backoff);
}

/** Ms before the next full request of a backlog once the collector takes events again after failures: 0 to PACE. */
export const paceDelay = (random = Math.random()) => PACE * random;
