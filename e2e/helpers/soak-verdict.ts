/**
 * The soak's verdict (e2e/soak.e2e.ts): from what the run did (its log) and what the collector recorded,
 * which tracked events were lost, and which duplicates on the wire the tracker could not have avoided.
 *
 * An event is lost when the collector does not hold it, unless it was provably in a page's memory only when
 * the browser was killed: tracked in a tab still open then, less than the flush interval (plus a margin)
 * before the kill. Those are counted apart.
 *
 * A copy of an event is a request that stored it (a 2xx, whether or not its answer left). A copy is confirmed
 * when the page knew of it: a fetch whose answer was delivered to its page while that page lived on (GRACE
 * ms before it went away) and had not given up on it (UNREAD_AFTER), or a beacon whose events the page let
 * go (kept in no spill: it took the beacon for delivered) and whose answer was delivered. Every copy after a
 * confirmed one is an unexplained duplicate; a copy after copies none of which was confirmed (cut, answered
 * after the page gave up or went away, a beacon also kept) is explained, and counted by why.
 */
import type { RawRecord, StoredEvent } from './collector';
import { idsInBody } from './faults';
import { describeFault, SOAK_TIMEOUT, type SoakFault } from './soak-schedule';

/** The tracker's flush interval (the default, on soak.html) and the margin for the write it starts. */
export const FLUSH_INTERVAL = 1000;
export const FLUSH_MARGIN = 500;
/** An answer delivered this little before its page went away may not have been acted on (the queue's delete). */
export const GRACE = 500;
/**
 * An answer written this long after its request arrived may have come after the page gave up (its timeout
 * runs from before the request left): it counts as unread. Chromium keeps an aborted keepalive request's
 * connection open, so the collector sees such an answer delivered. Slow answers meant to be read come well
 * before (soak-schedule.ts).
 */
export const UNREAD_AFTER = SOAK_TIMEOUT - 1000;

export interface Load {
  load: string;
  tab: number;
  opened: number;
  /** How and when the page went away (the moment the scenario began closing, reloading or killing). */
  end?: { how: 'close' | 'reload' | 'kill'; at: number };
}

export interface Burst {
  load: string;
  ids: string[];
  /** When the page tracked them (its clock, the machine's). */
  at: number;
}

/** A note of soak.js: `hide` (and `pagehide-visible`) has `spilled`, `onLine` and `health`; `error` has `message`. */
export interface Note {
  kind: string;
  load: string;
  n: number;
  at?: number;
  onLine?: boolean;
  /** `<name>:health` as the page read it when it was hidden (docs/storage.md). */
  health?: string | null;
  spilled?: string[];
  message?: string;
}

export interface SoakLog {
  loads: Map<string, Load>;
  bursts: Burst[];
  kills: number[];
  /** The collector's states: each from `at` until the next. */
  faults: Array<{ at: number; fault: SoakFault | undefined }>;
  notes: Note[];
  errors: string[];
}

export interface Copy {
  record: RawRecord;
  confirmed: boolean;
  /** Why the page could not know of it, when it could not. */
  why?: string;
}

export interface Verdict {
  tracked: number;
  lost: Array<{ id: string; cause: string; burst: Burst }>;
  /** Only in a page's memory when the browser was killed; `arrived` of them arrived all the same. */
  exempt: { count: number; arrived: number };
  explained: Map<string, number>;
  unexplained: Array<{ id: string; copy: RawRecord; after: RawRecord; burst: Burst; cause: string }>;
  errors: string[];
}

const stores = (record: RawRecord) => typeof record.status == 'number' && record.status >= 200 && record.status < 300;
const time = (iso: string | null) => (iso ? Date.parse(iso) : NaN);
export const loadOf = (record: RawRecord) => {
  try {
    return new URL(record.referer || '').searchParams.get('load') || undefined;
  } catch {
    return undefined;
  }
};
const isBeacon = (record: RawRecord) => 'beacon' in record.query;

