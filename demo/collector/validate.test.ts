// @vitest-environment node
// What POST /track refuses before storing anything, answered as Tracardi (FastAPI) answers it.
import { describe, expect, it } from 'vitest';
import { json, payload, serve, track } from './test-helpers';


describe('POST /track validation', () => {
  it('refuses a body that is not application/json with 415, and accepts a charset', async () => {
    const { url } = await serve();
    const plain = await json(track(url, payload([{ type: 'a' }]), { 'content-type': 'text/plain' }));
    expect(plain.status).toBe(415);
    expect(plain.body.detail).toMatch(/application\/json.*text\/plain/);
    const none = await fetch(`${url}/track`, { method: 'POST', body: new Uint8Array([123, 125]) });
    expect(none.status).toBe(415);
    const charset = await track(url, payload([{ type: 'a' }]), { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(charset.status).toBe(200);
  });

  it('answers 422 in the FastAPI shape when the body is not JSON', async () => {
    const { url } = await serve();
    const res = await json(track(url, '{"source": '));
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([expect.objectContaining({ loc: ['body'], type: 'value_error.jsondecode' })]);
  });

  const event = { type: 'page-view' };
  it.each([
    ['source missing', { session: { id: 's' }, events: [event] }, ['body', 'source'], 'value_error.missing'],
    ['source.id missing', payload([event], { source: {} }), ['body', 'source', 'id'], 'value_error.missing'],
    ['session.id missing', payload([event], { session: {} }), ['body', 'session', 'id'], 'value_error.missing'],
    ['session.id not a string', payload([event], { session: { id: 42 } }), ['body', 'session', 'id'], 'type_error.str'],
    ['profile.id not a string', payload([event], { profile: { id: 7 } }), ['body', 'profile', 'id'], 'type_error.str'],
    ['options null', payload([event], { options: null }), ['body', 'options'], 'type_error.none.not_allowed'],
    ['properties null', payload([event], { properties: null }), ['body', 'properties'], 'type_error.none.not_allowed'],
    ['context null', payload([event], { context: null }), ['body', 'context'], 'type_error.none.not_allowed'],
    ['context not an object', payload([event], { context: 'x' }), ['body', 'context'], 'type_error.dict'],
    ['events not an array', payload([], { events: { type: 'a' } }), ['body', 'events'], 'type_error.list'],
    ['events null', payload([], { events: null }), ['body', 'events'], 'type_error.none.not_allowed'],
    ['event without type', payload([{ properties: {} }]), ['body', 'events', 0, 'type'], 'value_error.missing'],
    ['event type not a string', payload([{ type: 5 }]), ['body', 'events', 0, 'type'], 'type_error.str'],
    ['event type empty', payload([{ type: '' }]), ['body', 'events', 0, 'type'], 'value_error.any_str.min_length'],
    ['event id not a string', payload([{ type: 'a', id: 12 }]), ['body', 'events', 0, 'id'], 'type_error.str'],
    ['event null', payload([null]), ['body', 'events', 0], 'type_error.none.not_allowed'],
    ['event options null', payload([{ type: 'a', options: null }]), ['body', 'events', 0, 'options'], 'type_error.none.not_allowed'],
    ['event properties null', payload([{ type: 'a', properties: null }]), ['body', 'events', 0, 'properties'], 'type_error.none.not_allowed'],
    ['event context null', payload([{ type: 'a', context: null }]), ['body', 'events', 0, 'context'], 'type_error.none.not_allowed'],
    ['event time null', payload([{ type: 'a', time: null }]), ['body', 'events', 0, 'time'], 'type_error.none.not_allowed'],
    ['event time.create not a date', payload([{ type: 'a', time: { create: 'yesterday' } }]), ['body', 'events', 0, 'time', 'create'], 'value_error.datetime'],
    ['body not an object', [event], ['body'], 'type_error.dict'],
    ['identify without properties', payload([{ type: 'identify' }]), ['body', 'events', 0, 'properties'], 'value_error.missing'],
    ['identify naming no customer', payload([{ type: 'identify', properties: { traits: {} } }]), ['body', 'events', 0, 'properties'], 'value_error.missing'],
    ['identify customerId not a string', payload([{ type: 'identify', properties: { customerId: 42 } }]), ['body', 'events', 0, 'properties', 'customerId'], 'type_error.str'],
    ['identify customerId empty', payload([{ type: 'identify', properties: { customerId: '' } }]), ['body', 'events', 0, 'properties', 'customerId'], 'value_error.any_str.min_length'],
    ['identify externalId null', payload([{ type: 'identify', properties: { customerId: 'c', externalId: null } }]), ['body', 'events', 0, 'properties', 'externalId'], 'type_error.none.not_allowed'],
    ['identify traits not an object', payload([{ type: 'identify', properties: { customerId: 'c', traits: [] } }]), ['body', 'events', 0, 'properties', 'traits'], 'type_error.dict'],
    ['context.customer not an object', payload([{ type: 'a', context: { customer: 'c-42' } }]), ['body', 'events', 0, 'context', 'customer'], 'type_error.dict'],
    ['context.customer naming no one', payload([{ type: 'a', context: { customer: {} } }]), ['body', 'events', 0, 'context', 'customer'], 'value_error.missing'],
    ['context.customer id not a string', payload([{ type: 'a', context: { customer: { id: 42 } } }]), ['body', 'events', 0, 'context', 'customer', 'id'], 'type_error.str'],
    ['options.context not a ContactHub context', payload([{ type: 'a', options: { context: 'web' } }]), ['body', 'events', 0, 'options', 'context'], 'type_error.enum'],
    ['options.mode not ACTIVE or PASSIVE', payload([{ type: 'a', options: { mode: 'ACTIVELY' } }]), ['body', 'events', 0, 'options', 'mode'], 'type_error.enum'],
    ['options.contextInfo not an object', payload([{ type: 'a', options: { context: 'WEB', contextInfo: 'x' } }]), ['body', 'events', 0, 'options', 'contextInfo'], 'type_error.dict'],
    ['options.contextInfo null', payload([{ type: 'a', options: { contextInfo: null } }]), ['body', 'events', 0, 'options', 'contextInfo'], 'type_error.none.not_allowed'],
    ['profile_less not a boolean', { ...payload([event]), query: '?profile_less=maybe' }, ['query', 'profile_less'], 'type_error.bool'],
  ])('answers 422 naming the field: %s', async (_name, body, loc, type) => {
    const { url, collector } = await serve();
    const { query = '', ...rest } = body as { query?: string };
    const res = await json(track(url, Array.isArray(body) ? body : rest, {}, query));
    expect(res.status).toBe(422);
    expect(res.body.detail).toContainEqual(expect.objectContaining({ loc, type }));
    expect(collector.store.size).toBe(0);
  });

  it('lists every offending field at once, and stores nothing of a broken batch', async () => {
    const { url, collector } = await serve();
    const res = await json(track(url, payload([{ type: 'ok' }, { id: 1 }, { type: 'b', time: null }], { source: {} })));
    expect(res.status).toBe(422);
    expect(res.body.detail.map((error: { loc: unknown[] }) => error.loc)).toEqual([
      ['body', 'source', 'id'],
      ['body', 'events', 1, 'type'],
      ['body', 'events', 1, 'id'],
      ['body', 'events', 2, 'time'],
    ]);
    expect(collector.store.size).toBe(0);
  });

  it('accepts a null profile (a first visit) and answers an empty batch with 200 and null, like Tracardi', async () => {
    const { url, collector } = await serve();
    const first = await json(track(url, payload([{ type: 'a' }], { profile: null })));
    expect(first.status).toBe(200);
    const empty = await track(url, payload([]));
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('null');
    expect(collector.store.size).toBe(1);
  });

  it('names the permitted values of options.context and options.mode', async () => {
    const { url } = await serve();
    const res = await json(track(url, payload([{ type: 'a', options: { context: 'WWW', mode: 'on' } }])));
    expect(res.body.detail.map((error: { msg: string }) => error.msg)).toEqual([
      "value is not a valid enumeration member; permitted: 'CONTACT_CENTER', 'WEB', 'MOBILE', 'ECOMMERCE', 'RETAIL', 'IOT', 'SOCIAL', 'DIGITAL_CAMPAIGN', 'OTHER'",
      "value is not a valid enumeration member; permitted: 'ACTIVE', 'PASSIVE'",
    ]);
  });

  it('accepts every ContactHub context and mode, contextInfo as any object, and identify with either id', async () => {
    const { url, collector } = await serve();
    const contexts = ['CONTACT_CENTER', 'WEB', 'MOBILE', 'ECOMMERCE', 'RETAIL', 'IOT', 'SOCIAL', 'DIGITAL_CAMPAIGN', 'OTHER'];
    const events = contexts.map((context, n) => ({ type: 'a', options: { context, mode: n % 2 ? 'PASSIVE' : 'ACTIVE', contextInfo: { client: { ip: '127.0.0.1' } } } }));
    expect((await track(url, payload(events))).status).toBe(200);
    expect((await track(url, payload([{ type: 'identify', properties: { externalId: 'crm-9' } }], { session: { id: 's2' } }))).status).toBe(200);
    expect((await track(url, payload([{ type: 'identify', properties: { customerId: 'c-42', traits: {} } }], { session: { id: 's3' } }))).status).toBe(200);
    expect((await track(url, payload([{ type: 'a', context: { customer: { externalId: 'crm-9' } } }], { session: { id: 's4' } }))).status).toBe(200);
    expect(collector.store.size).toBe(12);
    expect(collector.store.all()[0].options).toEqual({ context: 'CONTACT_CENTER', mode: 'ACTIVE', contextInfo: { client: { ip: '127.0.0.1' } } });
  });
});
