// `npm run bench`: what every visitor pays. Prints the bundle sizes, the cost of track() in Chromium,
// and the cost of the queue's IndexedDB writes at a few sizes. Numbers, not assertions: the budget
// that fails the build is in test/size.test.ts.
import { readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const script = readFileSync('dist/tracker.min.js');
const esm = readFileSync('dist/index.js');
console.log(`dist/tracker.min.js  ${script.length} B, ${gzipSync(script, { level: 9 }).length} B gzip`);
console.log(`dist/index.js        ${esm.length} B, ${gzipSync(esm, { level: 9 }).length} B gzip (before the app's minifier)`);

const executablePath = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const server = createServer((req, res) => {
  if (req.url.startsWith('/tracker.min.js')) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
  if (req.url.startsWith('/track')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"profile":{"id":"p"}}');
  res.writeHead(200, { 'content-type': 'text/html' }).end(req.url == '/blank' ? '' : '<title>bench</title><script src="/tracker.min.js"></script>');
}).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({ executablePath, args: ['--disable-gpu', '--disable-quic'] });
try {
  const page = await browser.newPage();
  await page.goto(origin);
  const perCall = await page.evaluate(async (url) => {
    // Default settings: sends happen between the runs, as they would between clicks.
    tracker.init({ url, source: 'bench' });
    const properties = { product: 'Nike shoes', quantity: 1, price: 59.9, tags: ['a', 'b'] };
    for (let i = 0; i < 2000; i++) tracker.track('warm-up', properties);
    const runs = [];
    for (let run = 0; run < 25; run++) {
      const start = performance.now();
      for (let i = 0; i < 1000; i++) tracker.track("click", properties);
      runs.push(((performance.now() - start) * 1000) / 1000);
      await new Promise((resolve) => setTimeout(resolve, 20)); // as on a page: clicks come apart, sends in between
    }
    return runs.sort((a, b) => a - b);
  }, origin);
  console.log(`track(): median ${perCall[12].toFixed(2)} µs per call (runs: ${perCall.slice(0, 25).map((n) => n.toFixed(1)).join(" ")})`);

  const quiet = await browser.newPage(); // away from the tracker's own sends
  await quiet.goto(`${origin}/blank`);
  const writes = await quiet.evaluate(async () => {
    const open = () =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open('bench-queue');
        request.onupgradeneeded = () => request.result.createObjectStore('queue');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const db = await open();
    const event = JSON.stringify({ id: crypto.randomUUID(), type: 'click', properties: { product: 'Nike shoes', quantity: 1 } });
    const results = [];
    for (const count of [10, 1000, 10000]) {
      const events = Array.from({ length: count }, (_, i) => ({ id: String(i), url: 'u', source: 's', session: 'x', event }));
      const start = performance.now();
      await new Promise((resolve) => {
        const tx = db.transaction('queue', 'readwrite');
        const store = tx.objectStore('queue');
        const get = store.get('queue');
        get.onsuccess = () => store.put({ events, dropped: 0 }, 'queue');
        tx.oncomplete = resolve;
      });
      results.push([count, performance.now() - start]);
    }
    return results;
  });
  for (const [count, ms] of writes) console.log(`queue write with ${count} events: ${ms.toFixed(1)} ms`);
} finally {
  await browser.close();
  server.close();
}
