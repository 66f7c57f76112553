import type { Config } from './options.js';
import { safely } from './safely.js';

export interface Consent {
  /** true: store and send; false: neither, and nothing kept; undefined: keep events in memory until asked. */
  _given(): boolean | undefined;
  /** Remembers the visitor's answer. */
  _decide(given: boolean): void;
}

/**
 * The visitor's consent to storing and sending, remembered in localStorage under `<name>:consent` ('1'
 * given, '0' refused: remembering a refusal is what it needs). Undecided, tracking goes on, unless the site
 * requires consent first, or honours privacy signals and the browser sends Do Not Track or Global Privacy
 * Control.
 */
export function createConsent({ name, requireConsent, honorPrivacySignals }: Pick<Config, 'name' | 'requireConsent' | 'honorPrivacySignals'>): Consent {
  const key = name + ':consent';
  let decision = safely(() => localStorage.getItem(key));
  const signalled = honorPrivacySignals && (navigator.doNotTrack == '1' || (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl == true);
  return {
    _given() {
      if (decision == '1' || decision == '0') return decision == '1';
      if (signalled) return false;
      if (!requireConsent) return true;
    },
    _decide(given) {
      decision = given ? '1' : '0';
      safely(() => localStorage.setItem(key, decision!));
    },
  };
}
