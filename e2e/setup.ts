/**
 * vitest globalSetup: checks that the tracker is built, and bundles the fixture apps (pages/<app>.app.js
 * into pages/build/<app>.js) with the demo's SPA build, against the build under test; the app that imports
 * 'beacon-tracker/capture' as well, with rollup resolving both entries (the demo's build resolves the first only).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
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
  const entries: Record<string, string> = { 'beacon-tracker': 'index.js', 'beacon-tracker/capture': 'capture.js' };
  const bundle = await rollup({
    input: fileURLToPath(new URL('pages/capture-spa.app.js', import.meta.url)),
    plugins: [{ name: 'beacon-tracker', resolveId: (source) => (source in entries ? path.join(dist, entries[source]) : null) }, nodeResolve({ browser: true })],
  });
  try {
    await bundle.write({ file: fileURLToPath(new URL('pages/build/capture-spa.js', import.meta.url)), format: 'es', sourcemap: true });
  } finally {
    await bundle.close();
  }
}
