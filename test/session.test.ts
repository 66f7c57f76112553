// @vitest-environment happy-dom
// Session and profile ids in cookie + localStorage + memory; the `now` parameter stands in for the clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSession } from '../src/session';
import { uuid } from '../src/id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const T = Date.UTC(2024, 5, 1, 12); // any fixed instant
const MIN = 60_000;
const NAME = 'bt';

/** Stored session ids are UUID v4s: anything else is not the tracker's, and ignored. */
const COOKIE_SESSION = '85c0eda9-f846-4413-8965-75d5e48b5112';
const STORAGE_SESSION = '689883c9-6dfc-428f-be7f-0163680aa226';
const FROM_COOKIE = '59346c37-2488-465e-b12c-db9210ae9e01';
const FROM_STORAGE = '3389844f-828a-4017-af00-1c468163a37c';
const OLD_1 = '1c4acf87-0550-4968-b119-4bf52fe32199';
const OLD_2 = 'f14c40f6-1c5a-4dd2-8cab-fe3e5e0a2eea';
const S_OLD = 'cfa82128-6dca-4700-b76b-441f50b3a1a3';
const S_NEW = 'd510d8ca-776e-4be3-81a8-ca64e5cd87cc';
const S1 = '9f085886-8bf3-4bab-96f6-f9bcf40ac4ba';

const value = (id: string, at: number, profile = '') => `${id}.${at.toString(36)}.${profile}`;
const setCookie = (v: string, name = NAME) => (document.cookie = `${name}=${encodeURIComponent(v)};path=/`);
const readCookie = (name = NAME) => {
  const match = document.cookie.match(`(?:^|; )${name}=([^;]*)`);
  return match ? decodeURIComponent(match[1]) : null;
};

/** Properties a test redefined, with what was there before (undefined: nothing of its own). */
const redefined: [object, string, PropertyDescriptor | undefined][] = [];
function redefine(target: object, key: string, descriptor: PropertyDescriptor) {
  redefined.push([target, key, Object.getOwnPropertyDescriptor(target, key)]);
  Object.defineProperty(target, key, { configurable: true, ...descriptor });
}
const blocked = () => {
  throw new DOMException('The operation is insecure.', 'SecurityError');
};

beforeEach(() => {
  localStorage.clear();
  for (const cookie of document.cookie.split('; ')) {
    const name = cookie.split('=')[0];
    if (name) document.cookie = `${name}=; max-age=-1; path=/`;
  }
});
afterEach(() => {
  for (const [target, key, before] of redefined.splice(0).reverse()) {
    if (before) Object.defineProperty(target, key, before);
    else delete (target as Record<string, unknown>)[key];
  }
  vi.restoreAllMocks();
});