export function soakVerdict(log: SoakLog, rawLog: RawRecord[], stored: (id: string) => StoredEvent | undefined): Verdict {
  const spilledBy = new Map<string, Set<string>>();
  /** The first hide note of each page: online or not, and the collector's health as the page read it. */
  const hideOf = new Map<string, Note>();
  for (const note of log.notes) {
    if (note.kind != 'hide') continue;
    const set = spilledBy.get(note.load) ?? new Set<string>();
    for (const id of note.spilled ?? []) set.add(id);
    spilledBy.set(note.load, set);
    if (!hideOf.has(note.load) || hideOf.get(note.load)!.n > note.n) hideOf.set(note.load, note);
  }
  const faultAt = (at: number) => {
    let current: SoakFault | undefined;
    for (const entry of log.faults) if (entry.at <= at) current = entry.fault;
    return current ? describeFault(current) : 'healthy';
  };

  /** Whether the page that sent `record` knew that `id` arrived with it; if not, why not. */
  function confirmation(record: RawRecord, id: string): Pick<Copy, 'confirmed' | 'why'> {
    const load = log.loads.get(loadOf(record) ?? '');
    if (!load) return { confirmed: false, why: 'a request of no known page' };
    if (isBeacon(record)) {
      const spilled = spilledBy.get(load.load);
      if (!spilled) return { confirmed: false, why: "a beacon of a page whose hide note was lost (it may have kept the events)" };
      if (spilled.has(id)) return { confirmed: false, why: 'a beacon whose events the page kept as well (collector health unknown)' };
      // Chromium sends a request again, by itself, when a reused connection closes unanswered.
      if (!record.delivered) return { confirmed: false, why: `a beacon whose answer never left (${faultAt(time(record.at))}): the browser may send it again` };
      return { confirmed: true };
    }
    const end = load.end ? load.end.at : Infinity;
    if (!record.delivered) {
      const arrived = time(record.at);
      if (arrived > end - GRACE) return { confirmed: false, why: `a request of a page going away (${load.end!.how}), unanswered` };
      return { confirmed: false, why: `an answer that never left (${faultAt(arrived)})` };
    }
    if (time(record.answeredAt) > end - GRACE) return { confirmed: false, why: `an answer as its page went away (${load.end!.how})` };
    if (time(record.answeredAt) - time(record.at) > UNREAD_AFTER) return { confirmed: false, why: `an answer after the page's timeout (${faultAt(time(record.at))})` };
    return { confirmed: true };
  }

  const copies = new Map<string, RawRecord[]>();
  const carried = new Map<string, RawRecord[]>();
  for (const record of rawLog) {
    if (record.path != '/track') continue;
    for (const id of stores(record) ? record.eventIds : idsInBody(record)) {
      if (stores(record)) copies.set(id, [...(copies.get(id) ?? []), record]);
      carried.set(id, [...(carried.get(id) ?? []), record]);
    }
  }

  const verdict: Verdict = { tracked: 0, lost: [], exempt: { count: 0, arrived: 0 }, explained: new Map(), unexplained: [], errors: log.errors };
  for (const burst of log.bursts) {
    const load = log.loads.get(burst.load)!;
    const memoryOnly = load.end?.how == 'kill' && load.end.at - burst.at < FLUSH_INTERVAL + FLUSH_MARGIN;
    for (const id of burst.ids) {
      verdict.tracked++;
      if (memoryOnly) {
        verdict.exempt.count++;
        if (!stored(id)) continue;
        verdict.exempt.arrived++;
      } else if (!stored(id)) {
        verdict.lost.push({ id, cause: lossCause(id, burst, load), burst });
        continue;
      }
      const list = copies.get(id) ?? [];
      let confirmedCopy: RawRecord | undefined;
      let lastWhy = '';
      for (const [i, record] of list.entries()) {
        if (i > 0) {
          if (confirmedCopy) verdict.unexplained.push({ id, copy: record, after: confirmedCopy, burst, cause: duplicateCause(id, confirmedCopy, record, burst) });
          else verdict.explained.set(lastWhy, (verdict.explained.get(lastWhy) ?? 0) + 1);
        }
        const { confirmed, why } = confirmation(record, id);
        if (confirmed) confirmedCopy ??= record;
        else lastWhy = why!;
      }
    }
  }
  return verdict;

  /** Why an event the page knew delivered went again, as far as the log tells. */
  function duplicateCause(id: string, confirmed: RawRecord, again: RawRecord, burst: Burst): string {
    const kill = log.kills.find((at) => at > time(confirmed.at) && at < time(again.at));
    const spilled = spilledBy.get(burst.load)?.has(id);
    if (isBeacon(confirmed) && !isBeacon(again)) return 'beaconed and let go by its closing page, and in IndexedDB as well (a hand-over under way when it closed?)';
    if (!isBeacon(confirmed) && isBeacon(again) && loadOf(again) == burst.load) {
      const early = log.notes.some((note) => note.kind == 'pagehide-visible' && note.load == burst.load && note.spilled?.includes(id));
      return early
        ? "spilled at its page's pagehide (still visible), taken into IndexedDB and sent by another tab, then beaconed at the page's visibilitychange"
        : 'in IndexedDB and sent by another tab, then beaconed by the page that tracked it as it closed (a hand-over it took for under way?)';
    }
    if (kill !== undefined && spilled) return 'its spill was taken into IndexedDB and delivered before a kill, and was back in localStorage after it';
    if (kill !== undefined) return 'delivered and deleted from IndexedDB before a kill, queued again after it';
    return 'unknown';
  }

  /** The health a closing page read (`<name>:health`, docs/storage.md), as ages. */
  function healthAge(hide: Note): string {
    try {
      const { ok, failed } = JSON.parse(hide.health!) as { ok?: number; failed?: number };
      const age = (at?: number) => (at === undefined ? 'never' : `${hide.at! - at} ms before`);
      return `last 2xx ${age(ok)}, last failure ${age(failed)}`;
    } catch {
      return 'no health noted';
    }
  }

  /** What became of a lost event, as far as the log and the raw log tell. */
  function lossCause(id: string, burst: Burst, load: Load): string {
    const requests = carried.get(id) ?? [];
    const beacons = requests.filter((record) => isBeacon(record) && loadOf(record) == load.load);
    const spilled = spilledBy.get(load.load)?.has(id);
    const killAfter = log.kills.find((kill) => kill >= burst.at);
    const end = load.end ? `${load.end.how} ${load.end.at - burst.at} ms after tracking` : 'still open';
    const seen = requests.length ? `carried by ${requests.map((r) => `#${r.seq}${isBeacon(r) ? ' beacon' : ''} → ${r.status}${r.delivered ? '' : ' (undelivered)'}`).join(', ')}` : 'never sent';
    const hide = hideOf.get(load.load);
    if (hide && hide.onLine && !spilled && load.end && load.end.how != 'kill') {
      const state = beacons.length ? faultAt(time(beacons[0].at)) : faultAt(load.end.at);
      return `let go by its closing page (${load.end.how}), which read the collector as healthy (${healthAge(hide)}) and beaconed it while the collector was ${state}; ${seen}`;
    }
    if (spilled && killAfter !== undefined && load.end && load.end.at <= killAfter) {
      const network = hide ? (hide.onLine ? 'online' : 'offline') : 'network unknown';
      return `kept in its closing page's spill (localStorage, ${network}), then the browser was killed ${killAfter - load.end.at} ms after the page went (${end}); ${seen}`;
    }
    if (load.end?.how == 'kill') return `in a page open until the kill, tracked ${load.end.at - burst.at} ms before it (past the flush interval); ${seen}`;
    return `${end}${spilled ? ', spilled' : ''}; ${seen}`;
  }
}

