// The QA page: buttons that drive the tracker and the demo collector, and a live view (polled every
// second) of the tracker's ids, its IndexedDB queue and what the collector received.
// An external script on purpose: the page works under a strict CSP (script-src 'self').

const POLL_MS = 1000;
const QUEUE_SHOWN = 8;
const collectorUrl = document.body.dataset.collector;
const $ = (id) => document.getElementById(id);

/** Set when the page's CSP forbids fetching the site's own /admin API (connect-src without 'self'). */
let adminBlocked = false;
addEventListener('securitypolicyviolation', (event) => {
  if (event.violatedDirective.startsWith('connect-src') && event.blockedURI.includes('/admin/')) adminBlocked = true;
});

// ---- small helpers ------------------------------------------------------------------------------

function log(message, kind = 'info') {
  const item = document.createElement('li');
  item.className = kind;
  const time = document.createElement('span');
  time.className = 'muted';
  time.textContent = new Date().toLocaleTimeString();
  item.append(time, ' ', message);
  const list = $('log');
  list.prepend(item);
  while (list.children.length > 30) list.lastElementChild.remove();
}

function text(id, value) {
  const element = $(id);
  const next = value === undefined || value === null || value === '' ? '–' : String(value);
  if (element.textContent !== next) element.textContent = next;
}

/** Replaces a tbody's rows; `rows` are arrays of cell texts. */
function fillTable(id, rows, emptyText, columns) {
  const body = $(id);
  const cells = rows.length ? rows : [[emptyText]];
  const fragment = document.createDocumentFragment();
  for (const row of cells) {
    const tr = document.createElement('tr');
    for (const value of row) {
      const td = document.createElement('td');
      td.textContent = value;
      if (!rows.length) {
        td.colSpan = columns;
        td.className = 'muted';
      }
      tr.append(td);
    }
    fragment.append(tr);
  }
  body.replaceChildren(fragment);
}

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

// ---- the tracker's storage (docs/storage.md) ---------------------------------------------------

/** The tracker's name (the script's data-name, 'bt' by default): its key in IndexedDB and localStorage. */
const trackerName = document.querySelector('script[data-url]')?.dataset.name || 'bt';

/**
 * The tracker's queue as stored: its events, oldest first, and its meta (`{ count, bytes, dropped, lease, ok,
 * failed }`), both empty when the database or store is missing. Opened without a version; when the database
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
        // Every event of this tracker, for any collector: the keys [name, url, at, id] sort between these two.
        const events = store.getAll(IDBKeyRange.bound([trackerName, ''], [trackerName, []]));
        const meta = store.get([trackerName]);
        meta.onsuccess = () => done({ events: events.result, meta: meta.result || {} });
        meta.onerror = events.onerror = () => done(empty);
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
    keys = Object.keys(localStorage).filter((key) => key.startsWith('beacon-tracker:'));
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

function typeOf(record) {
  try {
    return JSON.parse(record.event).type;
  } catch {
    return '?';
  }
}

// ---- polling ------------------------------------------------------------------------------------

async function refreshTracker() {
  const tracker = window.tracker;
  text('session-id', tracker ? tracker.sessionId : 'tracker not loaded');
  text('profile-id', tracker ? tracker.profileId || '(not given by the collector yet)' : '');

  const { events, meta } = await readQueue();
  text('queue-count', events.length);
  $('queue-count').classList.toggle('warn', events.length > 0);
  $('queue-dropped').textContent = meta.dropped ? `Dropped, not yet reported: ${meta.dropped}.` : '';
  const last = events.slice(-QUEUE_SHOWN).reverse();
  const rows = last.map((record) => [typeOf(record), record.id]);
  if (events.length > QUEUE_SHOWN) rows.push([`… and ${events.length - QUEUE_SHOWN} older`, '']);
  fillTable('queue-items', rows, 'Empty', 2);

  const left = readLeftByClosedPages();
  text('left-count', left.length);
  $('left-count').classList.toggle('warn', left.length > 0);
  fillTable('left-items', left.slice(-QUEUE_SHOWN).reverse().map((record) => [typeOf(record), record.id]), 'None', 2);
}

/** What the collector received: through the site's /admin API, or straight from the collector when the CSP forbids /admin. */
async function receivedAndStats() {
  if (!adminBlocked) {
    try {
      return await Promise.all([getJson('/admin/query?sort=desc&size=20'), getJson('/admin/stats')]);
    } catch (error) {
      if (!adminBlocked) throw error;
    }
  }
  return Promise.all([getJson(`${collectorUrl}/events?sort=desc&size=20`), getJson(`${collectorUrl}/stats`)]);
}

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

async function refreshCollector() {
  const badge = $('collector-state');
  try {
    // Once the CSP blocked /admin, stop asking: each try would be one more violation in the console.
    if (adminBlocked) throw new Error('blocked by CSP');
    const state = await getJson('/admin/state');
    const fault = state.fault || { mode: 'ok' };
    const failing = state.down || fault.mode !== 'ok';
    badge.textContent = state.down ? 'down' : fault.mode === 'ok' ? 'up' : 'up, faulty';
    badge.className = `badge ${state.down ? 'bad' : failing ? 'warn' : 'good'}`;
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

  try {
    const [query, stats] = await receivedAndStats();
    text('stat-events', stats.events);
    text('stat-requests', stats.requests);
    text('stat-duplicates', stats.duplicates);
    text('stat-status', Object.entries(stats.byStatus || {}).map(([status, count]) => `${status}: ${count}`).join('  ·  '));
    fillTable(
      'received-items',
      query.items.map((event) => [
        new Date(event.time.insert || event.time.create).toLocaleTimeString(),
        event.type,
        event.source ? event.source.id : '',
        event.id,
      ]),
      'Nothing yet',
      4,
    );
  } catch (error) {
    // Only when the collector is read directly (strict CSP) and it is down.
    fillTable('received-items', [], `Unavailable: ${error.message}`, 4);
  }
}

async function poll() {
  await Promise.allSettled([refreshTracker(), refreshCollector()]);
  setTimeout(poll, POLL_MS);
}

// ---- buttons ------------------------------------------------------------------------------------

function track(type, properties) {
  if (!window.tracker) return log('The tracker did not load (/dist/tracker.min.js).', 'error');
  const id = window.tracker.track(type, properties);
  if (id) log(`tracked ${type} ${id}`);
  else log(`${type} refused by the tracker (see the console)`, 'error');
  refreshTracker();
}

function newOrderId() {
  $('order-id').value = `ORD-${Date.now().toString(36).toUpperCase()}`;
}

function onClick(id, handler) {
  $(id).addEventListener('click', handler);
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

onClick('flush', async () => {
  if (!window.tracker) return log('The tracker did not load.', 'error');
  await window.tracker.flush();
  log('flush() resolved: delivered, or safely queued');
  refreshTracker();
});

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
