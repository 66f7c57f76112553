// The raw request log: what arrived at /track and /collect and what was answered, duplicates and
// failures included, so a test can tell "never sent" from "sent but refused" from "sent twice".
import fs from 'node:fs';
import path from 'node:path';
import { appendLines, replayLines } from './json-lines.mjs';

/**
 * @typedef {object} RawRecord  one request to /track or /collect, as it arrived
 * @property {number} seq             order of logging, from 1
 * @property {string} at              ISO time of arrival
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string>} query
 * @property {string | null} contentType
 * @property {number} contentLength   bytes actually read
 * @property {string | null} origin
 * @property {string | null} referer    the page that sent it, as far as its referrer policy tells
 * @property {string | null} userAgent
 * @property {string} ip
 * @property {number | 'hang' | 'drop' | 'aborted' | 'timeout'} status  what was answered, or why nothing was;
 *   a status whose answer never left (the `cut` fault, a slow answer the client gave up on) is logged all the
 *   same, with `delivered` false: a 2xx means the events were stored
 * @property {string[]} eventIds      ids found in the body, if it parsed
 * @property {string} body            the raw text, cut at {@link RAW_BODY_LIMIT} bytes
 * @property {boolean} bodyTruncated
 * @property {boolean | null} delivered  whether the answer's last byte was written before the connection
 *   closed (not whether the client still read it); null while it is pending. Known after the record is
 *   logged: in memory only, not in raw.jsonl
 * @property {string | null} answeredAt ISO time the answer was written, if it was
 */

/** The largest request the tracker sends (a visible page's backlog, 256 KiB) is kept whole. */
export const RAW_BODY_LIMIT = 256 * 1024;

/**
 * @param {{ dataDir?: string | null, limit?: number, warn?: (message: string) => void }} [options]
 *   dataDir: also append every record to raw.jsonl there, and reload it on start; limit: records kept
 *   in memory, oldest go first (a long benchmark would otherwise hold up to 256 KiB per request).
 */
export function createRawLog({ dataDir = null, limit = 10_000, warn = console.warn } = {}) {
  const file = dataDir ? path.join(dataDir, 'raw.jsonl') : null;
  /** @type {RawRecord[]} */
  const records = [];
  let seq = 0;
  let requests = 0;
  /** @type {Record<string, number>} */
  let byStatus = {};

  /** @param {RawRecord} record */
  function count(record) {
    seq = Math.max(seq, record.seq);
    requests += 1;
    byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
  }

  /** Keeps the newest `limit` records in memory. */
  const trim = () => records.length > limit && records.splice(0, records.length - limit);

  if (file) {
    fs.mkdirSync(dataDir, { recursive: true });
    replayLines(file, (record) => {
      count(record);
      records.push(record);
      // Trimmed now and then, not per record: a long log replays in linear time.
      if (records.length >= 2 * limit) trim();
    }, (message) => warn(`[raw log] ${message}`));
    trim();
  }

  return {
    /** The records in memory, oldest first; the same array for the log's whole life. */
    records,
    /**
     * Logs a request once its fate is known.
     * @param {Omit<RawRecord, 'seq' | 'status'>} record
     * @param {RawRecord['status']} status
     */
    add(record, status) {
      const logged = /** @type {RawRecord} */ (Object.assign(record, { seq: seq + 1, status }));
      // Written before it counts in memory: if the disk refuses, the log is as it was.
      if (file) appendLines(file, [logged]);
      count(logged);
      records.push(logged);
      trim();
    },
    /** @returns {{ requests: number, byStatus: Record<string, number> }} counted since the log began or was cleared */
    counts: () => ({ requests, byStatus: { ...byStatus } }),
    clear() {
      records.length = 0;
      requests = 0;
      byStatus = {};
      if (file) fs.writeFileSync(file, '');
    },
  };
}
