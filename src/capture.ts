/**
 * Events a site gets from its markup, without writing JavaScript: elements tagged `data-track`, outbound
 * links, file downloads, and the engagement of each page view (options taggedEvents, outboundLinks,
 * fileDownloads, engagement). The script build registers it with the tracker (global.ts), an app with
 * `import 'beacon-tracker/capture'` (capture-entry.ts); an app that does neither pays nothing for it.
 *
 * Nothing here holds a navigation up: no preventDefault, no waiting. An event tracked in a click handler is
 * in the page's batch when the page goes away, and the page's own hand-over beacons or spills it.
 */
import { pageContext, type PageContext } from './context.js';
import type { EventOptions } from './event.js';
import type { Config } from './options.js';
import { onPageView } from './page-views.js';

/** The extensions `fileDownloads: true` counts, as a regular expression's alternatives. */
const EXTENSIONS = 'pdf|docx?|xlsx?|pptx?|csv|zip|gz|dmg|exe|mp[34]';

type Track = (type: string, properties?: object, eventOptions?: EventOptions) => unknown;

/** The element tagged `data-track` nearest to where an event happened. */
const taggedAt = (target: EventTarget | null) => target instanceof Element && target.closest('[data-track]');

/**
 * Starts what the options of a tracker init() starts ask for. `track` is that tracker's, and never throws: types
 * and properties come from the page's markup, and what track() refuses is warned of, never thrown into the
 * page from a listener (the script build's track() warns; capture-entry.ts wraps the npm build's).
 */
export function startCapture({ taggedEvents, outboundLinks, fileDownloads, engagement }: Config, track: Track) {
  const downloads = fileDownloads && new RegExp(`\\.(${fileDownloads === true ? EXTENSIONS : fileDownloads.join('|')})$`, 'i');

  /** Tracks a tagged element's event: its `data-track` type, its `data-track-<property>` attributes as properties. */
  function trackTagged(element: Element) {
    const data = (element as HTMLElement).dataset;
    const properties: Record<string, string> = {};
    for (const key of Object.keys(data)) {
      // data-track-plan-id is dataset's trackPlanId: the property planId.
      if (/^track[A-Z]/.test(key)) properties[key[5].toLowerCase() + key.slice(6)] = data[key]!;
    }
    track(data.track!, properties);
  }

  // Every listener is on window, in the capture phase: it runs before the page's own listeners, so that a
  // stopPropagation() in them (a menu, a modal, a framework's root listener) hides nothing from it. None of
  // them prevents or waits for anything.
  function onClick(event: MouseEvent) {
    const target = event.target;
    if (!(target instanceof Element)) return; // dispatched at window or document by a script
    const link = target.closest('a[href]') as HTMLAnchorElement | null;
    // auxclick: a middle click opens a link in a new tab; other buttons, and off links, activate nothing.
    if (event.type == 'auxclick' && (event.button != 1 || !link)) return;
    const label = target.closest('label');
    const tagged = taggedEvents && taggedAt(target);
    // A click on a label is dispatched again at its control, and counted there. A form counts its submit. The
    // keys that activate a button (Enter, Space) or a link (Enter) come as a click too.
    if (tagged && tagged.tagName != 'FORM' && !(label && label.control && !label.control.contains(target))) trackTagged(tagged);
    if (!link || !link.host) return; // mailto:, tel:, javascript: have none
    const url = link.href;
    if (downloads && (link.hasAttribute('download') || downloads.test(link.pathname))) track('file-download', { url });
    else if (outboundLinks && link.host != location.host) track('outbound-link', { url });
  }

  if (taggedEvents || outboundLinks || downloads) {
    addEventListener('click', onClick, true);
    addEventListener('auxclick', onClick, true);
  }
  if (taggedEvents) {
    addEventListener(
      'submit',
      (event) => {
        const form = event.target as Element;
        if (form.matches('[data-track]')) trackTagged(form);
      },
      true,
    );
  }
  if (engagement) measureEngagement(track);
}

/**
 * One `page-engagement` event per page view, with how long the page was visible and how far down it was
 * read: when the page goes away (pagehide), or when a single-page app navigates (then the next page view
 * starts). None for a page view never visible (a prerendered page, a tab opened in the background and
 * closed unseen). Added before the tracker's lifecycle listeners: the event is in the batch that pagehide
 * hands over.
 */
function measureEngagement(track: Track) {
  /** The page view measured: its page, for its event tracked once the URL has changed. */
  let page: PageContext | undefined;
  let visibleMs = 0;
  let maxScrollPercent = 0;
  /** When the page's visibility last changed, and whether it is visible since. */
  let since = 0;
  let visible = false;

  /** Counts the time since the last change of visibility, if the page was visible. */
  const tick = () => {
    const now = performance.now();
    if (visible) visibleMs += now - since;
    since = now;
    visible = document.visibilityState == 'visible';
  };
  /** How far down the page the bottom of the window has been, in percent of the page's height. */
  const scrolled = () => {
    maxScrollPercent = Math.max(maxScrollPercent, Math.min(100, Math.round(((scrollY + innerHeight) / document.documentElement.scrollHeight) * 100)) || 0);
  };

  /**
   * Tracks the page view that ends (if there was one, and it was visible), and starts the next. The depth is
   * read once more first, for a page never scrolled: at an app's navigation the next view may already show.
   */
  function report() {
    tick();
    if (page && visibleMs >= 1) {
      scrolled();
      track('page-engagement', { visibleMs: Math.round(visibleMs), maxScrollPercent }, { context: { page } });
    }
    page = pageContext();
    visibleMs = maxScrollPercent = 0;
  }

  addEventListener('visibilitychange', tick, true);
  addEventListener('scroll', scrolled);
  // The page may come back from the back/forward cache: its time since then is another page view's.
  addEventListener('pagehide', report, true);
  onPageView(report); // now, which starts the first page view, and at every navigation of the app
}
