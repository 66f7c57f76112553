// @vitest-environment happy-dom
// The seeds' event model in the tracker's API (README, "Coming from…"): ContactHub's contexts, modes,
// schemas and reconciliation; DM Hub's fields, limits and dedupe key; bc-events' publish and immediate
// delivery; Tracardi's profile-less events and answers; consent, page views, reset, beforeSend.
import { describe, expect, it, vi } from 'vitest';
import { createStore, get } from 'idb-keyval';
import { createTracker } from '../src/tracker';
import { CONTEXTS, MODES } from '../src/event';
import {
  allSent, COLLECTOR, hide, idle, net, queued, queuedIds, redefine, requests, start, startAnswered, T0, tracardi, until,
} from './support/page';

const sentEvents = () => requests.filter((r) => r.url.endsWith('/track') || r.url.includes('/track?')).flatMap((r) => r.body.events);
const sentOf = (type: string) => sentEvents().filter((event) => event.type == type);

describe('ContactHub: contexts of use and modes', () => {
  it("every event has a context of use, 'WEB' unless the tracker or the event says otherwise", async () => {
    const web = await start();
    web.track('a');
    web.track('b', {}, { context: 'MOBILE', mode: 'PASSIVE', contextInfo: { client: { ip: '203.0.113.7' } } });
    web.track('c', {}, { options: { context: 'RETAIL' } }); // the form before context was an option of its own
    await web.flush();
    expect(sentEvents().map((e) => e.options)).toEqual([
      { context: 'WEB' },
      { context: 'MOBILE', mode: 'PASSIVE', contextInfo: { client: { ip: '203.0.113.7' } } },
      { context: 'RETAIL' },
    ]);
    const shop = await start({ name: 'shop', defaultContext: 'ECOMMERCE' });
    shop.track('d');
    await shop.flush();
    expect(sentOf('d')[0].options).toEqual({ context: 'ECOMMERCE' });
  });

  it('the nine contexts and both modes are exported', () => {
    expect(CONTEXTS).toEqual(['CONTACT_CENTER', 'WEB', 'MOBILE', 'ECOMMERCE', 'RETAIL', 'IOT', 'SOCIAL', 'DIGITAL_CAMPAIGN', 'OTHER']);
    expect(MODES).toEqual(['ACTIVE', 'PASSIVE']);
  });

  it('an object as context is context for the event, beside the page, as before', async () => {
    const tracker = await start();
    tracker.track('a', {}, { context: { campaign: 'spring' } });
    await tracker.flush();
    expect(sentEvents()[0]).toMatchObject({ options: { context: 'WEB' }, context: { campaign: 'spring', page: expect.any(Object) } });
  });

  it('an unknown context or mode is a TypeError that names it, and the event is counted as refused', async () => {
    const tracker = await start();
    expect(() => tracker.track('a', {}, { context: 'WEBSITE' as never })).toThrow(
      "beacon-tracker: track(): context 'WEBSITE' is not one of CONTACT_CENTER WEB MOBILE ECOMMERCE RETAIL IOT SOCIAL DIGITAL_CAMPAIGN OTHER",
    );
    expect(() => tracker.track('a', {}, { mode: 'active' as never })).toThrow("beacon-tracker: track(): mode 'active' is not one of ACTIVE PASSIVE");
    tracker.track('ok');
    await tracker.flush();
    expect(requests[0].body.context.tracker).toEqual({ dropped: 2 });
    expect(() => createTracker({ url: COLLECTOR, source: 'web', name: 'x', defaultContext: 'web' as never })).toThrow(/init\(\): defaultContext 'web' is not one of/);
  });
});

describe('ContactHub: schemas', () => {
  const schemas = { serviceSubscribed: ['subscriberId', 'serviceId', 'serviceName'] };

  it('an event that breaks its schema is a TypeError naming what is missing, and counted; one that keeps it is sent', async () => {
    const tracker = await start({ schemas });
    expect(() => tracker.track('serviceSubscribed', { subscriberId: 's', serviceId: 'x' })).toThrow('beacon-tracker: track(): serviceSubscribed needs serviceName');
    expect(() => tracker.track('serviceSubscribed')).toThrow('needs subscriberId, serviceId, serviceName');
    const id = tracker.track('serviceSubscribed', { subscriberId: 's', serviceId: 'x', serviceName: 'News', extraProperties: {} });
    tracker.track('other'); // types without a schema are free
    await tracker.flush();
    expect(allSent()).toEqual([id, expect.any(String)]);
    expect(requests[0].body.context.tracker).toEqual({ dropped: 2 });
  });
});

