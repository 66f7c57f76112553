/**
 * Readers of what comes from outside the tracker: storage, other tabs, the collector, the app's options
 * (docs/trust.md). Nothing read there is trusted until checked here.
 */

/** A count or a time read back from storage: a finite number from 0, or 0. */
export const storedNumber = (value: any): number => (Number.isFinite(value) && value > 0 ? value : 0);
