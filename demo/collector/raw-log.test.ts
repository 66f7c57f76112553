// @vitest-environment node
// The raw log: every request to /track and /collect as it arrived, and what was answered.
import { describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { payload, serve, tempDir, track } from './test-helpers';


describe('raw log', () => {
  it('keeps the whole length but only 256 KiB of a large body in the raw log', async () => {
    const { url, collector } = await serve();
    const body = JSON.stringify(payload([{ id: 'big', type: 'a', properties: { pad: 'x'.repeat(300_000) } }]));
    expect((await track(url, body)).status).toBe(200);
    expect(collector.rawLog[0].contentLength).toBe(Buffer.byteLength(body));
    expect(collector.rawLog[0].body).toHaveLength(256 * 1024);
    expect(collector.rawLog[0].bodyTruncated).toBe(true);
  });

  it('reloads on start: the records, their seq and the counts go on from where they were', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([{ id: 'e1', type: 'a' }]));
    await track(first.url, '{');
    await first.close();

    const second = await serve({ dataDir });
    expect(second.collector.rawLog.map((record: any) => [record.seq, record.status, record.eventIds])).toEqual([[1, 200, ['e1']], [2, 422, []]]);
    expect(second.collector.stats()).toMatchObject({ requests: 2, byStatus: { 200: 1, 422: 1 } });
    await track(second.url, payload([{ id: 'e2', type: 'a' }]));
    expect(second.collector.rawLog.map((record: any) => record.seq)).toEqual([1, 2, 3]);
    expect(second.collector.stats()).toMatchObject({ requests: 3, byStatus: { 200: 2, 422: 1 } });
  });

  it('cuts a torn last line off raw.jsonl with a warning, and appends whole lines after it', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([{ id: 'e1', type: 'a' }]));
    await first.close();
    fs.appendFileSync(path.join(dataDir, 'raw.jsonl'), '{"seq":2,"at":"2024-');

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const second = await serve({ dataDir });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^\[raw log\] .*raw\.jsonl: cutting off a torn last line/));
    expect(second.collector.rawLog.map((record: any) => record.seq)).toEqual([1]);
    await track(second.url, payload([{ id: 'e2', type: 'a' }]));
    await second.close();

    const third = await serve({ dataDir });
    expect(third.collector.rawLog.map((record: any) => [record.seq, record.eventIds])).toEqual([[1, ['e1']], [2, ['e2']]]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('keeps the newest rawLimit records in memory after a reload, and counts them all', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    for (let n = 1; n <= 7; n++) await track(first.url, payload([{ id: `e${n}`, type: 'a' }]));
    await first.close();
    const second = await serve({ dataDir, rawLimit: 3 });
    expect(second.collector.rawLog.map((record: any) => record.seq)).toEqual([5, 6, 7]);
    expect(second.collector.stats().requests).toBe(7);
  });

  it('reset() empties raw.jsonl too', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([{ id: 'e1', type: 'a' }]));
    first.collector.reset();
    await first.close();
    expect((await serve({ dataDir })).collector.rawLog).toEqual([]);
  });
});
