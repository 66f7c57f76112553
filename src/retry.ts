/**
 * The retry policy: what each answer of the collector means for the events sent, and how long to wait
 * before the next attempt (docs/delivery.md).
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

export const RETRY_BASE = 1000;
export const RETRY_CAP = 60_000;
/**
 * The longest wait honoured, whatever Retry-After says: ten minutes, about as long as a visitor keeps a page
 * open. The `online` event, a reload and the next page try again at once.
 */
export const RETRY_AFTER_CAP = 600_000;

/**
 * Ms to wait after `attempt` failures in a row: exponential, capped, with jitter (50 to 100% of the
 * step, so that tabs and visitors spread out), and never before the collector's Retry-After.
 */
export function backoffDelay(attempt: number, retryAfterMs: number, random = Math.random()): number {
  return Math.min(RETRY_AFTER_CAP, Math.max(retryAfterMs, Math.min(RETRY_CAP, RETRY_BASE * 2 ** attempt) * (0.5 + random / 2)));
}
