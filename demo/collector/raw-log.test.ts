// @vitest-environment node
// The raw log: every request to /track and /collect as it arrived, and what was answered.
import { describe, expect, it } from 'vitest';
import { payload, serve, track } from './test-helpers';


describe('raw log', () => {
  it('keeps the whole length but only 64 KiB of a large body in the raw log', async () => {
    const { url, collector } = await serve();
    const body = JSON.stringify(payload([{ id: 'big', type: 'a', properties: { pad: 'x'.repeat(100_000) } }]));
    expect((await track(url, body)).status).toBe(200);
    expect(collector.rawLog[0].contentLength).toBe(Buffer.byteLength(body));
    expect(collector.rawLog[0].body).toHaveLength(64 * 1024);
    expect(collector.rawLog[0].bodyTruncated).toBe(true);
  });
});
