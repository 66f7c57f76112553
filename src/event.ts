import type { PageContext } from './context.js';
import { eventId } from './id.js';
import { fail, show } from './misuse.js';
import { own, text } from './read.js';
import { safely } from './safely.js';
import { UNIT, type Held } from './unit.js';
import { utf8Bytes } from './utf8.js';

/** The UTF-8 size an event's JSON may have, so that any one event fits in a beacon (64 KiB in all). */
export const MAX_EVENT_BYTES = 60 * 1024;

/** ContactHub's contexts of use: where an event happened. */
export const CONTEXTS = ['CONTACT_CENTER', 'WEB', 'MOBILE', 'ECOMMERCE', 'RETAIL', 'IOT', 'SOCIAL', 'DIGITAL_CAMPAIGN', 'OTHER'] as const;
export type ContextOfUse = (typeof CONTEXTS)[number];
/** ContactHub's modes: the customer made the event (ACTIVE), or received it (PASSIVE). */
export const MODES = ['ACTIVE', 'PASSIVE'] as const;
export type Mode = (typeof MODES)[number];

export interface EventOptions {
  /**
   * ContactHub's context of use (default: init's `defaultContext`, `'WEB'`), in the event's `options.context`;
   * or, as an object, context merged into the event's `context` beside `page`.
   */
  context?: ContextOfUse | Record<string, unknown>;
  /** ContactHub's mode, in the event's `options.mode`. */
  mode?: Mode;
  /** ContactHub's contextInfo (the client's ip, a store...), in the event's `options.contextInfo`. */
  contextInfo?: Record<string, unknown>;
  /** The event's Tracardi `options`. */
  options?: Record<string, unknown>;
  /** When the event happened, if not now (the loader stub passes the time of the early call). */
  time?: number | Date;
  /** Sent at once rather than with the next batch (bc-events' publish_immediately). */
  immediate?: boolean;
  /** The customer this event is of, as ContactHub's and DM Hub's events name theirs: its `context.customer`, without identify(). */
  customerId?: string;
  /** The unit of work that holds the event (unitOfWork()). */
  [UNIT]?: Held;
}

/** Who the visitor is, once the app said so (identify): every later event carries it in `context.customer`. */
export interface Customer {
  id?: string;
  externalId?: string;
}

/** The wire form of one event, as `beforeSend` sees it. */
export interface WireEvent {
  id: string;
  type: string;
  time: { create: string };
  properties: Record<string, unknown>;
  options: Record<string, unknown>;
  context: Record<string, unknown> & { page: PageContext; customer?: Customer; unitOfWork?: Held['_work'] };
}

/** DM Hub's limits on its fields, when an event's properties carry them. */
const DM_HUB_LIMITS: [field: string, characters: number][] = [
  ['targetId', 255],
  ['targetName', 255],
  ['tag', 255],
  ['summary', 1024],
];
/** DM Hub's own fields of a customer event: a custom (`c_`) type may add five properties of its own beside them. */
const DM_HUB_FIELDS = ['customerId', 'targetId', 'targetName', 'date', 'source', 'contentName', 'score', 'tag', 'campaign', 'campaignName', 'summary', 'externalId'];

/** What track() knows of an event when it builds it. */
export interface EventInput {
  id: string;
  type: string;
  properties: object | undefined;
  eventOptions: EventOptions;
  page: PageContext;
  /** The visitor's customer, if the app identified them. */
  customer?: Customer;
}

/** The event options of a call, as their own properties: nothing from Object.prototype, nothing from a non-object. */
export function readEventOptions(value: unknown): EventOptions {
  // Every key its own, when none was given too: a plain {} would give what a page set on Object.prototype.
  const options: Record<string | symbol, unknown> = {};
  for (const key of ['context', 'mode', 'contextInfo', 'options', 'time', 'immediate', 'customerId', UNIT]) options[key as string] = own(value, key);
  return options;
}

/**
 * An event's id: a new one, or DM Hub's `externalId` when its properties carry one (a string, or a finite
 * number as its string): the event's identity, so that a collector keeps it once however often it is sent.
 */
