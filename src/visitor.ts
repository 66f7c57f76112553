import type { Customer } from './event.js';
import type { Config } from './options.js';
import type { VisitorIds } from './payload.js';
import { safely } from './safely.js';
import { createSession, type Session } from './session.js';

/**
 * The visitor, as far as their consent lets the tracker keep them: their consent (in localStorage under
 * `<name>:consent`, '1' given, '0' refused: remembering a refusal is what it needs), and while it allows
 * storing, their session (ids and customer, in cookie and localStorage); before that, the customer
 * identify() named, in memory only. Undecided, tracking goes on, unless the site requires consent first,
 * or honours privacy signals and the browser sends Do Not Track or Global Privacy Control.
 */
export interface Visitor {
  /** true: store and send; false: neither, and nothing kept; undefined: events wait in memory until asked. */
  _given(): boolean | undefined;
  /**
   * The collector answered that the source requires consent: true when the visitor has not decided (the
   * first time on this page); with requireConsent 'source', storing and sending stop until consent(true).
   */
  _required(): boolean;
  /** Remembers the visitor's answer; storing stops at once when it is no. */
  _decide(given: boolean): void;
  /** The session, while consent allows storing. */
  _session(): Session | undefined;
  /** The ids that go in envelopes: the session's, and the profile id the collector gave it. */
  _ids(): VisitorIds | undefined;
  /** Who the app said the visitor is. */
  _customer(): Customer | undefined;
  _identify(customer: Customer): void;
  /** Opens the session (storing may begin): restored or new, with the customer named before. */
  _open(): Session;
  /** Forgets the visitor: ids and customer, in memory and storage; with `reopen`, a new session (a logout). */
  _forget(reopen?: boolean): void;
}

/**
 * `decided`: another tab of the site decided the visitor's consent; this tab follows at once (the decision
 * is site-wide), before it stores or sends again.
 */
export function createVisitor(config: Config, decided: (given: boolean) => void): Visitor {
  const { name, requireConsent, honorPrivacySignals } = config;
  const consentKey = name + ':consent';
  let decision = safely(() => localStorage.getItem(consentKey));
  const signalled = honorPrivacySignals && (navigator.doNotTrack == '1' || (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl == true);
  let session: Session | undefined;
  let customerBeforeConsent: Customer | undefined;
  /** Whether events wait for consent: the site says so, or (requireConsent 'source') the collector did. */
  let required = requireConsent === true;
  /** Whether the collector said on this page that the source requires consent (Tracardi's `source.consent`). */
  let told = false;

  const visitor: Visitor = {
    _given() {
      if (decision == '1' || decision == '0') return decision == '1';
      if (signalled) return false;
      if (!required) return true;
    },
    _required() {
      if (decision || told) return false;
      told = true;
      if (requireConsent == 'source') {
        required = true;
        session = undefined; // storing and sending wait for consent(true), in this page's memory
      }
      return true;
    },
    _decide(given) {
      decision = given ? '1' : '0';
      safely(() => localStorage.setItem(consentKey, decision!));
      if (!given) visitor._forget();
    },
    _session: () => session,
    _ids: () => session && { session: session._id, profile: session._profile },
    _customer: () => (session ? session._customer : customerBeforeConsent),
    _identify(customer) {
      if (session) session._setCustomer(customer);
      else customerBeforeConsent = customer;
    },
    _open() {
      session = createSession(config);
      if (customerBeforeConsent) session._setCustomer(customerBeforeConsent);
      return session;
    },
    _forget(reopen) {
      if (session) session._forget();
      session = customerBeforeConsent = undefined;
      if (reopen) visitor._open();
    },
  };
  // What another tab decided, or whom it forgot (a reset), holds in this tab too.
  addEventListener('storage', ({ key, newValue }) => {
    if (key == consentKey && (newValue == '1' || newValue == '0') && newValue != decision) decided(newValue == '1');
    else if (session && newValue && (key == name || key == name + ':customer')) session._adopt(safely(() => localStorage.getItem(name)) || null);
  });
  return visitor;
}