describe('uuid', () => {
  it('gives distinct UUID v4s', () => {
    const ids = new Set(Array.from({ length: 200 }, uuid));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it('gives UUID v4s where crypto.randomUUID is missing (a plain-http page)', () => {
    redefine(crypto, 'randomUUID', { value: undefined });
    expect(crypto.randomUUID).toBeUndefined();
    const ids = new Set(Array.from({ length: 500 }, uuid));
    expect(ids.size).toBe(500);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    // Every hex digit of the random positions shows up: the fallback is not stuck on a few values.
    const digits = new Set([...ids].join('').replace(/-/g, ''));
    expect(digits.size).toBe(16);
  });
});

describe('createSession: new and kept sessions', () => {
  it('starts a new session with a UUID v4 id and no profile', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(session._id).toMatch(UUID_V4);
    expect(session._profile).toBeUndefined();
  });

  it('writes id and activity to the cookie and localStorage at once', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(readCookie()).toBe(value(session._id, T));
    expect(localStorage.getItem(NAME)).toBe(value(session._id, T));
  });

  it('writes a first-party cookie for a year, path=/, SameSite=Lax, no Secure on http, the domain when given', () => {
    const set = vi.spyOn(document, 'cookie', 'set');
    createSession({ name: NAME, sessionTimeout: 30 }, T);
    createSession({ name: 'bt2', sessionTimeout: 30, cookieDomain: '.localhost' }, T);
    const [plain, withDomain] = set.mock.calls.map(([cookie]) => cookie);
    expect(plain).toMatch(/^bt=[^;]+;path=\/;max-age=31536000;SameSite=Lax$/);
    expect(withDomain).toMatch(/;domain=\.localhost$/);
    expect(plain).not.toMatch(/Secure/);
  });

  it('is kept across createSession calls (page loads) within the timeout', () => {
    const first = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const second = createSession({ name: NAME, sessionTimeout: 30 }, T + 10 * MIN);
    const third = createSession({ name: NAME, sessionTimeout: 30 }, T + 35 * MIN); // 25 min after the second
    expect(second._id).toBe(first._id);
    expect(third._id).toBe(first._id);
  });

  it.each([
    [30 * MIN - 1, true],
    [30 * MIN, true],
    [30 * MIN + 1, false],
    [2 * 60 * MIN, false],
  ])('a page load %i ms after the last activity keeps the session: %s', (gap, kept) => {
    const first = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const next = createSession({ name: NAME, sessionTimeout: 30 }, T + gap);
    expect(next._id === first._id).toBe(kept);
    expect(next._id).toMatch(UUID_V4);
  });

  it('sessionTimeout is in minutes', () => {
    const first = createSession({ name: NAME, sessionTimeout: 5 }, T);
    expect(createSession({ name: NAME, sessionTimeout: 5 }, T + 5 * MIN)._id).toBe(first._id);
    expect(createSession({ name: NAME, sessionTimeout: 5 }, T + 10 * MIN + 1)._id).not.toBe(first._id);
  });

  it('names keep two trackers apart', () => {
    const a = createSession({ name: 'a', sessionTimeout: 30 }, T);
    const b = createSession({ name: 'b', sessionTimeout: 30 }, T);
    expect(a._id).not.toBe(b._id);
    expect(createSession({ name: 'a', sessionTimeout: 30 }, T + 1)._id).toBe(a._id);
  });
});

