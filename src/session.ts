import type { Customer } from './event.js';
import type { Config } from './options.js';
import { isProfileId, isSessionId, uuid } from './id.js';
import { own } from './read.js';
import { safely } from './safely.js';

/** The last activity is written back at most this often, not on every track(). */
const ACTIVITY_WRITE_INTERVAL = 30_000;
/** One year; Safari caps cookies and storage written by script at 7 days (docs/storage.md). */
const MAX_AGE = 31_536_000;

export interface Session {
  /** The session id for an event tracked at `now`; a new session starts after the inactivity timeout. */
  _touch(now: number): string;
  /** Writes the last activity to cookie + localStorage when it moved on by 30 s, or at once when `force`d. */
  _save(force?: boolean): void;
  /** Keeps a profile id the collector gave (a known id is never replaced by nothing); true when it is a new one. */
  _setProfile(id: unknown): boolean;
  /** Keeps the customer the app identified, for the events after it, on this page and the next ones. */
  _setCustomer(customer: Customer): void;
  /**
   * Another tab wrote the site's session `value` (a reset there, or a session it started): this tab goes on
   * in it, with the customer the site keeps now.
   */
  _adopt(value: string | null): void;
  /** Forgets the visitor: its ids and customer, in memory, cookie and localStorage. */
  _forget(): void;
  _id: string;
  _profile?: string;
  _customer?: Customer;
}

/**
 * Session and profile ids, kept in a first-party cookie and in localStorage under one name (`bt` unless
 * renamed) as `<session uuid>.<last activity, ms in base 36>.<profile id>`, and in memory: either store
 * may be blocked or throwing, and tracking goes on with whatever works. When the cookie and localStorage
 * disagree (one was cleared, or another tab started a new session), the one active most recently wins,
 * and the tabs of a site share their activity.
 */
export function createSession(
  { name, sessionTimeout, cookieDomain, profileLess }: Pick<Config, 'name' | 'sessionTimeout'> & Partial<Pick<Config, 'cookieDomain' | 'profileLess'>>,
  now = Date.now(),
): Session {
  const timeout = sessionTimeout * 60_000;
  /** Where the customer is kept: the app identifies a visitor once, not on every page. */
  const customerKey = name + ':customer';
  let last = 0;
  let written = 0;

  const setCookie = (value: string, maxAge: number) =>
    safely(
      () =>
        (document.cookie =
          `${name}=${encodeURIComponent(value)};path=/;max-age=${maxAge};SameSite=Lax` +
          (cookieDomain ? `;domain=${cookieDomain}` : '') +
          (location.protocol == 'https:' ? ';Secure' : '')),
    );

  function save(force?: boolean) {
    if (force || last - written >= ACTIVITY_WRITE_INTERVAL) {
      written = last;
      const value = [session._id, last.toString(36), session._profile].join('.'); // no profile: ''
      setCookie(value, MAX_AGE);
      safely(() => localStorage.setItem(name, value));
    }
  }

  /** A stored value's session id, activity and profile id, each only if it is one. */
  function parse(value: string | null | undefined): [string | undefined, number, string | undefined] {
    const [id, activity, ...rest] = (value || '').split('.');
    const profile = rest.join('.');
    return [isSessionId(id) ? id : undefined, parseInt(activity, 36), isProfileId(profile) && !profileLess ? profile : undefined];
  }

  function restore(now: number) {
    // The cookie first, then localStorage: each getter may throw where that store is blocked.
    for (const value of [
      safely(() => decodeURIComponent(document.cookie.match(`(?:^|; )${name}=([^;]+)`)![1])),
      safely(() => localStorage.getItem(name)),
    ]) {
      const [id, at, profile] = parse(value);
      // The most recent activity wins, with its profile; a value that is not ours (not a UUID, no
      // activity, or one in the future) never does, nor a profile id that is not one.
      if (id && at > last && at <= now) {
        session._id = id;
        last = at;
        if (profile) session._profile = profile;
      }
    }
    if (now - last > timeout) session._id = uuid();
    last = now;
    save(true); // written back to whichever store had lost it
  }

  const session: Session = {
    _touch(now) {
      // Storage is read only when this tab has been idle past the timeout: another tab may have kept the
      // session alive, and its activity is there.
      if (now - last > timeout) restore(now);
      else if (now > last) last = now;
      return session._id;
    },
    _save: save,
    _setProfile(id) {
      const adopted = isProfileId(id) && id != session._profile && !profileLess;
      if (adopted) {
        session._profile = id;
        save(true);
      }
      return adopted;
    },
    _setCustomer(customer) {
      session._customer = customer;
      safely(() => localStorage.setItem(customerKey, JSON.stringify(customer)));
    },
    _adopt(value) {
      const [id, at, profile] = parse(value);
      if (id && id != session._id) {
        session._id = id;
        session._profile = profile;
        last = Math.min(at, Date.now()) || 0;
      }
      session._customer = readCustomer(safely(() => JSON.parse(localStorage.getItem(customerKey)!)));
    },
    _forget() {
      setCookie('', -1);
      safely(() => localStorage.removeItem(name));
      safely(() => localStorage.removeItem(customerKey));
      session._id = '';
      session._profile = session._customer = undefined;
      last = 0;
    },
    _id: '',
  };
  session._customer = readCustomer(safely(() => JSON.parse(localStorage.getItem(customerKey)!)));
  restore(now);
  return session;
}

/** A customer id or external id: a string of 1 to 256 characters. */
const isCustomerId = (id: unknown): id is string => typeof id == 'string' && !!id && id.length <= 256;

/** A customer as identify() takes it and storage gives it back: an id, an external id, or both; else nothing. */
export function readCustomer(value: unknown): Customer | undefined {
  const id = typeof value == 'string' ? value : own(value, 'id');
  const externalId = own(value, 'externalId');
  const customer = { id: isCustomerId(id) ? id : undefined, externalId: isCustomerId(externalId) ? externalId : undefined };
  if (customer.id || customer.externalId) return customer;
}
