// Retry policies to measure beside the tracker's own: each is the tracker's module with one rule
// changed, so that a table row differs from the next by that rule only. The tracker's policy is always
// its module as built (.build/retry.js), never one of these.

/** The backoff of commit 5e95d52 (the policy before the simulation): 50–100 % jitter, Retry-After exact. */
const halfJitter = (retry) => (attempt, retryAfterMs, random) =>
  Math.min(600_000, Math.max(retryAfterMs, Math.min(60_000, 1000 * 2 ** attempt) * (0.5 + random / 2)));

/** Full jitter (AWS, 2015): anywhere from 0 to the step; Retry-After exact. */
const fullJitter = (cap) => (retry) => (attempt, retryAfterMs, random) =>
  Math.min(retry.RETRY_AFTER_CAP, Math.max(retryAfterMs, Math.min(cap, 1000 * 2 ** attempt) * random));

/** Decorrelated jitter (AWS, 2015): from the base to three times the last delay, capped; Retry-After exact. */
const decorrelated = (cap) => (retry) => (_attempt, retryAfterMs, random, last) =>
  Math.min(retry.RETRY_AFTER_CAP, Math.max(retryAfterMs, Math.min(cap, 1000 + random * (Math.max(3 * last, 1000) - 1000))));

/** The policies by name: `retry` is the tracker's module, whose rules the others keep unless they replace them. */
export function policies(retry) {
  const without = { retryable: retry.retryable, refusesSome: retry.refusesSome, retryAfter: retry.retryAfter, RETRY_AFTER_CAP: retry.RETRY_AFTER_CAP };
  return {
    tracker: retry,
    before: { ...without, backoffDelay: halfJitter(retry) },
    full: { ...without, backoffDelay: fullJitter(60_000)(retry) },
    decorrelated: { ...without, backoffDelay: decorrelated(60_000)(retry) },
    'full-300': { ...without, backoffDelay: fullJitter(300_000)(retry) },
  };
}
