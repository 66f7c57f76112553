import { timeContext } from './context.js';
import { isCollected } from './endpoint.js';
import type { EventRecord } from './record.js';
import { utf8Bytes } from './utf8.js';

/** Everything in a tracker payload but its events. */
export interface Envelope {
  source: { id: string };
  session: { id: string };
  profile?: { id: string };
  context: Record<string, unknown>;
  properties: Record<string, unknown>;
  options: Record<string, unknown>;
}

/** Who the visitor is now: their session, and the profile id the collector gave it. */
export interface VisitorIds {
  session: string;
  profile?: string;
}

/**
 * Whether a record is of the visitor's current session: only then does a profile id the collector gave the
 * visitor go with it, or one it answered to it become the visitor's (never across a reset or a consent
 * withdrawn). The one rule for pages and the service worker.
 */
export const ofVisitor = (record: EventRecord, visitor: VisitorIds | undefined): visitor is VisitorIds => !!visitor && record.session == visitor.session;

/** The profile a record goes with: its own, else the visitor's (events tracked before the collector first answered). */
export const profileFor = (record: EventRecord, visitor: VisitorIds | undefined) => record.profile || (ofVisitor(record, visitor) ? visitor.profile : undefined);

/** What a tracker puts in every envelope: its context and options, and who the visitor is now. */
export interface EnvelopeParts {
  context: Record<string, unknown>;
  options: Record<string, unknown>;
  properties?: Record<string, unknown>;
  visitor?: VisitorIds;
}

/**
 * The payload around events, from the first one's record, and the count of events lost, when some were:
 * loss is reported, never silent. The browser's clock goes in, so that a collector can correct skew.
 */
export function envelopeOf(first: EventRecord, dropped: number, { context, options, properties = {}, visitor }: EnvelopeParts): Envelope {
  const profile = profileFor(first, visitor);
  return {
    source: { id: first.source },
    session: { id: first.session },
    ...(profile && { profile: { id: profile } }),
    context: { ...context, time: timeContext(), ...(dropped && { tracker: { dropped } }) },
    properties, // never null, as options: a Tracardi server answers 500
    options,
  };
}

/** One request: the records it carries, its body, and the body's UTF-8 size. */
export interface Payload {
  _records: EventRecord[];
  _body: string;
  _bytes: number;
}

/** Events share a payload when they share its envelope: collector and endpoint, source, session and profile. */
const sameEnvelope = (a: EventRecord, b: EventRecord) => a.url == b.url && a.path == b.path && a.source == b.source && a.session == b.session && a.profile == b.profile;

/**
 * The next payload from `records` (oldest first): the oldest event and the ones after it that share its
 * envelope, as many as fit in `maxEvents` and `maxBytes`. Nothing when even the oldest does not fit.
 * Events are spliced into the envelope's JSON as they were stored.
 */
export function nextPayload(records: EventRecord[], maxEvents: number, maxBytes: number, envelope: (first: EventRecord) => Envelope): Payload | undefined {
  const [first] = records;
  if (!first) return;
  if (isCollected(first)) {
    const bytes = utf8Bytes(first.event);
    if (bytes <= maxBytes) return { _records: [first], _bytes: bytes, _body: first.event };
    return;
  }
  // The envelope's JSON, opened for the events: a page's Array.prototype.toJSON (old Prototype.js) would turn
  // an array of events into a string.
  const head = JSON.stringify(envelope(first)).slice(0, -1) + ',"events":[';
  let bytes = utf8Bytes(head) + 1; // and the closing `]}`, less the first event's comma
  const taken: EventRecord[] = [];
  for (const record of records) {
    const size = utf8Bytes(record.event) + 1; // and its comma
    if (taken.length == maxEvents || !sameEnvelope(record, first) || bytes + size > maxBytes) break;
    bytes += size;
    taken.push(record);
  }
  if (taken.length) return { _records: taken, _bytes: bytes, _body: head + taken.map((record) => record.event).join() + ']}' };
}
