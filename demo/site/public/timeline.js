// The QA page's timeline: what happened to events over the last minutes, in buckets of a few seconds,
// drawn as SVG by hand: no charting library for the demo, and nothing of it in the tracker.

export const WINDOW_MS = 5 * 60_000;
export const BUCKET_MS = 5_000;
/** The kinds of answer the plot tells apart, bottom to top in a bar. */
export const KINDS = ['ok', 'refused', 'failed', 'none'];

/** A request's status as the collector's stats key it: 2xx, 4xx (429 included), 5xx, or no answer (hang, drop, aborted, timeout). */
export function statusKind(status) {
  const code = Number(status);
  if (!Number.isInteger(code)) return 'none';
  if (code < 300) return 'ok';
  return code < 500 ? 'refused' : 'failed';
}

const emptyBucket = (start) => ({ start, tracked: 0, received: 0, waiting: 0, requests: { ok: 0, refused: 0, failed: 0, none: 0 }, down: false, faulty: false });

/**
 * The timeline's data since the page opened: events this page tracked, the length of the IndexedDB queue,
 * and what the collector's stats (all browsers) gained between two reads, each in the bucket of its time.
 */
export function createTimeline(windowMs = WINDOW_MS, bucketMs = BUCKET_MS) {
  /** Oldest first, only those of the window. */
  let buckets = [];
  /** The collector's stats at the last read: what arrived since is the difference. */
  let lastStats;

  function bucketAt(now) {
    const start = now - (now % bucketMs);
    let bucket = buckets[buckets.length - 1];
    if (!bucket || bucket.start < start) {
      bucket = emptyBucket(start);
      buckets = buckets.filter((older) => older.start > start - windowMs).concat(bucket);
    }
    return bucket;
  }

  return {
    /** An event this page tracked. */
    tracked(now = Date.now()) {
      bucketAt(now).tracked++;
    },
    /** The queue's length as just read: a bucket shows the most that waited during it. */
    waiting(count, now = Date.now()) {
      const bucket = bucketAt(now);
      bucket.waiting = Math.max(bucket.waiting, count);
    },
    /** The collector's state: down (connections refused) or answering with a fault. */
    collectorState(down, faulty, now = Date.now()) {
      const bucket = bucketAt(now);
      bucket.down ||= down;
      bucket.faulty ||= faulty;
    },
    /** The collector's stats (`{ events, byStatus }`); the first read, and one after a reset of the collector, only set the baseline. */
    stats(stats, now = Date.now()) {
      const bucket = bucketAt(now);
      if (lastStats && stats.events >= lastStats.events) {
        bucket.received += stats.events - lastStats.events;
        for (const [status, count] of Object.entries(stats.byStatus || {})) {
          bucket.requests[statusKind(status)] += Math.max(0, count - (lastStats.byStatus[status] || 0));
        }
      }
      lastStats = { events: stats.events, byStatus: { ...stats.byStatus } };
    },
    /** Every bucket of the window ending now, empty ones included, oldest first. */
    buckets(now = Date.now()) {
      const last = now - (now % bucketMs);
      const all = [];
      for (let start = last - windowMs + bucketMs; start <= last; start += bucketMs) {
        all.push(buckets.find((bucket) => bucket.start == start) || emptyBucket(start));
      }
      return all;
    },
  };
}

// ---- drawing ------------------------------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';
export const HEIGHT = 210;
const LEFT = 34;
const RIGHT = 10;
/** The two panels, as SVG y coordinates: events above, requests below. */
const EVENTS = { top: 12, bottom: 122 };
const REQUESTS = { top: 144, bottom: 184 };
/** The width a label's character takes at most, in the 11 px font of .plot .label (a digit or "m" is about 6.5), and the room kept between two labels. */
const LABEL_CHAR = 7;
const LABEL_GAP = 6;

