// Ids: event ids and session ids, made here and checked wherever they are read back.
import { urlAlphabet } from 'nanoid';

/** Random bytes are drawn this many at a time. */
const POOL_SIZE = 2048;
let pool: Uint8Array;
/** At the end of the pool: the first draw fills it. */
let offset = POOL_SIZE;

/**
 * A call of crypto.getRandomValues costs as much as a whole id (docs/performance.md), and track() runs on
 * every click: the bytes come from a pool refilled 2 KB at a time, as nanoid does in Node.
 */
function pooledRandom(bytes: number): Uint8Array {
  if (offset + bytes > POOL_SIZE) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
    offset = 0;
  }
  const drawn = pool.subarray(offset, offset + bytes);
  offset += bytes;
  return drawn;
}

/**
 * A new event id: a nanoid, 21 characters of nanoid's URL-safe alphabet (126 random bits), made as
 * nanoid() makes them but from the pool.
 */
export function eventId(): string {
  const bytes = pooledRandom(21);
  let id = '';
  for (let i = 0; i < 21; i++) id += urlAlphabet[bytes[i] & 63];
  return id;
}

/**
 * A random UUID v4, as ContactHub's create_session_id and Tracardi advise for session ids.
 * crypto.randomUUID exists only in secure contexts; the pool's bytes serve everywhere.
 */
export function uuid(): string {
  return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (+c ^ (pooledRandom(1)[0] & (15 >> (+c / 4)))).toString(16),
  );
}

const UUID_V4 = /^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/;

/** A session id is a UUID v4, as the tracker makes them. */
export const isSessionId = (id: unknown): id is string => typeof id == 'string' && UUID_V4.test(id);

/**
 * A profile id the tracker keeps and sends: 1 to 128 letters, digits, `_`, `-`, `.`, `:` or `@` (a collector's
 * customer ids may be emails). Anything else (a collector's garbage, a tampered cookie) is ignored: it could
 * outgrow a request or break the cookie.
 */
export const isProfileId = (id: unknown): id is string => typeof id == 'string' && /^[\w.:@-]{1,128}$/.test(id);