export function eventIdOf(properties: object | undefined): string {
  const externalId = own(properties, 'externalId');
  if (externalId == null) return eventId();
  if (Number.isFinite(externalId)) return String(externalId);
  if (!text(externalId, 256)) fail(`track(): externalId ${show(externalId)} is not an id or a number`);
  return externalId;
}

/** What the event model needs of the tracker's options (options.ts reads and checks them). */
interface EventRules {
  defaultContext: ContextOfUse;
  schemas: Record<string, string[]>;
  beforeSend?: BeforeSend;
}

/**
 * An event of track() as JSON, ready for the batch (docs/glossary.md: an event's snapshot). A broken rule
 * is a misuse: counted by `refuse`, and thrown. An event that cannot be serialised, or that beforeSend threw
 * on, is counted by `refuse` and gives undefined, as does an event beforeSend dropped.
 */
export function acceptEvent(input: EventInput, { defaultContext, schemas, beforeSend }: EventRules, refuse: (error: unknown) => void): string | undefined {
  const { context, options } = input.eventOptions;
  // The event's context of use: its `context` option when that names one, else its Tracardi options', else the default.
  const contextOfUse = typeof context == 'string' ? context : own(options, 'context') || defaultContext;
  let time: number;
  try {
    time = checkEvent(input, contextOfUse, schemas[input.type]);
  } catch (error) {
    refuse(error);
    throw error; // the app is told
  }
  try {
    return snapshot(buildEvent(input, time, contextOfUse), beforeSend);
  } catch (error) {
    refuse(error);
  }
}

/**
 * Checks what an event says of itself against ContactHub's and DM Hub's rules and the app's schema of its
 * type (required properties), and throws a TypeError that names what is wrong. Gives the event's time: its
 * `time` option, else DM Hub's `date` property, else now.
 */
export function checkEvent({ type, properties, eventOptions: { mode, time, customerId } }: EventInput, contextOfUse: string, required?: string[]): number {
  const property = (name: string) => own(properties, name);
  if (!CONTEXTS.includes(contextOfUse as ContextOfUse)) fail(`track(): context ${show(contextOfUse)} is not one of ${CONTEXTS.join(' ')}`);
  if (mode && !MODES.includes(mode)) fail(`track(): mode ${show(mode)} is not one of ${MODES.join(' ')}`);
  if (customerId !== undefined && !text(customerId, 256)) fail(`track(): customerId ${show(customerId)} is not an id`);
  // DM Hub's custom event types start with c_, within 32 characters, with five properties of their own at most.
  if (/^c_/.test(type)) {
    if (type.length > 32) fail(`track(): type is over 32 characters`);
    // A Proxy that throws is no broken rule: serialising it refuses the event.
    const custom = (safely(() => Object.keys(properties || {})) || []).filter((name) => !DM_HUB_FIELDS.includes(name));
    if (custom.length > 5) fail(`track(): ${type} has over 5 custom properties`);
  }
  for (const [field, characters] of DM_HUB_LIMITS) {
    const value = property(field);
    if (typeof value == 'string' && value.length > characters) fail(`track(): ${field} is over ${characters} characters`);
  }
  const score = property('score');
  if (score !== undefined && !Number.isInteger(score)) fail(`track(): score ${show(score)} is not an integer`);
  if (required) {
    // Only types with a schema pay for this: track() runs on every click.
    const missing = required.filter((name) => property(name) === undefined);
    if (missing.length) fail(`track(): ${type} needs ${missing.join(', ')}`);
  }
  const date = property('date');
  // A time with no number form (a Symbol, a valueOf that throws) is refused as NaN is, when it is formatted.
  if (time !== undefined || date === undefined) return safely(() => +(time || Date.now())) ?? NaN;
  // DM Hub's form, a string (2017-06-07T12:20:20Z), or a Date.
  const at = date instanceof Date ? +date : typeof date == 'string' ? Date.parse(date) : NaN;
  if (!(at >= 0)) fail(`track(): date ${show(date)} is not a date`);
  return at;
}

let lastTime: number | undefined;
let lastCreate = '';

/** An event's time as Tracardi reads it. A burst tracks many events in one millisecond: formatted once for them. */
function isoTime(time: number): string {
  if (time !== lastTime) {
    lastCreate = new Date(time).toISOString(); // throws on an invalid time: the event is refused
    lastTime = time;
  }
  return lastCreate;
}

