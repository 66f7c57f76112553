// A collector that speaks Tracardi's /track protocol (plus /collect, an event query, and the reconciliation
// of sessions with customers that ContactHub's add_customer_session does), records every request as it
// arrived, and can be told to fail on purpose. A test double: see docs/collector.md.
import { randomUUID } from 'node:crypto';
import { createHttpServer, listen, parseJson, readBody, sendJson, shut, timedOut, urlHost } from './http.mjs';
import { IDENTIFY, eventIdsIn, isObject, jsonDecodeError, nestsTooDeep, notBoolean, tooDeepError, validateCollectBody, validateTrackerPayload } from './validate.mjs';
import { createEventStore } from './event-store.mjs';
import { createRawLog, RAW_BODY_LIMIT } from './raw-log.mjs';

/**
 * @typedef {{ mode: 'ok' }
 *   | { mode: 'status', status: number }
 *   | { mode: '429', retryAfter?: number, httpDate?: boolean }
 *   | { mode: 'hang' }
 *   | { mode: 'slow', delayMs: number }
 *   | { mode: 'drop' }
 *   | { mode: 'cut' }} Fault
 * `429` sends `Retry-After: <retryAfter>` in seconds, as an HTTP date that many seconds ahead with `httpDate`,
 * and no Retry-After without `retryAfter`. `cut` stores the events, then closes the connection unanswered:
 * the client cannot know that they arrived.
 */

/** @typedef {{ status: number, body: unknown, headers?: Record<string, string> }} Reply */

const MiB = 1024 * 1024;
const SECOND = 1000;
const OK = Object.freeze({ mode: 'ok' });

/** @param {Fault} fault @returns {Fault} */
function checkFault(fault) {
  const valid = isObject(fault) && (
    fault.mode === 'ok' || fault.mode === 'hang' || fault.mode === 'drop' || fault.mode === 'cut'
    || (fault.mode === 'status' && Number.isInteger(fault.status) && fault.status >= 100 && fault.status <= 599)
    || (fault.mode === '429' && (fault.retryAfter === undefined || (Number.isFinite(fault.retryAfter) && fault.retryAfter >= 0))
      && (fault.httpDate === undefined || typeof fault.httpDate === 'boolean'))
    || (fault.mode === 'slow' && Number.isFinite(fault.delayMs) && fault.delayMs >= 0));
  if (!valid) throw new TypeError(`Invalid fault ${JSON.stringify(fault)}`);
  return Object.freeze({ ...fault });
}

const isJsonContentType = (header = '') => header.split(';')[0].trim().toLowerCase() === 'application/json';
/** @returns {string[] | null} the decoded path segments, null when the escaping is malformed */
function pathSegments(pathname) {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return null;
  }
}

const withoutV4Prefix = (address = '') => address.replace(/^::ffff:/, '');

/**
 * A query flag read as FastAPI reads a bool (Tracardi's profile_less): absent is false.
 * @param {string | null} text @returns {boolean | undefined} undefined when it is no boolean
 */
function parseBoolean(text) {
  if (text === null) return false;
  const value = text.toLowerCase();
  if (['1', 'on', 't', 'true', 'y', 'yes'].includes(value)) return true;
  if (['0', 'off', 'f', 'false', 'n', 'no'].includes(value)) return false;
  return undefined;
}

/**
 * The customer an event names, whose profile its session becomes: an identify event's customerId (else
 * its externalId), or the customer in the event's own context, which the tracker puts on every event
 * after identify and on any event tracked with a customerId of its own. Shapes are validated.
 * @returns {string | undefined}
 */
function namedCustomer(event) {
  if (event.type === IDENTIFY) return event.properties.customerId ?? event.properties.externalId;
  const customer = event.context?.customer;
  return customer === undefined ? undefined : customer.id ?? customer.externalId;
}

