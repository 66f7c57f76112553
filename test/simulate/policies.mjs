// The policies `npm run simulate -- --policy …` measures. `tracker` is the tracker's own module as built
// (.build/retry.js), driven as the drain must drive it; every other row is a policy the tracker had or could
// have, built on that module's retryable() and retryAfter(), so that each differs from the row before by
// one rule. docs/collector-load.md has their numbers.

/** The step of an exponential backoff from 1 s, capped. */
const step = (attempt, cap) => Math.min(cap, 1000 * 2 ** attempt);

/** 50–100 % of the step (the tracker's before the simulation, commit 5e95d52; src/retry.ts's backoffDelay()). */
const half = (cap) => (attempt, random) => step(attempt, cap) * (0.5 + random / 2);
/** Full jitter (AWS Architecture Blog, 2015): 0 to the step. */
const full = (cap) => (attempt, random) => step(attempt, cap) * random;
/** Decorrelated jitter (the same post): from 1 s to three times the wait before (3 s at first), capped. */
const decorrelated = (cap) => (_attempt, random, last) => Math.min(cap, 1000 + random * (3 * Math.max(last, 1000) - 1000));

/** From 1 s to three times the step, capped: decorrelated jitter's spread, from the count of failures. */
const wide = (cap) => (attempt, random) => Math.min(cap, 1000 + random * (3 * step(attempt, cap) - 1000));

// Each policy below is called as the tracker's is, retryDelay(last, retryAfterMs, random), and is also
// given the count of failures in a row (`attempt`), which exponential backoffs read.

/** Retry-After exact, honoured up to ten minutes (commit 5e95d52). */
const exact = (jitter) => (last, retryAfterMs, random, attempt) => Math.min(600_000, Math.max(retryAfterMs, jitter(attempt, random, last)));
/** Retry-After spread from it to twice it, honoured up to five minutes (src/retry.ts). */
const spread = (jitter) => (last, retryAfterMs, random, attempt) => Math.max(Math.min(retryAfterMs, 300_000) * (1 + random), jitter(attempt, random, last));

/**
 * The policies by name, each with how a new page starts (`newPage`, see model.mjs) and a line for the table.
 * `retry` is the tracker's module.
 */
export function policies(retry) {
  const rules = (retryDelay, paceDelay) => ({ retryable: retry.retryable, retryAfter: retry.retryAfter, retryDelay, paceDelay });
  return {
    before: { newPage: 'now', label: '50–100 % jitter, cap 60 s, Retry-After exact; a new page tries at once (the tracker before)', policy: rules(exact(half(60_000))) },
    full: { newPage: 'now', label: 'full jitter instead', policy: rules(exact(full(60_000))) },
    decorrelated: { newPage: 'now', label: 'decorrelated jitter instead', policy: rules(exact(decorrelated(60_000))) },
    spread: { newPage: 'now', label: 'decorrelated jitter, Retry-After spread to twice it', policy: rules(spread(decorrelated(60_000))) },
    cap300: { newPage: 'now', label: '… and a cap of 5 min', policy: rules(spread(decorrelated(300_000))) },
    keep: { newPage: 'keep', label: '… and a new page waits as the page before did', policy: rules(spread(decorrelated(300_000))) },
    tracker: { newPage: 'keep', label: '… and a backlog paced after failures: the tracker now (src/retry.ts)', policy: retry },
    'tracker-exact': { newPage: 'keep', label: 'the tracker now, with Retry-After exact', policy: rules(exact(decorrelated(retry.RETRY_CAP)), retry.paceDelay) },
    'tracker-full': { newPage: 'keep', label: 'the tracker now, with full jitter', policy: rules(spread(full(retry.RETRY_CAP)), retry.paceDelay) },
    'tracker-wide': { newPage: 'keep', label: 'the tracker now, with 1 s to 3x the exponential step', policy: rules(spread(wide(retry.RETRY_CAP)), retry.paceDelay) },
    'tracker-half': { newPage: 'keep', label: 'the tracker now, with 50–100 % jitter', policy: rules(spread(half(retry.RETRY_CAP)), retry.paceDelay) },
  };
}
