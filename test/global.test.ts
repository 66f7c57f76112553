// @vitest-environment happy-dom
// The script-tag build (src/global.ts) on pages that are not what it expects: elements named like its
// globals (named access on window and document), a loader stub that is not one, the tag twice, data
// attributes that are not options. Each test loads the script afresh, as a page would.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Tracker } from '../src/tracker';
import { allSent, COLLECTOR, redefine, requests, T0 } from './support/page';

const LOADED = Symbol.for('beacon-tracker');
const page = window as unknown as Record<string | symbol, unknown>;
const { pushState, replaceState } = history;
let warn: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  delete page[LOADED];
  delete page.tracker;
  document.body.innerHTML = '';
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  delete page[LOADED];
  delete page.tracker;
  // Page views wrap the history methods: the next test's page has its own.
  history.pushState = pushState;
  history.replaceState = replaceState;
});

/** The script tag, running now: `data` as its data attributes (document.currentScript while it runs). */
async function loadScript(data?: Record<string, string>, current?: Element): Promise<Tracker> {
  const script = document.createElement('script');
  for (const [key, value] of Object.entries(data || {})) script.dataset[key] = value;
  redefine(document, 'currentScript', { get: () => current || script });
  vi.resetModules();
  await import('../src/global');
  return page.tracker as Tracker;
}

/** An element that named access on window makes a global: `<form id="tracker">` before the tag. */
function namedForm(): HTMLFormElement {
  document.body.innerHTML = '<form id="tracker"><input name="q"><input name="push"></form>';
  const form = document.forms[0];
  expect((form as unknown as Record<string, unknown>).q).toBeInstanceOf(HTMLInputElement); // the form's named access
  page.tracker = form; // what window's named access gives in a browser (happy-dom has none)
  return form;
}

describe('elements named like the globals', () => {
  it('<form id="tracker"> before the tag: the script takes window.tracker over, and throws nothing', async () => {
    namedForm();
    const tracker = await loadScript({ url: COLLECTOR, source: 'web' });
    expect(tracker).not.toBeInstanceOf(HTMLElement);
    const id = tracker.track('a');
    await tracker.flush();
    expect(allSent()).toEqual([id]);
  });

  it('<img name="currentScript" data-url> is not the script: its data attributes are no options', async () => {
    const img = document.createElement('img');
    img.dataset.url = 'https://evil.test';
    img.dataset.source = 'web';
    const tracker = await loadScript(undefined, img);
    expect(() => tracker.track('a')).not.toThrow();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/init\(\) first/) }));
    tracker.init({ url: COLLECTOR, source: 'web' });
    tracker.track('b');
    await tracker.flush();
    expect(requests.map((r) => r.url)).toEqual([`${COLLECTOR}/track`]);
  });
});

describe('the loader stub', () => {
  it.each<[string, unknown]>([
    ['an object', {}],
    ['a string', 'track'],
    ['a number', 42],
    ['null', null],
    ['a getter that throws', Object.defineProperty({}, 'length', { get: () => { throw new Error('no') } })],
  ])('a q that is %s is passed over: the script loads, and throws nothing', async (_name, q) => {
    page.tracker = { q };
    const tracker = await loadScript({ url: COLLECTOR, source: 'web' });
    const id = tracker.track('a');
    await tracker.flush();
    expect(allSent()).toEqual([id]);
  });

  it('calls in q that are none are passed over; the others are replayed, each event with the time of its call', async () => {
    const args = (...given: unknown[]) => given;
    page.tracker = {
      q: [
        1,
        null,
        'track',
        ['track'],
        ['toString', args()],
        ['constructor', args({})],
        ['init', args({ url: COLLECTOR, source: 'web' })],
        ['track', 'ab', T0 - 2000], // arguments that are no list: none, and track() says so
        ['track', args('early', { n: 1 }), T0 - 1000],
        ['track', args('with options', {}, { mode: 'PASSIVE' }), T0 - 500],
        ['publish', args('Created', 'Order', {}), T0 - 100],
        ['track', args({ not: 'a type' }), T0],
        ['identify', { length: 1, 0: 'c1' }],
      ],
    };
    const tracker = await loadScript();
    await tracker.flush();
    const events = requests.flatMap((r) => r.body.events);
    expect(events.map((e) => [e.type, e.time.create])).toEqual([
      ['early', new Date(T0 - 1000).toISOString()],
      ['with options', new Date(T0 - 500).toISOString()],
      ['order-created', new Date(T0 - 100).toISOString()],
      ['identify', new Date(T0).toISOString()],
    ]);
    expect(events[1].options).toEqual({ mode: 'PASSIVE', context: 'WEB' });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/track\(\): type .* is not a name/) }));
  });
});

describe('the tag twice', () => {
  it('the second copy does nothing: one tracker, one page view', async () => {
    const data = { url: COLLECTOR, source: 'web', pageViews: 'true' };
    const first = await loadScript(data);
    const second = await loadScript(data);
    expect(page.tracker).toBe(first);
    expect(second).toBe(first);
    expect(warn).toHaveBeenCalledWith('beacon-tracker: the script is on this page twice: the second copy does nothing');
    await first.flush();
    expect(requests.flatMap((r) => r.body.events).map((e) => e.type)).toEqual(['page-view']);
  });
});

describe('data attributes', () => {
  it('data-options, data-context and data-schemas are read as JSON', async () => {
    const tracker = await loadScript({ url: COLLECTOR, source: 'web', options: '{"saveSession":false}', context: '{"ip":"1.2.3.4"}', schemas: '{"buy":["sku"]}' });
    expect(tracker.track('buy')).toBe(''); // the schema holds: warned
    tracker.track('buy', { sku: 1 });
    await tracker.flush();
    expect(requests[0].body.options).toEqual({ saveSession: false });
    expect(requests[0].body.context.ip).toBe('1.2.3.4');
    expect(requests[0].body.events.map((e) => e.type)).toEqual(['buy']);
  });

  it('data-options that is no JSON object is a warning, and no tracker sends an event with options the collector refuses', async () => {
    const tracker = await loadScript({ url: COLLECTOR, source: 'web', options: 'saveSession' });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ message: 'beacon-tracker: init(): options is not an object' }));
    expect(tracker.track('a')).toBe('');
    expect(requests).toHaveLength(0);
  });

  it('data-timeout past its range is a warning, not every request aborted at once', async () => {
    const tracker = await loadScript({ url: COLLECTOR, source: 'web', timeout: '2147483648' });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/^beacon-tracker: init\(\): timeout '2147483648' is not a number up to 600000$/) }));
    expect(tracker.track('a')).toBe('');
  });
});

describe('misuse in the script build', () => {
  it.each<[string, unknown]>([
    ['an object', {}],
    ['true', true],
  ])('an externalId that is %s is a warning, and the event is not taken', async (_name, externalId) => {
    const tracker = await loadScript({ url: COLLECTOR, source: 'web' });
    expect(tracker.track('a', { externalId })).toBe('');
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/externalId/) }));
    const id = tracker.track('b', { externalId: 7 });
    await tracker.flush();
    expect(allSent()).toEqual([id]);
    expect(id).toBe('7');
  });
});
