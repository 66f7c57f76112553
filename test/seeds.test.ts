// @vitest-environment happy-dom
// What users of the seed systems write, as they write it: bc-events' unit of work and names, DM Hub's fields
// (externalId, date, custom types, score), an event that names its customer (ContactHub, DM Hub), Tracardi's
// answer saying the source requires consent, and the payload's own properties.
import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '../src/tracker';
import type { TrackerOptions } from '../src/options';
import { allSent, COLLECTOR, hide, net, requests, start, startAnswered, T0 } from './support/page';

const sentEvents = () => requests.flatMap((r) => r.body.events || []);
const answering = (body: object) => () => new Response(JSON.stringify(body), { status: 200 });

describe('bc-events: names a user of it can predict', () => {
  it.each([
    ['Created', 'MyEntity', 'my-entity-created'],
    ['Created', 'HTTPRequest', 'http-request-created'],
    ['Sent', 'XMLHttpRequest', 'xml-http-request-sent'],
    ['Updated', 'policy', 'policy-updated'],
    ['sent_out', 'invoice_batch', 'invoice-batch-sent-out'],
    ['Failed', 'Job2FA', 'job2-fa-failed'],
  ])('publish(%s, %s) tracks %s', async (action, entity, type) => {
    const tracker = await start();
    tracker.publish(action, entity, { event: 'json', data: 'here' });
    await tracker.flush();
    expect(sentEvents().map((e) => [e.type, e.properties])).toEqual([[type, { event: 'json', data: 'here' }]]);
  });

  it.each([
    ['', ''],
    ['Created', ''],
    ['', 'MyEntity'],
    ['__', 'MyEntity'],
  ])('publish(%j, %j) is a misuse: a TypeError, nothing tracked', async (action, entity) => {
    const tracker = await start();
    expect(() => tracker.publish(action, entity)).toThrow(/^beacon-tracker: publish\(\): .* is not an action and entity$/);
    await tracker.flush();
    expect(requests).toHaveLength(0);
  });
});

describe("bc-events: the unit of work (its session's publish and flush)", () => {
  it('holds its events until commit(): then they are tracked in order, with the time they happened, the user and job on each', async () => {
    const tracker = await start({ flushInterval: 60_000 });
    const work = tracker.unitOfWork({ userId: 'cognito-7', jobId: 'job-42' });
    const created = work.publish('Created', 'Order', { id: 1 });
    vi.setSystemTime(T0 + 5000);
    const paid = work.track('order-paid', { id: 1 });
    await tracker.flush();
    expect(requests).toHaveLength(0); // nothing before the task succeeded
    work.commit();
    await tracker.flush();
    expect(allSent()).toEqual([created, paid]);
    expect(sentEvents().map((e) => [e.type, e.time.create, e.context.unitOfWork])).toEqual([
      ['order-created', new Date(T0).toISOString(), { userId: 'cognito-7', jobId: 'job-42' }],
      ['order-paid', new Date(T0 + 5000).toISOString(), { userId: 'cognito-7', jobId: 'job-42' }],
    ]);
    work.commit(); // once committed, nothing is held any more
    await tracker.flush();
    expect(requests).toHaveLength(1);
  });

  it('discard(): the task failed, its events never happened: nothing sent, nothing counted as lost', async () => {
    const tracker = await start();
    const work = tracker.unitOfWork({ jobId: 'job-1' });
    work.publish('Created', 'Order');
    work.discard();
    work.commit();
    const later = tracker.track('after');
    await tracker.flush();
    expect(allSent()).toEqual([later]);
    expect(requests[0].body.context.tracker).toBeUndefined();
  });

  it('immediate, per call or for the whole unit (publish_immediately), bypasses it: tracked at once, no taking it back', async () => {
    const tracker = await start({ flushInterval: 60_000 });
    const work = tracker.unitOfWork({ jobId: 'job-1' });
    const now = work.publish('Paid', 'Order', { id: 1 }, { immediate: true });
    work.publish('Shipped', 'Order');
    await tracker.flush();
    expect(allSent()).toEqual([now]);
    work.discard();
    const always = tracker.unitOfWork({ immediate: true });
    const sent = always.track('a');
    await tracker.flush();
    expect(allSent()).toEqual([now, sent]);
  });

  it('a page closed before commit() sends nothing of the unit', async () => {
    const tracker = await startAnswered({ flushInterval: 60_000 });
    tracker.unitOfWork({ userId: 'u' }).publish('Created', 'Order');
    const other = tracker.track('outside');
    hide();
    const beaconed = await Promise.all(net.sendBeacon.mock.calls.map(([, blob]) => (blob as Blob).text()));
    expect(beaconed.join()).toContain(other);
    expect(beaconed.join()).not.toContain('order-created');
  });

  it('checks its events when they are published, as track() does: a misuse throws then, not at commit()', async () => {
    const tracker = await start({ schemas: { 'order-created': ['id'] } });
    const work = tracker.unitOfWork();
    expect(() => work.publish('Created', 'Order', {})).toThrow('order-created needs id');
    expect(() => tracker.unitOfWork({ userId: 42 as never })).toThrow("unitOfWork(): userId 42 is not an id");
  });
});

