// @vitest-environment node
// Anonymous to known, as ContactHub's add_customer_session: a session linked to a customer's profile
// takes its stored events along, and its later ones follow; so do the other sessions of its visitor (the
// browser profile), earlier and later ones. Linked by POST /profiles/:id/sessions, by an identify event,
// or by the customer an event carries in its context (after identify, or named by that event alone).
import { describe, expect, it } from 'vitest';
import { JSON_TYPE, json, payload, serve, tempDir, track } from './test-helpers';

const identify = (id: string, properties: Record<string, unknown>) => ({ id, type: 'identify', properties });
const view = (id: string, customer?: Record<string, string>) => ({ id, type: 'view', ...(customer ? { context: { customer } } : {}) });
/** A payload of the visitor (browser profile) `profile`, in session `session`. */
const visit = (profile: string, session: string, events: unknown[]) => payload(events, { profile: { id: profile }, session: { id: session } });

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

  it('makes every session of the visitor the customer\'s: its earlier anonymous visits and its later ones', async () => {
    const { url } = await serve();
    await track(url, visit('browser-1', 'visit-1', [view('a1'), view('a2')]));
    await track(url, visit('browser-2', 'stranger', [view('x1')]));
    const identified = await json(track(url, visit('browser-1', 'visit-2', [view('b1'), identify('i1', { customerId: 'c-42' })])));
    expect(identified.body.profile).toEqual({ id: 'c-42' });

    // A later visit of that browser that names no customer (an old page, a tracker that kept its profile).
    const later = await json(track(url, visit('browser-1', 'visit-3', [view('c1')])));
    expect(later.body.profile).toEqual({ id: 'c-42' });

    expect(await idsOf(url, 'c-42')).toEqual(['a1', 'a2', 'b1', 'c1', 'i1']);
    expect(await idsOf(url, 'browser-1')).toEqual([]);
    expect(await idsOf(url, 'browser-2')).toEqual(['x1']);
  });

  it('takes an event that names its customer, with no identify anywhere, as that customer\'s, with its session and visitor', async () => {
    const { url, collector } = await serve();
    await track(url, visit('browser-1', 'visit-1', [view('a1')]));
    const named = await json(track(url, visit('browser-1', 'visit-2', [
      view('b1'),
      { id: 'p1', type: 'purchase', properties: { value: 59.9 }, context: { customer: { id: 'c-42' } } },
      view('b2'), // the next event names no one: its session is the customer's already
    ])));
    expect(named.body).toMatchObject({ profile: { id: 'c-42' }, events: { saved: 3, duplicates: 0 } });
    expect(collector.store.get('p1')).toMatchObject({ type: 'purchase', profile: { id: 'c-42' }, context: { customer: { id: 'c-42' } } });
    expect(collector.store.all().some((event: any) => event.type === 'identify')).toBe(false);
    expect(await idsOf(url, 'c-42')).toEqual(['a1', 'b1', 'b2', 'p1']);
  });

  it('links a customer seen in two sessions of one profile once, with the profile\'s other sessions', async () => {
    const { url, collector } = await serve();
    await track(url, visit('browser-1', 'visit-1', [view('a1')]));
    await track(url, visit('browser-1', 'visit-2', [view('b1', { id: 'c-42' })]));
    await track(url, visit('browser-1', 'visit-3', [view('c1'), identify('i1', { customerId: 'c-42' }), view('c2', { id: 'c-42' })]));
    await track(url, visit('browser-1', 'visit-4', [view('d1')]));
    expect(await idsOf(url, 'c-42')).toEqual(['a1', 'b1', 'c1', 'c2', 'd1', 'i1']);
    expect(collector.store.customerOf('visit-1')).toBe('c-42');
    expect(collector.store.namedCustomer('visit-1')).toBeUndefined();
    expect(collector.store.namedCustomer('visit-2')).toBe('c-42');
  });

  it('keeps a session named for one customer when another session of its visitor names another; unnamed sessions follow the latest', async () => {
    const { url } = await serve();
    await track(url, visit('browser-1', 'visit-1', [view('a1')]));
    await track(url, visit('browser-1', 'visit-2', [identify('i1', { customerId: 'alice' }), view('b1', { id: 'alice' })]));
    await track(url, visit('browser-1', 'visit-3', [identify('i2', { customerId: 'bob' }), view('c1', { id: 'bob' })]));
    await track(url, visit('browser-1', 'visit-4', [view('d1')]));
    expect(await idsOf(url, 'alice')).toEqual(['b1', 'i1']);
    expect(await idsOf(url, 'bob')).toEqual(['a1', 'c1', 'd1', 'i2']);
  });

  it('never links a customer\'s own profile to another customer: only the session that names one moves', async () => {
    const { url } = await serve();
    await track(url, visit('browser-1', 'visit-1', [identify('i1', { customerId: 'c-42' })]));
    // The tracker adopted c-42 as its profile; a visit that names no one is c-42's, under its own id.
    await track(url, visit('c-42', 'visit-2', [view('b1')]));
    // Someone else signs in on that browser without reset(): their session is theirs, c-42's stays.
    await track(url, visit('c-42', 'visit-3', [identify('i2', { customerId: 'c-7' }), view('c1', { id: 'c-7' })]));
    await track(url, visit('c-42', 'visit-4', [view('d1')]));
    expect(await idsOf(url, 'c-42')).toEqual(['b1', 'd1', 'i1']);
    expect(await idsOf(url, 'c-7')).toEqual(['c1', 'i2']);
  });

  it('counts in add_customer_session\'s answer the events of the visitor\'s other sessions it moved', async () => {
    const { url } = await serve();
    await track(url, visit('browser-1', 'visit-1', [view('a1'), view('a2')]));
    await track(url, visit('browser-1', 'visit-2', [view('b1')]));
    const link = await json(fetch(`${url}/profiles/known-1/sessions`, { method: 'POST', headers: JSON_TYPE, body: '{"sessionId":"visit-2"}' }));
    expect(link.body).toEqual({ profile: { id: 'known-1' }, session: { id: 'visit-2' }, updated: 3 });
    expect(await idsOf(url, 'known-1')).toEqual(['a1', 'a2', 'b1']);
  });

  it('keeps the visitors of sessions and their customers after a restart', async () => {
    const dataDir = tempDir();
    const first = await serve({ dataDir });
    await track(first.url, visit('browser-1', 'visit-1', [view('a1')]));
    await track(first.url, payload([view('b1'), identify('i1', { customerId: 'c-42' })], { session: { id: 'visit-2' } }));
    await track(first.url, visit('browser-2', 'visit-3', [view('c1')]));
    await first.close();
    const second = await serve({ dataDir });
    // visit-2 came without a profile: it keeps the visitor the collector gave it, now c-42's.
    const again = await json(track(second.url, payload([view('b2')], { session: { id: 'visit-2' } })));
    expect(again.body.profile).toEqual({ id: 'c-42' });
    await track(second.url, visit('browser-2', 'visit-4', [identify('i2', { customerId: 'c-7' })]));
    expect(await idsOf(second.url, 'c-42')).toEqual(['b1', 'b2', 'i1']);
    expect(await idsOf(second.url, 'c-7')).toEqual(['c1', 'i2']);
    expect(await idsOf(second.url, 'browser-1')).toEqual(['a1']);
  });
});
