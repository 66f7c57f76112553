// The soak's fixture page (e2e/soak.e2e.ts), loaded before the tracker. It tells the scenario what no request
// shows, in notes `[soak] {json}` on its console, and for a page going away in localStorage as well
// (`soak:<load>:<n>`): a page navigating away loses its last console messages, and a closing page cannot be
// asked. It changes nothing the tracker does.
// - Its load: an id per load of the page, put in its URL (?tab=<tab>&load=<id>) before the tracker runs, so
//   that every request the page sends names it in its Referer (soak.html's referrer policy sends the whole
//   URL cross-origin): the collector's raw log then says which load sent what.
// - Its beacons: sendBeacon adds `beacon` to the URL's query, so the raw log tells a beacon from a fetch.
// - What it threw and did not catch, as errors.js keeps it.
// - When it is hidden, once the tracker's own handlers ran: whether it was online, the collector's health
//   as the tracker read it, and the events kept in spills (localStorage). What the tracker beaconed and did
//   not keep, it took for delivered. Likewise at a pagehide that comes while the page is still visible.
(() => {
  const params = new URLSearchParams(location.search);
  const tab = params.get('tab') || '';
  const load = `${tab}.${Math.random().toString(36).slice(2, 10)}`;
  history.replaceState(null, '', `${location.pathname}?tab=${tab}&load=${load}`);
  window.soakLoad = load;
  let n = 0;
  const note = (entry, keep) => {
    const i = n++;
    const text = JSON.stringify({ ...entry, load, n: i });
    console.debug('[soak]', text);
    if (keep) {
      try {
        localStorage.setItem(`soak:${load}:${i}`, text);
      } catch {}
    }
  };

  const sendBeacon = navigator.sendBeacon;
  Object.defineProperty(navigator, 'sendBeacon', {
    configurable: true,
    value(url, data) {
      return sendBeacon.call(navigator, `${url}${String(url).includes('?') ? '&' : '?'}beacon`, data);
    },
  });

  window.errors = [];
  const error = (message) => {
    errors.push(message);
    note({ kind: 'error', message }, true);
  };
  addEventListener('error', (event) => error(String(event.message)));
  addEventListener('unhandledrejection', (event) => error(`unhandled rejection: ${event.reason}`));

  const spilled = () => {
    const ids = [];
    for (const key of Object.keys(localStorage)) {
      if (!key.startsWith('beacon-tracker:')) continue;
      try {
        for (const event of JSON.parse(localStorage.getItem(key)).events) ids.push(event.id);
      } catch {}
    }
    return ids;
  };
  const hidden = (event) => {
    const entry = { at: Date.now(), onLine: navigator.onLine, health: localStorage.getItem('bt:health'), spilled: spilled() };
    // A pagehide while still visible (closing or reloading here fires it before visibilitychange): the
    // tracker only spills then, and decides at the visibilitychange that follows.
    if (document.visibilityState != 'hidden') note({ kind: 'pagehide-visible', ...entry }, true);
    else note({ kind: 'hide', on: event.type, ...entry }, true);
  };
  // Registered once the tracker's script has run, so that these run after its own handlers.
  addEventListener('DOMContentLoaded', () => {
    addEventListener('visibilitychange', hidden, true);
    addEventListener('pagehide', hidden, true);
  });
  note({ kind: 'load', at: Date.now() });
})();
