// The collector side of an outage at internet scale: N visitors' pages, each delivering its queue as
// src/delivery.ts does, with every delay decided by the retry policy it is given (the tracker's own module,
// .build/retry.js or src/retry.ts, or an alternative to compare), against a collector of fixed capacity.
// The model and its assumptions: docs/collector-load.md.
//
// Event-driven, on a timing wheel of 10 ms ticks: a visitor whose queue is empty and who waits for nothing
// (an idle visitor) is only counted, their requests drawn in aggregate; a visitor holding events or waiting
// (a busy visitor) has a state of their own and at most one drain and one page end pending.

export const DEFAULTS = {
  /** Visitors on the site's pages at any time. */
  visitors: 100_000,
  /** Seconds the collector does not answer (connection refused). */
  outage: 3600,
  /** What the collector answers during the outage: 'none' (connection refused) or '503' (a maintenance page, with Retry-After). */
  down: 'none',
  /** Seconds of normal traffic before the outage. */
  warmup: 60,
  /** Seconds simulated after the collector came back. */
  after: 900,
  /** Mean seconds between a visitor's interactions; each is one request (the 1 s flush batches it). */
  interval: 20,
  /** Events per interaction (a click and what it triggers, a page view and its context). */
  burst: 2,
  /** Mean seconds a page lives; the next page of the visitor starts a fresh drain, as a reload does. */
  pageLife: 120,
  /** What one event of a request costs the collector, in requests: a request of n events costs 1 + n × this. */
  eventCost: 0.05,
  /** Work the collector does per second, in requests (see eventCost); 0: twice the normal load. */
  capacity: 0,
  /** Seconds of work the collector may take ahead (its queue): it takes a request while it has any left. */
  queue: 0.1,
  /** What refusing a request (a 503) costs the collector, as a share of taking it: 0, shedding is free. */
  refusalCost: 0,
  /** The seconds of the collector's Retry-After on a 503; 0: no Retry-After. */
  retryAfter: 30,
  /** Send Retry-After as an HTTP date (now + retryAfter, to the second) rather than seconds. */
  retryAfterDate: false,
  /** Seconds from sending a request to its answer. */
  latency: 0.1,
  /** The queue's bound per visitor (maxQueueEvents): past it the oldest events are dropped, counted. */
  maxEvents: 10_000,
  /** Events per request while the page is visible (src/delivery.ts). */
  batch: 1000,
  /**
   * A new page of a visitor whose drain waits: 'keep' waits as the page before did (the drain's last wait and
   * retry time kept in the site's storage), 'now' starts afresh and tries at once (the tracker before).
   */
  newPage: 'keep',
  seed: 1,
};

/** Ms per tick of the timing wheel. */
const TICK = 10;
/** Ms since the epoch of the simulation's t = 0: Retry-After dates are real dates. */
const EPOCH = Date.UTC(2026, 0, 1);

/** sfc32: a small fast generator; a seed replays a run. */
export function seeded(seed) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/**
 * Runs one outage. `policy` is a retry module: retryable, retryAfter and retryDelay as in src/retry.ts (given
 * also the count of failures in a row, for the policies of policies.mjs that read it), and paceDelay when it has
 * one (the drain then calls it between the full requests of a backlog after failures).
 */
