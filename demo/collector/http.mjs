// HTTP plumbing shared by the collector and the demo site: bounded body reading and JSON answers.

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

