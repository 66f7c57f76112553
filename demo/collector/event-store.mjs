// The collector's event store: events by id in insertion order, duplicate detection, the sessions of each
// visitor and their customers (reconciliation, see docs/collector.md), the event query, and an
// append-only JSON-lines file so that events survive a restart.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { appendLines, replayLines } from './json-lines.mjs';

/**
 * @typedef {object} StoredEvent  the wire event, enriched by the collector and the store
 * @property {string} id
 * @property {string} type
 * @property {Record<string, any>} [properties]
 * @property {Record<string, any>} [options]  options.context and options.mode are queried
 * @property {{ create: string, insert: string }} time
 * @property {{ id: string }} source
 * @property {{ id: string } | null} session
 * @property {{ id: string } | null} profile
 * @property {Record<string, any>} context
 * @property {{ ip: string, userAgent: string | null, origin: string | null }} request
 * @property {number} seen  how many times it arrived (1 + duplicates)
 */

/**
 * @typedef {object} EventQuery  filters in the manner of ContactHub's get_events and DM Hub's event query
 * @property {string} [profile]
 * @property {string} [session]
 * @property {string[]} [types]    any of these types
 * @property {number} [from]       ms since epoch, inclusive, on time.create
 * @property {number} [to]         ms since epoch, exclusive, on time.create
 * @property {string} [context]    options.context (ContactHub's context of use: WEB, MOBILE, ...)
 * @property {string} [mode]       options.mode (ACTIVE or PASSIVE)
 * @property {number} [page]       1-based
 * @property {number} [size]
 * @property {'asc'|'desc'} [sort] by time.create; ties keep insertion order (reversed for desc)
 */

const EVENTS_FILE = 'events.jsonl';

/**
 * DM Hub's rule for events that arrive without an id: the same externalId, or else the same time,
 * customer and event type, is the same event. Every stored event is indexed under this key, so an
 * id-less retry is recognised whatever the stored copy carried.
 * @returns {string | null} null when an id-less candidate has nothing to be matched on
 */
function dmHubKey(event) {
  const externalId = event.externalId ?? event.properties?.externalId;
  if (externalId != null) return `external:${externalId}`;
  // Without a client time the server's clock would make two distinct id-less events of one batch
  // look alike (same millisecond, profile, type): only a time the client chose can identify an event.
  const created = Date.parse(event.time?.create);
  if (Number.isNaN(created)) return null;
  return `when:${created}|${event.profile?.id ?? ''}|${event.type}`;
}

/**
 * @param {{ dataDir?: string | null, now?: () => Date, warn?: (message: string) => void }} [options]
 *   dataDir: where events.jsonl lives; null keeps events in memory only.
 */