/** Parses GET /events parameters; returns a message instead when one is malformed. */
function parseEventQuery(params) {
  const integer = (name, fallback) => {
    const text = params.get(name);
    return text === null ? fallback : /^\d+$/.test(text) ? Number(text) : NaN;
  };
  const date = (name) => {
    const text = params.get(name);
    return text === null ? undefined : Date.parse(text);
  };
  const query = {
    profile: params.get('profile') ?? undefined,
    session: params.get('session') ?? undefined,
    types: params.getAll('type').flatMap((value) => value.split(',')).map((type) => type.trim()).filter(Boolean),
    from: date('from'),
    to: date('to'),
    context: params.get('context') ?? undefined,
    mode: params.get('mode') ?? undefined,
    page: integer('page', 1),
    // DM Hub's event query: 20 by default, at most 1000.
    size: Math.min(integer('size', 20), 1000),
    sort: params.get('sort') ?? 'asc',
  };
  if (Number.isNaN(query.from) || Number.isNaN(query.to)) return { error: 'from and to must be ISO dates' };
  if (!(query.page >= 1) || !(query.size >= 1)) return { error: 'page and size must be integers from 1' };
  if (query.sort !== 'asc' && query.sort !== 'desc') return { error: 'sort must be asc or desc' };
  return { query };
}

/**
 * @param {object} [options]
 * @param {string[] | null} [options.sources]        accepted source ids; null accepts any
 * @param {string[] | null} [options.allowedOrigins] origins allowed to call it at all (any other Origin
 *                                                   gets 403); null echoes any origin (demo default)
 * @param {number} [options.bodyLimit]               bytes, default 1 MiB
 * @param {number} [options.requestTimeout]          ms for a request's headers and body to arrive, 5,000
 * @param {string[]} [options.trustedProxies]        socket addresses whose X-Forwarded-For is believed
 * @param {string | null} [options.dataDir]          null keeps everything in memory
 * @param {number} [options.rawLimit]                raw records kept in memory (oldest go first), 10,000
 */
