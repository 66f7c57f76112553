// `npm run test:e2e [-- --engine chromium] [vitest arguments]`: the end-to-end suites in a real browser.
// Every argument but --engine goes to vitest (a file filter, -t "name", --reporter verbose...).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from './driver/find-chromium.mjs';

/** How each engine is found before vitest starts; each one's adapter is in driver/ (see driver/index.ts). */
const ENGINES = { chromium: findChromium };

const args = process.argv.slice(2);
let engine = 'chromium';
for (let i = 0; i < args.length; i++) {
  const [flag, value] = args[i].split(/=(.*)/s);
  if (flag != '--engine') continue;
  const inline = value !== undefined;
  engine = inline ? value : args[i + 1];
  args.splice(i--, inline ? 1 : 2);
}
if (!(engine in ENGINES)) {
  console.error(`Unknown engine ${JSON.stringify(engine)}: one of ${Object.keys(ENGINES).join(', ')}.`);
  process.exit(2);
}
try {
  ENGINES[engine]();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

const root = fileURLToPath(new URL('..', import.meta.url));
for (const file of ['dist/tracker.min.js', 'dist/index.js']) {
  if (!existsSync(`${root}/${file}`)) {
    console.error(`${file} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}

const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'e2e/vitest.config.ts', ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, E2E_ENGINE: engine },
});
process.exit(run.status ?? 1);
