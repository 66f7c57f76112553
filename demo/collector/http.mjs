// HTTP plumbing shared by the collector and the demo site: servers with a request timeout, bounded body
// reading, JSON answers.
import http from 'node:http';

/**
 * A node:http server that cuts a request whose headers and body have not all arrived `requestTimeout`
 * ms after it started (Node answers 408 and closes the connection). An answer the handler holds back
 * (the hang and slow faults) is not cut: the request was received.
 * @param {http.RequestListener} handler
 * @param {{ requestTimeout: number }} options  ms
 */
export function createHttpServer(handler, { requestTimeout }) {
  return http.createServer({
    requestTimeout,
    headersTimeout: requestTimeout,
    // Node checks for expired requests on this interval (30 s by default): a cut comes at most this late.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, requestTimeout / 4)),
  }, handler);
}

/** Whether a request stopped arriving because the server's request timeout cut it. */
export const timedOut = (req) => req.socket.errored?.code === 'ERR_HTTP_REQUEST_TIMEOUT';

/**
 * Resolves with the bound port on 'listening', rejects on the listen error (EADDRINUSE...).
 * @param {http.Server} server
 * @returns {Promise<number>}
 */
export function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port);
    });
  });
}

/**
 * Stops listening and cuts every open connection, hanging ones included.
 * @param {http.Server} server
 * @returns {Promise<void>}
 */
export function shut(server) {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The origin of a URL host: IPv6 addresses go in brackets. */
export const urlHost = (host) => (host.includes(':') ? `[${host}]` : host);

/**
 * @typedef {object} Body
 * @property {Buffer} buffer   what was read (empty when the declared length alone was too large)
 * @property {number} bytes    bytes actually read
 * @property {boolean} tooLarge the body is over the limit; reading stopped
 */

/**
 * Reads a request body, at most `limit` bytes.
 * When Content-Length already says too much nothing is read, so the caller can answer 413 before the
 * client has sent the body; a chunked body stops being read as soon as it crosses the limit.
 * Rejects when the client aborts mid-body.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<Body>}
 */
export function readBody(req, limit) {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.resolve({ buffer: Buffer.alloc(0), bytes: 0, tooLarge: true });

  return new Promise((resolve, reject) => {
    const chunks = [];
    let bytes = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
    };
    const onData = (chunk) => {
      bytes += chunk.length;
      chunks.push(chunk);
      if (bytes <= limit) return;
      stop();
      req.pause();
      resolve({ buffer: Buffer.concat(chunks), bytes, tooLarge: true });
    };
    const onEnd = () => {
      stop();
      resolve({ buffer: Buffer.concat(chunks), bytes, tooLarge: false });
    };
    // 'close' before 'end' means the client went away mid-body.
    const onClose = () => {
      stop();
      reject(Object.assign(new Error('request aborted'), { code: 'ECONNRESET' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    // An abort also surfaces as 'error'; 'close' follows and settles the promise.
    req.on('error', () => {});
  });
}

/**
 * Answers with a JSON body (a `null` body is sent as the JSON text `null`, as Tracardi does).
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
export function sendJson(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body) ?? 'null';
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/**
 * Parses a JSON request body, for the small control endpoints (admin, reconciliation).
 * @param {Body} body
 * @returns {{ ok: boolean, value?: any, error?: string }}
 */
export function parseJson(body) {
  const text = body.buffer.toString('utf8');
  try {
    return { ok: true, value: text.trim() === '' ? undefined : JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: /** @type {Error} */ (error).message };
  }
}

