/**
 * WebKit through selenium-webdriver and WebKitGTK's WebKitWebDriver, driving MiniBrowser (Debian's
 * webkit2gtk-driver). MiniBrowser needs a display: e2e/run.mjs runs this engine under `xvfb-run -a`.
 *
 * WebDriver has one profile per session, so each context is a session of its own (its own WebKitWebDriver
 * and MiniBrowser, an ephemeral profile) and each page a window of it: a tab opened beside another stays in
 * the background (visibilityState "hidden", and a screenshot of it never returns), where a page in a window
 * of its own is in front, as a page the user looks at. A session keeps its first, blank window open, so
 * that closing a page's window never ends it. Every command first switches to its page's window: the commands of
 * a session go one at a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { writeFile } from 'node:fs/promises';
import { Builder, Button, By, Key, type WebDriver } from 'selenium-webdriver';
import { findWebKit } from './find-browsers.mjs';
import { supportsOf, Unsupported } from './supports';
import type { Browser, Context, Page } from './types';

/** Session creation hangs without a display (and sometimes with one): never wait longer than this. */
const SESSION_TIMEOUT = 30_000;
const TIMEOUT = 30_000;

export async function launchWebKit(): Promise<Browser> {
  const { driver, miniBrowser } = findWebKit();
  if (!process.env.DISPLAY) {
    throw new Error('WebKit (MiniBrowser) needs a display and hangs at session creation without one: run it under `xvfb-run -a` (e2e/run.mjs does).');
  }
  const open = new Set<Session>();
  const start = async () => {
    const session = await Session.start(driver, miniBrowser);
    open.add(session);
    session.onClose = () => open.delete(session);
    return session;
  };
  // A first session now: the version for the summary, and a clear failure in beforeAll when WebKit cannot start.
  let spare: Session | undefined = await start();
  const version = `${spare.browserName}/${spare.browserVersion}`;
  return {
    engine: 'webkit',
    version,
    supports: supportsOf('webkit'),
    async newContext() {
      const session = spare ?? (await start());
      spare = undefined;
      return wrapContext(session);
    },
    async onProfile() {
      throw new Error("WebKit cannot keep a profile across processes (see e2e/driver/gaps.mjs): the scenario should call requires(suite, 'crash')");
    },
    async close() {
      await Promise.all([...open].map((session) => session.close()));
    },
  };
}

const withTimeout = <T>(promise: Promise<T>, ms: number, message: string) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One WebKitWebDriver process with one session (one MiniBrowser, one profile). */
class Session {
  browserName = '';
  browserVersion = '';
  onClose = () => {};
  private queue: Promise<unknown> = Promise.resolve();
  private current = '';
  private closed = false;

  private constructor(
    private readonly process: ChildProcess,
    readonly driver: WebDriver,
    readonly keeper: string,
  ) {}

