// The collector's files: append-only JSON lines (events.jsonl, raw.jsonl), replayed on start.
import fs from 'node:fs';

const CHUNK = 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Appends records, one JSON line each, in one write.
 * @param {string} file
 * @param {unknown[]} records
 */
export function appendLines(file, records) {
  if (records.length > 0) fs.appendFileSync(file, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
}

/**
 * Replays a JSON-lines file in order, read a chunk at a time (a raw log can outgrow a string).
 * A torn last line, left by a crash mid-append, is cut off the file, so that the next append starts
 * a whole line; an unreadable line is skipped. Both are reported through `warn`.
 * @param {string} file  a missing file replays nothing
 * @param {(record: any) => void} onRecord
 * @param {(message: string) => void} warn
 */
export function replayLines(file, onRecord, warn) {
  if (!fs.existsSync(file)) return;
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(CHUNK);
  let pending = Buffer.alloc(0);
  let offset = 0; // bytes read so far
  let line = 0;
  try {
    for (let read; (read = fs.readSync(fd, chunk, 0, CHUNK, offset)) > 0;) {
      offset += read;
      let data = Buffer.concat([pending, chunk.subarray(0, read)]);
      for (let end; (end = data.indexOf(NEWLINE)) !== -1; data = data.subarray(end + 1)) {
        line += 1;
        const text = data.subarray(0, end).toString('utf8');
        if (text === '') continue;
        let record;
        try {
          record = JSON.parse(text);
        } catch {
          warn(`${file}:${line}: skipping an unreadable line`);
          continue;
        }
        onRecord(record);
      }
      pending = Buffer.from(data);
    }
  } finally {
    fs.closeSync(fd);
  }
  if (pending.length > 0) {
    warn(`${file}: cutting off a torn last line (${pending.length} bytes)`);
    fs.truncateSync(file, offset - pending.length);
  }
}