describe('ContactHub: from anonymous to known (identify)', () => {
  it('sends an identify event for the session, and every later event carries the customer, on later pages too', async () => {
    const tracker = await start();
    tracker.track('anonymous');
    const identified = tracker.identify('c-42', { plan: 'pro' });
    tracker.track('known');
    await tracker.flush();
    const [anonymous, identify, known] = sentEvents();
    expect(anonymous.context.customer).toBeUndefined();
    expect(identify).toMatchObject({ id: identified, type: 'identify', properties: { customerId: 'c-42', traits: { plan: 'pro' } } });
    expect(known.context.customer).toEqual({ id: 'c-42' });
    expect(new Set(requests.map((r) => r.body.session.id)).size).toBe(1); // the session the collector links
    const next = await start(); // a later page
    next.track('later');
    await next.flush();
    expect(sentOf('later')[0].context.customer).toEqual({ id: 'c-42' });
  });

  it('an external id alone, or both', async () => {
    const tracker = await start();
    tracker.identify({ externalId: 'crm-9' });
    tracker.track('a');
    tracker.identify({ id: 'c-1', externalId: 'crm-1' });
    tracker.track('b');
    await tracker.flush();
    expect(sentOf('identify').map((e) => e.properties)).toEqual([{ externalId: 'crm-9' }, { customerId: 'c-1', externalId: 'crm-1' }]);
    expect(sentOf('a')[0].context.customer).toEqual({ externalId: 'crm-9' });
    expect(sentOf('b')[0].context.customer).toEqual({ id: 'c-1', externalId: 'crm-1' });
  });

  it.each<[string, unknown]>([
    ['nothing', undefined],
    ['an empty id', ''],
    ['a number', 42],
    ['an object without ids', {}],
  ])('%s is no customer: a TypeError', async (_name, customer) => {
    const tracker = await start();
    expect(() => tracker.identify(customer as string)).toThrow(/^beacon-tracker: identify\(\): .* is no customer id$/);
  });
});

describe('DM Hub: fields, limits and the dedupe key', () => {
  it('its fields travel in properties, as in its API', async () => {
    const tracker = await start();
    const properties = { targetId: 'golden_card', targetName: '金卡', source: '人民广场', contentName: 'x', campaign: 'c1', campaignName: 'Spring', tag: 'a,b', summary: 's', score: 5, touter: 't00001' };
    tracker.track('c_apply_card', properties);
    await tracker.flush();
    expect(sentEvents()[0].properties).toEqual(properties);
  });

  it.each<[string, string, object]>([
    ['targetId over 255', 'c_x', { targetId: 'x'.repeat(256) }],
    ['targetName over 255', 'c_x', { targetName: '名'.repeat(256) }],
    ['tag over 255', 'view', { tag: 't'.repeat(256) }],
    ['summary over 1,024', 'view', { summary: 's'.repeat(1025) }],
    ['a custom type over 32 characters', `c_${'x'.repeat(31)}`, {}],
  ])('%s is a TypeError', async (_name, type, properties) => {
    const tracker = await start();
    expect(() => tracker.track(type, properties)).toThrow(/^beacon-tracker: track\(\): .* over \d+ characters$/);
  });

  it('at the limits, and long types that are not DM Hub custom types, are sent', async () => {
    const tracker = await start();
    const ids = [
      tracker.track(`c_${'x'.repeat(30)}`, { targetId: 'x'.repeat(255), targetName: 'x'.repeat(255), tag: 'x'.repeat(255), summary: 'x'.repeat(1024) }),
      tracker.track('a-tracardi-event-type-longer-than-32-characters'),
    ];
    await tracker.flush();
    expect(allSent()).toEqual(ids);
  });

  it('externalId is the event id: tracked twice, the collector keeps it once', async () => {
    const tracker = await start();
    const first = tracker.track('c_order', { externalId: 'order-1001', total: 10 });
    const again = tracker.track('c_order', { externalId: 'order-1001', total: 10 });
    const numeric = tracker.track('c_order', { externalId: 77 });
    expect([first, again, numeric]).toEqual(['order-1001', 'order-1001', '77']);
    await tracker.flush();
    expect(allSent()).toEqual(['order-1001', 'order-1001', '77']);
  });

  it('the time the event happened survives offline queueing: time.create is never the time it was sent', async () => {
    net.online = false;
    const tracker = await start();
    tracker.track('c_visit', {}, { time: new Date(T0 - 3_600_000) });
    tracker.track('now');
    await tracker.flush();
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    net.online = true;
    window.dispatchEvent(new Event('online'));
    await until(() => requests.length == 1, 'the request after online');
    expect(sentEvents().map((e) => e.time.create)).toEqual([new Date(T0 - 3_600_000).toISOString(), new Date(T0).toISOString()]);
    expect(Date.parse(requests[0].body.context.time.local)).toBe(T0 + 2 * 3_600_000);
  });
});

