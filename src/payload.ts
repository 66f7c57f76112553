/**
 * One event waiting to be delivered, with everything needed to send it later on its own, from another
 * page or after a browser restart: cookies and localStorage may not have reached disk before a crash.
 * This is also the IndexedDB record format (documented in README.md): never rename these keys.
 */
export interface QueuedEvent {
  /** The event's id, also inside `event`. */
  id: string;
  /** The collector's base URL; the payload goes to `${url}/track`. */
  url: string;
  source: string;
  session: string;
  profile?: string;
  /** The event's JSON, as it goes on the wire. */
  event: string;
}

/** Everything in a tracker payload but its events. */
export interface Envelope {
  source: { id: string };
  session: { id: string };
  profile?: { id: string };
  context: Record<string, unknown>;
  properties: Record<string, unknown>;
  options: Record<string, unknown>;
}

export interface Batch {
  _records: QueuedEvent[];
  /** The tracker payload as JSON. */
  _body: string;
  /** Its UTF-8 size. */
  _bytes: number;
}

/** Events share a payload when they share its envelope: collector, source, session and profile. */
const envelopeKey = ({ url, source, session, profile }: QueuedEvent) => JSON.stringify([url, source, session, profile]);

/** The UTF-8 size of a string, as the beacon quota counts it. */
export const utf8Bytes = (text: string) => new Blob([text]).size;

/**
 * The next payload from `records` (oldest first): the oldest event and the ones after it that share its
 * envelope (collector, source, session, profile), as many as fit in `maxEvents` and `maxBytes`. Nothing
 * when even the oldest does not fit. Events are spliced into the envelope's JSON as they were stored.
 */
export function nextBatch(
  records: QueuedEvent[],
  maxEvents: number,
  maxBytes: number,
  envelopeOf: (first: QueuedEvent) => Envelope,
): Batch | undefined {
  const [first] = records;
  const taken: QueuedEvent[] = [];
  if (first) {
    const head = JSON.stringify({ ...envelopeOf(first), events: [] }); // ends with `"events":[]}`
    let bytes = utf8Bytes(head) - 1; // less the first event's comma
    for (const record of records) {
      const size = utf8Bytes(record.event) + 1; // and its comma
      if (taken.length == maxEvents || envelopeKey(record) != envelopeKey(first) || bytes + size > maxBytes) break;
      bytes += size;
      taken.push(record);
    }
    if (taken.length) return { _records: taken, _bytes: bytes, _body: head.slice(0, -2) + taken.map((record) => record.event).join() + ']}' };
  }
}
