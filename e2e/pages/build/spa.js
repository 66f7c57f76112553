function promisifyRequest(request) {
    return new Promise((resolve, reject) => {
        // @ts-ignore - file size hacks
        request.oncomplete = request.onsuccess = () => resolve(request.result);
        // @ts-ignore - file size hacks
        request.onabort = request.onerror = () => reject(request.error);
    });
}
function createStore(dbName, storeName) {
    let dbp;
    const getDB = () => {
        if (dbp)
            return dbp;
        const request = indexedDB.open(dbName);
        request.onupgradeneeded = () => request.result.createObjectStore(storeName);
        dbp = promisifyRequest(request);
        dbp.then((db) => {
            // It seems like Safari sometimes likes to just close the connection.
            // It's supposed to fire this event when that happens. Let's hope it does!
            db.onclose = () => (dbp = undefined);
        }, () => {
            dbp = undefined;
        });
        return dbp;
    };
    return (txMode, callback) => getDB().then((db) => callback(db.transaction(storeName, txMode).objectStore(storeName)));
}

/**
 * Context in the shapes a Tracardi server reads: it computes device and OS from
 * `context.browser.local.browser.userAgent`, and shows `context.screen.local` and each event's `context.page`.
 */
/** What the browser says about itself, once per payload. */
function deviceContext() {
    const { userAgent, language, platform } = navigator;
    const { width, height, colorDepth, orientation } = screen;
    return {
        browser: { local: { browser: { userAgent, language }, device: { platform } } },
        screen: { local: { width, height, colorDepth, orientation: orientation && orientation.type } },
    };
}
/** The browser's clock when a payload leaves, so that a collector can correct skew against `time.create`. */
function timeContext(now) {
    return { local: new Date(now).toISOString(), tz: Intl.DateTimeFormat().resolvedOptions().timeZone };
}
let referer;
let lastPage;
/**
 * The page an event is tracked on, read when track() is called (an SPA may navigate right after).
 * track() runs on every click: `location`'s getters cost about half a microsecond each in Chromium,
 * `document.URL` a fraction of that, so the page is rebuilt only when its URL or title changed.
 */
