/**
 * One event waiting for its collector, with everything needed to send it later on its own: from another
 * page, from a service worker, after a browser restart. IndexedDB and the localStorage spills
 * store it as it is (docs/storage.md): never rename its keys.
 */
export interface QueuedEvent {
  /** The event's id, also inside `event`. */
  id: string;
  /** The collector's base URL. */
  url: string;
  source: string;
  session: string;
  profile?: string;
  /** The event's JSON, as it goes on the wire. */
  event: string;
  /** When track() took it (ms since the epoch; fractions keep the order of a page's events within a ms): with the id, its place in the queue. */
  at: number;
  /**
   * Where it goes on the collector, after `url`: `/track` when absent, `/track?profile_less=true`, or
   * `/collect/<type>/<source>` for a profile-less event whose `event` is its properties (collect()).
   */
  path?: string;
}

const UUID_V4 = /^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/;

/** A session id is a UUID v4, as the tracker makes them. */
export const isSessionId = (id: unknown): id is string => typeof id == 'string' && UUID_V4.test(id);

/**
 * A profile id the tracker keeps and sends: 1 to 128 letters, digits, `_`, `-`, `.`, `:` or `@` (a collector's
 * customer ids may be emails). Anything else
 * (a collector's garbage, a tampered cookie) is ignored: it could outgrow a request or break the cookie.
 */
export const isProfileId = (id: unknown): id is string => typeof id == 'string' && /^[\w.:@-]{1,128}$/.test(id);

/** Whether a url is one the tracker may send to: http(s) with a host, never javascript: or a bare path. */
export const isHttpUrl = (url: unknown) => typeof url == 'string' && /^https?:\/\/[^/]/.test(url);

/** Whether a value read back from storage is a record this tracker can send. */
export function isRecord(value: any): value is QueuedEvent {
  return (
    !!value &&
    !!value.id &&
    typeof value.id == 'string' &&
    isHttpUrl(value.url) &&
    !!value.source &&
    typeof value.source == 'string' &&
    isSessionId(value.session) &&
    (value.profile === undefined || isProfileId(value.profile)) &&
    typeof value.event == 'string' &&
    Number.isFinite(value.at) &&
    (value.path === undefined || /^\/(track|collect)\b/.test(value.path)) // never another host: url + path
  );
}

/** A count or a time read back from storage: a finite number from 0, or 0. Nothing in storage is taken on trust. */
export const storedNumber = (value: any): number => (Number.isFinite(value) && value > 0 ? value : 0);

/**
 * What an entry left by a closing page (a spill) or by an earlier version (`{ name?, events, dropped }`)
 * holds for tracker `name` of collector `url`: the entries this tracker wrote, and in an entry without a
 * name (an earlier version's), the events for this tracker's collector. Returns them with the entry's loss
 * count (broken records counted in), and what is left for another tracker.
 */
export function entryFor(entry: any, name: string, url: string): [QueuedEvent[], number, unknown[]] {
  if (!entry || typeof entry != 'object') return [[], 0, []]; // not a queue: nothing to keep
  const events: unknown[] = Array.isArray(entry.events) ? entry.events : [];
  if (entry.name && entry.name != name) return [[], 0, events];
  const records: QueuedEvent[] = [];
  const others: unknown[] = [];
  let dropped = storedNumber(entry.dropped);
  for (const value of events) {
    const record: any = { at: 0, ...(value as object) }; // an earlier version's records have no time: they are the oldest
    if (!isRecord(record)) dropped++;
    else if (!entry.name && record.url != url) others.push(value);
    else records.push(record);
  }
  return [records, dropped, others];
}