export function createCollector({
  sources = null,
  allowedOrigins = null,
  bodyLimit = MiB,
  requestTimeout = 5 * SECOND,
  trustedProxies = [],
  dataDir = null,
  rawLimit = 10_000,
} = {}) {
  if (!(Number.isInteger(requestTimeout) && requestTimeout > 0)) throw new TypeError(`requestTimeout must be a whole number of ms from 1, got ${requestTimeout}`);
  const store = createEventStore({ dataDir });
  const rawLog = createRawLog({ dataDir, limit: rawLimit });
  /** @type {Fault} */
  let fault = OK;
  /** Responses held open (hang) or delayed (slow): each entry lets go of one. */
  const held = new Set();
  const server = createHttpServer((req, res) => handle(req, res), { requestTimeout });

  const originAllowed = (origin) => allowedOrigins === null || allowedOrigins.includes(origin);

  /**
   * CORS headers for a normal response: echoed origin with credentials, so a browser can read errors.
   * @returns {Record<string, string>}
   */
  function corsFor(req) {
    const origin = req.headers.origin;
    if (!origin || !originAllowed(origin)) return { Vary: 'Origin' };
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Expose-Headers': 'Retry-After',
      Vary: 'Origin',
    };
  }

  function clientIp(req) {
    const socketAddress = withoutV4Prefix(req.socket.remoteAddress);
    const forwarded = req.headers['x-forwarded-for'];
    if (forwarded && trustedProxies.map(withoutV4Prefix).includes(socketAddress)) {
      return String(forwarded).split(',')[0].trim();
    }
    return socketAddress;
  }

  /**
   * Registers a response left pending (hang, slow) so that close() can let go of it; forgets it when
   * the client gives up first.
   * @param {() => void} letGo  ends the wait: destroys the socket or answers now
   */
  function hold(res, letGo) {
    held.add(letGo);
    res.on('close', () => held.delete(letGo));
  }

  function preflight(req, res) {
    const origin = req.headers.origin;
    if (!origin) return res.writeHead(204).end();
    res.writeHead(204, {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || 'content-type',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    }).end();
  }

  function requestInfo(req) {
    return { ip: clientIp(req), userAgent: req.headers['user-agent'] ?? null, origin: req.headers.origin ?? null };
  }

  /** Stores enriched events; answers the counts. */
  function save(events) {
    const duplicates = store.addAll(events).filter((result) => result.duplicate).length;
    return { saved: events.length - duplicates, duplicates };
  }

  const sourceDenied = (sourceId) => sources !== null && !sources.includes(sourceId);
  const denied = (sourceId) => ({ status: 401, body: { detail: `Invalid event source '${sourceId}'` } });

  /** POST /track: a Tracardi tracker payload. */
  function track(payload, req, url) {
    const profileLess = parseBoolean(url.searchParams.get('profile_less'));
    const errors = [
      ...(profileLess === undefined ? [notBoolean(['query', 'profile_less'])] : []),
      ...validateTrackerPayload(payload),
    ];
    if (errors.length > 0) return { status: 422, body: { detail: errors } };
    if (sourceDenied(payload.source.id)) return denied(payload.source.id);
    const events = payload.events ?? [];
    if (events.length === 0) return { status: 200, body: null };

    const session = { id: payload.session.id };
    // Without a profile in the payload, a session the collector knows keeps its visitor, as a Tracardi
    // session keeps its profile: a second batch sent before the first one's answer arrived, or a resend
    // whose answer was lost, must not create a second profile for one visitor.
    const anonymous = profileLess ? null : payload.profile?.id ?? store.visitorOf(session.id) ?? randomUUID();
    if (anonymous !== null) store.recordVisit(session.id, anonymous);
    // A customer's session (reconciliation) wins over the profile the tracker still carries.
    const profileId = () => store.customerOf(session.id) ?? anonymous;
    const request = requestInfo(req);
    const counts = { saved: 0, duplicates: 0 };
    /** Events waiting to be stored: written in runs, each run before the link that follows it. */
    let run = [];
    const saveRun = () => {
      const { saved, duplicates } = save(run);
      counts.saved += saved;
      counts.duplicates += duplicates;
      run = [];
    };
    for (const event of events) {
      const customer = namedCustomer(event);
      if (customer !== undefined && store.namedCustomer(session.id) !== customer) {
        saveRun();
        store.linkSession(customer, session.id);
      }
      const profile = profileId();
      run.push({
        ...event,
        source: { id: payload.source.id },
        session,
        profile: profile === null ? null : { id: profile },
        context: { ...payload.context, ...event.context },
        request,
      });
    }
    saveRun();
    const body = profileLess
      ? { session, source: { consent: false }, events: counts }
      : { profile: { id: profileId() }, session, source: { consent: false }, events: counts };
    return { status: 200, body };
  }

  /** POST /collect/:type/:source: a profile-less event whose properties are the body. */
  function collect(body, req, type, sourceId) {
    const errors = validateCollectBody(body);
    if (errors.length > 0) return { status: 422, body: { detail: errors } };
    if (sourceDenied(sourceId)) return denied(sourceId);
    const counts = save([{
      type,
      properties: body,
      source: { id: sourceId },
      session: null,
      profile: null,
      context: {},
      request: requestInfo(req),
    }]);
    return { status: 200, body: { source: { consent: false }, events: counts } };
  }

  /**
   * The path shared by /track and /collect: read, record, inject the fault, parse, then answer.
   * @param {(parsed: any) => Reply} accept  checks and stores a parsed body
   */
  async function ingest(req, res, url, accept) {
    const record = arrival(req, url);
    watchAnswer(record, res);
    let body;
    try {
      body = await readBody(req, bodyLimit);
    } catch {
      return rawLog.add(record, timedOut(req) ? 'timeout' : 'aborted');
    }
    record.contentLength = body.bytes;
    record.body = body.buffer.subarray(0, RAW_BODY_LIMIT).toString('utf8');
    record.bodyTruncated = body.bytes > RAW_BODY_LIMIT;

    const current = fault;
    if (current.mode === 'hang') {
      rawLog.add(record, 'hang');
      hold(res, () => res.destroy());
      return;
    }
    if (current.mode === 'drop') {
      rawLog.add(record, 'drop');
      req.socket.destroy();
      return;
    }
    const reply = body.tooLarge ? tooLarge() : injectedFault(current) ?? parseAndAccept(req, body, record, accept);
    rawLog.add(record, reply.status);
    if (current.mode === 'cut') {
      // Stored (or refused) as usual, and logged with that status: only the answer never leaves.
      req.socket.destroy();
      return;
    }
    const send = () => sendJson(res, reply.status, reply.body, { ...corsFor(req), ...reply.headers });
    if (current.mode !== 'slow') return send();
    // Stored already, answered late: a client that gives up first will resend what is already here.
    const answerNow = () => {
      clearTimeout(timer);
      held.delete(answerNow);
      send();
    };
    const timer = setTimeout(answerNow, current.delayMs);
    hold(res, answerNow);
    res.on('close', () => clearTimeout(timer));
  }

  /** A raw log record of a request to /track or /collect, before its body is read. */
  function arrival(req, url) {
    return {
      at: new Date().toISOString(),
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'] ?? null,
      contentLength: 0,
      origin: req.headers.origin ?? null,
      referer: req.headers.referer ?? null,
      userAgent: req.headers['user-agent'] ?? null,
      ip: clientIp(req),
      eventIds: [],
      body: '',
      bodyTruncated: false,
      delivered: null,
      answeredAt: null,
    };
  }

  /**
   * Notes in `record` whether its answer reached the connection: delivered once its last byte is written,
   * not delivered when the connection closes first (hang, drop, cut, a client that gave up on a slow answer
   * and closed it). A client that gives up may also leave the connection open (Chromium does, for an aborted
   * keepalive request): the answer is then delivered, and never read. A retry of events whose answer a page
   * read is a duplicate the client could have avoided; of events whose answer it did not, one it could not.
   */
  function watchAnswer(record, res) {
    res.on('finish', () => {
      record.delivered = true;
      record.answeredAt = new Date().toISOString();
    });
    res.on('close', () => {
      if (record.delivered === null) record.delivered = false;
    });
  }

  // Connection: close, so Node stops the upload instead of reading the rest of an oversize body.
  const tooLarge = () => ({ status: 413, body: { detail: `Request body is over ${bodyLimit} bytes` }, headers: { Connection: 'close' } });

  /** @param {Fault} current @returns {Reply | undefined} */
  function injectedFault(current) {
    if (current.mode === 'status') return { status: current.status, body: { detail: `Injected fault: ${current.status}` } };
    if (current.mode === '429') {
      const { retryAfter, httpDate } = current;
      if (retryAfter === undefined) return { status: 429, body: { detail: 'Too Many Requests' } };
      const header = httpDate ? new Date(Date.now() + retryAfter * SECOND).toUTCString() : String(retryAfter);
      return { status: 429, body: { detail: 'Too Many Requests' }, headers: { 'Retry-After': header } };
    }
    return undefined;
  }

  /** Tracardi parses only application/json bodies; anything else is refused before parsing. */
  function parseAndAccept(req, body, record, accept) {
    const contentType = req.headers['content-type'];
    if (!isJsonContentType(contentType)) {
      return { status: 415, body: { detail: `Content-Type must be application/json, got ${JSON.stringify(contentType ?? null)}` } };
    }
    let parsed;
    try {
      parsed = JSON.parse(body.buffer.toString('utf8'));
    } catch (error) {
      return { status: 422, body: jsonDecodeError(/** @type {Error} */ (error)) };
    }
    record.eventIds = eventIdsIn(parsed);
    if (nestsTooDeep(parsed)) return { status: 422, body: tooDeepError() };
    try {
      return accept(parsed);
    } catch (error) {
      // Answered (and logged) as a 500 for this request only.
      console.error('[collector]', error);
      return { status: 500, body: { detail: 'Internal Server Error' } };
    }
  }

  /** POST /profiles/:profileId/sessions `{ sessionId }`: ContactHub's add_customer_session. */
  async function linkSession(req, res, profileId) {
    const body = await readBody(req, bodyLimit).catch(() => null);
    if (!body) return; // the client went away
    if (body.tooLarge) return sendJson(res, 413, { detail: 'Request body too large' }, { ...corsFor(req), Connection: 'close' });
    const contentType = req.headers['content-type'];
    if (!isJsonContentType(contentType)) {
      return sendJson(res, 415, { detail: `Content-Type must be application/json, got ${JSON.stringify(contentType ?? null)}` }, corsFor(req));
    }
    const parsed = parseJson(body);
    if (!parsed.ok) return sendJson(res, 422, jsonDecodeError(new Error(parsed.error)), corsFor(req));
    const sessionId = parsed.value?.sessionId;
    if (typeof sessionId !== 'string' || sessionId === '') {
      return sendJson(res, 422, { detail: [{ loc: ['body', 'sessionId'], msg: 'field required', type: 'value_error.missing' }] }, corsFor(req));
    }
    const updated = store.linkSession(profileId, sessionId);
    sendJson(res, 200, { profile: { id: profileId }, session: { id: sessionId }, updated }, corsFor(req));
  }

  function stats() {
    const { requests, byStatus } = rawLog.counts();
    return { events: store.size, requests, duplicates: store.duplicates, byStatus };
  }

  /** GET /events with these parameters. @param {URLSearchParams} params @returns {Reply} */
  function queryEvents(params) {
    const { query, error } = parseEventQuery(params);
    return error ? { status: 400, body: { detail: error } } : { status: 200, body: store.query(query) };
  }

  async function route(req, res) {
    const cors = corsFor(req);
    const url = URL.canParse(req.url ?? '', 'http://collector') ? new URL(req.url ?? '', 'http://collector') : null;
    const segments = url && pathSegments(url.pathname);
    if (!url || !segments) return sendJson(res, 400, { detail: 'Malformed path' }, cors);
    const { method } = req;
    const isTrack = method === 'POST' && url.pathname === '/track';
    const isCollect = method === 'POST' && segments[0] === 'collect' && segments.length === 3 && segments[1] && segments[2];

    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin)) {
      // Refused before the body is read; Connection: close, so Node does not read it either.
      if (isTrack || isCollect) {
        const record = arrival(req, url);
        watchAnswer(record, res);
        rawLog.add(record, 403);
      }
      return sendJson(res, 403, { detail: `Origin ${origin} is not allowed` }, { Vary: 'Origin', Connection: 'close' });
    }
    if (method === 'OPTIONS') return preflight(req, res);
    if (isTrack) return ingest(req, res, url, (payload) => track(payload, req, url));
    if (isCollect) return ingest(req, res, url, (body) => collect(body, req, segments[1], segments[2]));
    if (method === 'POST' && segments[0] === 'profiles' && segments[2] === 'sessions' && segments.length === 3 && segments[1]) {
      return linkSession(req, res, segments[1]);
    }
    if (method === 'GET' && url.pathname === '/events') {
      const reply = queryEvents(url.searchParams);
      return sendJson(res, reply.status, reply.body, cors);
    }
    if (method === 'GET' && segments[0] === 'events' && segments.length === 2) {
      const event = store.get(segments[1]);
      return event ? sendJson(res, 200, event, cors) : sendJson(res, 404, { detail: 'Event not found' }, cors);
    }
    if (method === 'GET' && url.pathname === '/stats') return sendJson(res, 200, stats(), cors);
    sendJson(res, 404, { detail: 'Not Found' }, cors);
  }

  /**
   * The node:http request handler. Whatever a request does, it fails alone: an exception becomes a
   * 500 for that request and never reaches the process.
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  function handle(req, res) {
    route(req, res).catch((error) => {
      console.error('[collector]', error);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { detail: 'Internal Server Error' }, corsFor(req));
    });
  }

  return {
    handle,
    /**
     * Listens on `port` (0 picks a free one), again after close() too.
     * @returns {Promise<string>} the collector's URL
     */
    async listen(port = 0, host = '127.0.0.1') {
      const bound = await listen(server, port, host);
      return `http://${urlHost(host)}:${bound}`;
    },
    /** ms a request may take to arrive; the demo site uses the same */
    requestTimeout,
    store,
    queryEvents,
    /** @type {import('./raw-log.mjs').RawRecord[]} every request to /track and /collect, oldest first */
    rawLog: rawLog.records,
    stats,
    /** @param {Fault} next */
    setFault(next) {
      fault = checkFault(next);
    },
    /** @returns {Fault} */
    getFault: () => fault,
    /** Clears the store, the raw log, the counters and the fault. */
    reset() {
      store.clear();
      rawLog.clear();
      fault = OK;
    },
    /**
     * Lets go of held responses (hang destroys the socket, slow answers now), stops listening and cuts
     * open connections; the store and the raw log stay.
     */
    async close() {
      for (const release of [...held]) release();
      await shut(server);
    },
  };
}
