import { isCollectorUrl, isPath } from './endpoint.js';
import { isProfileId, isSessionId } from './id.js';

/**
 * One event with everything needed to send it later on its own: from another page, from a service worker,
 * after a browser restart. The queue and the spills store it as it is (docs/storage.md): never rename its
 * keys.
 */
export interface EventRecord {
  /** The event's id, also inside `event`. */
  id: string;
  /** The collector's base url. */
  url: string;
  source: string;
  session: string;
  profile?: string;
  /** The event's JSON, as it goes on the wire. */
  event: string;
  /** When track() took it (ms since the epoch; fractions keep the order of a page's events within a ms): with the id, its place in the queue. */
  at: number;
  /** Where it goes after `url` (endpoint.ts): `/track` when absent. */
  path?: string;
}

/** Whether a value read back from storage is a record this tracker can send. */
export function isRecord(value: any): value is EventRecord {
  return (
    !!value &&
    !!value.id &&
    typeof value.id == 'string' &&
    isCollectorUrl(value.url) &&
    !!value.source &&
    typeof value.source == 'string' &&
    isSessionId(value.session) &&
    (value.profile === undefined || isProfileId(value.profile)) &&
    typeof value.event == 'string' &&
    Number.isFinite(value.at) &&
    isPath(value.path)
  );
}
