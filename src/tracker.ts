import { createConsent, type Consent } from './consent.js';
import { deviceContext, pageContext } from './context.js';
import { createDelivery, drain, type Delivery } from './drain.js';
import { healthOf } from './health.js';
import { buildEvent, checkEvent, serializeEvent, type Customer, type EventOptions, type WireEvent } from './event.js';
import { createHandOver, type HandOver } from './handover.js';
import { eventId } from './id.js';
import { onPageLifecycle } from './lifecycle.js';
import { exclusively } from './lock.js';
import { fail, show } from './misuse.js';
import { readOptions, type Config, type TrackerOptions } from './options.js';
import { onPageView } from './page-views.js';
import { envelopeOf, type Envelope } from './payload.js';
import { createQueue, type Queue } from './queue.js';
import { isProfileId, type QueuedEvent } from './record.js';
import { safely } from './safely.js';
import { createSession, readCustomer, type Session } from './session.js';
import { createSpills, type Spills } from './spill.js';
import { describeTracker, SYNC_TAG } from './worker.js';

/** What an app may declare once: its event types and the properties of each, for compile-time checks of track(). */
export type EventMap = Record<string, object | undefined>;

export interface Tracker<Events extends object = EventMap> {
  /** Configures the tracker; throws on a missing or malformed option (see README). */
  init(options: TrackerOptions): void;
  /** Records one event and returns its id at once, or '' when the event was not taken (see README). */
  track<Type extends keyof Events & string>(type: Type, properties?: Events[Type], eventOptions?: EventOptions): string;
  /** bc-events' publish: the event `<entity>-<action>` in kebab case (`('Created', 'MyEntity')` → `my-entity-created`). */
  publish(action: string, entity: string, data?: object, eventOptions?: EventOptions): string;
  /** Links this visitor, and the session's events before and after, to a customer of the app (ContactHub's reconciliation). */
  identify(customer: string | Customer, traits?: object): string;
  /** Tracardi's profile-less event: POSTs `properties` to `<url>/collect/<type>/<source>`, as durably as track(). */
  collect(type: string, properties?: object): Promise<void>;
  /** The visitor's consent to storing and sending: false stops both at once and deletes what is stored; remembered. */
  consent(given: boolean): void;
  /** Forgets the visitor (a logout): a new session, no profile, no customer. Events already queued keep their ids. */
  reset(): void;
  /** Resolves, never rejects, once every event tracked before the call is delivered or safely queued. */
  flush(): Promise<void>;
  readonly sessionId: string | undefined;
  readonly profileId: string | undefined;
}

/** The collector of each tracker name on this page: a name is one collector's cookie, profile and queue. */
const collectors = new Map<string, string>();

/** Forgets the trackers of this page: a test's next page. */
export const forgetTrackers = () => collectors.clear();

/** Outside a browser (server rendering, Node), every call does nothing. */
const inBrowser = typeof document != 'undefined';

/** bc-events' names in kebab case: 'MyEntity' → 'my-entity'. */
const kebab = (name: string) =>
  String(name)
    .replace(/([a-z\d])([A-Z])/g, '$1-$2')
    .replace(/[\s_]+/g, '-')
    .toLowerCase();

