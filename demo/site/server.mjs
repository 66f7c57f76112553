// The demo in one process: the collector on one origin, the site (pages, the built tracker, an admin API)
// on another, so that pages reach the collector cross-origin with a CORS preflight, as on real sites.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCollector } from '../collector/collector.mjs';
import { createHttpServer, listen, sendJson, shut, urlHost } from '../collector/http.mjs';
import { createAdminApi } from './admin.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};
// ?delay= is for making a script load late, not for holding sockets forever.
const MAX_DELAY_MS = 60_000;

/**
 * The file a site path names, or null when it would leave its root.
 * `/dist/*` is the build, `/e2e/*` the e2e fixture pages, anything else the demo pages.
 */
function staticFile(pathname, roots) {
  const [root, rest] = pathname.startsWith('/dist/') ? [roots.dist, pathname.slice('/dist/'.length)]
    : pathname.startsWith('/e2e/') ? [roots.e2e, pathname.slice('/e2e/'.length)]
    : [roots.public, pathname.slice(1)];
  let relative;
  try {
    relative = decodeURIComponent(rest);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  // The URL parser already removed `..` segments; an encoded slash (..%2F) is caught here.
  const file = path.resolve(root, relative);
  return file === root || file.startsWith(root + path.sep) ? file : null;
}

/**
 * Starts the collector and the site.
 * @param {object} [options]  any other option is passed to {@link createCollector}
 * @param {number} [options.collectorPort]  8787; 0 picks a free port
 * @param {number} [options.sitePort]       8080; 0 picks a free port
 * @param {string} [options.host]           '127.0.0.1', for both listeners
 * @param {boolean} [options.memory]        keep events in memory only
 * @param {string} [options.dataDir]        'demo/data', relative to the repo
 * @param {number} [options.requestTimeout] ms for a request's headers and body to arrive, on both listeners
 * @param {{ public?: string, dist?: string, e2e?: string }} [options.staticRoots]  directories served
 *   by the site; the repo's demo/site/public, dist and e2e/pages by default (tests point them elsewhere)
 * @returns {Promise<{ collectorUrl: string, siteUrl: string, collector: ReturnType<typeof createCollector>,
 *   down: () => Promise<void>, up: () => Promise<void>, close: () => Promise<void> }>}
 *   A listen error carries `listener` ('collector' or 'site') and `port`.
 */
export async function startDemoServer({
  collectorPort = 8787,
  sitePort = 8080,
  host = '127.0.0.1',
  memory = false,
  dataDir = 'demo/data',
  staticRoots = {},
  ...collectorOptions
} = {}) {
  const roots = {
    public: path.resolve(repoRoot, staticRoots.public ?? 'demo/site/public'),
    dist: path.resolve(repoRoot, staticRoots.dist ?? 'dist'),
    e2e: path.resolve(repoRoot, staticRoots.e2e ?? 'e2e/pages'),
  };
  const collector = createCollector({ ...collectorOptions, dataDir: memory ? null : path.resolve(repoRoot, dataDir) });
  const siteServer = createHttpServer((req, res) => {
    site(req, res).catch((error) => {
      console.error('[site]', error);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { detail: 'Internal Server Error' });
    });
  }, { requestTimeout: collector.requestTimeout });

  let collectorUrl;
  try {
    collectorUrl = await collector.listen(collectorPort, host);
  } catch (error) {
    throw Object.assign(error, { listener: 'collector', port: collectorPort });
  }
  let boundSitePort;
  try {
    boundSitePort = await listen(siteServer, sitePort, host);
  } catch (error) {
    await collector.close();
    throw Object.assign(error, { listener: 'site', port: sitePort });
  }
  const boundCollectorPort = Number(new URL(collectorUrl).port);
  // localhost, not 127.0.0.1: another site than the collector's, so pages meet CORS as in production.
  const siteUrl = `http://localhost:${boundSitePort}`;
  // The site is reached as localhost or by the address it listens on.
  const ownHosts = [`localhost:${boundSitePort}`, `${urlHost(host)}:${boundSitePort}`];
  const own = { origins: ownHosts.map((name) => `http://${name}`), hosts: ownHosts };
  let down = false;

  /** Takes the collector off the network: the browser then sees refused connections. */
  async function goDown() {
    down = true;
    await collector.close();
  }

  /** Listens again on the same port, so pages keep their collector URL. */
  async function goUp() {
    if (down) await collector.listen(boundCollectorPort, host);
    down = false;
  }

  const admin = createAdminApi({ collector, isDown: () => down, down: goDown, up: goUp, own });

  async function site(req, res) {
    if (!URL.canParse(req.url ?? '', siteUrl)) return sendJson(res, 400, { detail: 'Malformed path' });
    const url = new URL(req.url ?? '', siteUrl);
    if (url.pathname.startsWith('/admin/')) return admin(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { detail: 'Method Not Allowed' });
    let file = staticFile(url.pathname, roots);
    if (!file) return sendJson(res, 403, { detail: 'Forbidden' });
    const stat = await fs.stat(file).catch(() => null);
    if (stat?.isDirectory()) file = path.join(file, 'index.html');
    let content = await fs.readFile(file).catch(() => null);
    if (!content) return sendJson(res, 404, { detail: 'Not Found' });

    const delay = Number(url.searchParams.get('delay'));
    // Unref'd: a pending delay must not keep the process alive after close().
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(delay, MAX_DELAY_MS)).unref());
    const extension = path.extname(file).toLowerCase();
    const headers = { 'Content-Type': CONTENT_TYPES[extension] ?? 'application/octet-stream', 'Cache-Control': 'no-store' };
    if (extension === '.html') {
      // Pages learn the URLs from the markup (data attributes), so a strict CSP needs no inline script.
      content = Buffer.from(content.toString('utf8').replaceAll('{{COLLECTOR_URL}}', collectorUrl).replaceAll('{{SITE_URL}}', siteUrl));
      if (url.searchParams.get('csp') === 'strict') {
        headers['Content-Security-Policy'] = `default-src 'self'; script-src 'self'; connect-src ${collectorUrl}; style-src 'self'`;
      }
    }
    res.writeHead(200, { ...headers, 'Content-Length': content.length });
    res.end(req.method === 'HEAD' ? undefined : content);
  }

  return {
    collectorUrl,
    siteUrl,
    collector,
    down: goDown,
    up: goUp,
    /** Closes both listeners and cuts their connections, hanging and delayed ones included. */
    async close() {
      await Promise.all([collector.close(), shut(siteServer)]);
    },
  };
}