describe('bc-events: publish, and immediate delivery', () => {
  it.each<[string, string, string]>([
    ['Created', 'MyEntity', 'my-entity-created'],
    ['updated', 'policy', 'policy-updated'],
    ['Deleted', 'Claim Note', 'claim-note-deleted'],
    ['sent_out', 'invoice_batch', 'invoice-batch-sent-out'],
  ])('publish(%j, %j) tracks %s with the data as properties', async (action, entity, type) => {
    const tracker = await start();
    tracker.publish(action, entity, { event: 'json', data: 'here' });
    await tracker.flush();
    expect(sentEvents()[0]).toMatchObject({ type, properties: { event: 'json', data: 'here' } });
  });

  it('waits for the batch by default; immediate: true per call, or immediate for the tracker, does not', async () => {
    const tracker = await start({ flushInterval: 60_000 });
    tracker.publish('Created', 'Order', { id: 1 });
    await vi.advanceTimersByTimeAsync(0);
    await idle();
    expect(requests).toHaveLength(0);
    tracker.publish('Paid', 'Order', { id: 1 }, { immediate: true });
    await vi.advanceTimersByTimeAsync(0);
    await until(() => requests.length == 1, 'the immediate event');
    expect(sentEvents().map((e) => e.type)).toEqual(['order-created', 'order-paid']); // the batch goes with it
    const eager = await start({ name: 'eager', flushInterval: 60_000, immediate: true });
    eager.track('now');
    await vi.advanceTimersByTimeAsync(0);
    await until(() => requests.length == 2, 'the event of an immediate tracker');
  });
});

describe('Tracardi: profile-less events', () => {
  it('collect() POSTs the properties alone to <url>/collect/<type>/<source>, without session or profile, and resolves once delivered', async () => {
    const tracker = await startAnswered();
    await tracker.collect('coupon received', { voucher: 'V-1' });
    expect(requests).toHaveLength(1);
    expect(requests[0].url).toBe(`${COLLECTOR}/collect/coupon%20received/web`);
    expect(requests[0].body).toEqual({ voucher: 'V-1' });
    expect(await queuedIds()).toEqual([]);
  });

  it('collect() is as durable as track(): queued offline, sent once online', async () => {
    net.online = false;
    const tracker = await start();
    await tracker.collect('coupon-received', { voucher: 'V-2' });
    expect(requests).toHaveLength(0);
    expect((await queued()).events).toMatchObject([{ path: '/collect/coupon-received/web', event: '{"voucher":"V-2"}' }]);
    net.online = true;
    window.dispatchEvent(new Event('online'));
    await until(() => requests.length == 1, 'the collect after online');
    expect(requests[0].body).toEqual({ voucher: 'V-2' });
  });

  it('profileLess sends /track?profile_less=true, and never sends or keeps the profile the collector gives', async () => {
    document.cookie = `bt=${encodeURIComponent(`6f1c2e4a-8b3d-4c5e-9f6a-7b8c9d0e1f2a.${T0.toString(36)}.p-old`)};path=/`;
    const tracker = await start({ profileLess: true });
    tracker.track('a');
    await tracker.flush();
    tracker.track('b');
    await tracker.flush();
    expect(requests.map((r) => r.url)).toEqual([`${COLLECTOR}/track?profile_less=true`, `${COLLECTOR}/track?profile_less=true`]);
    expect(requests.map((r) => 'profile' in r.body)).toEqual([false, false]);
    expect(tracker.profileId).toBeUndefined();
    expect(localStorage.getItem('bt')).toMatch(/\.$/); // no profile kept
  });
});

