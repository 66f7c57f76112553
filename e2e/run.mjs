// `npm run test:e2e [-- --engine chromium] [vitest args]`: the end-to-end suites in a real browser.
import { spawnSync } from 'node:child_process';
import { findChromium } from './driver/chromium.mjs';

const args = process.argv.slice(2);
const engineFlag = args.indexOf('--engine');
const engine = engineFlag >= 0 ? args.splice(engineFlag, 2)[1] : 'chromium';
if (engine != 'chromium') {
  console.error(`Unknown engine "${engine}": this suite runs in chromium only for now.`);
  process.exit(2);
}
if (!findChromium()) {
  console.error(
    'No Chromium found for the end-to-end tests. Install one of:\n' +
      '  apt-get install -y chromium        (Debian/Ubuntu: /usr/bin/chromium)\n' +
      '  npx playwright install chromium    (Playwright\'s own build)\n' +
      'or set CHROMIUM_PATH to a Chromium binary.',
  );
  process.exit(1);
}
const run = spawnSync('npx', ['vitest', 'run', '--config', 'e2e/vitest.config.ts', ...args], {
  stdio: 'inherit',
  env: { ...process.env, E2E_ENGINE: engine },
});
process.exit(run.status ?? 1);