export function simulate(given, policy) {
  const o = { ...DEFAULTS, ...given };
  const random = seeded(o.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  // Inversion with one uniform below 30; the normal approximation above.
  const poisson = (mean) => {
    if (mean >= 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss()));
    const u = random();
    let p = Math.exp(-mean);
    let sum = p;
    let count = 0;
    while (u > sum && p > 0) {
      p *= mean / ++count;
      sum += p;
    }
    return count;
  };
  const exponential = (mean) => -Math.log(1 - random()) * mean;

  const N = o.visitors;
  const normal = (N / o.interval) * (1 + o.burst * o.eventCost);
  const capacity = o.capacity || 2 * normal;
  const outageFrom = o.warmup * 1000;
  const outageTo = outageFrom + o.outage * 1000;
  const end = outageTo + o.after * 1000;
  const ticks = end / TICK;
  const seconds = end / 1000;
  const latency = o.latency * 1000;
  const burstsPerMs = 1 / (o.interval * 1000);
  const pageMs = o.pageLife * 1000;
  const eventCost = o.eventCost;
  const refusalCost = o.refusalCost;
  const refuseDown = o.down == '503';
  const freshPages = o.newPage == 'now';
  const pace = policy.paceDelay;

  // Per second: requests offered (sent, answered or not), their cost, accepted, refused with a 503,
  // unanswered (the outage); events delivered; events tracked before the recovery still queued.
  const offered = new Float64Array(seconds);
  const offeredCost = new Float64Array(seconds);
  const accepted = new Float64Array(seconds);
  const acceptedCost = new Float64Array(seconds);
  const refused = new Float64Array(seconds);
  const unanswered = new Float64Array(seconds);
  const deliveredPerSecond = new Float64Array(seconds);
  const backlog = new Float64Array(seconds);
  const perSecond = { offered, offeredCost, accepted, acceptedCost, refused, unanswered, delivered: deliveredPerSecond, backlog };

  // A busy visitor's state: their queue, and their page's drain (src/delivery.ts's Delivery).
  const queued = new Float64Array(N);
  /** Events tracked before the recovery, still in the queue (the oldest: they go first). */
  const old = new Float64Array(N);
  /** When the events tracked since were last counted into `queued`. */
  const counted = new Float64Array(N);
  const attempt = new Int32Array(N);
  /** The wait drawn after the last failure, 0 once the backlog is gone: what retryDelay() is given. */
  const lastDelay = new Float64Array(N);
  /** The tick of the visitor's pending drain and page end; -1 for none. */
  const drainTick = new Int32Array(N).fill(-1);
  const pageTick = new Int32Array(N).fill(-1);
  // The timing wheel: per tick a doubly linked list of entries, an entry being visitor × 2 + (0 drain,
  // 1 page end); each visitor has at most one of each, so rescheduling moves it.
  const head = new Int32Array(ticks + 1).fill(-1);
  const after = new Int32Array(2 * N).fill(-1);
  const before = new Int32Array(2 * N).fill(-1);
  // Idle visitors: a set with removal in O(1).
  const idle = new Int32Array(N);
  const idleAt = new Int32Array(N);
  let idleCount = N;
  for (let v = 0; v < N; v++) {
    idle[v] = v;
    idleAt[v] = v;
  }

  let tick = 0;
  // The collector's work as a token bucket: `capacity` a second, and up to `queue` seconds of it saved.
  const depth = capacity * o.queue;
  let tokens = depth;

  let tracked = 0;
  let delivered = 0;
  let dropped = 0;
  let oldLeft = 0;
  let recovered = false;
  let backlogDoneAt = -1;
  let backlog99At = -1;
  let oldAtRecovery = 0;

  function unlink(entry, at) {
    if (at < 0 || at > ticks) return;
    const next = after[entry];
    const previous = before[entry];
    if (previous < 0) head[at] = next;
    else after[previous] = next;
    if (next >= 0) before[next] = previous;
  }

  function schedule(visitor, kind, ms) {
    const at = Math.max(tick, Math.ceil(ms / TICK));
    const entry = visitor * 2 + kind;
    const pending = kind ? pageTick : drainTick;
    unlink(entry, pending[visitor]);
    pending[visitor] = at;
    if (at > ticks) return;
    const first = head[at];
    after[entry] = first;
    before[entry] = -1;
    if (first >= 0) before[first] = entry;
    head[at] = entry;
  }

  function removeIdle(visitor) {
    const last = idle[--idleCount];
    idle[idleAt[visitor]] = last;
    idleAt[last] = idleAt[visitor];
  }

  function toIdle(visitor) {
    unlink(visitor * 2, drainTick[visitor]);
    unlink(visitor * 2 + 1, pageTick[visitor]);
    drainTick[visitor] = -1;
    pageTick[visitor] = -1;
    idle[idleCount] = visitor;
    idleAt[visitor] = idleCount++;
  }

  /** Counts in the events a busy visitor tracked since last counted, and drops past the bound. */
  function count(visitor, now) {
    const events = poisson((now - counted[visitor]) * burstsPerMs) * o.burst;
    counted[visitor] = now;
    if (!events) return;
    tracked += events;
    queued[visitor] += events;
    const over = queued[visitor] - o.maxEvents;
    if (over > 0) {
      queued[visitor] = o.maxEvents;
      dropped += over;
      forget(visitor, over);
    }
  }

  /** The oldest `events` leave the queue (delivered or dropped): the old ones first. */
  function forget(visitor, events) {
    const gone = Math.min(old[visitor], events);
    if (!gone) return;
    old[visitor] -= gone;
    oldLeft -= gone;
    const now = tick * TICK;
    if (backlog99At < 0 && oldLeft <= oldAtRecovery / 100) backlog99At = now;
    if (backlogDoneAt < 0 && oldLeft < 0.5) backlogDoneAt = now;
  }

  /** Retry-After as an HTTP date, for an answer at `now`: one string per second, as a server formats it. */
  let dateSecond = -1;
  let date = '';
  function dateIn(now) {
    const second = Math.floor(now / 1000);
    if (second != dateSecond) {
      dateSecond = second;
      date = new Date(EPOCH + second * 1000 + o.retryAfter * 1000).toUTCString();
    }
    return date;
  }

  /** The collector's answer to a request of `events` now: 0 (none), 200, or 503 with its Retry-After. */
  let header = null;
  function answer(events, now) {
    const second = (now / 1000) | 0;
    const cost = 1 + events * eventCost;
    offered[second]++;
    offeredCost[second] += cost;
    const down = now >= outageFrom && now < outageTo;
    if (down && !refuseDown) {
      unanswered[second]++;
      return 0;
    }
    if (tokens > 0 && !down) {
      tokens -= cost;
      accepted[second]++;
      acceptedCost[second] += cost;
      deliveredPerSecond[second] += events;
      delivered += events;
      return 200;
    }
    refused[second]++;
    if (!down) tokens -= cost * refusalCost;
    header = !o.retryAfter ? null : o.retryAfterDate ? dateIn(now) : String(o.retryAfter);
    return 503;
  }

  /** A retryable answer: the page waits as the policy says, given the wait before (docs/collector-load.md, the drain). */
  function failed(visitor, status, at) {
    const retryAfterMs = status ? policy.retryAfter(header, EPOCH + at) : 0;
    const delay = policy.retryDelay(lastDelay[visitor], retryAfterMs, random(), attempt[visitor]++);
    lastDelay[visitor] = delay;
    schedule(visitor, 0, at + delay);
  }

  /** The drain of a busy visitor's page: sends the oldest events, or goes idle once the queue is empty. */
  function drain(visitor, now) {
    count(visitor, now);
    const events = Math.min(queued[visitor], o.batch);
    if (!events) return toIdle(visitor);
    const status = answer(events, now);
    const at = now + latency;
    if (policy.retryable(status)) return failed(visitor, status, at);
    queued[visitor] -= events;
    forget(visitor, events);
    // After failures, a full request leaves more behind: the next waits paceDelay(), and the wait drawn
    // stays (a failure meanwhile backs off from it), as the drain keeps it until the backlog is gone.
    if (pace && lastDelay[visitor] && events == o.batch) return schedule(visitor, 0, at + pace(random()));
    attempt[visitor] = 0;
    lastDelay[visitor] = 0;
    schedule(visitor, 0, at);
  }

  /** The visitor's next page, where a page starts a fresh drain ('now'): at once. */
  function newPage(visitor, now) {
    schedule(visitor, 1, now + exponential(pageMs));
    attempt[visitor] = 0;
    lastDelay[visitor] = 0;
    drain(visitor, now);
  }

  /** An idle visitor's interaction: one request of `burst` events; a failure makes them busy. */
  function interact(now) {
    tracked += o.burst;
    const status = answer(o.burst, now);
    if (!policy.retryable(status)) return;
    const visitor = idle[Math.floor(random() * idleCount)];
    removeIdle(visitor);
    queued[visitor] = o.burst;
    counted[visitor] = now;
    // Where the drain's state outlives the page ('keep'), a new page changes nothing: none is simulated.
    if (freshPages) schedule(visitor, 1, now + exponential(pageMs));
    failed(visitor, status, now + latency);
  }

  const recoveryTick = Math.round(outageTo / TICK);
  for (tick = 0; tick < ticks; tick++) {
    const now = tick * TICK;
    tokens = Math.min(depth, tokens + (capacity * TICK) / 1000);
    if (tick == recoveryTick) {
      // What each visitor holds when the collector comes back: the backlog.
      for (let visitor = 0; visitor < N; visitor++) {
        if (drainTick[visitor] < 0 && pageTick[visitor] < 0) continue;
        count(visitor, now);
        old[visitor] = queued[visitor];
        oldLeft += queued[visitor];
      }
      oldAtRecovery = oldLeft;
      recovered = true;
      if (!oldLeft) backlogDoneAt = backlog99At = now;
    }
    let interactions = poisson(idleCount * burstsPerMs * TICK);
    // The due pages and the idle visitors' interactions, interleaved: neither goes first by construction.
    while (interactions || head[tick] >= 0) {
      if (interactions && (head[tick] < 0 || random() < 0.5)) {
        interactions--;
        if (idleCount) interact(now);
        continue;
      }
      const entry = head[tick];
      unlink(entry, tick);
      const visitor = entry >> 1;
      if (entry & 1) {
        pageTick[visitor] = -1;
        newPage(visitor, now);
      } else {
        drainTick[visitor] = -1;
        drain(visitor, now);
      }
    }
    if (recovered && (tick + 1) % (1000 / TICK) == 0) backlog[Math.floor(now / 1000)] = oldLeft;
  }

  // What is still queued at the end, counted in.
  let left = 0;
  for (let visitor = 0; visitor < N; visitor++) {
    if (drainTick[visitor] < 0 && pageTick[visitor] < 0) continue;
    count(visitor, end);
    left += queued[visitor];
  }
  return { options: o, normal, capacity, perSecond, tracked, delivered, dropped, left, lost: tracked - delivered - dropped - left, backlog: oldAtRecovery, backlogDoneAt, backlog99At };
}

