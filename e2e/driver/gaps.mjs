// What an engine cannot do, and why: the one list of reasons a scenario may be skipped for. Plain JavaScript,
// so that e2e/run.mjs can print it and check every skip against it before and after vitest runs.
// An adapter's `supports` is derived from it (driver/types.ts, Capability), and `requires()` (helpers/requires.ts)
// skips a scenario only with a reason from here: a capability an engine lacks without a reason listed here,
// or a test skipped by other means and not listed in TEST_SKIPS, fails the run.

/** @typedef {'chromium' | 'firefox' | 'webkit'} Engine */
/** @typedef {'offline' | 'bfcache' | 'pagehideBeaconOnClose' | 'beforeUnload' | 'crash'} Capability */

/** @type {Record<Capability, string>} */
export const CAPABILITIES = {
  offline: 'take a context off the network (navigator.onLine false, requests fail) and back on',
  bfcache: 'restore a page from the back/forward cache on back()',
  pagehideBeaconOnClose: 'close the tab in front (page.close({ inFront: true })) with its pagehide handlers run to completion, beacons sent from them delivered',
  beforeUnload: 'run beforeunload on page.close({ runBeforeUnload: true })',
  crash: 'kill a browser process with SIGKILL and launch it again on the same profile (Browser.onProfile)',
};

/** @type {Record<Engine, Partial<Record<Capability, string>>>} */
export const GAPS = {
  chromium: {},
  firefox: {
    pagehideBeaconOnClose:
      'Closing the tab in front (BiDi browsingContext.close), Firefox 153 ESR fires pagehide first, visibilityState still "visible", then visibilitychange → hidden. A pagehide handler there is unreliable: in probes it stopped without an exception at a sendBeacon() call or a document.cookie write (no catch or finally ran), and localStorage writes made during the close were often not kept; beacons sent from the visibilitychange → hidden that follows arrived (3 of 3). Other scenarios test the reliable path: the Firefox driver brings another tab to the front, waits until the page is hidden (its visibilitychange handlers have run), then closes it.',
  },
  webkit: {
    offline:
      'WebKitWebDriver (WebKitGTK 2.50) has no network emulation (no setNetworkConditions, no BiDi): the collector-down scenarios (POST /admin/down, suite.collectorDown()) cover the network failure in WebKit.',
    beforeUnload: 'WebDriver "Close Window" never runs beforeunload handlers.',
    crash:
      'MiniBrowser under WebKitWebDriver (--automation) keeps website data in memory only: after IndexedDB and localStorage writes nothing is written under HOME or the XDG dirs, and MiniBrowser has no option for a data directory, so no profile outlives its process and a relaunch cannot find what a killed one stored.',
  },
};

/**
 * Tests skipped by their own file (it.skipIf...) rather than through requires(): listed by exact name, with
 * the engines they skip in and why. Any other skipped test fails the run.
 * @type {Array<{ name: string; engines: Engine[]; reason: string }>}
 */
export const TEST_SKIPS = [];
