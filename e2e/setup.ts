/**
 * vitest globalSetup: checks that the tracker is built, and bundles the fixture apps (pages/<app>.app.js
 * into pages/build/<app>.js) with the demo's SPA build, against the build under test.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSpa } from '../demo/site/build-spa.mjs';
import { distDir } from './helpers/dist';

export default async function setup() {
  const dist = distDir();
  for (const file of ['tracker.min.js', 'index.js']) {
    if (!existsSync(path.join(dist, file))) throw new Error(`${path.join(dist, file)} is missing: run \`npm run build\` before the end-to-end tests.`);
  }
  for (const app of ['spa', 'two-trackers']) {
    await buildSpa({
      input: fileURLToPath(new URL(`pages/${app}.app.js`, import.meta.url)),
      output: fileURLToPath(new URL(`pages/build/${app}.js`, import.meta.url)),
      dist,
    });
  }
}