describe('DM Hub: the fields as its users write them', () => {
  it('externalId is the event identity: a string, or a finite number as its string; two events that share one are one event', async () => {
    const tracker = await start();
    expect(tracker.track('c_apply_card', { externalId: 'app-7781' })).toBe('app-7781');
    expect(tracker.track('c_apply_card', { externalId: 7781 })).toBe('7781');
    expect(tracker.track('c_apply_card', { externalId: 'app-7781', targetId: 'other' })).toBe('app-7781');
    await tracker.flush();
    expect(allSent()).toEqual(['app-7781', '7781', 'app-7781']);
  });

  it('an externalId of 256 characters, the longest, is the event id, delivered', async () => {
    const tracker = await start();
    const externalId = 'x'.repeat(256);
    expect(tracker.track('c_apply_card', { externalId })).toBe(externalId);
    await tracker.flush();
    expect(allSent()).toEqual([externalId]);
  });

  it.each([
    ['an empty string', ''],
    ['an object', { id: 1 }],
    ['true', true],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['257 characters', 'x'.repeat(257)],
  ])('externalId %s is a TypeError that says what it must be', async (_name, externalId) => {
    const tracker = await start();
    expect(() => tracker.track('a', { externalId })).toThrow(/^beacon-tracker: track\(\): externalId .* is not an id or a number$/);
  });

  it("the seed's c_apply_card, as written: DM Hub's date is when it happened, its fields and custom property travel in properties", async () => {
    const tracker = await start();
    const id = tracker.track('c_apply_card', { targetId: 'golden_card', targetName: '金卡', date: '2017-06-07T03:43:00Z', source: '人民广场', touter: 't00001', score: 0 });
    await tracker.flush();
    expect(allSent()).toEqual([id]);
    expect(sentEvents()[0]).toMatchObject({
      type: 'c_apply_card',
      time: { create: '2017-06-07T03:43:00.000Z' },
      properties: { targetId: 'golden_card', targetName: '金卡', date: '2017-06-07T03:43:00Z', source: '人民广场', touter: 't00001', score: 0 },
    });
  });

  it('the time option wins over date; an invalid date is a TypeError that shows the form', async () => {
    const tracker = await start();
    tracker.track('c_visit', { date: '2017-06-07T03:43:00Z' }, { time: T0 - 1000 });
    await tracker.flush();
    expect(sentEvents()[0].time.create).toBe(new Date(T0 - 1000).toISOString());
    expect(() => tracker.track('c_visit', { date: 'yesterday' })).toThrow("track(): date 'yesterday' is not a date");
    expect(() => tracker.track('c_visit', { date: 1496806980000 })).toThrow('is not a date');
    tracker.track('c_visit', { date: new Date('2017-06-07T03:43:00Z') }); // a Date, as JavaScript writes one
    await tracker.flush();
    expect(sentEvents()[1].time.create).toBe('2017-06-07T03:43:00.000Z');
  });

  it('a custom type keeps five properties of its own beside DM Hub fields; a sixth is a TypeError naming them', async () => {
    const tracker = await start();
    const five = { a: 1, b: 2, c: 3, d: 4, e: 5, targetId: 't', source: 's', score: 1, externalId: 'x-1' };
    expect(tracker.track('c_apply_card', five)).toBe('x-1');
    expect(() => tracker.track('c_apply_card', { ...five, f: 6 })).toThrow('c_apply_card has over 5 custom properties');
    expect(tracker.track('not_custom', { ...five, f: 6, externalId: undefined })).not.toBe(''); // other types are free
  });

  it.each([1.5, '3', NaN])('score %s is a TypeError: DM Hub takes an integer', async (score) => {
    const tracker = await start();
    expect(() => tracker.track('c_apply_card', { score })).toThrow('is not an integer');
  });
});