describe("Tracardi: the collector's answer", () => {
  it('onResponse gets each 2xx answer, parsed; what it throws stays in it', async () => {
    const answers: unknown[] = [];
    net.answer = () => new Response(JSON.stringify({ profile: { id: 'p1' }, ux: [{ tag: 'script', content: 'alert(1)' }], debugging: { events: { saved: 1 } } }));
    const tracker = await start({
      onResponse: (answer) => {
        answers.push(answer);
        throw new Error('the app fails');
      },
    });
    tracker.track('a');
    await tracker.flush();
    tracker.track('b');
    await tracker.flush();
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatchObject({ ux: [{ tag: 'script', content: 'alert(1)' }], debugging: { events: { saved: 1 } } });
    expect(document.querySelectorAll('script')).toHaveLength(0); // data, never run
  });
});

describe('consent', () => {
  it('consent(false) stops storing and sending at once, deletes what is stored, and is remembered on the next page', async () => {
    net.online = false;
    const tracker = await start({ flushInterval: 60_000 });
    tracker.identify('c-1');
    tracker.track('queued');
    await tracker.flush();
    tracker.track('pending');
    expect((await queued()).events.length).toBeGreaterThan(0);
    tracker.consent(false);
    await idle();
    expect(await queued()).toEqual({ events: [], dropped: 0 });
    expect(document.cookie).not.toMatch(/(^|; )bt=/);
    expect(localStorage.getItem('bt')).toBeNull();
    expect(localStorage.getItem('bt:customer')).toBeNull();
    expect(localStorage.getItem('bt:consent')).toBe('0');
    expect(tracker.track('after')).toBe('');
    expect(tracker.sessionId).toBeUndefined();
    net.online = true;
    window.dispatchEvent(new Event('online'));
    hide();
    await vi.advanceTimersByTimeAsync(120_000);
    await idle();
    const next = await start(); // the next page: still refused
    expect(next.track('later')).toBe('');
    await next.flush();
    expect(requests).toHaveLength(0);
    expect(net.sendBeacon).not.toHaveBeenCalled();
    expect(localStorage.getItem('bt')).toBeNull();
  });

  it('consent(true) after a refusal resumes, with a new session', async () => {
    const tracker = await start();
    const before = tracker.sessionId;
    tracker.consent(false);
    tracker.consent(true);
    expect(tracker.sessionId).not.toBe(before);
    const id = tracker.track('a');
    await tracker.flush();
    expect(allSent()).toEqual([id]);
    expect(localStorage.getItem('bt:consent')).toBe('1');
  });

  it('requireConsent: nothing is stored or sent before consent; events wait in memory and go once given', async () => {
    const tracker = await start({ requireConsent: true });
    const ids = [tracker.track('a'), tracker.track('b')];
    await vi.advanceTimersByTimeAsync(60_000);
    await idle();
    expect(requests).toHaveLength(0);
    expect(localStorage.length).toBe(0);
    expect(document.cookie).toBe('');
    expect(tracker.sessionId).toBeUndefined();
    tracker.consent(true);
    await tracker.flush();
    expect(allSent()).toEqual(ids);
    expect(requests[0].body.session.id).toBe(tracker.sessionId);
  });

  it('requireConsent: events tracked before a refusal are dropped', async () => {
    const tracker = await start({ requireConsent: true });
    tracker.track('a');
    tracker.consent(false);
    await vi.advanceTimersByTimeAsync(60_000);
    await idle();
    expect(requests).toHaveLength(0);
    expect(localStorage.getItem('bt:consent')).toBe('0');
  });

  it.each<[string, string, unknown]>([
    ['Do Not Track', 'doNotTrack', '1'],
    ['Global Privacy Control', 'globalPrivacyControl', true],
  ])('honorPrivacySignals: %s counts as refused, until consent(true)', async (_name, key, value) => {
    redefine(navigator, key, { get: () => value });
    const honoring = await start({ honorPrivacySignals: true });
    expect(honoring.track('a')).toBe('');
    const ignoring = await start({ name: 'other' });
    expect(ignoring.track('b')).not.toBe('');
    honoring.consent(true);
    const id = honoring.track('c');
    await honoring.flush();
    expect(allSent()).toContain(id);
  });
});

