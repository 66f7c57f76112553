// @vitest-environment node
// The collector's JSON-lines files: appended whole, replayed in order, a torn last line cut off.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
// @ts-ignore: plain ESM with JSDoc, no declaration file
import { appendLines, replayLines } from './json-lines.mjs';
import { tempDir } from './test-helpers';

function replay(file: string) {
  const records: unknown[] = [];
  const warnings: string[] = [];
  replayLines(file, (record: unknown) => records.push(record), (message: string) => warnings.push(message));
  return { records, warnings };
}

describe('JSON lines', () => {
  it('replays what was appended, in order, and nothing for a missing file', () => {
    const file = path.join(tempDir(), 'log.jsonl');
    expect(replay(file)).toEqual({ records: [], warnings: [] });
    appendLines(file, [{ n: 1 }, { n: 2 }]);
    appendLines(file, []);
    appendLines(file, [{ n: 3, text: '行\n"' }]);
    expect(replay(file)).toEqual({ records: [{ n: 1 }, { n: 2 }, { n: 3, text: '行\n"' }], warnings: [] });
  });

  it('reads lines that straddle its 1 MiB chunks, multi-byte characters included', () => {
    const file = path.join(tempDir(), 'log.jsonl');
    const records = Array.from({ length: 5 }, (_, n) => ({ n, pad: 'é'.repeat(300_000 + n) }));
    appendLines(file, records);
    expect(fs.statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
    expect(replay(file)).toEqual({ records, warnings: [] });
  });

  it('cuts a torn last line off the file with a warning, so the next append starts a whole line', () => {
    const file = path.join(tempDir(), 'log.jsonl');
    appendLines(file, [{ n: 1 }]);
    fs.appendFileSync(file, '{"n":2,"te');
    const first = replay(file);
    expect(first.records).toEqual([{ n: 1 }]);
    expect(first.warnings).toEqual([`${file}: cutting off a torn last line (10 bytes)`]);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"n":1}\n');
    appendLines(file, [{ n: 3 }]);
    expect(replay(file)).toEqual({ records: [{ n: 1 }, { n: 3 }], warnings: [] });
  });

  it('skips an unreadable line, naming it, and keeps the lines after it', () => {
    const file = path.join(tempDir(), 'log.jsonl');
    fs.writeFileSync(file, '{"n":1}\nnot json\n\n{"n":2}\n');
    expect(replay(file)).toEqual({ records: [{ n: 1 }, { n: 2 }], warnings: [`${file}:2: skipping an unreadable line`] });
  });
});
