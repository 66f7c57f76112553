// @vitest-environment happy-dom
// Capture (src/capture.ts) in happy-dom, through the tracker as `import 'beacon-tracker/capture'` wires it:
// tagged elements, outbound links, file downloads, engagement; each off unless asked for, none throwing into
// the page. What real browsers do with real input (new tabs, navigations, keys) is in e2e/capture.e2e.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import '../src/capture-entry';
import { readOptions } from '../src/options';
import { beacons, COLLECTOR, payloadOf, redefine, requests, start, startAnswered, type WireEvent } from './support/page';

const sent = () => requests.flatMap((request) => request.body.events);
const sentOf = (type: string) => sent().filter((event) => event.type == type);
/** The events sent, as [type, properties]. */
const summary = () => sent().map((event) => [event.type, event.properties]);

/** Puts `html` in the page's body and gives the element `selector` picks. */
function markup(html: string) {
  document.body.innerHTML = html;
  return (selector: string) => document.querySelector(selector) as HTMLElement;
}

/**
 * Dispatches a click as a browser does (`detail` 1 from a mouse, 0 from a key or element.click()), and gives
 * whether it was default-prevented by the time it reached the document: capture's listeners on window had
 * run by then. Right after, the test prevents it: happy-dom would follow the link.
 */
function click(element: Element, init: MouseEventInit = {}, type = 'click') {
  let prevented: boolean | undefined;
  const seen = (event: Event) => (prevented = event.defaultPrevented);
  const stop = (event: Event) => event.preventDefault();
  document.addEventListener(type, seen, true);
  document.addEventListener(type, stop, true);
  element.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, composed: true, detail: 1, ...init }));
  document.removeEventListener(type, seen, true);
  document.removeEventListener(type, stop, true);
  return prevented;
}
const key = (element: Element, key: string, init: KeyboardEventInit = {}) => element.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }));

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  document.body.innerHTML = '';
  // The history calls that page-views.ts wraps for a tracker, unwrapped: the next test is another page.
  delete (history as Partial<History>).pushState;
  delete (history as Partial<History>).replaceState;
});

describe('options', () => {
  it('are off by default; data attributes switch them on with "true", and give file extensions as a list', () => {
    const base = { url: COLLECTOR, source: 'web' };
    expect(readOptions(base)).toMatchObject({ taggedEvents: false, outboundLinks: false, fileDownloads: false, engagement: false });
    const fromAttributes = readOptions({ ...base, taggedEvents: 'true', outboundLinks: 'true', fileDownloads: 'true', engagement: 'true' });
    expect(fromAttributes).toMatchObject({ taggedEvents: true, outboundLinks: true, fileDownloads: true, engagement: true });
    expect(readOptions({ ...base, fileDownloads: 'pdf, ZIP,7z' }).fileDownloads).toEqual(['pdf', 'ZIP', '7z']); // matched ignoring case
    expect(readOptions({ ...base, fileDownloads: ['csv'] }).fileDownloads).toEqual(['csv']);
    expect(readOptions({ ...base, fileDownloads: 'false' }).fileDownloads).toBe(false);
  });

  it.each([['pdf|exe'], ['pdf,'], ['.pdf'], [''], [[]], [['pdf', 'a)b']], [{ pdf: true }]])('throws TypeError on the file extensions %j', (given) => {
    expect(() => readOptions({ url: COLLECTOR, source: 'web', fileDownloads: given })).toThrow(/^beacon-tracker: init\(\): fileDownloads .* is not true or file extensions$/);
  });
});

