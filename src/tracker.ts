import { answeredProfile, readAnswer } from './answer.js';
import { describe } from './background-sync.js';
import { createBatch } from './batch.js';
import { deviceContext, pageContext, readTimeZoneWhenIdle } from './context.js';
import { createDelivery } from './delivery.js';
import { createDrainer } from './drainer.js';
import { collectPath, PROFILE_LESS } from './endpoint.js';
import { acceptEvent, eventIdOf, readEventOptions, serializeProperties, type Customer, type EventOptions } from './event.js';
import { createHandOver } from './handover.js';
import { noteAnswer, sharedBackoff } from './health.js';
import { eventId } from './id.js';
import { onPageLifecycle } from './lifecycle.js';
import { fail, show, warner } from './misuse.js';
import { readOptions, type Config, type TrackerOptions } from './options.js';
import { onPageView } from './page-views.js';
import { ofVisitor, type VisitorIds } from './payload.js';
import { createQueue } from './queue.js';
import type { EventRecord } from './record.js';
import { own } from './read.js';
import { safely } from './safely.js';
import { readCustomer } from './session.js';
import { createSpills, onSpill } from './spill.js';
import { readWork, UNIT, type Held, type UnitOfWork, type Work } from './unit.js';
import { createVisitor } from './visitor.js';

/** What an app may declare once: its event types and the properties of each, for compile-time checks of track(). */
export type EventMap = Record<string, object | undefined>;

