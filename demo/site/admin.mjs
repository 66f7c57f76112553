// The site's admin API (/admin/*): what the QA page and the e2e suites use to read the collector and
// switch its faults. It answers only the site's own pages: it can take the collector down and read every
// event, so another page in the same browser must not drive it.
import { parseJson, readBody, sendJson } from '../collector/http.mjs';

const ADMIN_BODY_LIMIT = 64 * 1024;

/**
 * Whether a request comes from the site's own pages, or from no page at all (a test, curl).
 * A browser marks a request from another origin with Origin (every POST, cross-origin GETs) and with
 * Sec-Fetch-Site; the Host check refuses a page whose own name was rebound to this address (DNS rebinding).
 * @param {import('node:http').IncomingMessage} req
 * @param {{ origins: string[], hosts: string[] }} own  the site's origins and Host values
 */
export function fromOwnSite(req, own) {
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return false;
  const origin = req.headers.origin;
  if (origin !== undefined && !own.origins.includes(origin)) return false;
  return own.hosts.includes(String(req.headers.host).toLowerCase());
}

/**
 * @param {object} demo
 * @param {ReturnType<typeof import('../collector/collector.mjs').createCollector>} demo.collector
 * @param {() => boolean} demo.isDown
 * @param {() => Promise<void>} demo.down
 * @param {() => Promise<void>} demo.up
 * @param {{ origins: string[], hosts: string[] }} demo.own  the site's origins and Host values
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL) => Promise<void>}
 */
export function createAdminApi({ collector, isDown, down, up, own }) {
  const state = () => ({ fault: collector.getFault(), down: isDown() });

  return async function admin(req, res, url) {
    const reply = (status, body) => sendJson(res, status, body);
    if (!fromOwnSite(req, own)) return sendJson(res, 403, { detail: 'The admin API answers only the demo site\'s own pages' }, { Connection: 'close' });
    switch (`${req.method} ${url.pathname.slice('/admin'.length)}`) {
      case 'POST /fault': {
        const body = parseJson(await readBody(req, ADMIN_BODY_LIMIT));
        if (!body.ok) return reply(400, { detail: body.error });
        try {
          collector.setFault(body.value);
        } catch (error) {
          return reply(400, { detail: /** @type {Error} */ (error).message });
        }
        return reply(200, state());
      }
      case 'POST /down': await down(); return reply(200, state());
      case 'POST /up': await up(); return reply(200, state());
      case 'POST /reset': collector.reset(); return reply(200, state());
      case 'GET /state': return reply(200, state());
      case 'GET /raw': {
        const since = Number(url.searchParams.get('since') ?? 0);
        return reply(200, collector.rawLog.filter((record) => record.seq > since));
      }
      case 'GET /events': return reply(200, collector.store.all());
      case 'GET /stats': return reply(200, collector.stats());
      case 'GET /query': {
        // GET /events of the collector, answered in-process, so it works while the collector is down.
        const { status, body } = collector.queryEvents(url.searchParams);
        return reply(status, body);
      }
      default: return reply(404, { detail: 'Not Found' });
    }
  };
}
