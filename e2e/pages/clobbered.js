// Run after the named elements and before the tracker: the fake `document.currentScript` (an <img>) carries
// data attributes naming the second listener the scenario started (?elsewhere=<its url>), and what the
// named access made of the globals is kept for the scenario to check.
(function () {
  var fake = document.getElementsByName('currentScript')[0];
  fake.setAttribute('data-url', new URLSearchParams(location.search).get('elsewhere'));
  fake.setAttribute('data-source', 'stolen');
  window.clobbered = { tracker: String(window.tracker), currentScript: String(document.currentScript) };
})();
