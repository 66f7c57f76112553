// The QA page: buttons that drive the tracker and the demo collector, and a live view (polled every
// second) of the tracker's ids, consent and customer, its IndexedDB queue, what the collector received,
// and a timeline of all of it. It reads the tracker's storage (docs/storage.md), so the tracker ships no
// debug code. An external module on purpose: the page works under a strict CSP (script-src 'self').
import { createTimeline, drawTimeline, KINDS, totals } from './timeline.js';

const POLL_MS = 1000;
const QUEUE_SHOWN = 8;
const RECEIVED_SHOWN = 20;
const MARKUP_SHOWN = 8;
/** The types of the events the "Without JavaScript" card's markup makes: its data-track types, and capture's own. */
const MARKUP_TYPES = [...new Set([...document.querySelectorAll('[data-track]')].map((element) => element.dataset.track))].concat('outbound-link', 'file-download', 'page-engagement');
const collectorUrl = document.body.dataset.collector;
const $ = (id) => document.getElementById(id);
const timeline = createTimeline();

/** Set when the page's CSP forbids fetching the site's own /admin API (connect-src without 'self'). */
let adminBlocked = false;
addEventListener('securitypolicyviolation', (event) => {
  if (event.violatedDirective.startsWith('connect-src') && event.blockedURI.includes('/admin/')) adminBlocked = true;
});

// ---- small helpers ------------------------------------------------------------------------------

/** A time of day as 14:05:09, the same width at every hour. */
const clock = (ms) => new Date(ms).toLocaleTimeString('en-GB');

/** Adds a line at the bottom of the log, and keeps it in view unless the reader scrolled up. */
function log(message, kind = 'info') {
  const item = document.createElement('li');
  item.className = kind;
  const time = document.createElement('span');
  time.className = 'muted';
  time.textContent = clock(Date.now());
  item.append(time, ' ', message);
  const list = $('log');
  const following = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
  list.append(item);
  while (list.children.length > 50) list.firstElementChild.remove();
  if (following) list.scrollTop = list.scrollHeight;
}

function text(id, value) {
  const element = $(id);
  const next = value === undefined || value === null || value === '' ? '–' : String(value);
  if (element.textContent !== next) element.textContent = next;
}

/**
 * Replaces a tbody's rows; `rows` are arrays of cells, each a text or `{ text, className, title }`. Each cell
 * is labelled with its column's header: a narrow page shows the rows of a `stack` table as labelled lines.
 */
function fillTable(id, rows, emptyText, columns) {
  const body = $(id);
  const headers = [...body.parentElement.querySelectorAll('thead th')].map((th) => th.textContent);
  const fragment = document.createDocumentFragment();
  for (const row of rows.length ? rows : [[{ text: emptyText, className: 'muted' }]]) {
    const tr = document.createElement('tr');
    for (const [i, cell] of row.entries()) {
      const td = document.createElement('td');
      const { text = cell, className = '', title = '' } = typeof cell == 'object' ? cell : {};
      td.textContent = text;
      if (className) td.className = className;
      if (title) td.title = title;
      if (rows.length) td.dataset.label = headers[i] || '';
      else td.colSpan = columns;
      tr.append(td);
    }
    fragment.append(tr);
  }
  body.replaceChildren(fragment);
}

