import { timeContext } from './context.js';
import type { QueuedEvent } from './record.js';

/** Everything in a tracker payload but its events. */
export interface Envelope {
  source: { id: string };
  session: { id: string };
  profile?: { id: string };
  context: Record<string, unknown>;
  properties: Record<string, unknown>;
  options: Record<string, unknown>;
}

/**
 * The payload around events, from the first one's record: its source, session and profile (or `profile`, the
 * one the collector gave since), the tracker's `context` and `options`, the browser's clock, and the count of
 * events lost, when some were: loss is reported, never silent.
 */
export function envelopeOf(first: QueuedEvent, dropped: number, context: Record<string, unknown>, options: Record<string, unknown>, profile?: string | false): Envelope {
  profile = first.profile || profile;
  return {
    source: { id: first.source },
    session: { id: first.session },
    ...(profile && { profile: { id: profile } }),
    context: { ...context, time: timeContext(), ...(dropped && { tracker: { dropped } }) },
    properties: {},
    options, // never null: a Tracardi server answers 500
  };
}

export interface Payload {
  _records: QueuedEvent[];
  /** The tracker payload as JSON. */
  _body: string;
  /** Its UTF-8 size. */
  _bytes: number;
}

/** Events share a payload when they share its envelope: collector and endpoint, source, session and profile. */
const sameEnvelope = (a: QueuedEvent, b: QueuedEvent) => a.url == b.url && a.path == b.path && a.source == b.source && a.session == b.session && a.profile == b.profile;

/** A profile-less event of collect(): its record's `event` is the request's whole body, sent alone. */
const collected = (record: QueuedEvent) => /^\/collect/.test(record.path!);

/**
 * The UTF-8 size of a string, as the beacon quota counts it, counted in JavaScript: a Blob would register
 * with the browser for every record measured (docs/performance.md).
 */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 2047) {
      bytes += 2;
      // A surrogate pair is 2 units and 4 bytes; a lone surrogate goes as U+FFFD, 3 bytes.
      if (unit > 0xd7ff && unit < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) == 0xdc00) i++;
    } else if (unit > 127) bytes++;
  }
  return bytes;
}

/**
 * The next payload from `records` (oldest first): the oldest event and the ones after it that share its
 * envelope, as many as fit in `maxEvents` and `maxBytes`. Nothing when even the oldest does not fit.
 * Events are spliced into the envelope's JSON as they were stored.
 */
export function nextPayload(
  records: QueuedEvent[],
  maxEvents: number,
  maxBytes: number,
  envelopeOf: (first: QueuedEvent) => Envelope,
): Payload | undefined {
  const [first] = records;
  if (!first) return;
  if (collected(first)) {
    const bytes = utf8Bytes(first.event);
    if (bytes <= maxBytes) return { _records: [first], _bytes: bytes, _body: first.event };
    return;
  }
  const head = JSON.stringify({ ...envelopeOf(first), events: [] }); // ends with `"events":[]}`
  let bytes = utf8Bytes(head) - 1; // less the first event's comma
  const taken: QueuedEvent[] = [];
  for (const record of records) {
    const size = utf8Bytes(record.event) + 1; // and its comma
    if (taken.length == maxEvents || !sameEnvelope(record, first) || bytes + size > maxBytes) break;
    bytes += size;
    taken.push(record);
  }
  if (taken.length) return { _records: taken, _bytes: bytes, _body: head.slice(0, -2) + taken.map((record) => record.event).join() + ']}' };
}