function pageContext() {
    const url = document.URL;
    const title = document.title;
    if (!lastPage || lastPage.url != url || lastPage.title != title) {
        if (!referer) {
            const [, host = '', query = ''] = document.referrer.match(/^\w+:\/\/([^/?#]+)[^?#]*\??([^#]*)/) || [];
            referer = { host, query };
        }
        lastPage = { url, path: location.pathname, hash: location.hash, title, referer };
    }
    return lastPage;
}

/** Events share a payload when they share its envelope: collector, source, session and profile. */
const envelopeKey = ({ url, source, session, profile }) => [url, source, session, profile].join(' ');
/** The UTF-8 size of a string, as the beacon quota counts it. */
const utf8Bytes = (text) => new Blob([text]).size;
/**
 * The next payload from `records` (oldest first): the oldest event and the ones after it that share its
 * envelope (collector, source, session, profile), as many as fit in `maxEvents` and `maxBytes`. Nothing
 * when even the oldest does not fit. Events are spliced into the envelope's JSON as they were stored.
 */
function nextBatch(records, maxEvents, maxBytes, envelopeOf) {
    const [first] = records;
    const taken = [];
    if (first) {
        const head = JSON.stringify({ ...envelopeOf(first), events: [] }); // ends with `"events":[]}`
        let bytes = utf8Bytes(head) - 1; // less the first event's comma
        for (const record of records) {
            if (taken.length == maxEvents || envelopeKey(record) != envelopeKey(first))
                break;
            const size = utf8Bytes(record.event) + 1; // and its comma
            if (bytes + size > maxBytes)
                break;
            bytes += size;
            taken.push(record);
        }
        if (taken.length)
            return { _records: taken, _bytes: bytes, _body: `${head.slice(0, -2)}${taken.map((record) => record.event).join()}]}` };
    }
}

/** The UTF-8 size an event's JSON may have, so that any one event fits in a beacon (64 KiB in all). */
const MAX_EVENT_BYTES = 60 * 1024;
/**
 * The wire form of one event, serialised once, when track() is called: the JSON string is the snapshot (a
 * later mutation of the properties cannot change it), what IndexedDB stores and what payloads splice in.
 * Values follow JSON.stringify: Dates as ISO strings; functions, symbols and undefined left out; NaN and
 * Infinity as null; DOM nodes as {}. Throws, and the event is refused, on a circular reference or a
 * BigInt (JSON.stringify's TypeError) and when the event is larger than MAX_EVENT_BYTES.
 */
function serializeEvent(id, type, time, properties, { context, options }, page) {
    const json = JSON.stringify({
        id,
        type,
        time: { create: new Date(time).toISOString() },
        properties: properties || {},
        options: options || {},
        context: { page, ...context },
    });
    // A UTF-8 character takes 3 bytes at most: only a long event needs counting (a Blob is not free).
    if (json.length * 3 > MAX_EVENT_BYTES && utf8Bytes(json) > MAX_EVENT_BYTES)
        throw new RangeError(`event over ${MAX_EVENT_BYTES} bytes`);
    return json;
}

/**
 * The moments a page can be left or come back. `hide` runs on visibilitychange → hidden and on pagehide:
 * Firefox often loses a beacon sent from pagehide when a tab closes while the one sent on visibilitychange
 * arrives, and Safari may skip visibilitychange when a page is navigated away. Never `unload`: it is
 * unreliable on mobile and keeps a page out of the back/forward cache.
 * `resume` runs when the network comes back. A page restored from the back/forward cache needs nothing:
 * its timers and state carry on, and nothing was held that would have kept it out of the cache.
 */
function onPageLifecycle(hide, resume) {
    const on = addEventListener;
    on('visibilitychange', () => document.visibilityState == 'hidden' && hide(), true);
    on('pagehide', hide, true);
    on('online', resume);
}

const KEY = 'queue';
const EMPTY = { events: [], dropped: 0 };
/**
 * Events wait in IndexedDB, kept across reloads and browser restarts, or in memory once IndexedDB is
 * missing, blocked or failing (some private modes, policies, quota): tracking goes on either way.
 * The queue is one value, with each event in it serialised on its own: for the usual few events a
 * change costs well under a millisecond; at the bound of 10,000 events, tens (see `npm run bench`).
 */
function createQueue(store = createStore('beacon-tracker', 'queue')) {
    /** Set once IndexedDB failed: from then on this page keeps its events here. */
    let memory;
    async function database(operation) {
        try {
            if (!memory)
                return await operation();
        }
        catch {
            memory = EMPTY;
        }
    }
    return {
        _read: async () => (await database(() => store('readonly', (objects) => promisifyRequest(objects.get(KEY))))) || memory || EMPTY,
        async _change(changer) {
            await database(() => store('readwrite', (objects) => {
                const request = objects.get(KEY);
                request.onsuccess = () => objects.put(changer(request.result || EMPTY), KEY);
                return promisifyRequest(objects.transaction);
            }));
            if (memory)
                memory = changer(memory);
        },
    };
}
/** `stored` with `records` appended; past the bound the oldest events go, and are counted: loss is never silent. */
function withAdded(stored, records, refused, limits) {
    const events = stored.events.concat(records);
    let size = 0;
    for (const record of events)
        size += record.event.length;
    let oldest = 0;
    while (events.length - oldest > limits[0] || size > limits[1])
        size -= events[oldest++].event.length;
    return { events: events.slice(oldest), dropped: stored.dropped + refused + oldest };
}
/** `stored` without `records`, and with `dropped` added to the count of lost events (negative once reported). */
function withRemoved(stored, records, dropped) {
    const ids = records.map((record) => record.id);
    return { events: stored.events.filter((record) => !ids.includes(record.id)), dropped: stored.dropped + dropped };
}

/** The last activity is written back at most this often, not on every track(). */
const ACTIVITY_WRITE_INTERVAL = 30000;
/** One year; Safari caps cookies and storage written by script at 7 days (see README). */
const MAX_AGE = 31536000;
/**
 * Session and profile ids, kept in a first-party cookie and in localStorage under one name (`bt` unless
 * renamed) as `<session uuid>.<last activity, ms in base 36>.<profile id>`, and in memory: either store
 * may be blocked or throwing, and tracking goes on with whatever works. When the cookie and localStorage
 * disagree (one was cleared, or another tab started a new session), the one active most recently wins,
 * and the tabs of a site share their activity.
 */
function createSession(name, timeoutMinutes, cookieDomain, now = Date.now()) {
    const timeout = timeoutMinutes * 60000;
    let last = 0;
    let written = 0;
    function save(force) {
        if (force || last - written >= ACTIVITY_WRITE_INTERVAL) {
            const value = `${session._id}.${(written = last).toString(36)}.${session._profile || ''}`;
            try {
                document.cookie =
                    `${name}=${encodeURIComponent(value)};path=/;max-age=${MAX_AGE};SameSite=Lax` +
                        (cookieDomain ? `;domain=${cookieDomain}` : '') +
                        (location.protocol == 'https:' ? ';Secure' : '');
            }
            catch {
                // cookies blocked
            }
            try {
                localStorage.setItem(name, value);
            }
            catch {
                // blocked, or over quota
            }
        }
    }
    function restore(now) {
        const stored = [];
        try {
            stored.push(decodeURIComponent((document.cookie.match(`(?:^|; )${name}=([^;]+)`) || [])[1] || ''));
        }
        catch {
            // cookies blocked: localStorage may still hold it
        }
        try {
            stored.push(localStorage.getItem(name)); // the getter itself throws where storage is blocked
        }
        catch {
            // blocked: the cookie may still hold it
        }
        for (const value of stored) {
            const [id, activity, ...profile] = (value || '').split('.');
            const at = parseInt(activity, 36);
            if (id && at > last) {
                session._id = id;
                last = at;
            }
            session._profile || (session._profile = profile.join('.') || undefined);
        }
        if (now - last > timeout)
            session._id = uuid();
        last = now;
        save(true); // written back to whichever store had lost it
    }
    const session = {
        _touch(now) {
            // Storage is read only when this tab has been idle past the timeout: another tab may have kept the
            // session alive, and its activity is there.
            if (now - last > timeout)
                restore(now);
            else if (now > last)
                last = now;
            return session._id;
        },
        _save: save,
        _setProfile(id) {
            if (id && typeof id == 'string' && id != session._profile) {
                session._profile = id;
                save(true);
            }
        },
        _id: '',
    };
    restore(now);
    return session;
}
/** A random UUID v4: crypto.randomUUID where the page is a secure context, getRandomValues elsewhere. */
function uuid() {
    return crypto.randomUUID
        ? crypto.randomUUID()
        : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (+c / 4)))).toString(16));
}

