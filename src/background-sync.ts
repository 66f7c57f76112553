/**
 * What pages and the site's service worker share for Background Sync (docs/background-sync.md): the sync
 * tag, and each tracker's description, which pages write beside the queue and the worker reads.
 */
import { promisifyRequest, type UseStore } from 'idb-keyval';
import { isCollectorUrl } from './endpoint.js';
import { isProfileId, isSessionId } from './id.js';
import type { Config } from './options.js';
import type { VisitorIds } from './payload.js';
import { openStore } from './chunks.js';
import { count, own } from './read.js';
import { safely } from './safely.js';

/** The Background Sync tag the pages register and the worker answers. */
export const SYNC_TAG = 'beacon-tracker';

/** What a page leaves for the worker of one tracker, under the key `tracker:<name>` (docs/storage.md): never rename its keys. */
export interface TrackerDescription {
  name: string;
  /** The collector its pages were configured with: the only one the worker sends this tracker's events to. */
  url: string;
  /** The payload's context (the device's, and init's `context`), options and properties. */
  context: Record<string, unknown>;
  options: Record<string, unknown>;
  properties?: Record<string, unknown>;
  timeout: number;
  /** The visitor's session, and the profile id the collector gave it: for its events tracked before that answer. */
  session: string;
  profile?: string;
}

export const DESCRIPTION = 'tracker:';

/** Writes what the worker needs to know of a tracker, beside its queue; without a description, deletes it (consent withdrawn). */
export const describeTracker = (name: string, description?: TrackerDescription, store: UseStore = openStore()) =>
  store('readwrite', (objects) => {
    if (description) objects.put(description, DESCRIPTION + name);
    else objects.delete(DESCRIPTION + name);
    return promisifyRequest(objects.transaction);
  });

/**
 * With backgroundSync, tells the site's service worker what it needs to send tracker `config`'s events:
 * again when the profile changes or the visitor is forgotten; nothing once consent is withdrawn.
 */
export function describe(config: Config, context: Record<string, unknown>, visitor: VisitorIds | undefined, warn: (error: unknown) => void) {
  const { backgroundSync, name, url, options, properties, timeout } = config;
  if (backgroundSync) describeTracker(name, visitor && { name, url, context, options, properties, timeout, ...visitor }).catch(warn);
}

/** A description read back from storage, as its own checked fields; undefined when it is none. */
export function readDescription(value: unknown): TrackerDescription | undefined {
  const field = (key: string) => own(value, key);
  const [name, url, context, options, properties, timeout, session, profile] = ['name', 'url', 'context', 'options', 'properties', 'timeout', 'session', 'profile'].map(field);
  // What goes in every payload as JSON: an object that serialises as one (no array, BigInt or cycle).
  const isObject = (part: unknown) => safely(() => JSON.stringify(part)[0] == '{');
  if (typeof name == 'string' && isCollectorUrl(url) && isObject(context) && isObject(options) && isSessionId(session)) {
    // A timer past 2^31 - 1 ms fires at once: a description's timeout is held to init()'s bounds.
    return { name, url, context, options, properties: isObject(properties) ? properties : {}, timeout: count(timeout, 600_000) || 10_000, session, profile: isProfileId(profile) ? profile : undefined };
  }
}

/** The part of a service worker registration that Background Sync adds (not in TypeScript's DOM types). */
interface SyncRegistration extends ServiceWorkerRegistration {
  sync?: { register(tag: string): Promise<void> };
}

/**
 * Asks the site's service worker to deliver what this page could not: where there is no worker, or no
 * Background Sync (Firefox, Safari, http), the next page does.
 */
export function requestSync() {
  safely(() =>
    navigator.serviceWorker
      .getRegistration()
      .then((registration?: SyncRegistration) => registration && registration.sync && registration.sync.register(SYNC_TAG))
      .catch(() => {}),
  );
}