describe('createSession: restore from one store, and disagreements', () => {
  it('from the cookie alone, and writes it back to localStorage', () => {
    setCookie(value(COOKIE_SESSION, T - 5 * MIN, 'p-cookie'));
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(session._id).toBe(COOKIE_SESSION);
    expect(session._profile).toBe('p-cookie');
    expect(localStorage.getItem(NAME)).toBe(value(COOKIE_SESSION, T, 'p-cookie'));
  });

  it('from localStorage alone, and writes it back to the cookie', () => {
    localStorage.setItem(NAME, value(STORAGE_SESSION, T - 5 * MIN, 'p-storage'));
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(session._id).toBe(STORAGE_SESSION);
    expect(session._profile).toBe('p-storage');
    expect(readCookie()).toBe(value(STORAGE_SESSION, T, 'p-storage'));
  });

  it.each([
    ['the cookie is more recent', T - 1 * MIN, T - 20 * MIN, FROM_COOKIE],
    ['localStorage is more recent', T - 20 * MIN, T - 1 * MIN, FROM_STORAGE],
    ['the cookie is more recent, localStorage expired', T - 1 * MIN, T - 90 * MIN, FROM_COOKIE],
    ['localStorage is more recent, the cookie expired', T - 90 * MIN, T - 1 * MIN, FROM_STORAGE],
  ])('when they disagree the most recent activity wins: %s', (_name, cookieAt, storageAt, winner) => {
    setCookie(value(FROM_COOKIE, cookieAt));
    localStorage.setItem(NAME, value(FROM_STORAGE, storageAt));
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(session._id).toBe(winner);
    // Both stores agree afterwards.
    expect(readCookie()).toBe(value(winner, T));
    expect(localStorage.getItem(NAME)).toBe(value(winner, T));
  });

  it('both past the timeout: a new session, the profile kept', () => {
    setCookie(value(OLD_1, T - 60 * MIN, 'p1'));
    localStorage.setItem(NAME, value(OLD_2, T - 45 * MIN, 'p1'));
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(session._id).toMatch(UUID_V4);
    expect(session._profile).toBe('p1');
  });

  it('a newer store without a profile does not erase the profile the other one knows', () => {
    setCookie(value(S1, T - 20 * MIN, 'p-known'));
    localStorage.setItem(NAME, value('s1', T - 1 * MIN));
    expect(createSession({ name: NAME, sessionTimeout: 30 }, T)._profile).toBe('p-known');
  });

  // The session of one store is never paired with the profile of the other.
  it('when they disagree, the profile comes from the most recent store too', () => {
    setCookie(value(S_OLD, T - 20 * MIN, 'p-old'));
    localStorage.setItem(NAME, value(S_NEW, T - 1 * MIN, 'p-new'));
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(session._id).toBe(S_NEW);
    expect(session._profile).toBe('p-new');
  });

  it.each([
    ['no activity', 'id-only..'],
    ['activity not base 36', 'abc.!!!.p'],
    ['empty', ''],
  ])('an unreadable stored value (%s) starts a new session', (_name, stored) => {
    localStorage.setItem(NAME, stored);
    expect(createSession({ name: NAME, sessionTimeout: 30 }, T)._id).toMatch(UUID_V4);
  });

  // Another script's `bt=1` has no activity: parseInt(undefined, 36) would read the word "undefined" as a
  // time in the year 4709, one that beats every real one.
  it.each([
    ['in localStorage', () => localStorage.setItem(NAME, 'garbage')],
    ['in the cookie', () => setCookie('garbage')],
  ])('a stored value without an activity field (%s) is ignored, not taken as a date in 4709', (_name, store) => {
    const real = createSession({ name: NAME, sessionTimeout: 30 }, T)._id;
    store();
    // The real session is in the other store, active a minute ago: it should win.
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T + MIN);
    expect(session._id).toBe(real);
  });

  it('a malformed cookie (bad percent-encoding) falls back to localStorage', () => {
    document.cookie = `${NAME}=%E0%A4%A;path=/`;
    localStorage.setItem(NAME, value(STORAGE_SESSION, T - MIN));
    expect(createSession({ name: NAME, sessionTimeout: 30 }, T)._id).toBe(STORAGE_SESSION);
  });

  it('profile ids with dots and colons survive the cookie', () => {
    const first = createSession({ name: NAME, sessionTimeout: 30 }, T);
    first._setProfile('a.b:c');
    localStorage.clear();
    const restored = createSession({ name: NAME, sessionTimeout: 30 }, T + MIN);
    expect(restored._id).toBe(first._id);
    expect(restored._profile).toBe('a.b:c');
  });

  it.each<[string, unknown]>([
    ['a semicolon and a space (cookie syntax)', 'p;q=r'],
    ['a space', 'a b'],
    ['129 characters', 'p'.repeat(129)],
    ['70 KB', 'p'.repeat(70_000)],
    ['a number', 42],
    ['an object', { id: 'p' }],
    ['empty', ''],
  ])('a profile id with %s is not one: never kept, never stored', (_name, id) => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    session._setProfile('known');
    session._setProfile(id);
    expect(session._profile).toBe('known');
    expect(localStorage.getItem(NAME)).toBe(value(session._id, T, 'known'));
  });

  it('a stored session id that is not a UUID v4 is not taken, nor its profile', () => {
    localStorage.setItem(NAME, value('evil-session', T - MIN, 'evil'));
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(session._id).toMatch(UUID_V4);
    expect(session._profile).toBeUndefined();
  });

  it('a stored profile id that is not one is not taken; the session beside it is', () => {
    localStorage.setItem(NAME, value(S1, T - MIN, 'p;q=r'));
    setCookie(value(S1, T - MIN, 'x'.repeat(4000)));
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(session._id).toBe(S1);
    expect(session._profile).toBeUndefined();
  });
});

