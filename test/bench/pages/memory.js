// The in-memory template: a tracker that keeps nothing. Its events live in this page's memory only, and are
// lost when the page goes before they left; it has no IndexedDB queue, no hand-over, no spills, no lock.
// Modelled on the peer bench's template (../shared/peerbench/adapters/example-inline.mjs: a batch in
// memory, fetch, a beacon on pagehide, retries in memory), but with the script build's wire format and
// bounds, so that the demo collector stores its events and the two pages send comparable requests: what
// the script build costs beyond it is the price of durability (docs/performance.md).
//
// - track(): the event as the script build sends it, serialised at once (a snapshot, as the script build
//   takes one): id, type, ISO time, properties, options, the page. Where both do the same thing, the
//   template does it as cheaply as the script build or more so (an ISO time formatted once a millisecond,
//   the page's context reused, the time zone read at the first request), so that the ratio is not
//   flattered: its ids are a random prefix a page and a counter, unique as far as a page that keeps
//   nothing needs them to be.
// - A request in a task of its own once 10 events wait, else 1 s after the first (the script build's
//   batchSize and flushInterval); while visible up to 1,000 events and 256 KiB a request, one request a
//   task until nothing waits. A failed request is put back in front and tried again 2 s later.
// - Offline it sends nothing (a beacon sent offline never arrives); `online` sends at once.
// - On visibilitychange → hidden and on pagehide: sendBeacon, 100 events and 64 KiB each; what the
//   browser refuses goes by fetch (which a closing page may cut off: nothing else keeps it).
window.tracker = (function () {
  var BATCH_SIZE = 10;
  var FLUSH_INTERVAL = 1000;
  var RETRY = 2000;
  var LARGE_EVENTS = 1000;
  var LARGE_BYTES = 262144;
  var BEACON_EVENTS = 100;
  var BEACON_BYTES = 65536;

  var endpoint, source, session, timeZone, prefix;
  var counter = 0;
  var lastNow, lastIso;
  /** Serialised events waiting, oldest first. */
  var queue = [];
  var timer = null;
  var due = Infinity;
  var lastUrl, lastTitle, page;

  function pageContext() {
    if (document.URL != lastUrl || document.title != lastTitle) {
      lastUrl = document.URL;
      lastTitle = document.title;
      page = { url: lastUrl, path: location.pathname, hash: location.hash, title: lastTitle, referer: { host: '', query: '' } };
    }
    return page;
  }

  function isoTime() {
    var now = Date.now();
    if (now != lastNow) {
      lastNow = now;
      lastIso = new Date(now).toISOString();
    }
    return lastIso;
  }

  /** The payload's JSON up to its events: `..."events":[`. */
  function head() {
    timeZone = timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
    var envelope = {
      source: { id: source },
      session: { id: session },
      context: {
        browser: { local: { browser: { userAgent: navigator.userAgent, language: navigator.language }, device: { platform: navigator.platform } } },
        time: { local: new Date().toISOString(), tz: timeZone },
      },
      properties: {},
      options: {},
      events: [],
    };
    return JSON.stringify(envelope).slice(0, -2);
  }

  /** The oldest events that fit in one request (string length as bytes: a template, ASCII events). */
  function take(maxEvents, maxBytes, start) {
    var bytes = start.length + 2;
    var count = 0;
    while (count < queue.length && count < maxEvents && (!count || bytes + queue[count].length + 1 <= maxBytes)) {
      bytes += queue[count].length + 1;
      count++;
    }
    return queue.splice(0, count);
  }

  function post(start, events) {
    fetch(endpoint, { method: 'POST', body: start + events.join() + ']}', headers: { 'Content-Type': 'application/json' }, credentials: 'omit' })
      .then(function (response) {
        if (!response.ok) throw response.status;
      })
      .catch(function () {
        queue = events.concat(queue);
        schedule(RETRY);
      });
  }

  /** Sends in `ms`, unless a send is due as soon. */
  function schedule(ms) {
    var at = Date.now() + ms;
    if (timer && due <= at) return;
    clearTimeout(timer);
    due = at;
    timer = setTimeout(send, ms);
  }

  /** One request of the oldest events; the next one in a task of its own. */
  function send() {
    clearTimeout(timer);
    timer = null;
    due = Infinity;
    if (!queue.length || !navigator.onLine) return;
    var start = head();
    post(start, take(LARGE_EVENTS, LARGE_BYTES, start));
    if (queue.length) schedule(0);
  }

  /** The page may be gone soon: everything waiting leaves now. */
  function hide() {
    if (!navigator.onLine) return;
    clearTimeout(timer);
    timer = null;
    due = Infinity;
    while (queue.length) {
      var start = head();
      var events = take(BEACON_EVENTS, BEACON_BYTES, start);
      var body = start + events.join() + ']}';
      if (!navigator.sendBeacon(endpoint, new Blob([body], { type: 'application/json' }))) post(start, events);
    }
  }

  return {
    init: function (options) {
      endpoint = options.url.replace(/\/+$/, '') + '/track';
      source = options.source;
      session = crypto.randomUUID();
      prefix = session.slice(0, 13) + '-';
      addEventListener('visibilitychange', function () {
        if (document.visibilityState == 'hidden') hide();
      });
      addEventListener('pagehide', hide);
      addEventListener('online', function () {
        schedule(0);
      });
    },
    track: function (type, properties) {
      counter++;
      var id = prefix + counter;
      queue.push(
        JSON.stringify({
          id: id,
          type: type,
          time: { create: isoTime() },
          properties: properties || {},
          options: { context: 'WEB' },
          context: { page: pageContext() },
        }),
      );
      schedule(queue.length >= BATCH_SIZE ? 0 : FLUSH_INTERVAL);
      return id;
    },
    flush: function () {
      send();
      return Promise.resolve();
    },
  };
})();
