import { isCollectorUrl, isPath } from './endpoint.js';
import { isProfileId, isSessionId } from './id.js';
import { own, text } from './read.js';

/**
 * One event with everything needed to send it later on its own: from another page, from a service worker,
 * after a browser restart. The queue and the spills store it as it is (docs/storage.md): never rename its
 * keys. Every key is the record's own, `profile` and `path` too when they are undefined: nothing of a
 * record is ever read from Object.prototype.
 */
export interface EventRecord {
  /** The event's id, also inside `event`. */
  id: string;
  /** The collector's base url. */
  url: string;
  source: string;
  session: string;
  profile: string | undefined;
  /** The event's JSON, as it goes on the wire. */
  event: string;
  /** When track() took it (ms since the epoch; fractions keep the order of a page's events within a ms): with the id, its place in the queue. */
  at: number;
  /** Where it goes after `url` (endpoint.ts): `/track` when undefined. */
  path: string | undefined;
}

/** The longest event id the tracker sends: its own are 21 characters, a DM Hub externalId up to 256. */
const MAX_ID = 256;

/**
 * A record read back from storage (the queue, a spill), as a fresh record of its own checked fields;
 * undefined when it is none this tracker can send.
 */
export function readRecord(value: unknown): EventRecord | undefined {
  const id = text(own(value, 'id'), MAX_ID);
  const url = own(value, 'url');
  const source = text(own(value, 'source'), MAX_ID);
  const session = own(value, 'session');
  const profile = own(value, 'profile');
  const event = own(value, 'event');
  const at = own(value, 'at');
  const path = own(value, 'path');
  if (
    id &&
    isCollectorUrl(url) &&
    source &&
    isSessionId(session) &&
    (profile === undefined || isProfileId(profile)) &&
    typeof event == 'string' &&
    Number.isFinite(at) &&
    at >= 0 &&
    // A string the tracker wrote: an array's string form could pass for one.
    (path === undefined || (typeof path == 'string' && isPath(path)))
  ) {
    return { id, url, source, session, profile, event, at, path };
  }
}