describe('backgroundSync: what the service worker is told', () => {
  const description = () => get('tracker:bt', createStore('beacon-tracker', 'queue'));

  it("describes the tracker for the worker: its collector, context, options, and the visitor's session and profile", async () => {
    const tracker = await start({ backgroundSync: true, context: { site: 'A' }, options: { saveEvents: true } });
    tracker.track('a');
    await tracker.flush();
    await idle();
    expect(await description()).toMatchObject({ name: 'bt', url: COLLECTOR, context: { site: 'A' }, options: { saveEvents: true }, session: tracker.sessionId, profile: 'p1' });
  });

  it('reset() tells it of the new visitor, without the old profile; consent(false) deletes what it was told', async () => {
    const tracker = await start({ backgroundSync: true });
    tracker.track('a');
    await tracker.flush();
    tracker.reset();
    await idle();
    const told = await description();
    expect(told.session).toBe(tracker.sessionId);
    expect(told.profile).toBeUndefined();
    tracker.consent(false);
    await idle();
    expect(await description()).toBeUndefined();
  });

  it('without the option, nothing', async () => {
    const tracker = await start();
    tracker.track('a');
    await tracker.flush();
    expect(await description()).toBeUndefined();
  });
});

describe('page views', () => {
  it('pageViews tracks a page-view on load and once per SPA navigation, with the new page', async () => {
    history.replaceState({}, '', '/home');
    const tracker = await start({ pageViews: true });
    /** A navigation of the app, and the rest of its task. */
    const navigate = async (go: () => void) => {
      go();
      await Promise.resolve();
    };
    await navigate(() => history.pushState({}, '', '/products/42'));
    await navigate(() => history.replaceState({ step: 2 }, '', '/products/42')); // the same URL: no navigation
    await navigate(() => history.replaceState({}, '', '/products/42?tab=reviews'));
    await navigate(() => {
      history.pushState({}, '', '/cart');
      document.title = 'Cart'; // as a router does, after pushState: the view has the new page's title
    });
    // The back button: the browser changes the URL itself (not through the page's history calls), then popstate.
    await navigate(() => {
      History.prototype.replaceState.call(history, {}, '', '/products/42');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    await navigate(() => window.dispatchEvent(new PopStateEvent('popstate'))); // no navigation: no second view
    await tracker.flush();
    const views = sentOf('page-view');
    expect(views.map((e) => String(e.context.page.url).replace('http://localhost:3000', ''))).toEqual(['/home', '/products/42', '/products/42?tab=reviews', '/cart', '/products/42']);
    expect(views[3].context.page.title).toBe('Cart');
  });

  it('navigations within one task of the app are one page view, of where it ends', async () => {
    history.replaceState({}, '', '/home');
    const tracker = await start({ pageViews: true });
    history.pushState({}, '', '/login');
    history.replaceState({}, '', '/account'); // a redirect before anything was shown
    await Promise.resolve();
    await tracker.flush();
    expect(sentOf('page-view').map((e) => e.context.page.path)).toEqual(['/home', '/account']);
  });

  it('without the option, none', async () => {
    const tracker = await start();
    history.pushState({}, '', '/elsewhere');
    tracker.track('a');
    await tracker.flush();
    expect(sentOf('page-view')).toEqual([]);
  });
});

describe('reset', () => {
  it('forgets the visitor: a new session, no profile, no customer, in memory and storage; queued events keep their ids', async () => {
    net.online = false;
    const tracker = await start();
    tracker.identify('c-7');
    tracker.track('before');
    await tracker.flush();
    const before = tracker.sessionId;
    net.online = true;
    tracker.reset();
    expect(tracker.sessionId).not.toBe(before);
    expect(tracker.profileId).toBeUndefined();
    expect(localStorage.getItem('bt:customer')).toBeNull();
    expect(localStorage.getItem('bt')).toMatch(new RegExp(`^${tracker.sessionId}\\.`));
    tracker.track('after');
    await tracker.flush();
    expect(sentOf('before')[0].context.customer).toEqual({ id: 'c-7' });
    expect(sentOf('after')[0].context.customer).toBeUndefined();
    const sessions = requests.map((r) => [r.body.session.id, r.body.events.map((e) => e.type)]);
    expect(sessions).toEqual([
      [before, ['identify', 'before']],
      [tracker.sessionId, ['after']],
    ]);
    expect(requests[1].body.profile).toBeUndefined(); // p1, the collector's answer to the old visitor, is not the new one's
  });
});

describe('identify() before consent', () => {
  it('the customer is kept, and carried, once consent is given', async () => {
    const tracker = await start({ requireConsent: true });
    tracker.identify('c-1');
    tracker.track('before');
    tracker.consent(true);
    tracker.track('after');
    await tracker.flush();
    expect(sentOf('before')[0].context.customer).toEqual({ id: 'c-1' });
    expect(sentOf('after')[0].context.customer).toEqual({ id: 'c-1' });
    expect(JSON.parse(localStorage.getItem('bt:customer')!)).toEqual({ id: 'c-1' });
  });
});

describe('beforeSend', () => {
  it('changes an event before it is queued, or drops it; the app keeps its own objects; the id stays the tracker\'s', async () => {
    const tracker = await start({
      beforeSend: (event) => {
        if (event.type == 'secret') return null;
        event.id = 'mine';
        event.context.page.url = event.context.page.url.replace(/\?.*/, '');
        delete event.properties.email;
        return event;
      },
    });
    history.replaceState({}, '', '/account?token=abc');
    const properties = { email: 'a@b.test', plan: 'pro' };
    const signup = tracker.track('signup', properties);
    expect(tracker.track('secret')).toBe('');
    await tracker.flush();
    expect(sentEvents()).toHaveLength(1);
    expect(sentEvents()[0]).toMatchObject({ properties: { plan: 'pro' }, context: { page: { url: 'http://localhost:3000/account' } } });
    expect(allSent()).toEqual([signup]);
    expect(properties.email).toBe('a@b.test');
    expect(requests[0].body.context.tracker).toBeUndefined(); // a drop by the hook is the app's choice, not a loss
  });

  it('an exception in it drops the event, counted and warned, never silently; the others go', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const tracker = await start({
      debug: true,
      beforeSend: (event) => {
        if (event.type == 'bad') throw new Error('scrubber broke');
      },
    });
    expect(tracker.track('bad')).toBe('');
    const ok = tracker.track('good');
    await tracker.flush();
    expect(allSent()).toEqual([ok]);
    expect(requests[0].body.context.tracker).toEqual({ dropped: 1 });
    expect(warn).toHaveBeenCalledWith('beacon-tracker:', 'event refused: Error: scrubber broke');
  });
});

describe('several trackers on one page', () => {
  it('each keeps its own envelope, profile and queue; one collector down does not hold the other back', async () => {
    const A = 'https://a.test';
    const B = 'https://b.test';
    net.answer = (request) => (request.url.startsWith(A) ? new Response('down', { status: 503 }) : tracardi('profile-of-b'));
    const a = await start({ url: A, name: 'a', source: 'site-a', context: { site: 'A' }, options: { tag: 'A' } });
    const b = await start({ url: B, name: 'b', source: 'site-b', context: { site: 'B' } });
    a.track('from-a');
    b.track('from-b');
    await Promise.all([a.flush(), b.flush()]);
    const toB = requests.filter((r) => r.url.startsWith(B));
    expect(toB).toHaveLength(1);
    expect(toB[0].body).toMatchObject({ source: { id: 'site-b' }, context: { site: 'B' }, options: {} });
    expect(b.profileId).toBe('profile-of-b');
    expect(a.profileId).toBeUndefined();
    expect(requests.filter((r) => r.url.startsWith(A))[0].body).toMatchObject({ source: { id: 'site-a' }, context: { site: 'A' }, options: { tag: 'A' } });
  });

  it('two trackers under one name with different collectors are refused: they would share a cookie and a profile', async () => {
    await start({ url: 'https://a.test' });
    expect(() => createTracker({ url: 'https://b.test', source: 'web' })).toThrow("beacon-tracker: init(): name 'bt' is another tracker's");
  });
});

it('the methods of an uninitialised tracker say init() first', () => {
  const tracker = createTracker();
  expect(() => tracker.track('a')).toThrow('init() first');
  expect(() => tracker.publish('Created', 'Order')).toThrow('init() first');
  expect(() => tracker.collect('a')).toThrow('init() first');
  expect(() => tracker.consent(true)).toThrow('init() first');
  expect(() => tracker.identify('c-1')).toThrow('init() first');
});