export interface Tracker<Events extends object = EventMap> {
  /** Configures the tracker; throws on a missing or malformed option (see README). */
  init(options: TrackerOptions): void;
  /** Records one event and returns its id at once, or '' when the event was not taken (see README). */
  track<Type extends keyof Events & string>(type: Type, properties?: Events[Type], eventOptions?: EventOptions): string;
  /** bc-events' publish: the event `<entity>-<action>` in kebab case (`('Created', 'HTTPRequest')` → `http-request-created`). */
  publish(action: string, entity: string, data?: object, eventOptions?: EventOptions): string;
  /** A unit of work (bc-events' session): its events wait in memory until it is committed or discarded. */
  unitOfWork(work?: Work): UnitOfWork;
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

/** Starts capture (src/capture.ts) for a tracker init() starts: its listeners, and the track() they call. */
type StartCapture = (config: Config, track: Tracker['track']) => void;
let startCapture: StartCapture | undefined;

/** Registers capture: `import 'beacon-tracker/capture'` does (capture-entry.ts), and the script build; an app that does neither pays nothing for it. */
export const useCapture = (start: StartCapture) => {
  startCapture = start;
};

/** Outside a browser (server rendering, Node), every call does nothing. */
const inBrowser = typeof document != 'undefined';

/** bc-events' names in kebab case: 'MyEntity' → 'my-entity', 'HTTPRequest' → 'http-request'. */
const kebab = (name: string) =>
  String(name)
    .replace(/([a-z\d])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[\s_]+/g, '-')
    .toLowerCase();

/** The type publish() tracks: `<entity>-<action>`, each a name. */
function publishType(action: string, entity: string) {
  const [what, done] = [kebab(entity), kebab(action)];
  if (!/[a-z\d]/.test(what) || !/[a-z\d]/.test(done)) fail(`publish(): ${show(action)} ${show(entity)} is not an action and entity`);
  return `${what}-${done}`;
}

const checkType = (method: string, type: unknown) => {
  if (!type || typeof type != 'string') fail(`${method}(): type ${show(type)} is not a name`);
};

/**
 * The public API over a tracker that init() starts: the checks of each call, and nothing before init()
 * (a misuse, said) or outside a browser (a no-op).
 */
export function createTracker<Events extends object = EventMap>(initOptions?: TrackerOptions): Tracker<Events> {
  let running: Running | undefined;

  function ready(method: string): Running | undefined {
    if (!inBrowser) return;
    if (!running) fail(`${method}(): init() first`);
    return running;
  }

  const tracker: Tracker = {
    init(options) {
      if (!inBrowser) return;
      if (running) fail('init() twice'); // before the options are read: a second init() changes nothing
      const config = readOptions(options || ({} as TrackerOptions));
      const { name, url } = config;
      if ((collectors.get(name) || url) != url) fail(`init(): name ${show(name)} is another tracker's`);
      if (!startCapture && (config.taggedEvents || config.outboundLinks || config.fileDownloads || config.engagement)) fail("init(): capture needs 'beacon-tracker/capture' loaded");
      collectors.set(name, url);
      // Capture's listeners go before run()'s lifecycle listeners: the event it tracks on pagehide is in the batch that pagehide hands over.
      if (startCapture) startCapture(config, tracker.track);
      running = run(config);
    },
    track(type, properties, eventOptions) {
      const tracking = ready('track');
      if (!tracking) return '';
      checkType('track', type);
      if (properties != null && (typeof properties != 'object' || safely(() => Array.isArray(properties)) !== false)) fail('track(): properties must be an object');
      return tracking._track(type, properties || undefined, readEventOptions(eventOptions), eventIdOf(properties || undefined));
    },
    publish: (action, entity, data, eventOptions) => tracker.track(publishType(action, entity), data, eventOptions),
    unitOfWork(work) {
      const held = readWork(work);
      const within = (eventOptions?: object) => ({ ...eventOptions, [UNIT]: held });
      return {
        track: (type, properties, eventOptions) => tracker.track(type, properties, within(eventOptions)),
        publish: (action, entity, data, eventOptions) => tracker.publish(action, entity, data, within(eventOptions)),
        commit: () => running && running._commit(held),
        discard() {
          held._events = [];
        },
      };
    },
    identify(given, traits) {
      const tracking = ready('identify');
      if (!tracking) return '';
      const customer = readCustomer(given);
      if (!customer) fail(`identify(): ${show(given)} is no customer id`);
      return tracking._identify(customer!, traits);
    },
    collect(type, properties) {
      const tracking = ready('collect');
      if (!tracking) return Promise.resolve();
      checkType('collect', type);
      return tracking._collect(type, properties);
    },
    consent(given) {
      const tracking = ready('consent');
      if (tracking) tracking._consent(given);
    },
    reset: () => running && running._reset(),
    flush: () => (running ? running._flush(true) : Promise.resolve()),
    get sessionId() {
      const visitor = running && running._visitor();
      return visitor && visitor.session;
    },
    get profileId() {
      const visitor = running && running._visitor();
      return visitor && visitor.profile;
    },
  };
  if (initOptions) tracker.init(initOptions);
  return tracker as Tracker<Events>;
}

/** A tracker init() started: what the public API's calls do, once checked. */
interface Running {
  _track(type: string, properties: object | undefined, eventOptions: EventOptions, id: string): string;
  _identify(customer: Customer, traits?: object): string;
  _collect(type: string, properties?: object): Promise<void>;
  _consent(given: boolean): void;
  _reset(): void;
  /** `now`: the app asks: a failing collector is tried at once, not after the backoff. */
  _flush(now?: boolean): Promise<void>;
  /** Tracks what a unit of work held. */
  _commit(held: Held): void;
  _visitor(): VisitorIds | undefined;
}

/** Starts the tracker of `config`: its state, and its parts wired together (README, Architecture). */
function run(config: Config): Running {
  const { name, source } = config;
  const warn = warner(config.debug);
  const visitor = createVisitor(config, (given) => setConsent(given));
  const context = { ...deviceContext(), ...config.context };
  const describeVisitor = () => describe(config, context, visitor._ids(), warn);
  const queue = createQueue(config);
  const parts = () => ({ context, options: config.options, properties: config.properties, visitor: visitor._ids() });
  const delivery = createDelivery({ _queue: queue, _timeout: config.timeout, _parts: parts, _answered: answered, _warn: warn, _backoff: sharedBackoff(name) });
  const stored = () => !!visitor._session();
  const spills = createSpills(name, queue);
  const batch = createBatch(config, visitor, () => flush());
  const handOver = createHandOver(config, { _batch: batch, _visitor: visitor, _queue: queue, _delivery: delivery, _spills: spills });
  const drain = createDrainer(config, { _queue: queue, _delivery: delivery, _spills: spills, _active: stored, _warn: warn });

  /** Storing and sending begin: now, or once the visitor consents. */
  function start() {
    visitor._open();
    batch._resume();
    describeVisitor();
    drain(); // what earlier pages left behind
    readTimeZoneWhenIdle();
  }

  /** Learns from an answer: the collector's health for every tab; from a 2xx, the profile id it gives and onResponse. */
  function answered(ok: boolean, body: string | undefined, first: EventRecord) {
    noteAnswer(name, ok);
    const answer = ok ? readAnswer(body) : undefined;
    if (!answer) return;
    const session = visitor._session();
    if (session && ofVisitor(first, visitor._ids()) && session._setProfile(answeredProfile(answer))) describeVisitor();
    // An async onResponse that rejects is the app's to handle: never an unhandled rejection of the page's.
    if (config.onResponse) safely(() => Promise.resolve(config.onResponse!(answer)).catch(warn));
    if (own(own(answer, 'source'), 'consent') === true && visitor._required() && config.onConsentRequired) safely(config.onConsentRequired);
  }

  /** Counts an event refused, never silently. */
  function refuse(error: unknown) {
    batch._refuse();
    warn(`event refused: ${error}`);
  }

  /** Takes an event into this page's batch, and gives its id ('' when it was not taken). */
  function track(type: string, properties: object | undefined, eventOptions: EventOptions, id: string): string {
    if (visitor._given() == false) return ''; // neither stored nor sent
    const json = acceptEvent({ id, type, properties, eventOptions, page: pageContext(), customer: visitor._customer() }, config, refuse);
    if (json === undefined) return '';
    const path = config.profileLess ? PROFILE_LESS : undefined;
    const unit = eventOptions[UNIT];
    if (unit && !eventOptions.immediate && !unit._immediate) unit._events.push([id, json, path]);
    else batch._push(id, json, path, eventOptions.immediate);
    return id;
  }

  function setConsent(given: boolean) {
    visitor._decide(given);
    if (given) {
      if (!stored()) start();
      return;
    }
    // Withdrawn: nothing more is stored or sent, and what is stored goes.
    handOver._clear();
    queue._clear();
    describeVisitor();
  }

  /** Resolves, never rejects, once the batch is handed over and the queue drained as far as it goes now. */
  async function flush(now?: boolean) {
    try {
      if (stored()) {
        await handOver._run();
        await drain(now);
      }
    } catch (error) {
      warn(error);
    }
  }

  onPageLifecycle(
    () => handOver._run(true), // the page is hidden, maybe for good
    // A pagehide of a still visible page: the visibilitychange that follows rewrites or withdraws the spill;
    // where none follows, the next page sends it.
    handOver._pagehide,
    () => drain('online'), // the network came back
  );
  onSpill(() => stored() && spills._moveToQueue().catch(warn)); // network or not
  if (visitor._given()) start();
  // From a history call of the app: nothing may throw into it.
  if (config.pageViews) onPageView(() => safely(() => track('page-view', undefined, readEventOptions(undefined), eventId())));

  return {
    _track: track,
    _identify(customer, traits) {
      visitor._identify(customer);
      // An event a Tracardi workflow or the demo collector acts on: it links this session to the customer.
      return track('identify', { customerId: customer.id, externalId: customer.externalId, traits }, readEventOptions(undefined), eventId());
    },
    _collect(type, properties) {
      if (visitor._given() != false) {
        const json = safely(() => serializeProperties(properties));
        // Circular, a BigInt, or over 60 KiB: counted as track() counts it.
        if (json) batch._push(eventId(), json, collectPath(type, source), true);
        else batch._refuse();
      }
      return flush();
    },
    _consent: setConsent,
    _reset() {
      // Before consent there is no session, and a customer identify() named goes all the same.
      visitor._forget(stored());
      describeVisitor();
    },
    _flush: flush,
    _commit(held) {
      if (visitor._given() != false) for (const [id, json, path] of held._events) batch._push(id, json, path);
      held._events = [];
    },
    _visitor: visitor._ids,
  };
}