describe('tagged events', () => {
  it('a click on an element tagged data-track tracks its type, with its data-track-<property> attributes', async () => {
    const $ = markup('<button data-track="signup" data-track-plan="pro" data-track-plan-id="p-7" data-other="x">Sign up</button>');
    const tracker = await start({ taggedEvents: true });
    expect(click($('button'))).toBe(false);
    await tracker.flush();
    expect(summary()).toEqual([['signup', { plan: 'pro', planId: 'p-7' }]]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('a click on a nested element counts once, for the nearest tagged ancestor', async () => {
    const $ = markup('<div data-track="card"><button data-track="buy" data-track-sku="A-1"><span><b>Buy</b></span></button><p>text</p></div>');
    const tracker = await start({ taggedEvents: true });
    click($('b'));
    click($('p'));
    await tracker.flush();
    expect(summary()).toEqual([['buy', { sku: 'A-1' }], ['card', {}]]);
  });

  it('elements the page adds later are tracked without a call: one listener, nothing per element', async () => {
    const tracker = await start({ taggedEvents: true });
    const later = Object.assign(document.createElement('button'), { textContent: 'Later' });
    later.dataset.track = 'added-later';
    document.body.append(later);
    click(later);
    await tracker.flush();
    expect(summary()).toEqual([['added-later', {}]]);
  });

  it("a page's stopPropagation() hides nothing: the listener runs in the capture phase, before the page's", async () => {
    const $ = markup('<button data-track="stopped">Go</button>');
    $('button').addEventListener('click', (event) => event.stopPropagation());
    const stop = (event: Event) => event.stopImmediatePropagation();
    document.addEventListener('click', stop, true);
    const tracker = await start({ taggedEvents: true });
    click($('button'));
    document.removeEventListener('click', stop, true);
    await tracker.flush();
    expect(summary()).toEqual([['stopped', {}]]);
  });

  it('a form tracks its submit, not the clicks in it', async () => {
    const $ = markup('<form data-track="contact" data-track-topic="sales"><input name="q"><button type="button" data-track="send">Send</button></form>');
    const tracker = await start({ taggedEvents: true });
    click($('input'));
    click($('button'));
    $('form').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await tracker.flush();
    expect(summary()).toEqual([['send', {}], ['contact', { topic: 'sales' }]]);
  });

  it("a click on a label counts once: at the label's control, where the browser clicks again", async () => {
    const $ = markup('<div data-track="newsletter"><label for="opt">Subscribe <span>now</span></label><input id="opt" type="checkbox"></div>');
    const tracker = await start({ taggedEvents: true });
    click($('span')); // the browser then clicks the control:
    click($('input'), { detail: 0 });
    await tracker.flush();
    expect(summary()).toEqual([['newsletter', {}]]);
  });

  describe('keys', () => {
    it('a page that turns the key into element.click() gets one event per activation; a mouse click after it is another', async () => {
      const $ = markup('<div role="button" tabindex="0" data-track="menu">Menu</div>');
      const menu = $('div');
      menu.addEventListener('keydown', (event) => event.key == 'Enter' && click(menu, { detail: 0 }));
      const tracker = await start({ taggedEvents: true });
      key(menu, 'Enter');
      click(menu);
      await tracker.flush();
      expect(summary()).toEqual([['menu', {}], ['menu', {}]]);
    });

    it('Enter on a <button> counts through the click the browser makes of it, once', async () => {
      const $ = markup('<button data-track="native">Go</button>');
      const tracker = await start({ taggedEvents: true });
      key($('button'), 'Enter');
      click($('button'), { detail: 0 });
      await tracker.flush();
      expect(summary()).toEqual([['native', {}]]);
    });
  });

  it('a type or property that track() refuses is warned of, never thrown into the page', async () => {
    const $ = markup('<button data-track="">Empty</button><button id="score" data-track="rate" data-track-score="high">Rate</button><button id="ok" data-track="ok">OK</button>');
    const tracker = await start({ taggedEvents: true });
    const errors: unknown[] = [];
    const onError = (event: ErrorEvent) => errors.push(event.error);
    window.addEventListener('error', onError);
    expect(() => click($('button'))).not.toThrow();
    expect(() => click($('#score'))).not.toThrow(); // DM Hub's score must be an integer
    click($('#ok'));
    window.removeEventListener('error', onError);
    await tracker.flush();
    expect(errors).toEqual([]);
    expect(summary()).toEqual([['ok', {}]]);
    expect(warn.mock.calls.map(([error]: unknown[]) => String(error))).toEqual([
      expect.stringMatching(/track\(\): type '' is not a name/),
      expect.stringMatching(/score 'high' is not an integer/),
    ]);
  });

  it('a click or key a script dispatches at document or window is passed over, without an error', async () => {
    const tracker = await start({ taggedEvents: true, outboundLinks: true });
    for (const target of [document, window]) {
      expect(() => target.dispatchEvent(new MouseEvent('click', { bubbles: true }))).not.toThrow();
      expect(() => target.dispatchEvent(new MouseEvent('auxclick', { bubbles: true, button: 1 }))).not.toThrow();
      expect(() => target.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))).not.toThrow();
    }
    tracker.track('control');
    await tracker.flush();
    expect(summary()).toEqual([['control', {}]]);
  });

  it('without the option, a tagged element tracks nothing', async () => {
    const $ = markup('<button data-track="signup">Sign up</button><a href="https://elsewhere.test/x.pdf" download>x</a>');
    const tracker = await start();
    click($('button'));
    click($('a'));
    tracker.track('control');
    await tracker.flush();
    expect(summary()).toEqual([['control', {}]]);
  });
});

describe('links', () => {
  const LINKS = `
    <a id="out" href="https://partner.test/offer?ref=1"><span>Partner</span></a>
    <a id="same" href="/pricing">Pricing</a>
    <a id="mail" href="mailto:hi@example.com">Mail</a>
    <a id="pdf" href="/files/report.PDF">Report</a>
    <a id="csv" href="/files/data.csv">Data</a>
    <a id="attr" href="/export?format=x" download>Export</a>
    <a id="far-pdf" href="https://cdn.test/brochure.pdf">Brochure</a>`;

  it('a click on a link to another host tracks outbound-link with its url; links of this host, mailto: and the like do not', async () => {
    const $ = markup(LINKS);
    const tracker = await start({ outboundLinks: true });
    for (const selector of ['#out span', '#same', '#mail', '#pdf']) expect(click($(selector))).toBe(false);
    await tracker.flush();
    expect(summary()).toEqual([['outbound-link', { url: 'https://partner.test/offer?ref=1' }]]);
  });

  it('a middle click and a ctrl/cmd-click (a new tab) count; a right click does not', async () => {
    const $ = markup(LINKS);
    const tracker = await start({ outboundLinks: true });
    click($('#out'), { button: 1 }, 'auxclick');
    click($('#out'), { ctrlKey: true });
    click($('#out'), { metaKey: true });
    click($('#out'), { button: 2 }, 'auxclick');
    click($('#same'), { button: 1 }, 'auxclick');
    await tracker.flush();
    expect(sentOf('outbound-link')).toHaveLength(3);
    expect(sent()).toHaveLength(3);
  });

  it('fileDownloads: true counts links to files by extension and links with a download attribute, before outbound-link', async () => {
    const $ = markup(LINKS);
    const tracker = await start({ fileDownloads: true, outboundLinks: true });
    for (const id of ['pdf', 'csv', 'attr', 'far-pdf', 'same']) click($(`#${id}`));
    await tracker.flush();
    const origin = location.origin;
    expect(summary()).toEqual([
      ['file-download', { url: `${origin}/files/report.PDF` }],
      ['file-download', { url: `${origin}/files/data.csv` }],
      ['file-download', { url: `${origin}/export?format=x` }],
      ['file-download', { url: 'https://cdn.test/brochure.pdf' }],
    ]);
  });

  it('fileDownloads as a list counts those extensions only (and download attributes)', async () => {
    const $ = markup(LINKS);
    const tracker = await start({ fileDownloads: ['csv'] });
    for (const id of ['pdf', 'csv', 'attr', 'out']) click($(`#${id}`));
    await tracker.flush();
    expect(sent().map((event) => event.properties.url)).toEqual([`${location.origin}/files/data.csv`, `${location.origin}/export?format=x`]);
  });

  it('a tagged link counts as tagged and as a link', async () => {
    const $ = markup('<a data-track="partner" data-track-name="acme" href="https://acme.test/"><img alt="Acme"></a>');
    const tracker = await start({ taggedEvents: true, outboundLinks: true });
    click($('img'));
    await tracker.flush();
    expect(summary()).toEqual([['partner', { name: 'acme' }], ['outbound-link', { url: 'https://acme.test/' }]]);
  });
});

describe('engagement', () => {
  const now = () => performance.now();
  const setVisibility = (state: 'visible' | 'hidden') => {
    redefine(document, 'visibilityState', { get: () => state });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  };
  const pagehide = () => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
  const engagements = () => sentOf('page-engagement');

  it('one page-engagement on pagehide: the ms the page was visible, hidden time left out, and the deepest scroll', async () => {
    redefine(document, 'visibilityState', { get: () => 'visible' });
    redefine(document.documentElement, 'scrollHeight', { get: () => 4000 });
    redefine(window, 'innerHeight', { get: () => 1000 });
    history.replaceState({}, '', '/article');
    const tracker = await start({ engagement: true });
    await Promise.resolve(); // the page view starts once init()'s task is done
    const started = now();
    vi.advanceTimersByTime(3000);
    redefine(window, 'scrollY', { get: () => 2000 });
    window.dispatchEvent(new Event('scroll'));
    redefine(window, 'scrollY', { get: () => 500 }); // scrolled back up: the deepest counts
    window.dispatchEvent(new Event('scroll'));
    setVisibility('hidden');
    vi.advanceTimersByTime(60_000); // another tab: not counted
    setVisibility('visible');
    vi.advanceTimersByTime(2000);
    pagehide();
    expect(now() - started).toBe(65_000);
    await tracker.flush();
    expect(engagements().map((event) => event.properties)).toEqual([{ visibleMs: 5000, maxScrollPercent: 75 }]);
    expect(engagements()[0].context.page.path).toBe('/article');
  });

  it('a page never scrolled reports what its first screen shows; a page shorter than the screen 100', async () => {
    redefine(document, 'visibilityState', { get: () => 'visible' });
    redefine(document.documentElement, 'scrollHeight', { get: () => 4000 });
    redefine(window, 'innerHeight', { get: () => 1000 });
    const tracker = await start({ engagement: true });
    await Promise.resolve();
    vi.advanceTimersByTime(1000);
    pagehide();
    redefine(document.documentElement, 'scrollHeight', { get: () => 600 });
    vi.advanceTimersByTime(1000);
    pagehide(); // back from the back/forward cache, then gone again: another page view
    await tracker.flush();
    expect(engagements().map((event) => event.properties)).toEqual([
      { visibleMs: 1000, maxScrollPercent: 25 },
      { visibleMs: 1000, maxScrollPercent: 100 },
    ]);
  });

  it("at a single-page app's navigation: the page view that ends, with its own page; the count starts again", async () => {
    redefine(document, 'visibilityState', { get: () => 'visible' });
    history.replaceState({}, '', '/home');
    document.title = 'Home';
    const tracker = await start({ engagement: true, pageViews: true });
    await Promise.resolve();
    vi.advanceTimersByTime(4000);
    history.pushState({}, '', '/products/42');
    document.title = 'Product 42';
    await Promise.resolve();
    vi.advanceTimersByTime(1500);
    pagehide();
    await tracker.flush();
    expect(sent().map((event) => [event.type, event.context.page.path, event.properties.visibleMs])).toEqual([
      ['page-view', '/home', undefined],
      ['page-engagement', '/home', 4000],
      ['page-view', '/products/42', undefined],
      ['page-engagement', '/products/42', 1500],
    ]);
    expect(engagements()[0].context.page.title).toBe('Home');
  });

  it('none for a page that was never visible (prerendered, or opened in the background and closed unseen)', async () => {
    redefine(document, 'visibilityState', { get: () => 'hidden' });
    const tracker = await start({ engagement: true });
    await Promise.resolve();
    vi.advanceTimersByTime(10_000);
    pagehide();
    tracker.track('control');
    await tracker.flush();
    expect(sent().map((event) => event.type)).toEqual(['control']);
  });

  it("is in the batch the page's own hand-over beacons when the page goes away", async () => {
    redefine(document, 'visibilityState', { get: () => 'visible' });
    await startAnswered({ engagement: true, taggedEvents: true });
    const $ = markup('<a data-track="leave" href="https://elsewhere.test/">Leave</a>');
    vi.advanceTimersByTime(2000);
    click($('a')); // a navigation: the page hides right after
    setVisibility('hidden');
    pagehide();
    expect(requests).toEqual([]);
    const events: WireEvent[] = [];
    for (const beacon of beacons) events.push(...(await payloadOf(beacon.blob)).events);
    expect(events.map((event) => event.type)).toEqual(['leave', 'page-engagement']);
    expect(events[1].properties).toMatchObject({ visibleMs: 2000 });
  });

  it('without the option, none', async () => {
    redefine(document, 'visibilityState', { get: () => 'visible' });
    const tracker = await start();
    vi.advanceTimersByTime(1000);
    pagehide();
    tracker.track('control');
    await tracker.flush();
    expect(sent().map((event) => event.type)).toEqual(['control']);
  });
});
