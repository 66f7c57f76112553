import { safely } from './safely.js';

/** Misuse through the npm API throws at the call, with what was wrong and the value given; the script build warns. */
export function fail(message: string): never {
  throw new TypeError(`beacon-tracker: ${message}`);
}

/** A value as a message shows it: strings quoted. */
export const show = (value: unknown) => (typeof value == 'string' ? `'${value}'` : safely(() => String(value)) || typeof value);

/** The console warnings of a tracker with `debug`: refused events and failing deliveries, in words. */
export const warner = (debug: boolean) => (message: unknown) => {
  if (debug) console.warn('beacon-tracker:', message);
};