/**
 * A tracker payload as application/json: a Tracardi server answers 422 to text/plain (the batch would be
 * lost). Sent as a Blob, whose type fetch and sendBeacon both use as the Content-Type.
 */
const json = (body) => new Blob([body], { type: 'application/json' });
/**
 * POSTs a tracker payload, without credentials (Tracardi may answer normal requests with a `*` origin).
 * Every request is kept under 64 KiB, so keepalive lets it finish even when the page closes meanwhile.
 */
async function post(url, body, timeout) {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), timeout); // harmless once answered
    try {
        const response = await fetch(`${url}/track`, { method: 'POST', body: json(body), credentials: 'omit', keepalive: true, signal: abort.signal });
        return { _status: response.status, _retryAfter: retryAfter(response.headers.get('Retry-After')), _body: await response.text() };
    }
    catch {
        return { _status: 0, _retryAfter: 0 };
    }
}
/** Hands a payload to the browser for delivery after the page is gone; false when it refused (quota). */
function beacon(url, body) {
    try {
        return navigator.sendBeacon(`${url}/track`, json(body));
    }
    catch {
        return false; // missing sendBeacon, or a page policy that forbids it
    }
}
/** Retry-After in ms; seconds are what collectors send (an HTTP date counts as absent). */
function retryAfter(header) {
    return (+header || 0) * 1000;
}
/** The collector or the network may recover: no answer, 408, 429, 5xx. */
const retryable = (status) => !status || status == 408 || status == 429 || status > 499;
/** The collector refuses something in the batch: halve it to find the one event to drop. */
const refusesSome = (status) => status == 400 || status == 413 || status == 422;
const RETRY_BASE = 1000;
const RETRY_CAP = 60000;
/**
 * Ms to wait after `attempt` failures in a row: exponential, capped, with jitter (50 to 100% of the
 * step, so that tabs and visitors spread out), and never before the collector's Retry-After.
 */
