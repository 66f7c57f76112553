// capture.html's own script, loaded before the tracker (so that its listeners run first, and hear every CSP
// violation). The links and the form with data-away go to ?away= (another origin) plus their path. A click or
// submit that navigates writes in the URL it goes to when it happened (at=, the first listener of all) and how
// long the listeners after it took (spent=, ms, written by the last listener of all): the scenario measures the
// navigation with both.
window.violations = [];
addEventListener('securitypolicyviolation', (event) => {
  window.violations.push({ directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile, sample: event.sample });
});

const away = new URLSearchParams(location.search).get('away');
const target = (element) => `${away}${element.dataset.away}`;
const linkOf = (event) => event.target.closest && event.target.closest('a[data-away]');
let started = 0;
const stamp = (event) => {
  const link = linkOf(event);
  started = performance.now();
  if (link) link.href = `${target(link)}?at=${Date.now()}`;
};
const spent = () => (performance.now() - started).toFixed(1);
addEventListener('click', stamp, true);
addEventListener('auxclick', stamp, true);
addEventListener('click', (event) => {
  const link = linkOf(event);
  if (link) link.href += `&spent=${spent()}`;
});
addEventListener(
  'submit',
  (event) => {
    const form = event.target;
    if (!form.dataset.away) return;
    started = performance.now();
    form.action = target(form);
    form.elements.at.value = Date.now();
  },
  true,
);
addEventListener('submit', (event) => {
  const form = event.target;
  if (form.dataset.away) form.elements.spent.value = spent();
});

addEventListener('DOMContentLoaded', () => {
  for (const link of document.querySelectorAll('a[data-away]')) link.href = target(link);
  const menu = document.getElementById('menu');
  if (menu) menu.addEventListener('keydown', (event) => (event.key == 'Enter' || event.key == ' ') && menu.click()); // an ARIA button's own script
});
