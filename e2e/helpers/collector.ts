/**
 * What arrived at the demo collector, read in-process from the collector object that startDemoServer
 * returns (the same data as GET /admin/events and /admin/raw, without the HTTP round trip).
 */
import { waitFor } from './wait';

/** A session id as the tracker makes them, and as every payload must carry one. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A stored event: the wire event, enriched by the collector (see demo/collector/event-store.mjs). */
export interface StoredEvent {
  id: string;
  type: string;
  time: { create: string; insert: string };
  properties: Record<string, any>;
  options: Record<string, any>;
  context: Record<string, any>;
  source: { id: string };
  session: { id: string } | null;
  profile: { id: string } | null;
  request: { ip: string; userAgent: string | null; origin: string | null };
  /** How many times it arrived (1 + duplicates). */
  seen: number;
}

/** One request to /track as it arrived (see demo/collector/raw-log.mjs). */
export interface RawRecord {
  seq: number;
  at: string;
  method: string;
  path: string;
  contentType: string | null;
  /** Bytes actually read. */
  contentLength: number;
  /** The query string's parameters (`profile_less`...). */
  query: Record<string, string>;
  origin: string | null;
  /** The page that sent it, as its referrer policy tells (the whole URL on soak.html). */
  referer: string | null;
  /** What was answered, or why nothing was; a 2xx stored the events, whether or not its answer left (`delivered`). */
  status: number | 'hang' | 'drop' | 'aborted' | 'timeout';
  eventIds: string[];
  body: string;
  bodyTruncated: boolean;
  /** Whether the answer's last byte was written before the connection closed (the cut fault, a client that gave up); null while pending. */
  delivered: boolean | null;
  /** When the answer was written (ISO), if it was. */
  answeredAt: string | null;
}

export interface Collector {
  store: { all(): StoredEvent[]; get(id: string): StoredEvent | undefined };
  rawLog: RawRecord[];
  reset(): void;
  setFault(fault: object): void;
}

/** Stored events, in the order they arrived, of one type if given. */
export const eventsOf = (collector: Collector, type?: string) => collector.store.all().filter((event) => type === undefined || event.type == type);

/** Events of `type`, ordered by their `seq` property (the order the scenario tracked them in). */
export const bySeq = (events: StoredEvent[]) => [...events].sort((a, b) => a.properties.seq - b.properties.seq);

/** Waits until the collector holds `count` events of `type` (more fails too), and returns them in arrival order. */
export async function waitForEvents(collector: Collector, type: string, count: number, timeout = 10_000): Promise<StoredEvent[]> {
  await waitFor(() => eventsOf(collector, type).length >= count, { timeout, what: `${count} "${type}" events at the collector (have ${eventsOf(collector, type).length})` });
  const events = eventsOf(collector, type);
  if (events.length > count) throw new Error(`Expected ${count} "${type}" events, the collector has ${events.length}`);
  return events;
}

/** The requests to /track, in arrival order; only those carrying one of `ids` if given. */
export const trackRequests = (collector: Collector, ids?: string[]) =>
  collector.rawLog.filter((record) => record.path == '/track' && (!ids || record.eventIds.some((id) => ids.includes(id))));

/**
 * The tracker payloads the collector accepted (2xx), parsed, in arrival order; only those of `source`
 * if given, so that a late beacon from an earlier scenario's page cannot confuse a count.
 */
export const payloads = (collector: Collector, source?: string) =>
  trackRequests(collector)
    .filter((record) => typeof record.status == 'number' && record.status < 300)
    .map((record) => JSON.parse(record.body))
    .filter((payload) => !source || payload.source.id == source);