function node(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The top of a scale: 1, 2 or 5 times a power of ten, at least `floor`. */
export function niceMax(value, floor) {
  const wanted = Math.max(value, floor);
  const power = 10 ** Math.floor(Math.log10(wanted));
  return [1, 2, 5, 10].map((step) => step * power).find((top) => top >= wanted);
}

/**
 * Draws `buckets` (oldest first) into `svg`, `width` pixels wide: events tracked and received as step lines
 * and the queue as an area on one scale, requests by kind of answer as stacked bars on another, the times the
 * collector was down or faulty as bands behind both.
 */
export function drawTimeline(svg, buckets, width, windowMs = WINDOW_MS) {
  const step = (width - LEFT - RIGHT) / buckets.length;
  const x = (i) => +(LEFT + i * step).toFixed(1);
  const eventsTop = niceMax(Math.max(...buckets.map((b) => Math.max(b.tracked, b.received, b.waiting))), 4);
  const y = (value) => +(EVENTS.bottom - (value / eventsTop) * (EVENTS.bottom - EVENTS.top)).toFixed(1);
  const requestsTop = niceMax(Math.max(...buckets.map((b) => KINDS.reduce((sum, kind) => sum + b.requests[kind], 0))), 2);
  const barHeight = (count) => (count / requestsTop) * (REQUESTS.bottom - REQUESTS.top);
  const children = [];

  // Bands first, behind everything: consecutive buckets of one state make one band.
  for (let i = 0; i < buckets.length; i++) {
    const state = buckets[i].down ? 'down' : buckets[i].faulty ? 'faulty' : '';
    if (!state) continue;
    let end = i + 1;
    while (end < buckets.length && (buckets[end].down ? 'down' : buckets[end].faulty ? 'faulty' : '') == state) end++;
    children.push(node('rect', { class: `band ${state}`, x: x(i), y: EVENTS.top, width: x(end) - x(i), height: REQUESTS.bottom - EVENTS.top }));
    i = end - 1;
  }

  // Axes: the scale of each panel at its left, minutes below.
  const right = width - RIGHT;
  children.push(
    node('line', { class: 'grid', x1: LEFT, x2: right, y1: EVENTS.top, y2: EVENTS.top }),
    node('line', { class: 'axis', x1: LEFT, x2: right, y1: EVENTS.bottom, y2: EVENTS.bottom }),
    node('line', { class: 'axis', x1: LEFT, x2: right, y1: REQUESTS.bottom, y2: REQUESTS.bottom }),
    node('text', { class: 'label', x: LEFT - 6, y: EVENTS.top + 4, 'text-anchor': 'end' }, eventsTop),
    node('text', { class: 'label', x: LEFT - 6, y: EVENTS.bottom + 4, 'text-anchor': 'end' }, 0),
    node('text', { class: 'label', x: LEFT + 4, y: EVENTS.top - 2 }, 'events'),
    node('text', { class: 'label', x: LEFT - 6, y: REQUESTS.top + 4, 'text-anchor': 'end' }, requestsTop),
    node('text', { class: 'label', x: LEFT + 4, y: REQUESTS.top - 2 }, 'requests, by answer'),
  );
  // A grid line every minute, labelled from "now" leftwards; a label that would touch the one before it is left
  // out (a narrow page has room for every other one).
  const minutes = windowMs / 60_000;
  let free = Infinity; // where the last label drawn begins
  for (let minute = 0; minute <= minutes; minute++) {
    const at = +(right - ((right - LEFT) * minute) / minutes).toFixed(1);
    const label = minute ? `−${minute} min` : 'now';
    const anchor = minute == 0 ? 'end' : minute == minutes ? 'start' : 'middle';
    const width = label.length * LABEL_CHAR;
    const [start, end] = anchor == 'end' ? [at - width, at] : anchor == 'start' ? [at, at + width] : [at - width / 2, at + width / 2];
    children.push(node('line', { class: 'grid', x1: at, x2: at, y1: EVENTS.top, y2: REQUESTS.bottom }));
    if (end + LABEL_GAP > free) continue;
    free = start;
    children.push(node('text', { class: 'label', x: at, y: HEIGHT - 6, 'text-anchor': anchor }, label));
  }

  // The queue as an area, tracked and received as step lines over it.
  const steps = (key) => buckets.map((bucket, i) => `V${y(bucket[key])}H${x(i + 1)}`).join('');
  children.push(
    node('path', { class: 'series waiting', d: `M${x(0)} ${y(0)}${steps('waiting')}V${y(0)}Z` }),
    node('path', { class: 'series tracked', d: `M${x(0)} ${y(0)}${steps('tracked')}` }),
    node('path', { class: 'series received', d: `M${x(0)} ${y(0)}${steps('received')}` }),
  );

  // Requests: a bar per bucket, its kinds stacked.
  buckets.forEach((bucket, i) => {
    let base = REQUESTS.bottom;
    for (const kind of KINDS) {
      const height = barHeight(bucket.requests[kind]);
      if (!height) continue;
      base -= height;
      children.push(node('rect', { class: `bar ${kind}`, x: x(i) + 1, y: +base.toFixed(1), width: Math.max(1, +(step - 2).toFixed(1)), height: +height.toFixed(1) }));
    }
  });

  svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
  svg.replaceChildren(...children);
}

/** The window's totals, for the legend. */
export function totals(buckets) {
  const sum = (value) => buckets.reduce((total, bucket) => total + value(bucket), 0);
  return {
    tracked: sum((bucket) => bucket.tracked),
    received: sum((bucket) => bucket.received),
    ...Object.fromEntries(KINDS.map((kind) => [kind, sum((bucket) => bucket.requests[kind])])),
  };
}