/** The wire form of one event, built when track() is called; an event that names its customer is theirs. */
export function buildEvent({ id, type, properties, eventOptions, page, customer }: EventInput, time: number, contextOfUse?: string): WireEvent {
  const { context, mode, contextInfo, options, customerId } = eventOptions;
  const unit = eventOptions[UNIT];
  const wireOptions: Record<string, unknown> = { ...options };
  if (contextOfUse) wireOptions.context = contextOfUse;
  if (mode) wireOptions.mode = mode;
  if (contextInfo) wireOptions.contextInfo = contextInfo;
  const wireContext: WireEvent['context'] = { page };
  if (customerId) wireContext.customer = { id: customerId };
  else if (customer) wireContext.customer = customer;
  if (unit) wireContext.unitOfWork = unit._work;
  return {
    id,
    type,
    time: { create: isoTime(time) },
    properties: (properties || {}) as Record<string, unknown>,
    options: wireOptions,
    context: context && typeof context == 'object' ? { ...wireContext, ...context } : wireContext,
  };
}

/** `beforeSend`: sees each event before it is queued; returns it (changed or not), or null or false to drop it. */
export type BeforeSend = (event: WireEvent) => WireEvent | null | false | void;

/**
 * The event's JSON, as it is stored and sent: a snapshot, which a later mutation of the properties cannot
 * change. `beforeSend` gets a copy it may change, never the event's id; undefined when it dropped the
 * event. Throws (the event is refused) where serializeEvent does, or the hook does, or gives no event.
 */
export function snapshot(event: WireEvent, beforeSend?: BeforeSend): string | undefined {
  if (beforeSend) {
    const copy: WireEvent = JSON.parse(serializeEvent(event));
    const returned = beforeSend(copy);
    if (returned === null || returned === false) return;
    const kept = returned || copy; // nothing returned: the copy, as the hook changed it
    // A Promise's `then` is inherited, never its own.
    if (kept instanceof Promise) throw new TypeError('beforeSend returned a Promise');
    // What the hook gave, as its own properties; the id is the tracker's: track() returned it, and resends carry it.
    const field = (key: keyof WireEvent) => own(kept, key);
    event = { id: event.id, type: field('type'), time: field('time'), properties: field('properties'), options: field('options'), context: field('context') };
  }
  return serializeEvent(event);
}

/** A value's JSON, where Tracardi needs an object (it answers 500 to null there: a toJSON may give anything). */
function objectJson(value: unknown, part: string): string {
  const json = JSON.stringify(value);
  if (!json || json[0] != '{') throw new TypeError(`${part} is ${json}, not an object`);
  return json;
}

/** JSON that may go in a request: over MAX_EVENT_BYTES it is refused. */
function sized(json: string): string {
  // A UTF-8 character takes 3 bytes at most: only a long event needs counting.
  if (json.length * 3 > MAX_EVENT_BYTES && utf8Bytes(json) > MAX_EVENT_BYTES) throw new RangeError(`event over ${MAX_EVENT_BYTES} bytes`);
  return json;
}

/**
 * An event as JSON, serialised once: what IndexedDB stores and payloads splice in. Values follow
 * JSON.stringify: Dates as ISO strings; functions, symbols and undefined left out; NaN and Infinity as
 * null; DOM nodes as {}. Throws, and the event is refused, on a circular reference or a BigInt
 * (JSON.stringify's TypeError), when a part is no object once serialised, or is larger than MAX_EVENT_BYTES.
 */
export function serializeEvent({ id, type, time, properties, options, context }: WireEvent): string {
  if (typeof type != 'string') throw new TypeError(`type ${show(type)} is not a name`);
  return sized(
    `{"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"time":${objectJson(time, 'time')},"properties":${objectJson(properties, 'properties')},"options":${objectJson(options, 'options')},"context":${objectJson(context, 'context')}}`,
  );
}

/** The properties collect() sends as a request's whole body. */
export const serializeProperties = (properties: object | undefined) => sized(objectJson(properties || {}, 'properties'));
