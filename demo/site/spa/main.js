// A single-page app that uses the npm build (ESM) through a bundler: demo/site/build-spa.mjs bundles it
// into demo/site/public/build/spa.js. Each navigation (history.pushState, back/forward) tracks a page-view.
import { tracker } from 'beacon-tracker';

const ROUTES = {
  home: { title: 'Home', text: 'The landing view. Navigate: no page load, one page-view event each.' },
  products: { title: 'Products', text: 'A product list. The URL changed with history.pushState.' },
  checkout: { title: 'Checkout', text: 'The last step. Back and forward track page-views too.' },
};

tracker.init({ url: document.body.dataset.collector, source: 'demo-spa' });

const $ = (id) => document.getElementById(id);
let views = 0;

const routeOf = (url) => {
  const route = new URL(url, location.href).searchParams.get('route');
  return route in ROUTES ? route : 'home';
};

function render(route) {
  const view = ROUTES[route];
  document.title = `${view.title} · beacon-tracker SPA`;
  $('view-title').textContent = view.title;
  $('view-text').textContent = view.text;
  for (const link of document.querySelectorAll('a.route')) {
    link.toggleAttribute('aria-current', link.dataset.route === route);
  }
  const id = tracker.track('page-view', { route, path: location.pathname + location.search, title: document.title });
  $('spa-session').textContent = tracker.sessionId ?? '–';
  $('spa-views').textContent = String(++views);
  $('spa-last').textContent = id || '(refused)';
}

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element && event.target.closest('a.route');
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  if (link.href === location.href) return;
  history.pushState({}, '', link.href);
  render(routeOf(link.href));
});
addEventListener('popstate', () => render(routeOf(location.href)));

render(routeOf(location.href));

// For a test to drive: the tracker and a router-like navigate().
window.spa = {
  tracker,
  navigate(route) {
    history.pushState({}, '', route === 'home' ? '/spa.html' : `/spa.html?route=${route}`);
    render(routeOf(location.href));
  },
};
