/**
 * Context in the shapes a Tracardi server reads: it computes device and OS from
 * `context.browser.local.browser.userAgent`, and shows `context.screen.local` and each event's `context.page`.
 */

export interface PageContext {
  url: string;
  path: string;
  hash: string;
  title: string;
  referer: { host: string; query: string };
}

/** What the browser says about itself, once per payload. */
export function deviceContext(): Record<string, unknown> {
  const { userAgent, language, platform } = navigator;
  const { width, height, colorDepth, orientation } = screen;
  return {
    browser: { local: { browser: { userAgent, language }, device: { platform } } },
    screen: { local: { width, height, colorDepth, orientation: orientation && orientation.type } },
  };
}

let timeZone: string | undefined;

/** The browser's clock when a payload leaves, so that a collector can correct skew against `time.create`. */
export function timeContext() {
  // Reading the time zone builds a formatter: once a page.
  timeZone ||= Intl.DateTimeFormat().resolvedOptions().timeZone;
  return { local: new Date().toISOString(), tz: timeZone };
}

/**
 * Reads the time zone while the page is idle: building ICU's formatter takes about 40 ms in Chromium, which
 * the first payload would otherwise pay, on a hidden page inside its visibilitychange task. A page's
 * requestIdleCallback that throws leaves it to the first payload.
 */
export function readTimeZoneWhenIdle() {
  try {
    if (typeof requestIdleCallback == 'function') requestIdleCallback(timeContext);
    else setTimeout(timeContext);
  } catch {
    // the first payload reads it
  }
}

let referer: PageContext['referer'] | undefined;
let lastPage: PageContext | undefined;

/**
 * The page an event is tracked on, read when track() is called (an SPA may navigate right after). track()
 * runs on every click, and `location`'s getters are slow (docs/performance.md): the page is rebuilt only
 * when its URL or title changed.
 */
export function pageContext(): PageContext {
  const url = document.URL;
  const title = document.title;
  if (!lastPage || lastPage.url != url || lastPage.title != title) {
    if (!referer) {
      const [, host = '', query = ''] = document.referrer.match(/^\w+:\/\/([^/?#]+)[^?#]*\??([^#]*)/) || [];
      referer = { host, query };
    }
    lastPage = { url, path: location.pathname, hash: location.hash, title, referer };
  }
  return lastPage;
}