export function createEventStore({ dataDir = null, now = () => new Date(), warn = console.warn } = {}) {
  /** @type {Map<string, StoredEvent>} */
  const byId = new Map();
  /** @type {StoredEvent[]} */
  const inOrder = [];
  /** @type {Map<string, string>} DM Hub dedupe key → event id */
  const idByKey = new Map();
  /** @type {Map<string, StoredEvent[]>} session id → its events, so that a link touches only them */
  const bySession = new Map();
  /** @type {Map<string, string>} session id → the visitor: the profile its first payload carried or was given */
  const visitorBySession = new Map();
  /** @type {Map<string, Set<string>>} visitor → its sessions, earlier and later ones */
  const sessionsByVisitor = new Map();
  /** @type {Map<string, string>} session id → the customer last named in it */
  const customerBySession = new Map();
  /** @type {Map<string, string>} visitor → the customer last named in any of its sessions */
  const customerByVisitor = new Map();
  /** @type {Set<string>} every customer a link named: their own profiles are never linked to another */
  const customers = new Set();
  let duplicates = 0;
  const file = dataDir ? path.join(dataDir, EVENTS_FILE) : null;

  const append = (records) => file && appendLines(file, records);

  function index(event) {
    byId.set(event.id, event);
    inOrder.push(event);
    const key = dmHubKey(event);
    if (key && !idByKey.has(key)) idByKey.set(key, event.id);
    const sessionId = event.session?.id;
    if (!sessionId) return;
    if (bySession.has(sessionId)) bySession.get(sessionId).push(event);
    else bySession.set(sessionId, [event]);
  }

  function countDuplicate(event) {
    event.seen += 1;
    duplicates += 1;
  }

  /** @param {string} sessionId @returns {string | undefined} */
  const customerOf = (sessionId) => customerBySession.get(sessionId) ?? customerByVisitor.get(visitorBySession.get(sessionId));

  function applyVisit({ sessionId, profileId }) {
    visitorBySession.set(sessionId, profileId);
    if (sessionsByVisitor.has(profileId)) sessionsByVisitor.get(profileId).add(sessionId);
    else sessionsByVisitor.set(profileId, new Set([sessionId]));
  }

  /** Gives a session's stored events its customer's profile. @returns {number} how many changed */
  function follow(sessionId) {
    const profileId = customerOf(sessionId);
    let updated = 0;
    for (const event of bySession.get(sessionId) ?? []) {
      if (profileId === undefined || event.profile?.id === profileId) continue;
      event.profile = { id: profileId };
      // The time rule names the profile: the linked copy must be found under its new key too.
      const key = dmHubKey(event);
      if (key && !idByKey.has(key)) idByKey.set(key, event.id);
      updated += 1;
    }
    return updated;
  }

  function applyLink({ profileId, sessionId }) {
    customers.add(profileId);
    customerBySession.set(sessionId, profileId);
    const visitor = visitorBySession.get(sessionId);
    // The visitor goes with the session, unless it is a customer's own profile (a browser that
    // adopted a customer's id and never reset): two customers are never merged through a session.
    const linksVisitor = visitor !== undefined && !customers.has(visitor);
    if (linksVisitor) customerByVisitor.set(visitor, profileId);
    const sessions = linksVisitor ? sessionsByVisitor.get(visitor) : [sessionId];
    let updated = 0;
    for (const linked of sessions) updated += follow(linked);
    return updated;
  }

  /**
   * Stores events in order, each unless it is a duplicate (same id; or, without an id, DM Hub's rule),
   * of a stored event or of one before it in `candidates`. The store assigns what a database would:
   * the id when there is none, time.insert, and time.create when the client gave no time.
   * @param {Array<Omit<StoredEvent, 'id' | 'time' | 'seen'> & { id?: string, time?: { create?: string } }>} candidates
   * @returns {Array<{ event: StoredEvent, duplicate: boolean }>}
   */
  function addAll(candidates) {
    const insert = now().toISOString();
    /** @type {Map<string, StoredEvent>} */
    const added = new Map();
    /** @type {Map<string, string>} */
    const addedByKey = new Map();
    const results = candidates.map((candidate) => {
      const key = candidate.id === undefined ? dmHubKey(candidate) : null;
      const existingId = candidate.id ?? (key === null ? undefined : idByKey.get(key) ?? addedByKey.get(key));
      const existing = existingId === undefined ? undefined : byId.get(existingId) ?? added.get(existingId);
      if (existing) return { event: existing, duplicate: true };
      const event = /** @type {StoredEvent} */ ({
        ...candidate,
        id: candidate.id ?? randomUUID(),
        time: { create: candidate.time?.create ?? insert, insert },
        seen: 1,
      });
      added.set(event.id, event);
      const storedKey = dmHubKey(event);
      if (storedKey && !addedByKey.has(storedKey)) addedByKey.set(storedKey, event.id);
      return { event, duplicate: false };
    });
    // One write for the batch (thousands of events in a 1 MiB body), before anything counts in memory:
    // if the disk refuses, the request fails and nothing changed.
    append(results.map(({ event, duplicate }) => (duplicate ? { duplicate: { id: event.id } } : event)));
    for (const { event, duplicate } of results) {
      if (duplicate) countDuplicate(event);
      else index(event);
    }
    return results;
  }

  /**
   * Links a session to a customer, as ContactHub's add_customer_session: the session's stored events
   * (anonymous ones included) take the customer's profile now, later ones through {@link customerOf};
   * so do the other sessions of its visitor that no customer named, earlier and later ones.
   * @returns {number} how many stored events changed profile
   */
  function linkSession(profileId, sessionId) {
    const link = { profileId, sessionId };
    append([{ link }]);
    return applyLink(link);
  }

  /**
   * Records the visitor a session belongs to, once: the profile its first payload carried, or the one
   * the collector gave it.
   */
  function recordVisit(sessionId, profileId) {
    if (visitorBySession.has(sessionId)) return;
    const visit = { sessionId, profileId };
    append([{ visit }]);
    applyVisit(visit);
  }

  /** @param {EventQuery} query @returns {{ total: number, page: number, size: number, items: StoredEvent[] }} */
  function query({ profile, session, types = [], from, to, context, mode, page = 1, size = 20, sort = 'asc' } = {}) {
    const matches = inOrder.filter((event) => {
      const created = Date.parse(event.time.create);
      return (profile === undefined || event.profile?.id === profile)
        && (session === undefined || event.session?.id === session)
        && (types.length === 0 || types.includes(event.type))
        && (from === undefined || created >= from)
        && (to === undefined || created < to)
        && (context === undefined || event.options?.context === context)
        && (mode === undefined || event.options?.mode === mode);
    });
    // Array#sort is stable, so equal times keep insertion order.
    matches.sort((a, b) => Date.parse(a.time.create) - Date.parse(b.time.create));
    if (sort === 'desc') matches.reverse();
    const start = (page - 1) * size;
    return { total: matches.length, page, size, items: matches.slice(start, start + size) };
  }

  /** Replays events.jsonl (a torn last line is cut off, see replayLines). */
  function load() {
    fs.mkdirSync(dataDir, { recursive: true });
    replayLines(file, (record) => {
      // Events always have an id at the top level; control records never do.
      if (record.id !== undefined) index(record);
      else if (record.visit) applyVisit(record.visit);
      else if (record.link) applyLink(record.link);
      else if (record.duplicate && byId.has(record.duplicate.id)) countDuplicate(byId.get(record.duplicate.id));
    }, (message) => warn(`[store] ${message}`));
  }

  /** Forgets everything, on disk too. */
  function clear() {
    byId.clear();
    inOrder.length = 0;
    idByKey.clear();
    bySession.clear();
    visitorBySession.clear();
    sessionsByVisitor.clear();
    customerBySession.clear();
    customerByVisitor.clear();
    customers.clear();
    duplicates = 0;
    if (file) fs.writeFileSync(file, '');
  }

  if (file) load();

  return {
    addAll,
    linkSession,
    recordVisit,
    /** @param {string} sessionId @returns {string | undefined} the visitor a session belongs to */
    visitorOf: (sessionId) => visitorBySession.get(sessionId),
    /** @param {string} sessionId @returns {string | undefined} the customer last named in this session */
    namedCustomer: (sessionId) => customerBySession.get(sessionId),
    /**
     * The customer whose profile a session's events are stored under: the one last named in it, else
     * the one last named in any session of its visitor.
     */
    customerOf,
    /** @param {string} id */
    get: (id) => byId.get(id),
    /** @returns {StoredEvent[]} every stored event, in insertion order */
    all: () => [...inOrder],
    query,
    clear,
    /** unique stored events */
    get size() { return inOrder.length; },
    /** arrivals that were not stored again */
    get duplicates() { return duplicates; },
  };
}
