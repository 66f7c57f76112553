// What an engine cannot do, and why: the one list of reasons a scenario may be skipped for. Plain JavaScript,
// so that e2e/run.mjs can print it and check every skip against it before and after vitest runs.
// An adapter's `supports` is derived from it (driver/types.ts, Capability), and `requires()` (helpers/requires.ts)
// skips a scenario only with a reason from here: a capability an engine lacks without a reason listed here,
// or a test skipped by other means and not listed in TEST_SKIPS, fails the run.

/** @typedef {'chromium' | 'firefox' | 'webkit'} Engine */
/** @typedef {'offline' | 'bfcache' | 'pagehideBeaconOnClose' | 'beforeUnload'} Capability */

/** @type {Record<Capability, string>} */
export const CAPABILITIES = {
  offline: 'take a context off the network (navigator.onLine false, requests fail) and back on',
  bfcache: 'restore a page from the back/forward cache on back()',
  pagehideBeaconOnClose: 'deliver a cross-origin JSON beacon sent from pagehide when page.close() closes the tab',
  beforeUnload: 'run beforeunload on page.close({ runBeforeUnload: true })',
};

/** @type {Record<Engine, Partial<Record<Capability, string>>>} */
export const GAPS = {
  chromium: {},
  firefox: {
    pagehideBeaconOnClose:
      'On tab close Firefox fires pagehide first (visibilityState still "visible") and visibilitychange → hidden after it; a cross-origin application/json beacon sent from pagehide is dropped before its preflight (0/3 here, Firefox 153 ESR), while the same beacon sent from the visibilitychange that follows arrives (3/3). Scenarios test delivery on close (the reliable path), not the pagehide beacon.',
  },
  webkit: {
    offline:
      'WebKitWebDriver (WebKitGTK 2.50) has no network emulation (no setNetworkConditions, no BiDi): the collector-down scenarios (POST /admin/down, suite.collectorDown()) cover the network failure in WebKit.',
    beforeUnload: 'WebDriver "Close Window" never runs beforeunload handlers.',
  },
};

/**
 * Tests skipped by their own file (it.skipIf...) rather than through requires(): listed by exact name, with
 * the engines they skip in and why. Any other skipped test fails the run.
 * @type {Array<{ name: string; engines: Engine[]; reason: string }>}
 */
export const TEST_SKIPS = [
  {
    name: 'the QA page shows events queue while the collector is down and drain when it is back',
    engines: ['firefox', 'webkit'],
    reason: 'e2e/demo.e2e.ts drives Playwright directly (clicks, fill, screenshot): Chromium only.',
  },
];
