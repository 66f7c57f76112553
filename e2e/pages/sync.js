// The site's own service worker (e2e/pages/sw.js, scope /e2e/), which loads the tracker's worker build.
// `registered` resolves once it is active, or to false where there are no service workers.
window.registered = navigator.serviceWorker
  ? navigator.serviceWorker.register('/e2e/sw.js').then(() => navigator.serviceWorker.ready).then(() => true)
  : Promise.resolve(false);
