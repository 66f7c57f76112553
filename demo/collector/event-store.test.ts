// @vitest-environment node
// The event store through the collector: dedupe, the event query, persistence across restarts.
import { describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { JSON_TYPE, json, payload, serve, tempDir, track } from './test-helpers';


describe('duplicates', () => {
  it('stores an event id once, counts each resend, and logs every request as it arrived', async () => {
    const { url, collector } = await serve();
    const batch = payload([{ id: 'e1', type: 'a' }, { id: 'e2', type: 'b' }], { profile: { id: 'p' } });
    await track(url, batch);
    const resend = await json(track(url, batch));
    expect(resend.body.events).toEqual({ saved: 0, duplicates: 2 });
    const sameBatch = await json(track(url, payload([{ id: 'e3', type: 'a' }, { id: 'e3', type: 'a' }])));
    expect(sameBatch.body.events).toEqual({ saved: 1, duplicates: 1 });

    expect(collector.store.size).toBe(3);
    expect(collector.store.get('e1').seen).toBe(2);
    expect(collector.store.get('e3').seen).toBe(2);
    expect(collector.stats()).toMatchObject({ events: 3, requests: 3, duplicates: 3, byStatus: { 200: 3 } });
    expect(collector.rawLog.map((record: any) => record.eventIds)).toEqual([['e1', 'e2'], ['e1', 'e2'], ['e3', 'e3']]);
    expect(collector.rawLog[1]).toMatchObject({
      seq: 2,
      method: 'POST',
      path: '/track',
      query: {},
      contentType: 'application/json',
      contentLength: Buffer.byteLength(JSON.stringify(batch)),
      ip: '127.0.0.1',
      status: 200,
      body: JSON.stringify(batch),
    });
    expect(Date.parse(collector.rawLog[1].at)).not.toBeNaN();
  });

  it('dedupes id-less events by externalId, on the event or in its properties (DM Hub)', async () => {
    const { url, collector } = await serve();
    await track(url, payload([{ type: 'order', externalId: 'X1' }, { type: 'order', properties: { externalId: 'X2' } }]));
    const again = await json(track(url, payload([
      { type: 'order', externalId: 'X1', time: { create: '2024-01-01T00:00:00Z' } },
      { type: 'refund', properties: { externalId: 'X2' } },
    ])));
    expect(again.body.events).toEqual({ saved: 0, duplicates: 2 });
    expect(collector.store.size).toBe(2);
  });

  it('decides by the event id first: two ids are two events, even with one externalId', async () => {
    const { url, collector } = await serve();
    const res = await json(track(url, payload([
      { id: 'e1', type: 'order', externalId: 'X1' },
      { id: 'e2', type: 'order', externalId: 'X1' },
      { type: 'order', externalId: 'X1' }, // no id: the externalId names e1
      { id: 'e1', type: 'refund' }, // the id names e1, whatever else differs
    ])));
    expect(res.body.events).toEqual({ saved: 2, duplicates: 2 });
    expect(collector.store.all().map((event: any) => [event.id, event.seen])).toEqual([['e1', 3], ['e2', 1]]);
  });

  it('dedupes id-less events by the same time, profile and type (DM Hub), and only then', async () => {
    const { url, collector } = await serve();
    const at = { create: '2024-01-01T12:00:00Z' };
    await track(url, payload([{ type: 'login', time: at }], { profile: { id: 'p1' } }));
    const res = await json(track(url, payload([
      { type: 'login', time: { create: '2024-01-01T12:00:00.000Z' } }, // the same instant, written otherwise
      { type: 'logout', time: at },
    ], { profile: { id: 'p1' } })));
    expect(res.body.events).toEqual({ saved: 1, duplicates: 1 });
    await track(url, payload([{ type: 'login', time: at }], { profile: { id: 'p2' } }));
    // Without a client time there is nothing to identify them by: both are kept.
    await track(url, payload([{ type: 'tick' }, { type: 'tick' }], { profile: { id: 'p1' } }));
    expect(collector.store.size).toBe(5);
    expect(collector.rawLog).toHaveLength(4);
  });

});

describe('GET /events', () => {
  async function seeded() {
    const served = await serve();
    const event = (id: string, type: string, create: string, options: Record<string, string> = {}) => ({ id, type, time: { create }, options });
    await track(served.url, payload([
      event('e1', 'view', '2024-01-01T10:00:00Z', { context: 'WEB', mode: 'ACTIVE' }),
      event('e2', 'click', '2024-01-02T10:00:00Z', { context: 'WEB', mode: 'PASSIVE' }),
      event('e3', 'buy', '2024-01-03T10:00:00Z', { context: 'MOBILE', mode: 'ACTIVE' }),
    ], { profile: { id: 'p1' } }));
    await track(served.url, payload([
      event('e4', 'view', '2024-01-02T10:00:00Z'), // ties with e2 on time
      event('e5', 'view', '2023-12-31T10:00:00Z'),
    ], { profile: { id: 'p2' }, session: { id: 'session-2' } }));
    const query = async (search: string) => (await json(fetch(`${served.url}/events${search}`))).body;
    const ids = async (search: string) => (await query(search)).items.map((item: any) => item.id);
    return { ...served, query, ids };
  }

  it('sorts by time.create, ties in insertion order, ascending by default or descending', async () => {
    const { ids } = await seeded();
    expect(await ids('')).toEqual(['e5', 'e1', 'e2', 'e4', 'e3']);
    expect(await ids('?sort=desc')).toEqual(['e3', 'e4', 'e2', 'e1', 'e5']);
  });

  it('filters by profile, session, several types (repeated or comma separated), from/to, context and mode', async () => {
    const { ids } = await seeded();
    expect(await ids('?profile=p1')).toEqual(['e1', 'e2', 'e3']);
    expect(await ids('?session=session-2')).toEqual(['e5', 'e4']);
    expect(await ids('?type=click&type=buy')).toEqual(['e2', 'e3']);
    expect(await ids('?type=click,buy')).toEqual(['e2', 'e3']);
    expect(await ids('?profile=p2&type=view')).toEqual(['e5', 'e4']);
    // from is inclusive, to exclusive
    expect(await ids('?from=2024-01-02T10:00:00Z&to=2024-01-03T10:00:00Z')).toEqual(['e2', 'e4']);
    expect(await ids('?from=2024-01-01')).toEqual(['e1', 'e2', 'e4', 'e3']);
    expect(await ids('?context=WEB')).toEqual(['e1', 'e2']);
    expect(await ids('?context=WEB&mode=PASSIVE')).toEqual(['e2']);
    expect(await ids('?type=none')).toEqual([]);
  });

  it('pages with a total, 20 by default and at most 1000', async () => {
    const { query, url } = await seeded();
    expect(await query('?size=2&page=2')).toMatchObject({ total: 5, page: 2, size: 2 });
    expect((await query('?size=2&page=2')).items.map((item: any) => item.id)).toEqual(['e2', 'e4']);
    expect((await query('?size=2&page=3')).items).toHaveLength(1);
    expect((await query('?size=2&page=4')).items).toHaveLength(0);
    expect(await query('')).toMatchObject({ total: 5, page: 1, size: 20 });
    expect(await query('?size=5000')).toMatchObject({ size: 1000 });
    for (const bad of ['?page=0', '?size=0', '?size=x', '?page=-1', '?sort=up', '?from=notadate']) {
      expect((await fetch(`${url}/events${bad}`)).status, bad).toBe(400);
    }
  });

  it('GET /events/:id answers the event or 404', async () => {
    const { url } = await seeded();
    expect((await json(fetch(`${url}/events/e3`))).body).toMatchObject({ id: 'e3', type: 'buy', profile: { id: 'p1' } });
    expect((await fetch(`${url}/events/missing`)).status).toBe(404);
    expect((await json(fetch(`${url}/stats`))).body).toEqual({ events: 5, requests: 2, duplicates: 0, byStatus: { 200: 2 } });
  });
});

describe('persistence', () => {
  it('reloads events, duplicate counts and session links after a restart', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([{ id: 'e1', type: 'a' }, { id: 'e2', type: 'b' }]));
    await track(first.url, payload([{ id: 'e1', type: 'a' }]));
    await fetch(`${first.url}/profiles/known/sessions`, { method: 'POST', headers: JSON_TYPE, body: '{"sessionId":"session-1"}' });
    await first.close();
    expect(fs.readFileSync(path.join(dataDir, 'raw.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);

    const second = await serve({ dataDir });
    expect(second.collector.store.size).toBe(2);
    expect(second.collector.store.get('e1')).toMatchObject({ seen: 2, profile: { id: 'known' } });
    expect(second.collector.stats().duplicates).toBe(1);
    const later = await json(track(second.url, payload([{ id: 'e1', type: 'a' }, { id: 'e3', type: 'c' }])));
    expect(later.body).toMatchObject({ profile: { id: 'known' }, events: { saved: 1, duplicates: 1 } });
  });

  it("remembers a session's created profile after a restart", async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    const created = await json(track(first.url, payload([{ id: 'e1', type: 'a' }], { session: { id: 'visit' } })));
    await first.close();
    const second = await serve({ dataDir });
    const again = await json(track(second.url, payload([{ id: 'e2', type: 'b' }], { session: { id: 'visit' } })));
    expect(again.body.profile).toEqual(created.body.profile);
  });

  it('skips a torn last line with a warning, and appends whole lines after it', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([{ id: 'e1', type: 'a' }]));
    await first.close();
    const file = path.join(dataDir, 'events.jsonl');
    fs.appendFileSync(file, '{"id":"torn","type":"a","sess');

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const second = await serve({ dataDir });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('torn'));
    expect(second.collector.store.all().map((event: any) => event.id)).toEqual(['e1']);
    await track(second.url, payload([{ id: 'e2', type: 'b' }]));
    await second.close();

    const third = await serve({ dataDir });
    expect(third.collector.store.all().map((event: any) => event.id)).toEqual(['e1', 'e2']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('reset() empties the files too', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([{ id: 'e1', type: 'a' }]));
    first.collector.reset();
    await first.close();
    expect((await serve({ dataDir })).collector.store.size).toBe(0);
  });
});