/** The verdict in a few lines: counts, then each problem grouped by cause, with examples. */
export function describeVerdict(verdict: Verdict, log: SoakLog): string {
  const lines: string[] = [];
  const duplicates = [...verdict.explained.values()].reduce((sum, n) => sum + n, 0);
  lines.push(
    `${verdict.tracked} events tracked: ${verdict.lost.length} lost, ${verdict.exempt.count} only in memory at a kill (${verdict.exempt.arrived} of them arrived all the same), ` +
      `${duplicates} duplicates explained, ${verdict.unexplained.length} unexplained, ${verdict.errors.length} page errors`,
  );
  for (const [why, n] of verdict.explained) lines.push(`  explained ×${n}: after ${why}`);
  const byCause = new Map<string, typeof verdict.lost>();
  for (const loss of verdict.lost) {
    const cause = loss.cause.replace(/\d+ ms/g, 'N ms').replace(/#\d+/g, '#N');
    byCause.set(cause, [...(byCause.get(cause) ?? []), loss]);
  }
  for (const losses of byCause.values()) {
    const loads = [...new Set(losses.map((loss) => loss.burst.load))];
    lines.push(`  LOST ×${losses.length} (pages ${loads.join(', ')}): ${losses[0].cause} (e.g. ${losses[0].id})`);
  }
  const byPair = new Map<string, typeof verdict.unexplained>();
  for (const dup of verdict.unexplained) {
    const key = `${dup.after.seq}→${dup.copy.seq}: ${dup.cause}`;
    byPair.set(key, [...(byPair.get(key) ?? []), dup]);
  }
  for (const dups of byPair.values()) {
    const { after, copy, burst, cause } = dups[0];
    const sender = (record: RawRecord) => {
      const end = log.loads.get(loadOf(record) ?? '')?.end;
      const answered = time(record.answeredAt);
      const fate = end ? (isBeacon(record) ? `, ${end.how}` : `, answered ${end.at - answered} ms before the page's ${end.how}`) : '';
      return `#${record.seq} ${isBeacon(record) ? 'beacon' : 'fetch'} of page ${loadOf(record) ?? '?'} at ${record.at.slice(11, 23)}${fate}`;
    };
    lines.push(`  DUPLICATE ×${dups.length} (tracked on page ${burst.load}): confirmed by ${sender(after)} → ${after.status}, sent again by ${sender(copy)}: ${cause} (e.g. ${dups[0].id})`);
  }
  for (const error of verdict.errors) lines.push(`  PAGE ERROR: ${error}`);
  return lines.join('\n');
}
