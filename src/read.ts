/**
 * Readers of what comes from outside the tracker: the app's options, storage, other tabs, the collector
 * (docs/trust.md). Nothing is read through the prototype chain (other scripts on the page change
 * Object.prototype), every number is bounded, and every time another tab wrote is clamped.
 */

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * `value`'s own property `key` when `value` is an object, else undefined. A getter or a Proxy that throws
 * reads as absent.
 */
export function own(value: unknown, key: PropertyKey): any {
  try {
    if (value && typeof value == 'object' && hasOwn.call(value, key)) return (value as Record<PropertyKey, unknown>)[key];
  } catch {
    // a getter or a Proxy trap that throws
  }
}

/** A count or a time read from elsewhere: a whole number from 0 to `max`, else 0. */
export const count = (value: unknown, max = Number.MAX_SAFE_INTEGER): number => (typeof value == 'number' && value > 0 ? Math.floor(Math.min(value, max)) : 0);

/** A string of 1 to `max` characters, else undefined. */
export const text = (value: unknown, max: number): string | undefined => (typeof value == 'string' && value && value.length <= max ? value : undefined);
