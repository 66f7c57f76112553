/**
 * What a scenario may ask of a browser. Scenarios use only this, never an automation library, so that
 * each engine needs one adapter here: Chromium through playwright-core (playwright.ts), Firefox through
 * puppeteer-core over WebDriver BiDi (firefox.ts), WebKit through selenium-webdriver and WebKitWebDriver
 * (webkit.ts). Keep it small: everything else a scenario needs is done in the page, through evaluate().
 */
import type { Capability, Engine } from './gaps.mjs';

export type { Capability, Engine };

/** Which of the optional steps this engine can do; the reason for each one it cannot is in gaps.mjs. */
export type Supports = Readonly<Record<Capability, boolean>>;

export interface Browser {
  readonly engine: Engine;
  /** The browser's name and version, e.g. "firefox/153.7.0", for the run summary. */
  readonly version: string;
  /** A step a scenario needs that the engine lacks is skipped with requires() (helpers/requires.ts). */
  readonly supports: Supports;
  /** A fresh profile: its own cookies, localStorage and IndexedDB, shared by its pages only. */
  newContext(): Promise<Context>;
  /**
   * Launches another browser process of this engine on the profile directory `dir` (created empty by the
   * caller, reused to relaunch), for a crash: kill() it, then onProfile(dir) again. Only where `supports.crash`.
   */
  onProfile(dir: string): Promise<ProfileBrowser>;
  close(): Promise<void>;
}

/** A browser process on a profile directory of its own (Browser.onProfile). */
export interface ProfileBrowser {
  readonly pid: number;
  /** A new tab of the profile, navigated to `url` (waiting for `load`). */
  newPage(url: string): Promise<Page>;
  /** Takes the profile's pages off the network or back on, as Context.setOffline does; a relaunch starts online. */
  setOffline(offline: boolean): Promise<void>;
  /**
   * Calls `listener` with each console message and uncaught error of the pages newPage() opens from now on,
   * as the browser reports them: a closing page's last ones too, a page navigating away may lose its last.
   */
  onLog(listener: (entry: PageLog) => void): void;
  /** SIGKILL: no unload, no pagehide, no flush of anything to disk; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** A console message of a page (`type` as console's method: log, debug, warning, error...), or an uncaught error (`pageerror`). */
export interface PageLog {
  type: string;
  text: string;
  /** The page's URL then, as far as the browser tells it. */
  url: string;
}

export interface Context {
  /** Opens a page, and navigates it to `url` (waiting for `load`) when given. */
  newPage(url?: string): Promise<Page>;
  /**
   * Takes the context's pages off the network (navigator.onLine false, requests fail) or back on.
   * Only where `supports.offline`; the engine-independent network failure is the collector going down.
   */
  setOffline(offline: boolean): Promise<void>;
  /**
   * Fires a Background Sync event with `tag` at the service worker registered for `origin`, as the browser
   * does when it tries a sync again, whether or not a page of the site is open. Resolves once it is
   * dispatched, not handled. Only where `supports.backgroundSync`.
   */
  dispatchSync(origin: string, tag: string, lastChance?: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface GotoOptions {
  /** The referrer the navigation carries, as a link on that page would: document.referrer shows it. */
  referer?: string;
}

export interface ClickOptions {
  button?: 'left' | 'middle';
  /** A key held during the click. */
  modifier?: 'Control';
}

export interface Page {
  /** Navigates, and resolves once the new page fired `load`. */
  goto(url: string, options?: GotoOptions): Promise<void>;
  /**
   * Runs `fn` in the page and resolves with its (awaited) result. `fn` is serialised, so it sees only
   * its argument and the page's globals, and both the argument and the result must be JSON-like.
   */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Reloads, and resolves once the page fired `load` again. */
  reload(): Promise<void>;
  /**
   * Goes back in the session history. It resolves once the navigation committed, not on `load`: a page
   * restored from the back/forward cache fires `pageshow`, never `load`. Wait for what the test needs.
   */
  back(): Promise<void>;
  /**
   * Closes the page as a user closing a tab would: it fires visibilitychange → hidden and pagehide, and
   * requests it started (beacons, keepalive fetches) go on. `runBeforeUnload` also runs beforeunload.
   * Firefox first brings another tab to the front (a real visibilitychange → hidden), then closes this
   * one, so that a scenario can count on the beacons of a closing page: closing the tab in front, Firefox
   * fires pagehide first and may cut its handlers off (docs/browsers.md). `inFront` closes it while
   * in front, as a user's Ctrl-W does.
   */
  close(options?: { runBeforeUnload?: boolean; inFront?: boolean }): Promise<void>;
  /**
   * Clicks the element `selector` (CSS) matches, as a user would: real input events, where the engine has them.
   * `button: 'middle'`, or the Control key held, opens a link in a new tab.
   */
  click(selector: string, options?: ClickOptions): Promise<void>;
  /** Focuses the element `selector` matches and presses `key` on it, as a user's keyboard would. */
  press(selector: string, key: 'Enter' | ' '): Promise<void>;
  /** Replaces the value of the input or textarea `selector` matches with `value`, typed in. */
  fill(selector: string, value: string): Promise<void>;
  /** Saves a PNG of the page (the viewport, or the full page where the engine can) to `path`. */
  screenshot(path: string): Promise<void>;
  url(): string;
}