/** A cell of an id: it may break anywhere on a narrow page, where other cells break between words only. */
const idCell = (value) => ({ text: value, className: 'id' });

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function admin(path, body) {
  const response = await fetch(`/admin/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.detail ? JSON.stringify(answer.detail) : `HTTP ${response.status}`);
  return answer;
}

// ---- the tracker's storage ----------------------------------------------------------------------

/** The tracker's name (the script's data-name, 'bt' by default): its key in IndexedDB and localStorage. */
const trackerName = document.querySelector('script[data-url]')?.dataset.name || 'bt';

/**
 * The tracker's queue as stored: its events, oldest first, and its meta (`{ count, bytes, dropped, lease }`), both empty when the database or store is missing. Opened without a version; when the database
 * does not exist yet the upgrade is aborted, so this page never creates it (an empty database without the
 * store would keep the tracker out of it).
 */
function readQueue() {
  const empty = { events: [], meta: {} };
  return new Promise((resolve) => {
    let request;
    try {
      request = indexedDB.open('beacon-tracker');
    } catch {
      return resolve(empty);
    }
    request.onupgradeneeded = () => request.transaction.abort();
    request.onerror = () => resolve(empty);
    request.onblocked = () => resolve(empty);
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close();
      const done = (value) => {
        db.close();
        resolve(value);
      };
      if (!db.objectStoreNames.contains('queue')) return done(empty);
      try {
        const store = db.transaction('queue', 'readonly').objectStore('queue');
        // Every chunk of this tracker, for any collector (the keys [name, url, at, id] sort between these
        // two), each a list of events.
        const chunks = store.getAll(IDBKeyRange.bound([trackerName, ''], [trackerName, []]));
        const meta = store.get([trackerName]);
        meta.onsuccess = () => done({ events: chunks.result.flat(), meta: meta.result || {} });
        meta.onerror = chunks.onerror = () => done(empty);
      } catch {
        done(empty);
      }
    };
  });
}

/**
 * The events closing pages left in localStorage (`beacon-tracker:<random>` → `{ name, events, dropped }`),
 * waiting for the next page of the site to move them into IndexedDB.
 */
function readLeftByClosedPages() {
  const events = [];
  let keys = [];
  try {
    keys = Object.keys(localStorage).filter((key) => /^beacon-tracker:0\.\d+$/.test(key));
  } catch {
    return events; // storage blocked
  }
  for (const key of keys) {
    try {
      const value = JSON.parse(localStorage.getItem(key));
      // An entry without a name is an earlier version's: the tracker takes it too.
      if (value && Array.isArray(value.events) && (!value.name || value.name == trackerName)) events.push(...value.events);
    } catch {
      // not the tracker's after all
    }
  }
  return events;
}

/** A localStorage value of the tracker's (`bt:customer`, `bt:consent`), or null. */
function stored(suffix) {
  try {
    return localStorage.getItem(`${trackerName}:${suffix}`);
  } catch {
    return null;
  }
}

/** `{ id, externalId }` as words: "c-42", "external crm-9", or both. */
function describeCustomer(customer) {
  if (!customer || typeof customer != 'object') return '';
  return [customer.id, customer.externalId && `external ${customer.externalId}`].filter(Boolean).join(' · ');
}

/** The cells every event shows: its type, context of use and mode, and customer. */
function describeEvent(event) {
  const options = event.options || {};
  return [
    event.type,
    [options.context, options.mode].filter(Boolean).join(' · ') || { text: 'none', className: 'muted' },
    describeCustomer(event.context && event.context.customer) || { text: 'anonymous', className: 'muted' },
  ];
}

/** A queued record's cells: its `event` is the wire event's JSON, or a collect()'s properties (its type is in `path`). */
function describeRecord(record) {
  if (/^\/collect\//.test(record.path || '')) {
    return [`${decodeURIComponent(record.path.split('/')[2])} (collect)`, { text: 'none', className: 'muted' }, { text: 'profile-less', className: 'muted' }, idCell(record.id)];
  }
  try {
    return [...describeEvent(JSON.parse(record.event)), idCell(record.id)];
  } catch {
    return ['unreadable', '', '', idCell(record.id)];
  }
}

// ---- polling ------------------------------------------------------------------------------------

/** The sessions this page has seen its tracker use (a reset starts a new one): "this browser" in the received events. */
const ownSessions = new Set();

async function refreshTracker() {
  const tracker = window.tracker;
  if (tracker && tracker.sessionId) ownSessions.add(tracker.sessionId);
  text('session-id', tracker ? tracker.sessionId || 'none: consent refused' : 'tracker not loaded');
  text('profile-id', tracker ? tracker.profileId || '(not given by the collector yet)' : '');
  let customer;
  try {
    customer = JSON.parse(stored('customer'));
  } catch {}
  text('customer', describeCustomer(customer) || 'anonymous (identify() not called)');
  const consent = stored('consent');
  text('consent', consent == '1' ? 'given' : consent == '0' ? 'refused: nothing is stored or sent' : 'not asked (this site tracks without asking)');
  $('consent').className = consent == '0' ? 'bad-text' : '';

  const { events, meta } = await readQueue();
  timeline.waiting(events.length);
  text('waiting-now', events.length);
  text('queue-count', events.length);
  $('queue-count').classList.toggle('warn', events.length > 0);
  $('queue-dropped').textContent = meta.dropped ? `Dropped, not yet reported: ${meta.dropped}.` : '';
  // What every tab knows of the collector's answers (`<name>:health` in localStorage).
  let health = {};
  try {
    health = JSON.parse(stored('health')) || {};
  } catch {}
  text('collector-answers', [health.ok && `last 2xx ${clock(health.ok)}`, health.failed && `last failure ${clock(health.failed)}`].filter(Boolean).join(' · ') || 'no answer yet');
  const rows = events.slice(-QUEUE_SHOWN).reverse().map(describeRecord);
  if (events.length > QUEUE_SHOWN) rows.push([{ text: `… and ${events.length - QUEUE_SHOWN} older`, className: 'muted' }, '', '', '']);
  fillTable('queue-items', rows, 'Empty', 4);

  const left = readLeftByClosedPages();
  for (const record of events.concat(left)) if (record.session) ownSessions.add(record.session);
  text('left-count', left.length);
  $('left-count').classList.toggle('warn', left.length > 0);
  fillTable('left-items', left.slice(-QUEUE_SHOWN).reverse().map(describeRecord), 'None', 4);
}

/** Reads through the site's /admin API, or straight from the collector when the CSP forbids /admin. */
async function read(adminPath, collectorPath) {
  if (!adminBlocked) {
    try {
      return await getJson(`/admin/${adminPath}`);
    } catch (error) {
      if (!adminBlocked) throw error;
    }
  }
  return getJson(`${collectorUrl}/${collectorPath}`);
}

/**
 * The newest events the collector received (`size` of them, of `types` if given); with "this browser only",
 * those of this browser's sessions.
 */
async function receivedEvents(size = RECEIVED_SHOWN, types = []) {
  const query = (filter) => read(`query?${filter}`, `events?${filter}`).then((answer) => answer.items);
  const order = `sort=desc&size=${size}${types.length ? `&type=${types.map(encodeURIComponent).join(',')}` : ''}`;
  if (!$('this-browser').checked) return query(order);
  const lists = await Promise.all([...ownSessions].map((session) => query(`session=${encodeURIComponent(session)}&${order}`)));
  return lists.flat().sort((a, b) => b.time.create.localeCompare(a.time.create)).slice(0, size);
}

/** An event's properties in a line: `plan=pro · planId=p-7`. */
const describeProperties = (properties) =>
  Object.entries(properties || {})
    .map(([key, value]) => `${key}=${typeof value == 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');

function describeFault(fault) {
  switch (fault.mode) {
    case 'ok': return 'none';
    case 'status': return `answers ${fault.status}`;
    case '429': return `answers 429, Retry-After: ${fault.retryAfter}`;
    case 'slow': return `answers after ${fault.delayMs / 1000} s`;
    case 'hang': return 'never answers';
    case 'drop': return 'drops the connection';
    default: return JSON.stringify(fault);
  }
}

async function refreshCollectorState() {
  const badge = $('collector-state');
  try {
    // Once the CSP blocked /admin, stop asking: each try would be one more violation in the console.
    if (adminBlocked) throw new Error('blocked by CSP');
    const state = await getJson('/admin/state');
    const fault = state.fault || { mode: 'ok' };
    timeline.collectorState(state.down, fault.mode != 'ok');
    badge.textContent = state.down ? 'down' : fault.mode == 'ok' ? 'up' : 'up, faulty';
    badge.className = `badge ${state.down ? 'bad' : fault.mode == 'ok' ? 'good' : 'warn'}`;
    text('collector-fault', describeFault(fault));
    $('admin-error').hidden = true;
  } catch (error) {
    badge.textContent = 'unknown';
    badge.className = 'badge';
    text('collector-fault', '');
    $('admin-error').hidden = false;
    $('admin-error').textContent = adminBlocked
      ? "The page's CSP (connect-src) blocks the site's /admin API: state and controls are unavailable; received events are read from the collector."
      : `Admin API unreachable: ${error.message}`;
  }
}

async function refreshReceived() {
  try {
    const [items, stats] = await Promise.all([receivedEvents(), read('stats', 'stats')]);
    timeline.stats(stats);
    text('stat-events', stats.events);
    text('stat-requests', stats.requests);
    text('stat-duplicates', stats.duplicates);
    text('stat-status', Object.entries(stats.byStatus || {}).map(([status, count]) => `${status}: ${count}`).join('  ·  '));
    const rows = items.map((event) => {
      const received = Date.parse(event.time.insert || event.time.create);
      const late = (received - Date.parse(event.time.create)) / 1000;
      const session = event.session ? event.session.id : '';
      const seen = event.seen > 1 ? ` (sent ${event.seen == 2 ? 'twice' : `${event.seen} times`}, stored once)` : '';
      return [
        late >= 2 ? `${clock(received)} +${Math.round(late)} s` : clock(received),
        ...describeEvent(event),
        session ? { text: session, className: ownSessions.has(session) ? 'id own' : 'id', title: ownSessions.has(session) ? "this browser's" : '' } : { text: 'none', className: 'muted' },
        idCell(event.id + seen),
      ];
    });
    fillTable('received-items', rows, $('this-browser').checked ? 'Nothing from this browser yet' : 'Nothing yet', 6);
    const markup = await receivedEvents(MARKUP_SHOWN, MARKUP_TYPES);
    text('markup-count', markup.length < MARKUP_SHOWN ? markup.length : `${MARKUP_SHOWN}+`);
    const markupRows = markup.map((event) => [clock(Date.parse(event.time.insert || event.time.create)), event.type, { text: describeProperties(event.properties), className: 'id' }]);
    fillTable('markup-items', markupRows, 'Nothing yet: use the elements above', 3);
  } catch (error) {
    // Only when the collector is read directly (strict CSP) and it is down.
    fillTable('received-items', [], `Unavailable: ${error.message}`, 6);
  }
}

function drawPlot() {
  const buckets = timeline.buckets();
  drawTimeline($('timeline'), buckets, Math.round($('timeline-plot').getBoundingClientRect().width));
  const sums = totals(buckets);
  for (const key of ['tracked', 'received', ...KINDS]) text(`total-${key}`, sums[key]);
}

/** The collector is read one refresh at a time: its stats are differences between two reads, in order. */
let collectorRead = Promise.resolve();
const refreshCollector = () => (collectorRead = collectorRead.then(() => Promise.allSettled([refreshCollectorState(), refreshReceived()])));

async function poll() {
  await Promise.allSettled([refreshTracker(), refreshCollector()]);
  drawPlot();
  setTimeout(poll, POLL_MS);
}

// ---- buttons ------------------------------------------------------------------------------------

function onClick(id, handler) {
  $(id).addEventListener('click', handler);
}

/** Calls a tracker method, or says that the tracker did not load. */
function withTracker(action) {
  if (window.tracker) return action(window.tracker);
  log('The tracker did not load (/dist/tracker.min.js).', 'error');
}

/** The id track() or identify() gave, logged and plotted; '' (not taken) is logged with the reason. */
function tracked(what, id) {
  if (id) {
    log(`${what} tracked: ${id}`);
    timeline.tracked();
    drawPlot();
  } else if (stored('consent') == '0') log(`${what} not taken: consent refused`);
  else log(`${what} refused by the tracker (see the console)`, 'error');
  refreshTracker();
}

function track(type, properties) {
  const mode = $('mode').value;
  const options = { context: $('context').value, ...(mode && { mode }) };
  withTracker((tracker) => tracked(`${type} (${Object.values(options).join(' · ')})`, tracker.track(type, properties, options)));
}

function newOrderId() {
  $('order-id').value = `ORD-${Date.now().toString(36).toUpperCase()}`;
}

/** An admin action, logged; the state is refreshed at once. */
function control(id, label, path, body) {
  onClick(id, async () => {
    $(id).disabled = true;
    try {
      await admin(path, body);
      log(label);
    } catch (error) {
      log(`${label} failed: ${adminBlocked ? "blocked by the page's CSP" : error.message}`, 'error');
    } finally {
      $(id).disabled = false;
      refreshCollector();
    }
  });
}

onClick('track-view', () => track('page-view', { title: document.title, path: location.pathname }));

$('purchase-form').addEventListener('submit', (event) => {
  event.preventDefault();
  track('purchase', {
    orderId: $('order-id').value.trim(),
    value: Number($('order-value').value),
    currency: $('order-currency').value.trim().toUpperCase(),
    items: Number($('order-items').value),
  });
  newOrderId();
});

$('custom-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const error = $('custom-error');
  const fail = (message) => {
    error.textContent = message;
    error.hidden = false;
    $('custom-json').setAttribute('aria-invalid', 'true');
  };
  let parsed;
  try {
    parsed = JSON.parse($('custom-json').value);
  } catch (problem) {
    return fail(`Not valid JSON: ${problem.message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail('Expected an object: { "type": "...", "properties": { ... } }');
  if (typeof parsed.type !== 'string' || !parsed.type.trim()) return fail('"type" must be a non-empty string.');
  if (parsed.properties != null && (typeof parsed.properties !== 'object' || Array.isArray(parsed.properties))) {
    return fail('"properties" must be an object when given.');
  }
  error.hidden = true;
  $('custom-json').removeAttribute('aria-invalid');
  track(parsed.type.trim(), parsed.properties || {});
});

// The page sends its feedback form itself, as an app would: capture still sees the submit (it listens first).
$('tagged-form').addEventListener('submit', (event) => {
  event.preventDefault();
  log(`feedback form submitted: tracked from its data-track attributes, as qa-feedback`);
  $('tagged-feedback').value = '';
  setTimeout(refreshCollector, 1200); // once the batch has gone
});
onClick('tagged-signup', () => {
  log('tagged button clicked: tracked from its data-track attributes, as newsletter-signup');
  setTimeout(refreshCollector, 1200);
});

$('identify-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const customer = $('customer-id').value.trim();
  withTracker((tracker) => tracked(`identify ${customer}`, tracker.identify(customer)));
});

onClick('consent-give', () =>
  withTracker((tracker) => {
    tracker.consent(true);
    log('consent given: events are stored and sent');
    refreshTracker();
  }),
);

onClick('consent-refuse', () =>
  withTracker((tracker) => {
    tracker.consent(false);
    log('consent refused: session, customer and queued events deleted; nothing more is stored or sent');
    refreshTracker();
  }),
);

onClick('reset', () =>
  withTracker((tracker) => {
    tracker.reset();
    log(tracker.sessionId ? `reset: new session ${tracker.sessionId}, no profile, no customer` : 'reset: nothing to forget (consent refused)');
    refreshTracker();
  }),
);

// flush() resolves once the events are delivered or safely queued: the queue read after it tells which.
onClick('flush', () =>
  withTracker(async (tracker) => {
    const outcome = $('flush-outcome');
    outcome.hidden = false;
    outcome.className = 'badge';
    outcome.textContent = 'flushing…';
    await tracker.flush();
    const waiting = (await readQueue()).events.length;
    const [words, kind] =
      stored('consent') == '0' ? ['nothing sent: consent refused', 'bad']
      : waiting ? [`queued: ${waiting} waiting in IndexedDB`, 'warn']
      : ['delivered', 'good'];
    outcome.textContent = words;
    outcome.className = `badge ${kind}`;
    log(`flush(): ${words}`);
    refreshTracker();
  }),
);

onClick('this-browser', () => refreshCollector());

control('collector-down', 'collector down (connections refused)', 'down');
control('collector-up', 'collector back up', 'up');
control('fault-503', 'fault: 503', 'fault', { mode: 'status', status: 503 });
control('fault-429', 'fault: 429 with Retry-After: 5', 'fault', { mode: '429', retryAfter: 5 });
control('fault-slow', 'fault: slow, answers after 3 s', 'fault', { mode: 'slow', delayMs: 3000 });
control('fault-hang', 'fault: hang, never answers', 'fault', { mode: 'hang' });
control('fault-drop', 'fault: drop the connection', 'fault', { mode: 'drop' });
control('fault-ok', 'no fault', 'fault', { mode: 'ok' });

newOrderId();
poll();
