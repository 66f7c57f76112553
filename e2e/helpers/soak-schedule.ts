/**
 * The soak's schedule (e2e/soak.e2e.ts): what happens when, drawn from a seed alone, so that a seed names a
 * run. Four streams, merged in time: the collector's faults, the network going offline, the browser killed
 * (SIGKILL) and relaunched on its profile, and a user's tabs (opened, tracking bursts, reloaded, closed).
 * The tabs' stream knows the others: no page is opened or reloaded offline (the site is unreachable then
 * too), nothing happens between a kill and the relaunch, and before most kills a tab tracks and closes,
 * offline or not, a second or three before it, the others idle until the kill half of the time (what a
 * closing tab leaves in localStorage is at risk then).
 */

/** A PRNG of 32-bit state (mulberry32): the same seed, the same numbers, everywhere. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    /** One of `weights`' keys, each as likely as its weight. */
    pick<K extends string>(weights: Partial<Record<K, number>>): K {
      const entries = Object.entries(weights).filter(([, weight]) => (weight as number) > 0) as Array<[K, number]>;
      let r = next() * entries.reduce((sum, [, weight]) => sum + weight, 0);
      for (const [key, weight] of entries) if ((r -= weight) < 0) return key;
      return entries[entries.length - 1][0];
    },
  };
}

/** What the collector does for a while: one of the demo collector's faults, or `down` (connections refused). */
export type SoakFault =
  | { mode: 'status'; status: number }
  | { mode: '429'; retryAfter?: number; httpDate?: boolean }
  | { mode: 'hang' }
  | { mode: 'slow'; delayMs: number }
  | { mode: 'cut' }
  | { mode: 'drop' }
  | { mode: 'down' };

/** One step, `at` ms after the start. `count`: events a tab tracks (right before it reloads or closes, if it does). */
export type Action = { at: number } & (
  | { do: 'open'; tab: number }
  | { do: 'track'; tab: number; count: number; flush: boolean }
  | { do: 'reload'; tab: number; count: number }
  | { do: 'close'; tab: number; count: number }
  | { do: 'offline' }
  | { do: 'online' }
  | { do: 'fault'; fault: SoakFault }
  | { do: 'heal' }
  | { do: 'kill' }
  | { do: 'relaunch' }
);

/** The tracker's timeout on the fixture page (soak.html's data-timeout): slow answers are drawn well clear of it. */
export const SOAK_TIMEOUT = 3000;
export const MAX_TABS = 4;

/** How a fault reads in the summary and the verdict. */
export function describeFault(fault: SoakFault): string {
  switch (fault.mode) {
    case 'status':
      return String(fault.status);
    case '429':
      return fault.retryAfter === undefined ? '429' : `429 Retry-After ${fault.retryAfter} s${fault.httpDate ? ' (date)' : ''}`;
    case 'slow':
      return `slow ${fault.delayMs} ms`;
    default:
      return fault.mode;
  }
}

function drawFault(random: ReturnType<typeof seeded>): SoakFault {
  switch (random.pick({ status: 3, throttled: 1, retryAfter: 1, retryAfterDate: 1, hang: 1, slow: 1, slower: 1, cut: 2, drop: 1, down: 2 })) {
    case 'status':
      return { mode: 'status', status: [500, 502, 503][random.int(0, 2)] };
    case 'throttled':
      return { mode: '429' };
    case 'retryAfter':
      return { mode: '429', retryAfter: random.int(1, 3) };
    case 'retryAfterDate':
      return { mode: '429', retryAfter: random.int(2, 4), httpDate: true };
    case 'hang':
      return { mode: 'hang' };
    case 'slow': // answered well before the tracker gives up: its answer counts (see UNREAD_AFTER in soak-verdict.ts)
      return { mode: 'slow', delayMs: random.int(200, SOAK_TIMEOUT - 1800) };
    case 'slower': // answered after it gave up: stored, never confirmed
      return { mode: 'slow', delayMs: random.int(SOAK_TIMEOUT + 1000, SOAK_TIMEOUT + 3000) };
    case 'cut':
      return { mode: 'cut' };
    case 'drop':
      return { mode: 'drop' };
    default:
      return { mode: 'down' };
  }
}

/** Events in one burst: mostly a few, sometimes a page's worth, now and then more than a hand-over chunk (500). */
function drawCount(random: ReturnType<typeof seeded>): number {
  const r = random.next();
  if (r < 0.55) return random.int(1, 9);
  if (r < 0.85) return random.int(10, 40);
  if (r < 0.97) return random.int(41, 150);
  return random.int(300, 700);
}

