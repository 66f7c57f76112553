import type { PageContext } from './context.js';
import { fail, show } from './misuse.js';
import type { Config } from './options.js';
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
  context: Record<string, unknown> & { page: PageContext; customer?: Customer };
}

/** DM Hub's limits on its fields, when an event's properties carry them. */
const DM_HUB_LIMITS: [field: string, characters: number][] = [
  ['targetId', 255],
  ['targetName', 255],
  ['tag', 255],
  ['summary', 1024],
];

/** What track() knows of an event when it builds it. */
export interface EventInput {
  id: string;
  type: string;
  /** When it happened, ms since the epoch. */
  time: number;
  properties: object | undefined;
  eventOptions: EventOptions;
  page: PageContext;
  customer?: Customer;
}

/** What the event model needs of the tracker's options. */
type EventRules = Pick<Config, 'defaultContext' | 'schemas' | 'beforeSend'>;

/**
 * An event of track() as JSON, ready for the batch (docs/glossary.md: an event's snapshot). A broken rule
 * is a misuse: counted by `refuse`, and thrown. An event that cannot be serialised, or that beforeSend threw
 * on, is counted by `refuse` and gives undefined, as does an event beforeSend dropped.
 */
export function acceptEvent(input: EventInput, { defaultContext, schemas, beforeSend }: EventRules, refuse: (error: unknown) => void): string | undefined {
  const { context, options } = input.eventOptions;
  // The event's context of use: its `context` option when that names one, else its Tracardi options', else the default.
  const contextOfUse = typeof context == 'string' ? context : (options && (options.context as string)) || defaultContext;
  try {
    checkEvent(input, contextOfUse, schemas[input.type]);
  } catch (error) {
    refuse(error);
    throw error; // the app is told
  }
  try {
    return snapshot(buildEvent(input, contextOfUse), beforeSend);
  } catch (error) {
    refuse(error);
  }
}

/**
 * Checks what an event says of itself against ContactHub's and DM Hub's rules and the app's schema of its
 * type (required properties), and throws a TypeError that names what is wrong.
 */
export function checkEvent({ type, properties, eventOptions: { mode } }: EventInput, contextOfUse: string, required?: string[]) {
  const given = properties as Record<string, unknown> | undefined;
  if (!CONTEXTS.includes(contextOfUse as ContextOfUse)) fail(`track(): context ${show(contextOfUse)} is not one of ${CONTEXTS.join(' ')}`);
  if (mode && !MODES.includes(mode)) fail(`track(): mode ${show(mode)} is not ACTIVE or PASSIVE`);
  // DM Hub's custom event types start with c_, and are 32 characters at most.
  if (/^c_/.test(type) && type.length > 32) fail(`track(): ${show(type)} is over 32 characters`);
  for (const [field, characters] of DM_HUB_LIMITS) {
    const value = given && given[field];
    if (typeof value == 'string' && value.length > characters) fail(`track(): ${field} is over ${characters} characters`);
  }
  if (required) {
    // Only types with a schema pay for this: track() runs on every click.
    const missing = required.filter((name) => !given || given[name] === undefined);
    if (missing.length) fail(`track(): ${type} needs ${missing.join(', ')}`);
  }
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

/** The wire form of one event, built when track() is called. */
export function buildEvent({ id, type, time, properties, eventOptions: { context, mode, contextInfo, options }, page, customer }: EventInput, contextOfUse?: string): WireEvent {
  const wireOptions: Record<string, unknown> = { ...options };
  if (contextOfUse) wireOptions.context = contextOfUse;
  if (mode) wireOptions.mode = mode;
  if (contextInfo) wireOptions.contextInfo = contextInfo;
  const wireContext: WireEvent['context'] = { page };
  if (customer) wireContext.customer = customer;
  return {
    id,
    type,
    time: { create: isoTime(time) },
    properties: (properties || {}) as Record<string, unknown>,
    options: wireOptions,
    context: typeof context == 'object' ? { ...wireContext, ...context } : wireContext,
  };
}

/** `beforeSend`: sees each event before it is queued; returns it (changed or not), or null or false to drop it. */
export type BeforeSend = (event: WireEvent) => WireEvent | null | false | void;

/**
 * The event's JSON, as it is stored and sent: a snapshot, which a later mutation of the properties cannot
 * change. `beforeSend` gets a copy it may change, never the event's id; undefined when it dropped the
 * event. Throws (the event is refused) where serializeEvent does, or the hook does.
 */
export function snapshot(event: WireEvent, beforeSend?: BeforeSend): string | undefined {
  if (beforeSend) {
    const copy: WireEvent = JSON.parse(serializeEvent(event));
    const kept = beforeSend(copy);
    if (kept === null || kept === false) return;
    const id = event.id;
    event = kept || copy;
    event.id = id; // the tracker's: track() returned it, and resends carry it
  }
  return serializeEvent(event);
}

/**
 * An event as JSON (or the properties collect() sends alone), serialised once: what IndexedDB stores and
 * payloads splice in. Values follow
 * JSON.stringify: Dates as ISO strings; functions, symbols and undefined left out; NaN and Infinity as
 * null; DOM nodes as {}. Throws, and the event is refused, on a circular reference or a BigInt
 * (JSON.stringify's TypeError) and when the event is larger than MAX_EVENT_BYTES.
 */
export function serializeEvent(event: object): string {
  const json = JSON.stringify(event);
  // A UTF-8 character takes 3 bytes at most: only a long event needs counting.
  if (json.length * 3 > MAX_EVENT_BYTES && utf8Bytes(json) > MAX_EVENT_BYTES) throw new RangeError(`event over ${MAX_EVENT_BYTES} bytes`);
  return json;
}
