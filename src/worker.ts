/**
 * The service-worker drain (docs/background-sync.md): on a Background Sync event, a site's service worker
 * sends what every tracker of the site left queued, by the same rules as a page, with no page open. It
 * has no options of its own: the pages describe each tracker in the queue's store (describeTracker).
 * Free of document, localStorage and cookies.
 */
import type { UseStore } from 'idb-keyval';
import { promisifyRequest } from 'idb-keyval';
import { createDelivery, drain } from './drain.js';
import { exclusively } from './lock.js';
import { envelopeOf } from './payload.js';
import { createQueue, openStore } from './queue.js';
import { isHttpUrl, isProfileId, type QueuedEvent } from './record.js';

/** The Background Sync tag the pages register and the worker answers. */
export const SYNC_TAG = 'beacon-tracker';

/** What a page leaves for the worker of one tracker, under the key `tracker:<name>` (docs/storage.md): never rename its keys. */
export interface TrackerDescription {
  name: string;
  /** The collector its pages were configured with: the only one the worker sends this tracker's events to. */
  url: string;
  /** The payload's context (the device's, and init's `context`) and options. */
  context: Record<string, unknown>;
  options: Record<string, unknown>;
  timeout: number;
  /** The visitor's session, and the profile id the collector gave it: for its events tracked before that answer. */
  session: string;
  profile?: string;
}

const PREFIX = 'tracker:';

/** Writes what the worker needs to know of a tracker, beside its queue; without a description, deletes it (consent withdrawn). */
export const describeTracker = (name: string, description?: TrackerDescription, store: UseStore = openStore()) =>
  store('readwrite', (objects) => {
    if (description) objects.put(description, PREFIX + name);
    else objects.delete(PREFIX + name);
    return promisifyRequest(objects.transaction);
  });

/** A description read back from storage, checked like everything else found there; undefined when it is none. */
function readDescription(value: any): TrackerDescription | undefined {
  if (
    value &&
    typeof value.name == 'string' &&
    isHttpUrl(value.url) &&
    value.context &&
    typeof value.context == 'object' &&
    value.options &&
    typeof value.options == 'object'
  ) {
    return { ...value, timeout: value.timeout > 0 ? value.timeout : 10_000, profile: isProfileId(value.profile) ? value.profile : undefined };
  }
}

/**
 * Drains the queue of every tracker the pages described, oldest first, one drainer per tracker across the
 * pages and the worker (the same Web Locks). Resolves once all were delivered; rejects when a collector
 * failed or the browser is offline, so that the browser tries again later, unless it is the `lastChance`:
 * then the events stay queued for the next page.
 */
export async function drainInBackground(lastChance = false, store: UseStore = openStore()): Promise<void> {
  const values = await store('readonly', (objects) => promisifyRequest(objects.getAll(IDBKeyRange.bound(PREFIX, PREFIX + '\uffff'))));
  const results = await Promise.all(
    values.map(readDescription).map((description) => {
      if (!description) return true;
      const { name, url, context, options, timeout, session, profile } = description;
      const queue = createQueue(name, url, Infinity, Infinity, store);
      // The profile only for the events of its visitor's session: not for another's before a reset.
      const envelope = (first: QueuedEvent, dropped: number) => envelopeOf(first, dropped, context, options, first.session == session && profile);
      const delivery = createDelivery(name, queue, timeout, envelope, () => {}, () => {});
      return exclusively(name, queue, () => drain(delivery, true));
    }),
  );
  if (results.includes(false) && !lastChance) throw new Error('beacon-tracker: not all delivered; the browser tries again later');
}

/** A sync event, as a service worker gets it. */
export interface SyncEvent {
  tag: string;
  lastChance?: boolean;
  waitUntil(promise: Promise<unknown>): void;
}

/** The handler of a service worker's `sync` event: `addEventListener('sync', onSync)`. */
export function onSync(event: SyncEvent) {
  if (event.tag == SYNC_TAG) event.waitUntil(drainInBackground(event.lastChance));
}