  static async start(driverPath: string, miniBrowser: string): Promise<Session> {
    const port = await freePort();
    const child = spawn(driverPath, [`--port=${port}`, '--host=local'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    try {
      const driver = await withTimeout(
        (async () => {
          // WebKitWebDriver listens a moment after it starts: retry the connection, not the session.
          for (let attempt = 0; ; attempt++) {
            try {
              await new Promise<void>((resolve, reject) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); resolve(); }).once('error', reject));
              break;
            } catch (error) {
              if (attempt > 100 || child.exitCode !== null) throw new Error(`WebKitWebDriver did not listen on ${port}: ${stderr || error}`);
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          }
          return new Builder()
            .usingServer(`http://127.0.0.1:${port}`)
            .withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: miniBrowser, args: ['--automation'] } })
            .build();
        })(),
        SESSION_TIMEOUT,
        `WebKitWebDriver did not create a session within ${SESSION_TIMEOUT / 1000} s (MiniBrowser without a display hangs there: is DISPLAY=${process.env.DISPLAY} an X server?). ${stderr}`,
      );
      await driver.manage().setTimeouts({ script: TIMEOUT, pageLoad: TIMEOUT });
      const capabilities = await driver.getCapabilities();
      const session = new Session(child, driver, await driver.getWindowHandle());
      session.browserName = String(capabilities.get('browserName'));
      session.browserVersion = String(capabilities.get('browserVersion'));
      session.current = session.keeper;
      return session;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** Runs `step` in the tab `handle` once the commands before it are done. */
  run<T>(handle: string, step: (driver: WebDriver) => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      if (this.closed) throw new Error('The WebKit context is closed');
      if (this.current != handle) {
        await this.driver.switchTo().window(handle);
        this.current = handle;
      }
      return step(this.driver);
    });
    this.queue = result.catch(() => {});
    return result;
  }

  async newTab(): Promise<string> {
    return this.run(this.current, async (driver) => {
      await driver.switchTo().newWindow('window');
      return (this.current = await driver.getWindowHandle());
    });
  }

  async closeTab(handle: string): Promise<void> {
    await this.run(handle, async (driver) => {
      await driver.close();
      await driver.switchTo().window(this.keeper);
      this.current = this.keeper;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.onClose();
    await withTimeout(this.driver.quit(), 10_000, 'quit').catch(() => {});
    this.process.kill('SIGTERM');
  }
}

function wrapContext(session: Session): Context {
  return {
    async newPage(url) {
      const page = wrapPage(session, await session.newTab());
      if (url) await page.goto(url);
      return page;
    },
    async setOffline() {
      throw new Error(`WebKit cannot go offline (see e2e/driver/gaps.mjs): the scenario should call requires(suite, 'offline')`);
    },
    async dispatchSync() {
      throw new Unsupported('webkit', 'backgroundSync');
    },
    close: () => session.close(),
  };
}

/**
 * The page-side wrapper of evaluate(): JSON both ways, so that undefined stays undefined and errors keep
 * their message. The function's source goes into the script itself (WebDriver runs it whatever the page's
 * CSP says), never through eval(), which a strict CSP forbids. The answer goes back as a string: WebKit's
 * automation serialises an object it is given with its inherited enumerable properties too, and on a page
 * that set an object on Object.prototype (a polluted page) that is a cycle it refuses.
 */
const evaluateScript = (source: string) => `
  const [arg, done] = arguments;
  Promise.resolve()
    .then(() => (${source})(arg === null ? undefined : JSON.parse(arg)))
    .then((value) => done(JSON.stringify(value === undefined ? { undefined: true } : { json: JSON.stringify(value) })),
          (error) => done(JSON.stringify({ error: String(error && error.stack ? error.message + '\\n' + error.stack : error) })));
`;

function wrapPage(session: Session, handle: string): Page {
  let url = 'about:blank';
  const page: Page = {
    async goto(target, { referer } = {}) {
      await session.run(handle, async (driver) => {
        if (!referer) return driver.get(target);
        // WebDriver cannot set a referrer: open the referring page and follow a link from it, as a user would.
        await driver.get(referer);
        await driver.executeScript(`const a = document.createElement('a'); a.href = arguments[0]; document.body.append(a); window.__e2eLeaving = true; a.click();`, target);
        const deadline = Date.now() + TIMEOUT;
        for (;;) {
          const arrived = await driver.executeScript<boolean>(`return !window.__e2eLeaving && document.readyState == 'complete'`).catch(() => false);
          if (arrived) break;
          if (Date.now() > deadline) throw new Error(`goto(${target}) from ${referer} did not load within ${TIMEOUT} ms`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      url = await session.run(handle, (driver) => driver.getCurrentUrl());
    },
    async evaluate(fn, arg) {
      const answer = await session.run(handle, (driver) => driver.executeAsyncScript<string>(evaluateScript(fn.toString()), arg === undefined ? null : JSON.stringify(arg)));
      const result: { undefined?: true; json?: string; error?: string } = JSON.parse(answer);
      if (result.error !== undefined) throw new Error(`evaluate() failed in WebKit: ${result.error}`);
      return result.undefined ? (undefined as never) : JSON.parse(result.json!);
    },
    async reload() {
      await session.run(handle, (driver) => driver.navigate().refresh());
    },
    async back() {
      await session.run(handle, (driver) => driver.navigate().back());
      url = await session.run(handle, (driver) => driver.getCurrentUrl());
    },
    async close(options) {
      if (options?.runBeforeUnload) throw new Error("WebKit cannot run beforeunload on close (see e2e/driver/gaps.mjs): the scenario should call requires(suite, 'beforeUnload')");
      await session.closeTab(handle);
    },
    click: (selector, { button, modifier } = {}) =>
      session.run(handle, async (driver) => {
        const element = await driver.findElement(By.css(selector));
        if (!button && !modifier) return element.click();
        // WebDriver actions: the pointer moves onto the element, then presses with the key held.
        const actions = driver.actions({ async: true });
        if (modifier) actions.keyDown(Key.CONTROL);
        actions.move({ origin: element }).press(button == 'middle' ? Button.MIDDLE : Button.LEFT).release(button == 'middle' ? Button.MIDDLE : Button.LEFT);
        if (modifier) actions.keyUp(Key.CONTROL);
        await actions.perform();
      }),
    press: (selector, key) =>
      session.run(handle, async (driver) => {
        await driver.executeScript('arguments[0].focus()', await driver.findElement(By.css(selector)));
        const pressed = key == ' ' ? Key.SPACE : Key.ENTER;
        await driver.actions({ async: true }).keyDown(pressed).keyUp(pressed).perform();
      }),
    fill: (selector, value) =>
      session.run(handle, async (driver) => {
        const field = await driver.findElement(By.css(selector));
        await field.clear();
        await field.sendKeys(value);
      }),
    // WebDriver's screenshot is of the viewport only.
    screenshot: async (path) => writeFile(path, await session.run(handle, (driver) => driver.takeScreenshot()), 'base64'),
    url: () => url,
  };
  return page;
}