export function createTracker<Events extends object = EventMap>(initOptions?: TrackerOptions): Tracker<Events> {
  let config: Config | undefined;
  let consent: Consent;
  /** Only while the visitor's consent allows storing. */
  let session: Session | undefined;
  /** The customer identify() named while consent was awaited: the session keeps it once there is one. */
  let customerBeforeConsent: Customer | undefined;
  let queue: Queue;
  let delivery: Delivery;
  let device: Record<string, unknown>;
  let spills: Spills;
  let handOver: HandOver;
  /** This page's events not yet handed to the queue: no other tab can send them. */
  let pending: QueuedEvent[] = [];
  /** Hands `pending` over when the batch is full or has waited flushInterval. */
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** The timer armed is for now (a full batch, an immediate event), not for the flush interval. */
  let flushSoon = false;
  /** Drains again when the collector may be tried again, or another tab's lease may be over. */
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  /** Events this page dropped (refused by track(), collect() or beforeSend), until a write to the queue carries the count. */
  let dropped = 0;
  /** The `at` of the last event tracked: each event's is later, so that the queue keeps their order. */
  let lastAt = 0;
  /** Drains run one after the other; each reads the queue afresh. */
  let draining = Promise.resolve();

  const warn = (message: unknown) => {
    if (config && config.debug) console.warn('beacon-tracker:', message);
  };

  function init(given: TrackerOptions) {
    if (!inBrowser) return;
    if (config) fail('init() twice'); // before the options are read: a second init() changes nothing
    const checked = readOptions(given || ({} as TrackerOptions));
    const { name, url } = checked;
    if ((collectors.get(name) || url) != url) fail(`init(): name ${show(name)} is another tracker's: give each tracker its own`);
    collectors.set(name, url);
    config = checked;
    consent = createConsent(name, config.requireConsent, config.honorPrivacySignals);
    queue = createQueue(name, url, config.maxQueueEvents, config.maxQueueBytes);
    delivery = createDelivery(name, queue, config.timeout, envelope, answered, warn);
    spills = createSpills(name, url, queue);
    handOver = createHandOver(delivery, spills);
    onPageLifecycle(
      () => handOverPending(true), // the page is hidden, maybe for good
      // A pagehide of a still visible page: the visibilitychange that follows rewrites or withdraws the
      // spill; where none follows, the next page sends it.
      () => {
        if (session) handOver._spill(pending, dropped);
      },
      () => {
        delivery._retryAt = 0; // the network came back: retry now
        requestDrain();
      },
    );
    if (consent._given()) start();
    // From a history call of the app: nothing may throw into it.
    if (config.pageViews) onPageView(() => safely(() => track('page-view')));
  }

  /** The session of init()'s options: restored from the cookie or storage, or a new one. */
  function openSession() {
    const { name, sessionTimeout, cookieDomain, profileLess } = config!;
    return createSession(name, sessionTimeout, cookieDomain, undefined, profileLess);
  }

  /** Storing and sending begin: now, or once the visitor consents. */
  function start() {
    session = openSession();
    // Events tracked while consent was awaited get their session now.
    for (const record of pending) record.session = session._touch(record.at);
    if (customerBeforeConsent) session._setCustomer(customerBeforeConsent);
    if (pending.length) schedule(0);
    describe();
    requestDrain(); // what earlier pages left behind
  }

  /** The context of every payload of this page: the device's, and init's. */
  const payloadContext = () => ({ ...(device ||= deviceContext()), ...config!.context });

  /**
   * With backgroundSync, tells the site's service worker what it needs to send this tracker's events: again
   * when the profile changes or the visitor is forgotten; nothing once consent is withdrawn.
   */
  function describe() {
    const { backgroundSync, name, url, options, timeout } = config!;
    const description = session && { name, url, context: payloadContext(), options, timeout, session: session._id, profile: session._profile };
    if (backgroundSync) describeTracker(name, description).catch(warn);
  }

  /**
   * With backgroundSync, asks the site's service worker to deliver what this page could not, with Background
   * Sync: where there is no worker, or no Background Sync (Firefox, Safari, http), the next page does.
   */
  function requestSync() {
    if (config!.backgroundSync) {
      safely(() =>
        navigator.serviceWorker
          .getRegistration()
          .then((registration) => (registration as unknown as { sync: { register(tag: string): Promise<void> } }).sync.register(SYNC_TAG))
          .catch(() => {}),
      );
    }
  }

  /** Whether a call can do anything: in a browser, after init(); before it, the misuse is said. */
  function ready(method: string): boolean {
    if (!inBrowser) return false;
    if (!config) fail(`${method}(): init() first`);
    return true;
  }

  const checkType = (method: string, type: unknown) => {
    if (!type || typeof type != 'string') fail(`${method}(): type ${show(type)} is not a name`);
  };

  function track(type: string, properties?: object, eventOptions: EventOptions = {}): string {
    if (!ready('track')) return '';
    checkType('track', type);
    if (properties != null && (typeof properties != 'object' || Array.isArray(properties))) fail('track(): properties must be an object');
    // DM Hub's externalId is the event's dedupe key: the event id, so that a collector keeps it once.
    const externalId = properties && (properties as { externalId?: unknown }).externalId;
    return take(type, properties, eventOptions, externalId == null ? eventId() : String(externalId));
  }

  /** Takes an event into this page's batch, and gives its id ('' when it was not taken). */
  function take(type: string, properties: object | undefined, eventOptions: EventOptions, id: string): string {
    const { defaultContext, schemas, beforeSend, profileLess } = config!;
    if (consent._given() == false) return ''; // neither stored nor sent
    const { context } = eventOptions;
    const contextOfUse = (typeof context == 'string' ? context : (eventOptions.options && eventOptions.options.context) || defaultContext) as string;
    let json: string;
    try {
      checkEvent(type, properties, contextOfUse, eventOptions.mode, schemas[type]);
      const customer = session ? session._customer : customerBeforeConsent;
      let event = buildEvent(id, type, +(eventOptions.time || Date.now()), properties, eventOptions, pageContext(), contextOfUse, customer);
      if (beforeSend) {
        // The hook gets a copy it may change; an exception in it drops the event, counted, never silently.
        const copy: WireEvent = JSON.parse(serializeEvent(event));
        const kept = beforeSend(copy);
        if (kept === null || kept === false) return '';
        event = kept || copy;
        event.id = id; // the tracker's: track() returned it, and resends carry it
      }
      json = serializeEvent(event);
    } catch (error) {
      dropped++;
      warn(`event refused: ${error}`);
      if (/^beacon-tracker/.test((error as Error).message)) throw error; // the event breaks a rule: the app is told
      return '';
    }
    enqueue(id, json, profileLess ? '/track?profile_less=true' : undefined, eventOptions.immediate);
    return id;
  }

  /** Puts a serialised event in this page's batch, and arms the timer that hands the batch over. */
  function enqueue(id: string, event: string, path?: string, immediate?: boolean) {
    const { url, source, batchSize, flushInterval } = config!;
    const now = Date.now();
    // Events of one millisecond get fractions of it, in the order they were tracked.
    lastAt = Math.max(now, lastAt + 0.001);
    const record: QueuedEvent = { id, url, source, session: session ? session._touch(now) : '', profile: session && session._profile, event, at: lastAt }; // a session once consent is given
    if (path) record.path = path;
    pending.push(record);
    if (session) schedule(immediate || config!.immediate || pending.length >= batchSize ? 0 : flushInterval);
  }

  /** Hands the batch over in `ms`, unless a timer is armed as soon: a full batch or an immediate event does not wait. */
  function schedule(ms: number) {
    if (flushTimer && (ms || flushSoon)) return; // track() runs on every click: one timer per batch
    clearTimeout(flushTimer);
    flushSoon = !ms;
    flushTimer = setTimeout(flush, ms);
  }

  function publish(action: string, entity: string, data?: object, eventOptions?: EventOptions) {
    return track(`${kebab(entity)}-${kebab(action)}`, data, eventOptions);
  }

  function identify(given: string | Customer, traits?: object) {
    if (!ready('identify')) return '';
    const customer = readCustomer(given);
    if (!customer) fail(`identify(): ${show(given)} is no customer id`);
    if (session) session._setCustomer(customer!);
    else customerBeforeConsent = customer;
    // An event a Tracardi workflow or the demo collector acts on: it links this session to the customer.
    return take('identify', { customerId: customer!.id, externalId: customer!.externalId, traits }, {}, eventId());
  }

  function collect(type: string, properties?: object): Promise<void> {
    if (!ready('collect')) return Promise.resolve();
    checkType('collect', type);
    if (consent._given() != false) {
      const json = safely(() => serializeEvent(properties || {}));
      // Circular, a BigInt, or over 60 KiB: counted as track() counts it.
      if (!json) dropped++;
      else enqueue(eventId(), json, `/collect/${encodeURIComponent(type)}/${encodeURIComponent(config!.source)}`, true);
    }
    return flush().catch(warn);
  }

  function setConsent(given: boolean) {
    if (!ready('consent')) return;
    consent._decide(given);
    if (given) {
      if (!session) start();
      return;
    }
    // Withdrawn: nothing more is stored or sent, and what is stored goes.
    clearTimeout(flushTimer);
    flushTimer = undefined;
    pending = [];
    dropped = 0;
    if (session) session._forget();
    session = customerBeforeConsent = undefined;
    handOver._clear();
    spills._clear();
    queue._clear();
    describe();
  }

  function reset() {
    if (session) {
      session._forget();
      session = openSession();
      describe();
    }
  }

  /** Hands this page's events over to the queue, with the count of events it dropped (see HandOver). */
  function handOverPending(hiding?: boolean) {
    if (!session) return;
    const records = pending;
    const lost = dropped;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    flushSoon = false;
    pending = [];
    dropped = 0;
    session._save(hiding);
    if (!hiding) return handOver._write(records, lost, () => !session);
    const kept = handOver._hide(records, lost, healthOf(config!.name));
    // The service worker cannot read localStorage: what is kept also goes to IndexedDB, as far as that gets.
    if (kept.length && config!.backgroundSync) {
      queue._add(kept, 0);
      requestSync();
    }
  }

  async function flush() {
    if (session) {
      await handOverPending();
      await requestDrain();
    }
  }

  function requestDrain(): Promise<void> {
    draining = draining.then(drainOnce).catch(warn);
    return draining;
  }

  async function drainOnce() {
    if (!session) return;
    // What an earlier version queued, and what closing pages spilled.
    await queue._takeOver();
    await spills._take();
    const emptied = await exclusively(config!.name, queue, () => drain(delivery, document.visibilityState == 'visible'));
    clearTimeout(drainTimer);
    // Another tab holds the lease: it may finish before this tab's events were queued, or close.
    if (emptied === undefined) drainTimer = setTimeout(requestDrain, 1000);
    else if (!emptied) {
      requestSync();
      if (navigator.onLine) drainTimer = setTimeout(requestDrain, delivery._retryAt - Date.now());
    }
  }

  function envelope(first: QueuedEvent, dropped: number): Envelope {
    // Events tracked before the collector first answered go with the profile id it gave since, in their session.
    const profile = session && first.session == session._id && session._profile;
    return envelopeOf(first, dropped, payloadContext(), config!.options, profile);
  }

  /**
   * A 2xx answer's body: the profile id it gives, if it is one (anything else is ignored, never kept) and the
   * answer is to this visitor's session (not one before a reset), and onResponse.
   */
  function answered(body: string | undefined, first: QueuedEvent) {
    const answer = safely(() => JSON.parse(body!));
    const id = answer && answer.profile && answer.profile.id;
    if (session && first.session == session._id && isProfileId(id) && id != session._profile) {
      session._setProfile(id);
      describe();
    }
    if (answer && config!.onResponse) safely(() => config!.onResponse!(answer));
  }

  if (initOptions) init(initOptions);

  return {
    init,
    track,
    publish,
    identify,
    collect,
    consent: setConsent,
    reset,
    flush: () => flush().catch(warn),
    get sessionId() {
      return session && session._id;
    },
    get profileId() {
      return session && session._profile;
    },
  } as Tracker<Events>;
}