export function soakSchedule(seed: number, duration: number): Action[] {
  const random = seeded(seed);
  const actions: Action[] = [];
  // Kills, each followed by a relaunch: the first some seconds in, then every 15 to 35 s, none at the very end.
  const kills: Array<{ at: number; relaunch: number }> = [];
  for (let at = random.int(6000, 14_000); at < duration - 4000; at += random.int(15_000, 35_000)) {
    kills.push({ at, relaunch: at + random.int(300, 1500) });
  }

  // Offline spells of 1 to 5 s, and before half of the kills one that lasts until the kill (a kill ends a
  // spell: the relaunched browser is online).
  let spells: Array<[number, number]> = [];
  for (let at = random.int(2000, 8000); at < duration - 2000; ) {
    const end = Math.min(at + random.int(1000, 5000), duration - 1000);
    spells.push([at, end]);
    at = end + random.int(3000, 12_000);
  }
  for (const kill of kills) if (random.chance(0.5)) spells.push([kill.at - random.int(2500, 5000), kill.at]);
  spells.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of spells) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  spells = [];
  for (let [from, to] of merged) {
    const kill = kills.find((k) => k.at > from - 1 && k.at <= to) ?? kills.find((k) => from >= k.at && from < k.relaunch + 100);
    if (kill && from >= kill.at) from = kill.relaunch + 200; // it would start while the browser is down
    if (kill && kill.at >= from && kill.at <= to) to = kill.at;
    if (to - from >= 300) spells.push([from, to]);
  }
  const offline = (t: number) => spells.some(([from, to]) => t >= from && t < to);
  for (const [from, to] of spells) {
    actions.push({ at: from, do: 'offline' });
    if (!kills.some((kill) => kill.at == to)) actions.push({ at: to, do: 'online' });
  }
  for (const kill of kills) actions.push({ at: kill.at, do: 'kill' }, { at: kill.relaunch, do: 'relaunch' });

  // The collector: healthy for 1.5 to 6 s, then a fault for 0.5 to 5 s, again and again; healthy at the end.
  for (let at = random.int(1500, 5000); at < duration - 2000; ) {
    const end = Math.min(at + random.int(500, 5000), duration - 1000);
    actions.push({ at, do: 'fault', fault: drawFault(random) }, { at: end, do: 'heal' });
    at = end + random.int(1500, 6000);
  }

  // The tabs.
  let open: number[] = [];
  let nextTab = 1;
  const openTab = (at: number) => {
    actions.push({ at, do: 'open', tab: nextTab });
    open.push(nextTab++);
  };
  openTab(0);
  let killed = 0; // kills that happened so far
  let relaunching: { at: number; relaunch: number } | undefined;
  const closedBefore = new Set<number>(); // kills a tab already closed before
  let quietUntil = 0; // after some of those closes, the other tabs do nothing until the kill
  for (let at = 200; at < duration; at += random.chance(0.1) ? random.int(1000, 3000) : random.int(150, 900)) {
    for (; killed < kills.length && kills[killed].at <= at; killed++) {
      open = [];
      relaunching = kills[killed];
    }
    const online = !offline(at);
    if (relaunching) {
      // The relaunched browser opens its pages once it is up, and online (the site is unreachable offline).
      if (at < relaunching.relaunch + 100 || !online) continue;
      relaunching = undefined;
      openTab(at);
      if (random.chance(0.5)) openTab(at);
      continue;
    }
    if (at < quietUntil) continue;
    const tab = open[random.int(0, Math.max(0, open.length - 1))];
    // A tab that tracks and closes a second or three before a kill; in half of the cases nothing else happens
    // in the tabs until the kill (no hand-over of another tab takes the closed one's spill into IndexedDB).
    const upcoming = kills.find((kill) => kill.at - at >= 1000 && kill.at - at <= 3000 && !closedBefore.has(kill.at));
    if (upcoming && open.length && random.chance(0.7)) {
      closedBefore.add(upcoming.at);
      actions.push({ at, do: 'close', tab, count: random.int(5, 25) });
      open = open.filter((other) => other != tab);
      if (random.chance(0.5)) quietUntil = upcoming.at;
      continue;
    }
    if (!open.length) {
      if (online) openTab(at);
      continue;
    }
    const what = random.pick({
      open: online && open.length < MAX_TABS ? 8 : 0,
      track: 55,
      close: open.length > 1 ? 9 : 3,
      reload: online ? 7 : 0,
    });
    if (what == 'open') openTab(at);
    else if (what == 'track') actions.push({ at, do: 'track', tab, count: drawCount(random), flush: random.chance(0.2) });
    else {
      actions.push({ at, do: what, tab, count: random.chance(0.5) ? drawCount(random) : 0 });
      if (what == 'close') open = open.filter((other) => other != tab);
    }
  }
  // In time order; at one instant the streams' order: the network and the collector first, then a kill, its
  // relaunch, then the tabs.
  const rank = { offline: 0, online: 0, fault: 0, heal: 0, kill: 1, relaunch: 2, open: 3, track: 3, reload: 3, close: 3 };
  return actions.map((action, i) => ({ action, i })).sort((a, b) => a.action.at - b.action.at || rank[a.action.do] - rank[b.action.do] || a.i - b.i).map(({ action }) => action);
}

/** One line per kind of step, for the log at the start of a run. */
export function summarize(actions: Action[]): string {
  const count = (kind: Action['do']) => actions.filter((action) => action.do == kind).length;
  const events = actions.reduce((sum, action) => sum + ('count' in action ? action.count : 0), 0);
  const faults = new Map<string, number>();
  for (const action of actions) if (action.do == 'fault') faults.set(describeFault(action.fault), (faults.get(describeFault(action.fault)) ?? 0) + 1);
  const kills = actions.filter((action) => action.do == 'kill').map((action) => `${(action.at / 1000).toFixed(1)} s`);
  return [
    `${actions.length} steps: ${count('open')} tabs opened, ${count('track')} bursts, ${count('reload')} reloads, ${count('close')} closes; ${events} events`,
    `network: ${count('offline')} offline spells; browser: ${kills.length ? `killed at ${kills.join(', ')}` : 'never killed'}`,
    `collector: ${[...faults].map(([fault, n]) => `${fault} ×${n}`).join(', ') || 'healthy throughout'}`,
  ].join('\n');
}