describe('_touch', () => {
  it.each([
    [30 * MIN, true],
    [30 * MIN + 1, false],
  ])('an event %i ms after the last activity keeps the session: %s', (gap, kept) => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const id = session._id;
    expect(session._touch(T + gap) === id).toBe(kept);
    expect(session._id).toBe(session._touch(T + gap));
  });

  it('activity extends the session', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const id = session._id;
    for (let at = T; at <= T + 3 * 60 * MIN; at += 20 * MIN) expect(session._touch(at)).toBe(id);
  });

  it('a new session after the timeout keeps the profile and is written at once', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    session._setProfile('p1');
    const old = session._id;
    const id = session._touch(T + 31 * MIN);
    expect(id).not.toBe(old);
    expect(id).toMatch(UUID_V4);
    expect(session._touch(T + 32 * MIN)).toBe(id);
    expect(session._profile).toBe('p1');
    expect(localStorage.getItem(NAME)).toBe(value(id, T + 31 * MIN, 'p1'));
  });

  it('an idle tab keeps the session another tab kept alive', () => {
    const tab1 = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const tab2 = createSession({ name: NAME, sessionTimeout: 30 }, T + MIN);
    expect(tab2._id).toBe(tab1._id);
    tab2._touch(T + 25 * MIN);
    tab2._save(); // 24 minutes of activity since tab2 last wrote
    expect(tab1._touch(T + 40 * MIN)).toBe(tab1._id); // 40 min idle in tab1, 15 since tab2's activity
    expect(tab1._id).toBe(tab2._id);
  });

  it("a session another tab wrote with its activity ahead of this tab's clock is adopted as active now: it still times out", () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T });
    try {
      const tab = createSession({ name: NAME, sessionTimeout: 30 }, T);
      const ahead = value(S1, T + 86_400_000); // a tab whose clock is a day ahead
      localStorage.setItem(NAME, ahead);
      tab._adopt(ahead);
      expect(tab._id).toBe(S1);
      expect(tab._touch(T + 29 * MIN)).toBe(S1);
      vi.setSystemTime(T + 60 * MIN);
      const next = tab._touch(T + 60 * MIN); // 31 min idle since
      expect(next).not.toBe(S1);
      expect(next).toMatch(UUID_V4);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    [30 * MIN, false],
    [30 * MIN + 1, true],
  ])('reads storage (for other tabs\' activity) only when idle past the timeout: %i ms idle → %s', (gap, reads) => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const getItem = vi.spyOn(localStorage, 'getItem');
    session._touch(T + gap);
    expect(getItem).toHaveBeenCalledTimes(reads ? 1 : 0);
  });

  it('does not write storage on every call', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const setItem = vi.spyOn(localStorage, 'setItem');
    const setCookie = vi.spyOn(document, 'cookie', 'set');
    const getItem = vi.spyOn(localStorage, 'getItem');
    for (let at = T; at < T + 10 * MIN; at += 100) session._touch(at);
    expect(setItem).not.toHaveBeenCalled();
    expect(setCookie).not.toHaveBeenCalled();
    expect(getItem).not.toHaveBeenCalled(); // nor read it
  });
});

describe('_save', () => {
  it.each([
    [0, false],
    [29_999, false],
    [30_000, true],
    [5 * MIN, true],
  ])('after %i ms of activity since the last write, writes: %s', (activity, writes) => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const setItem = vi.spyOn(localStorage, 'setItem');
    const setCookie = vi.spyOn(document, 'cookie', 'set');
    session._touch(T + activity);
    session._save();
    expect(setItem).toHaveBeenCalledTimes(writes ? 1 : 0);
    expect(setCookie).toHaveBeenCalledTimes(writes ? 1 : 0);
    if (writes) expect(localStorage.getItem(NAME)).toBe(value(session._id, T + activity));
  });

  it('writes once per 30 s of activity, then waits for 30 s more', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const setItem = vi.spyOn(localStorage, 'setItem');
    session._touch(T + 30_000);
    session._save();
    session._touch(T + 45_000);
    session._save();
    expect(setItem).toHaveBeenCalledTimes(1);
    session._touch(T + 60_000);
    session._save();
    expect(setItem).toHaveBeenCalledTimes(2);
  });

  it('forced, writes at once', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    const setItem = vi.spyOn(localStorage, 'setItem');
    session._touch(T + 1000);
    session._save(true);
    expect(setItem).toHaveBeenCalledWith(NAME, value(session._id, T + 1000));
  });
});

