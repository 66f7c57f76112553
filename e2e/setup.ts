/**
 * vitest globalSetup: checks that the tracker is built, and bundles the SPA fixture (pages/spa.app.js)
 * with the demo's SPA build, against the build under test.
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
  await buildSpa({
    input: fileURLToPath(new URL('pages/spa.app.js', import.meta.url)),
    output: fileURLToPath(new URL('pages/build/spa.js', import.meta.url)),
    dist,
  });
}
