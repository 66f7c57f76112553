// @vitest-environment node
// Anonymous to known, as ContactHub's add_customer_session: a session linked to a customer's profile
// takes its stored events along, and its later ones follow. Linked by POST /profiles/:id/sessions, by an
// identify event, or by the customer every event carries in its context after identify.
import { describe, expect, it } from 'vitest';
import { JSON_TYPE, json, payload, serve, tempDir, track } from './test-helpers';

const identify = (id: string, properties: Record<string, unknown>) => ({ id, type: 'identify', properties });
const view = (id: string, customer?: Record<string, string>) => ({ id, type: 'view', ...(customer ? { context: { customer } } : {}) });

async function idsOf(url: string, profile: string) {
  const { body } = await json(fetch(`${url}/events?profile=${profile}&size=1000`));
  return body.items.map((event: any) => event.id).sort();
}

describe('reconciliation', () => {
  it('links a session to a profile: earlier anonymous events and later ones take it (add_customer_session)', async () => {
    const { url, collector } = await serve();
    await track(url, payload([{ id: 'a1', type: 'view' }, { id: 'a2', type: 'view' }]));
    await track(url, payload([{ id: 'other', type: 'view' }], { session: { id: 'session-2' } }));
    const link = await json(fetch(`${url}/profiles/known-1/sessions`, { method: 'POST', headers: JSON_TYPE, body: '{"sessionId":"session-1"}' }));
    expect(link).toMatchObject({ status: 200, body: { profile: { id: 'known-1' }, session: { id: 'session-1' }, updated: 2 } });
    expect(collector.store.get('a1').profile).toEqual({ id: 'known-1' });
    expect(collector.store.get('other').profile).not.toEqual({ id: 'known-1' });

    // The tracker still carries its anonymous profile: the link wins, and the answer tells it so.
    const later = await json(track(url, payload([{ id: 'a3', type: 'buy' }], { profile: { id: 'anonymous' } })));
    expect(later.body.profile).toEqual({ id: 'known-1' });
    expect(collector.store.get('a3').profile).toEqual({ id: 'known-1' });
    const { body } = await json(fetch(`${url}/events?profile=known-1`));
    expect(body.items.map((event: any) => event.id)).toEqual(['a1', 'a2', 'a3']);

    const bad = await fetch(`${url}/profiles/known-1/sessions`, { method: 'POST', headers: JSON_TYPE, body: '{}' });
    expect(bad.status).toBe(422);
    const notJson = await json(fetch(`${url}/profiles/known-2/sessions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"sessionId":"session-2"}' }));
    expect(notJson).toMatchObject({ status: 415, body: { detail: expect.stringContaining('application/json') } });
    expect(collector.store.get('other').profile).not.toEqual({ id: 'known-2' });
  });

  it('identify makes the session the customer\'s: its anonymous events, the identify and later events, in any session', async () => {
    const { url, collector } = await serve();
    const first = await json(track(url, payload([view('a1'), view('a2')])));
    const anonymous = first.body.profile.id;
    await track(url, payload([view('other')], { session: { id: 'someone-else' } }));

    // Same batch: an anonymous event, identify, an event that carries the customer.
    const identified = await json(track(url, payload([
      view('a3'),
      identify('i1', { customerId: 'c-42', externalId: 'crm-9', traits: { plan: 'gold' } }),
      view('a4', { id: 'c-42', externalId: 'crm-9' }),
    ], { profile: { id: anonymous } })));
    expect(identified.body).toMatchObject({ profile: { id: 'c-42' }, events: { saved: 3, duplicates: 0 } });
    expect(collector.store.get('i1')).toMatchObject({ type: 'identify', properties: { customerId: 'c-42', externalId: 'crm-9', traits: { plan: 'gold' } } });

    // A later session: the tracker sends the customer with every event, whatever profile it still carries.
    const later = await json(track(url, payload([view('b1', { id: 'c-42', externalId: 'crm-9' })], { session: { id: 'session-2' }, profile: { id: anonymous } })));
    expect(later.body.profile).toEqual({ id: 'c-42' });
    await track(url, payload([view('b2', { id: 'c-42' })], { session: { id: 'session-2' } }));

    expect(await idsOf(url, 'c-42')).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'i1']);
    expect(await idsOf(url, anonymous)).toEqual([]);
    expect(collector.store.get('other').profile.id).not.toBe('c-42');
  });

  it('takes the externalId as the profile id when identify or the context gives no customerId', async () => {
    const { url } = await serve();
    await track(url, payload([view('a1')]));
    const identified = await json(track(url, payload([identify('i1', { externalId: 'crm-9' })])));
    expect(identified.body.profile).toEqual({ id: 'crm-9' });
    await track(url, payload([view('b1', { externalId: 'crm-9' })], { session: { id: 'session-2' } }));
    expect(await idsOf(url, 'crm-9')).toEqual(['a1', 'b1', 'i1']);
  });

  it('links a session named by the customer alone, with no identify seen in it', async () => {
    const { url } = await serve();
    await track(url, payload([view('a1'), view('a2', { id: 'c-42' })], { profile: { id: 'anonymous' } }));
    expect(await idsOf(url, 'c-42')).toEqual(['a1', 'a2']);
  });

  it('counts a resent identify as a duplicate and changes nothing', async () => {
    const { url, collector } = await serve();
    const batch = payload([view('a1'), identify('i1', { customerId: 'c-42' })]);
    await track(url, batch);
    const resend = await json(track(url, batch));
    expect(resend.body).toMatchObject({ profile: { id: 'c-42' }, events: { saved: 0, duplicates: 2 } });
    expect(collector.store.size).toBe(2);
    expect(await idsOf(url, 'c-42')).toEqual(['a1', 'i1']);
  });

  it('links a profile-less session too, and answers without a profile', async () => {
    const { url, collector } = await serve();
    const res = await json(track(url, payload([view('a1'), identify('i1', { customerId: 'c-42' }), view('a2', { id: 'c-42' })]), {}, '?profile_less=true'));
    expect(res.body).toEqual({ session: { id: 'session-1' }, source: { consent: false }, events: { saved: 3, duplicates: 0 } });
    expect(collector.store.all().map((event: any) => event.profile)).toEqual([{ id: 'c-42' }, { id: 'c-42' }, { id: 'c-42' }]);
  });

  it('keeps what identify linked after a restart', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, payload([view('a1'), identify('i1', { customerId: 'c-42' })]));
    await first.close();
    const second = await serve({ dataDir });
    const later = await json(track(second.url, payload([view('a2')], { profile: { id: 'anonymous' } })));
    expect(later.body.profile).toEqual({ id: 'c-42' });
    expect(await idsOf(second.url, 'c-42')).toEqual(['a1', 'a2', 'i1']);
  });
});