describe('_setProfile', () => {
  it('stores the profile in memory, cookie and localStorage', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    session._setProfile('p1');
    expect(session._profile).toBe('p1');
    expect(readCookie()).toBe(value(session._id, T, 'p1'));
    expect(localStorage.getItem(NAME)).toBe(value(session._id, T, 'p1'));
    expect(createSession({ name: NAME, sessionTimeout: 30 }, T + MIN)._profile).toBe('p1');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['an empty string', ''],
    ['a number', 42],
    ['an object', { id: 'p2' }],
    ['an array', ['p2']],
    ['true', true],
  ])('never replaces a known id with %s', (_name, id) => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    session._setProfile('p1');
    const setItem = vi.spyOn(localStorage, 'setItem');
    session._setProfile(id);
    expect(session._profile).toBe('p1');
    expect(setItem).not.toHaveBeenCalled();
    expect(localStorage.getItem(NAME)).toBe(value(session._id, T, 'p1'));
  });

  it('a non-string does not set a first profile either', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    session._setProfile(123);
    expect(session._profile).toBeUndefined();
  });

  it('the same id again writes nothing; another id replaces it', () => {
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    session._setProfile('p1');
    const setItem = vi.spyOn(localStorage, 'setItem');
    session._setProfile('p1');
    expect(setItem).not.toHaveBeenCalled();
    session._setProfile('p2');
    expect(session._profile).toBe('p2');
    expect(localStorage.getItem(NAME)).toBe(value(session._id, T, 'p2'));
  });
});

describe('blocked storage', () => {
  const blockLocalStorage = () => redefine(globalThis, 'localStorage', { get: blocked });
  const blockCookies = () => redefine(document, 'cookie', { get: blocked, set: blocked });

  it('localStorage and cookies both throwing: the session works in memory', () => {
    blockLocalStorage();
    blockCookies();
    expect(() => localStorage).toThrow();
    expect(() => document.cookie).toThrow();
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(session._id).toMatch(UUID_V4);
    expect(session._touch(T + 10 * MIN)).toBe(session._id);
    session._setProfile('p1');
    expect(session._profile).toBe('p1');
    expect(() => session._save(true)).not.toThrow();
    const before = session._id;
    const after = session._touch(T + 60 * MIN); // a timeout re-reads the stores: still no throw
    expect(after).toMatch(UUID_V4);
    expect(after).not.toBe(before);
    expect(session._profile).toBe('p1');
  });

  it('localStorage throwing: the cookie still keeps the session across page loads', () => {
    blockLocalStorage();
    const first = createSession({ name: NAME, sessionTimeout: 30 }, T);
    first._setProfile('p1');
    const second = createSession({ name: NAME, sessionTimeout: 30 }, T + MIN);
    expect(second._id).toBe(first._id);
    expect(second._profile).toBe('p1');
  });

  it('cookies throwing: localStorage still keeps the session across page loads', () => {
    blockCookies();
    const first = createSession({ name: NAME, sessionTimeout: 30 }, T);
    first._setProfile('p1');
    const second = createSession({ name: NAME, sessionTimeout: 30 }, T + MIN);
    expect(second._id).toBe(first._id);
    expect(second._profile).toBe('p1');
  });

  it('localStorage.setItem throwing (quota): the cookie is written all the same', () => {
    vi.spyOn(localStorage, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    const session = createSession({ name: NAME, sessionTimeout: 30 }, T);
    expect(readCookie()).toBe(value(session._id, T));
  });
});
