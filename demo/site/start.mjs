#!/usr/bin/env node
// `npm run demo`: starts the collector and the demo site, prints where they are, stops on Ctrl-C.
import { parseArgs } from 'node:util';
import { startDemoServer } from './server.mjs';

// The demo pages in demo/site/public that a person opens first.
const PAGES = { 'QA page': '/', 'SPA page': '/spa.html' };
const PORT_FLAGS = { collector: ['--collector-port', 'COLLECTOR_PORT'], site: ['--site-port', 'SITE_PORT'] };
const USAGE = `Usage: node demo/site/start.mjs [--collector-port N] [--site-port N] [--memory] [--sources a,b] [--origins o1,o2] [--request-timeout ms] [--trusted-proxies ip1,ip2]
  --collector-port  collector port (env COLLECTOR_PORT), default 8787; 0 = any free port
  --site-port       demo site port (env SITE_PORT), default 8080; 0 = any free port
  --memory          keep events in memory only (default: demo/data/events.jsonl and raw.jsonl)
  --sources         accepted source ids, comma separated (default: any)
  --origins         the only origins whose requests the collector answers (others get 403), comma
                    separated (default: any origin, echoed in CORS)
  --request-timeout ms a request's headers and body may take to arrive before it is cut, default 5000
  --trusted-proxies socket addresses whose X-Forwarded-For gives the client ip (default: none)`;

const list = (text) => text?.split(',').map((item) => item.trim()).filter(Boolean);

function port(text, name) {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number, got "${text}"`);
  return value;
}

function milliseconds(text, name) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) throw new Error(`${name} must be a whole number of milliseconds from 1, got "${text}"`);
  return value;
}

function parseOptions(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'collector-port': { type: 'string' },
      'site-port': { type: 'string' },
      memory: { type: 'boolean', default: false },
      sources: { type: 'string' },
      origins: { type: 'string' },
      'request-timeout': { type: 'string' },
      'trusted-proxies': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return {
    help: values.help,
    options: {
      collectorPort: port(values['collector-port'] ?? env.COLLECTOR_PORT, '--collector-port'),
      sitePort: port(values['site-port'] ?? env.SITE_PORT, '--site-port'),
      memory: values.memory,
      sources: list(values.sources) ?? null,
      allowedOrigins: list(values.origins) ?? null,
      requestTimeout: milliseconds(values['request-timeout'], '--request-timeout'),
      trustedProxies: list(values['trusted-proxies']) ?? [],
    },
  };
}

async function main() {
  let parsed;
  try {
    parsed = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.help) return console.log(USAGE);

  let demo;
  try {
    demo = await startDemoServer(Object.fromEntries(Object.entries(parsed.options).filter(([, value]) => value !== undefined)));
  } catch (error) {
    if (error.code !== 'EADDRINUSE') throw error;
    const [flag, envVar] = PORT_FLAGS[error.listener];
    console.error(`Port ${error.port} (${error.listener}) is already in use: choose another with ${flag} <port> or ${envVar}=<port>.`);
    process.exit(1);
  }

  const { collectorUrl, siteUrl } = demo;
  for (const [name, pagePath] of Object.entries(PAGES)) console.log(`${name.padEnd(10)} ${siteUrl}${pagePath}`);
  console.log(`${'Collector'.padEnd(10)} ${collectorUrl}/track`);
  if (parsed.options.allowedOrigins && !parsed.options.allowedOrigins.includes(siteUrl)) {
    console.warn(`Warning: --origins does not include ${siteUrl}: the demo pages cannot post to the collector.`);
  }
  console.log(`DEMO_READY ${JSON.stringify({ collectorUrl, siteUrl })}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // A close that stalls must not keep a Ctrl-C waiting.
    setTimeout(() => process.exit(0), 2000).unref();
    await demo.close();
    console.log('Demo stopped.');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
