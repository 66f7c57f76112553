import type { PageContext } from './context.js';
import { utf8Bytes } from './payload.js';

/** The UTF-8 size an event's JSON may have, so that any one event fits in a beacon (64 KiB in all). */
export const MAX_EVENT_BYTES = 60 * 1024;

export interface EventOptions {
  /** Merged into this event's `context` (beside `page`). */
  context?: Record<string, unknown>;
  /** The event's Tracardi `options`. */
  options?: Record<string, unknown>;
  /** When the event happened, if not now (the loader stub passes the time of the early call). */
  time?: number | Date;
}

/**
 * The wire form of one event, serialised once, when track() is called: the JSON string is the snapshot (a
 * later mutation of the properties cannot change it), what IndexedDB stores and what payloads splice in.
 * Values follow JSON.stringify: Dates as ISO strings; functions, symbols and undefined left out; NaN and
 * Infinity as null; DOM nodes as {}. Throws, and the event is refused, on a circular reference or a
 * BigInt (JSON.stringify's TypeError) and when the event is larger than MAX_EVENT_BYTES.
 */
export function serializeEvent(
  id: string,
  type: string,
  time: number,
  properties: object | undefined,
  { context, options }: EventOptions,
  page: PageContext,
): string {
  const json = JSON.stringify({
    id,
    type,
    time: { create: new Date(time).toISOString() },
    properties: properties || {},
    options: options || {},
    context: { page, ...context },
  });
  // A UTF-8 character takes 3 bytes at most: only a long event needs counting (a Blob is not free).
  if (json.length * 3 > MAX_EVENT_BYTES && utf8Bytes(json) > MAX_EVENT_BYTES) throw new RangeError(`event over ${MAX_EVENT_BYTES} bytes`);
  return json;
}
