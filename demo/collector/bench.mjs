#!/usr/bin/env node
// How long small requests wait while the collector takes in large ones: `node demo/collector/bench.mjs`.
// The collector runs in a child process with its files in a temporary directory, as `npm run demo` runs
// it; this process sends one small /track request (one event) every 5 ms and times each answer:
//   idle           nothing else going on
//   slow upload    meanwhile one 1 MiB body arrives in 64 KiB pieces every 100 ms (1.6 s)
//   large bodies   meanwhile 1 MiB bodies are posted back to back for 3 s, either one event with a
//                  1 MiB property, or 1 MiB of small events (about 4,800)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

const payload = (events, session = 'bench') => ({ source: { id: 'bench' }, session: { id: session }, events });
let serial = 0;
const smallEvent = () => ({ id: `s${++serial}`, type: 'page-view', time: { create: new Date().toISOString() }, properties: { path: '/products/42', title: 'A product' }, context: { page: { url: 'https://shop.example/products/42' } } });

/** A body of just under 1 MiB: one event with a large property, or many small events. */
function largeBody(shape) {
  const events = [];
  if (shape === 'one event') events.push({ ...smallEvent(), properties: { pad: '' } });
  else {
    const probe = JSON.stringify(payload([smallEvent()])).length;
    while ((events.length + 1) * (probe - 40) < MiB - 4096) events.push(smallEvent());
  }
  const text = JSON.stringify(payload(events, `large-${serial}`));
  if (shape === 'one event') {
    const pad = 'x'.repeat(MiB - Buffer.byteLength(text) - 1);
    return { text: JSON.stringify(payload([{ ...events[0], properties: { pad } }], `large-${serial}`)), events: 1 };
  }
  return { text, events: events.length };
}

function post(url, body, { pieces = 1, gapMs = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(`${url}/track`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    if (pieces === 1) return req.end(body);
    const bytes = Buffer.from(body);
    const size = Math.ceil(bytes.length / pieces);
    let sent = 0;
    const next = () => {
      req.write(bytes.subarray(sent, sent + size));
      sent += size;
      if (sent < bytes.length) setTimeout(next, gapMs);
      else req.end();
    };
    next();
  });
}

/** Small requests every 5 ms until `done` settles; their answer times in ms. */
async function smallWhile(url, done) {
  const times = [];
  const pending = [];
  let finished = false;
  done.then(() => (finished = true));
  while (!finished) {
    pending.push(post(url, JSON.stringify(payload([smallEvent()]))).then((ms) => times.push(ms)));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(pending);
  return times;
}

const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
  return `${String(sorted.length).padStart(4)} requests, median ${at(0.5).padStart(5)} ms, p99 ${at(0.99).padStart(6)} ms, max ${sorted.at(-1).toFixed(1).padStart(6)} ms`;
};

async function startCollector(dataDir) {
  const code = `import { createCollector } from ${JSON.stringify(path.join(here, 'collector.mjs'))};
const collector = createCollector({ dataDir: ${JSON.stringify(dataDir)} });
console.log(await collector.listen(0));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.once('data', (line) => resolve(String(line).trim()));
    child.once('exit', (status) => reject(new Error(`the collector exited with ${status}`)));
  });
  return { url, stop: () => child.kill() };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-collector-bench-'));
const { url, stop } = await startCollector(dataDir);
try {
  console.log(`Node ${process.version}, ${os.cpus().length} cores; small requests every 5 ms, each one event\n`);
  await smallWhile(url, new Promise((resolve) => setTimeout(resolve, 500))); // warm-up
  console.log(`idle                        ${summary(await smallWhile(url, new Promise((resolve) => setTimeout(resolve, 1600))))}`);
  const slow = largeBody('many events');
  let slowMs;
  const slowTimes = await smallWhile(url, post(url, slow.text, { pieces: 16, gapMs: 100 }).then((ms) => (slowMs = ms)));
  console.log(`slow upload (1 MiB, 1.6 s)  ${summary(slowTimes)}; the upload answered after ${slowMs.toFixed(0)} ms`);
  for (const shape of ['one event', 'many events']) {
    const sample = largeBody(shape);
    const large = [];
    const until = Date.now() + 3000;
    const loop = (async () => {
      while (Date.now() < until) large.push(await post(url, largeBody(shape).text));
    })();
    const times = await smallWhile(url, loop);
    const each = summary(large).replace(/requests/, 'bodies');
    console.log(`large bodies, ${shape.padEnd(12)} ${summary(times)}\n  (${sample.events} events a body: ${each})`);
  }
} finally {
  stop();
  agent.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