describe('an event that names its customer (ContactHub, DM Hub)', () => {
  it('customerId in its options makes that event the customer’s, without identify(): the next event is anonymous again', async () => {
    const tracker = await start();
    tracker.track('purchase', { value: 5 }, { customerId: 'c-42' });
    tracker.track('browse');
    await tracker.flush();
    expect(sentEvents().map((e) => e.context.customer)).toEqual([{ id: 'c-42' }, undefined]);
  });

  it('it wins over the customer identify() named, for that event only; a customerId that is no id is a TypeError', async () => {
    const tracker = await start();
    tracker.identify('c-1');
    tracker.track('for-another', {}, { customerId: 'c-2' });
    tracker.track('mine');
    await tracker.flush();
    expect(sentEvents().map((e) => [e.type, e.context.customer])).toEqual([
      ['identify', { id: 'c-1' }],
      ['for-another', { id: 'c-2' }],
      ['mine', { id: 'c-1' }],
    ]);
    expect(() => tracker.track('x', {}, { customerId: 42 as never })).toThrow('track(): customerId 42 is not an id');
  });

  it('a customerId is an id of up to 256 characters, as identify() takes one: one character more, or none, is a TypeError', async () => {
    const tracker = await start();
    tracker.track('x', {}, { customerId: 'c'.repeat(256) });
    await tracker.flush();
    expect(sentEvents().map((e) => e.context.customer)).toEqual([{ id: 'c'.repeat(256) }]);
    expect(() => tracker.track('x', {}, { customerId: 'c'.repeat(257) })).toThrow(/^beacon-tracker: track\(\): customerId .* is not an id$/);
    expect(() => tracker.track('x', {}, { customerId: '' })).toThrow(/^beacon-tracker: track\(\): customerId .* is not an id$/);
  });
});

describe("Tracardi: an answer that says the source requires consent", () => {
  const consentRequired = answering({ profile: { id: 'p1' }, source: { consent: true } });

  it('the app learns it once a page, while the visitor has not decided: onConsentRequired', async () => {
    const asked = vi.fn();
    net.answer = consentRequired;
    const tracker = await start({ onConsentRequired: asked });
    tracker.track('a');
    await tracker.flush();
    tracker.track('b');
    await tracker.flush();
    expect(asked).toHaveBeenCalledTimes(1);
    expect(requests).toHaveLength(2); // not opted in: tracking goes on, as Tracardi's own tracker does
  });

  it("with requireConsent 'source', storing and sending wait from then on for consent(true); nothing is lost", async () => {
    net.answer = consentRequired;
    const tracker = await start({ requireConsent: 'source', onConsentRequired: () => {} });
    const first = tracker.track('first');
    await tracker.flush();
    expect(allSent()).toEqual([first]); // sent before anyone knew
    const waiting = tracker.track('waiting');
    await tracker.flush();
    expect(allSent()).toEqual([first]);
    expect(tracker.sessionId).toBeUndefined();
    tracker.consent(true);
    await tracker.flush();
    expect(allSent()).toEqual([first, waiting]);
  });

  it('a visitor who decided is not asked again; an answer without it asks nothing', async () => {
    const asked = vi.fn();
    localStorage.setItem('bt:consent', '1');
    net.answer = consentRequired;
    const tracker = await start({ requireConsent: 'source', onConsentRequired: asked });
    tracker.track('a');
    await tracker.flush();
    net.answer = answering({ source: { consent: false } });
    const other = await start({ name: 'other', onConsentRequired: asked });
    other.track('b');
    await other.flush();
    expect(asked).not.toHaveBeenCalled();
  });
});

describe("Tracardi: the payload's own properties", () => {
  it('init({ properties }) goes in every payload (a Tracardi server keeps them with the session); {} by default', async () => {
    const tracker = await start({ properties: { channel: 'web-shop', abTest: 'B' } });
    tracker.track('a');
    await tracker.flush();
    expect(requests[0].body.properties).toEqual({ channel: 'web-shop', abTest: 'B' });
    const plain = createTracker({ url: COLLECTOR, source: 'web', name: 'plain' } as TrackerOptions);
    plain.track('b');
    await plain.flush();
    expect(requests[1].body.properties).toEqual({});
  });
});
