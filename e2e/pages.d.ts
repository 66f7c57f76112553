/**
 * What the fixture pages (e2e/pages) define: evaluate() callbacks run in the page, where these are
 * globals. The tracker is the script build's `window.tracker`, typed as the package types it.
 */
import type { Tracker } from '../src/tracker';

declare global {
  /** The script build's tracker, or the loader stub (with its queue `q`) before it arrived. */
  const tracker: Tracker & { q?: unknown[] };
  /** The two trackers of the ESM build on two-trackers.html. */
  const trackers: { a: Tracker; b: Tracker };
  /** The SPA fixture's app (spa.app.js): the ESM build bundled. */
  const app: { ready: boolean; navigate(path: string, title: string): void; track(type: string, properties?: object): string; flush(): Promise<void> };
  /** The id of this load of soak.html (soak.js). */
  const soakLoad: string;
  /** What the page threw and did not catch (errors.js). */
  const errors: string[];
  /** The CSP violations the page reported (csp.js). */
  const violations: Array<{ directive: string; blocked: string; source: string; sample: string }>;
  /** Each pageshow's `persisted` (bfcache.js). */
  const pageshows: boolean[];
  /** Scripts that failed to load (integrity.js). */
  const failedScripts: string[];
  /** The storage a page made throw, as it threw (no-storage.js and the like). */
  const brokenStorage: string[];
  /** Resolves once the site's service worker is active, or to false where there are none (sync.js). */
  const registered: Promise<boolean>;
  /** What the page was warned of in the console (warnings.js). */
  const warnings: string[];
  /** What named access made of window.tracker and document.currentScript before the tracker ran (clobbered.js). */
  const clobbered: { tracker: string; currentScript: string };
  /** The storage events this tab heard, in order, after the tracker did (storage-log.js). */
  const storageEvents: Array<{ key: string | null; value: string | null }>;
  /** A command to the tracker in an opaque origin, run there (sandboxed.js), through the frame where it is one (sandbox-host.js). */
  function inFrame(command: FrameCommand): Promise<any>;
  type FrameCommand = { op: 'track'; type: string; from: number; count: number; flush?: boolean } | { op: 'state' };
  /** The page's long tasks, [startTime, duration], and the scripts of its long animation frames (long-tasks.js). */
  const longTasks: { tasks: Array<[number, number]>; scripts: Array<{ start: number; duration: number; invoker: string; url: string; at: number }> };
  /** Prioritized Task Scheduling (Chromium), which TypeScript's DOM library does not have yet. */
  const scheduler: { postTask(callback: () => void, options?: { priority?: 'user-blocking' | 'user-visible' | 'background' }): Promise<void> };
}
