/**
 * Calls `view` now and on every navigation of a single-page app (history.pushState, replaceState to another
 * URL, popstate), once per URL. It runs once the task that navigated is done: a router sets the new page's
 * title after pushState, and the page context read then is the new page's.
 */
export function onPageView(view: () => void) {
  let viewed: string | undefined;
  const navigated = () =>
    queueMicrotask(() => {
      if (location.href != viewed) {
        viewed = location.href;
        view();
      }
    });
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args);
      navigated();
    };
  }
  addEventListener('popstate', navigated);
  navigated();
}