/** What a run shows after the recovery: peak load, seconds over capacity and 2x, the backlog's time, overload waves. */
export function summarize(run) {
  const { perSecond, capacity, options } = run;
  const from = options.warmup + options.outage;
  const seconds = perSecond.offered.length;
  const backlogDone = run.backlogDoneAt < 0 ? -1 : run.backlogDoneAt / 1000 - from;
  let peak = 0;
  let over = 0;
  let over2 = 0;
  let waves = 0;
  let calm = Infinity;
  let overAfterBacklog = 0;
  for (let second = from; second < seconds; second++) {
    const load = perSecond.offeredCost[second] / capacity;
    peak = Math.max(peak, load);
    if (load > 2) over2++;
    if (load > 1) {
      over++;
      // A wave: overload after at least 10 s at or under capacity (or the first, at the recovery).
      if (calm >= 10) waves++;
      calm = 0;
      if (backlogDone >= 0 && second - from > backlogDone) overAfterBacklog++;
    } else calm++;
  }
  return {
    peak,
    secondsOver: over,
    secondsOver2x: over2,
    waves,
    backlogEvents: run.backlog,
    backlogSeconds: backlogDone,
    backlog99Seconds: run.backlog99At < 0 ? -1 : run.backlog99At / 1000 - from,
    overAfterBacklog,
    dropped: run.dropped,
    lost: run.lost,
  };
}