function backoffDelay(attempt, retryAfterMs, random = Math.random()) {
    return Math.max(retryAfterMs, Math.min(RETRY_CAP, RETRY_BASE * 2 ** attempt) * (0.5 + random / 2));
}

/** Browsers refuse beacons and keepalive requests past 64 KiB in flight per page, counted in UTF-8 bytes. */
const BEACON_QUOTA = 65536;
/** Events per request at most. */
const MAX_BATCH_EVENTS = 100;
function createTracker(initOptions) {
    // The options, once init() has checked them.
    let url;
    let source;
    let batchSize;
    let flushInterval;
    let timeout;
    let context;
    let options;
    let debug;
    let limits;
    let session;
    let queue;
    let device;
    /** This page's events not yet handed to the queue: no other tab can send them. */
    let pending = [];
    let timer;
    /** Events refused by track(), counted until the next write to the queue carries the count. */
    let refused = 0;
    /** Halved when the collector refuses a batch (400, 413, 422), to find the one event it refuses. */
    let batchLimit = MAX_BATCH_EVENTS;
    /** UTF-8 bytes of this page's request in flight: keepalive requests share the beacon quota. */
    let inflight = 0;
    /** Failed attempts in a row: while the collector is failing, a closing page sends no beacon. */
    let attempt = 0;
    /** When the failing collector may be tried again (ms since the epoch). */
    let retryAt = 0;
    /** Event ids are this page's random UUID and a counter: unique everywhere, and a tenth of the cost of a UUID each. */
    let pageId;
    let sequence = 0;
    /** Drain passes run one after the other; each reads the queue afresh. */
    let draining = Promise.resolve();
    const warn = (...args) => {
        if (debug)
            console.warn('beacon-tracker:', ...args);
    };
    function init(initial) {
        const { name = 'bt', sessionTimeout = 30, maxQueueEvents = 10000, maxQueueBytes = 5000000, cookieDomain, } = ({ url, source, batchSize = 10, flushInterval = 1000, timeout = 10000, context, options = {}, debug } = initial || {});
        if (session || !/^https?:\/\/[^/]/.test(url) || !source || typeof source != 'string') {
            fail(session ? 'init() twice' : 'init() needs url (http/https) and source');
        }
        url = url.replace(/\/+$/, '');
        limits = [maxQueueEvents, maxQueueBytes];
        session = createSession(name, sessionTimeout, cookieDomain);
        pageId = uuid();
        queue = createQueue();
        onPageLifecycle(() => handOver(true), // the page is hidden, maybe for good: beacon what only it holds
        () => {
            retryAt = 0; // the network came back: retry now
            drain();
        });
        drain(); // what earlier pages left behind
    }
    function track(type, properties, eventOptions = {}) {
        if (!session || !type || typeof type != 'string' || (properties != null && (typeof properties != 'object' || Array.isArray(properties)))) {
            fail(session ? 'track() needs a type, and properties as an object' : 'init() first');
        }
        const now = Date.now();
        const id = `${pageId}-${(++sequence).toString(36)}`;
        let event;
        try {
            event = serializeEvent(id, type, +(eventOptions.time || now), properties, eventOptions, pageContext());
        }
        catch (error) {
            refused++;
            warn('event refused:', error);
            return '';
        }
        pending.push({ id, url, source, session: session._touch(now), profile: session._profile, event });
        if (pending.length == batchSize) {
            clearTimeout(timer);
            timer = setTimeout(flush);
        }
        else
            timer || (timer = setTimeout(flush, flushInterval));
        return id;
    }
    /** Takes this page's events, with the count of refused events, and writes them to the queue unless `beacons` carry them. */
    function handOver(beacons) {
        let records = pending;
        const lost = refused;
        clearTimeout(timer);
        pending = [];
        timer = refused = 0;
        session._save(beacons);
        // sendBeacon says true even when the request will fail: while the collector is failing or the
        // browser is offline, everything stays queued for a later page.
        if (beacons && navigator.onLine && !attempt) {
            let budget = BEACON_QUOTA - inflight;
            for (let batch; (batch = nextBatch(records, Infinity, budget, (first) => envelope(first, 0)));) {
                const sent = batch._records;
                if (!beacon(sent[0].url, batch._body)) {
                    // Refused (quota) or missing: a keepalive request may carry it, and the queue keeps it too.
                    post(sent[0].url, batch._body, timeout);
                    break;
                }
                records = records.slice(sent.length);
                budget -= batch._bytes;
            }
        }
        return records.length || lost ? enqueue(records, lost) : 0;
    }
    const enqueue = (records, lost) => queue._change((stored) => withAdded(stored, records, lost, limits));
    async function flush() {
        if (session) {
            await handOver();
            await drain();
        }
    }
    function drain() {
        return (draining = draining.then(() => withLock(drainQueue)).catch(warn));
    }
    /** Sends what the queue holds, oldest first, one request at a time, in one tab at a time. */
    async function drainQueue() {
        // Offline, a request is lost for good: nothing is sent until `online`.
        while (navigator.onLine) {
            const wait = retryAt - Date.now();
            if (wait > 0)
                return void setTimeout(drain, wait);
            const { events, dropped } = await queue._read();
            const batch = nextBatch(events, batchLimit, BEACON_QUOTA, (first) => envelope(first, dropped));
            if (!batch)
                return;
            const sent = batch._records;
            inflight = batch._bytes;
            const answer = await post(sent[0].url, batch._body, timeout);
            inflight = 0;
            const status = answer._status;
            if (retryable(status)) {
                warn('retry after', status);
                retryAt = Date.now() + backoffDelay(attempt++, answer._retryAfter);
                continue;
            }
            // A refused batch is halved until the one event the collector refuses is alone, and dropped.
            const split = refusesSome(status);
            batchLimit = split ? Math.ceil(sent.length / 2) : Math.min(batchLimit * 2, MAX_BATCH_EVENTS);
            if (split && sent.length > 1)
                continue;
            // Delivered (Tracardi's 226, stored with errors, too), or refused for good (401 unknown source,
            // 403, 404...), which retrying forever would not mend.
            const delivered = status < 300;
            if (delivered) {
                attempt = 0;
                try {
                    session._setProfile(JSON.parse(answer._body).profile.id);
                }
                catch {
                    // `null` (an empty batch) or no profile in the answer: keep what is known
                }
            }
            else
                warn('dropped after', status, sent);
            await queue._change((stored) => withRemoved(stored, sent, delivered ? -dropped : sent.length));
        }
    }
    function envelope(first, dropped) {
        // Events tracked before the collector first answered go with the profile id it gave since.
        const profile = first.profile || (first.url == url && session._profile);
        return {
            source: { id: first.source },
            session: { id: first.session },
            ...(profile && { profile: { id: profile } }),
            context: {
                ...(device || (device = deviceContext())),
                ...context,
                time: timeContext(Date.now()),
                // Events dropped past the queue bound or refused: loss is reported, never silent.
                ...(dropped && { tracker: { dropped } }),
            },
            properties: {},
            options, // never null: a Tracardi server answers 500
        };
    }
    if (initOptions)
        init(initOptions);
    return {
        init,
        track,
        flush: () => flush().catch(warn),
        get sessionId() {
            return session && session._id;
        },
        get profileId() {
            return session && session._profile;
        },
    };
}
function fail(message) {
    throw new TypeError(`beacon-tracker: ${message}`);
}
/** One tab at a time drains the shared queue; held only while draining, so that the page stays eligible for the back/forward cache. */
function withLock(task) {
    try {
        return navigator.locks.request('beacon-tracker', task);
    }
    catch {
        return task(); // no Web Locks (an http page, an old browser): tabs may send an event twice, never lose it
    }
}

/** The default instance: call `tracker.init(options)` once, then `tracker.track(...)`. */
const tracker = /*#__PURE__*/ createTracker();

// A single-page app that uses the npm build. e2e/setup.ts bundles it (rollup, node-resolve) into
// build/spa.js, resolving 'beacon-tracker' to dist/index.js as a bundler would resolve the package.

tracker.init({ url: document.body.dataset.collector, source: 'e2e-spa' });
tracker.track('view', { seq: 1, view: 'home' });

window.app = {
  ready: typeof createTracker == 'function',
  /** What a router does on a link click: no page load, a new URL and title. */
  navigate(path, title) {
    history.pushState({}, '', path);
    document.title = title;
  },
  track: (type, properties) => tracker.track(type, properties),
  flush: () => tracker.flush(),
};
//# sourceMappingURL=spa.js.map
