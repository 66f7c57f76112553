/**
 * vitest globalSetup: checks that the tracker is built, and bundles the SPA fixture the way an app's
 * bundler would (rollup + node-resolve, 'beacon-tracker' resolved to the npm build, dist/index.js).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import nodeResolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { distDir } from './helpers/dist';

export default async function setup() {
  const dist = distDir();
  for (const file of ['tracker.min.js', 'index.js']) {
    if (!existsSync(path.join(dist, file))) throw new Error(`${path.join(dist, file)} is missing: run \`npm run build\` before the end-to-end tests.`);
  }
  const bundle = await rollup({
    input: new URL('pages/spa.app.js', import.meta.url).pathname,
    plugins: [
      {
        name: 'beacon-tracker',
        // The package is not in its own node_modules: its name resolves to its npm build.
        resolveId: (id) => (id == 'beacon-tracker' ? path.join(dist, 'index.js') : null),
      },
      nodeResolve({ browser: true }),
    ],
  });
  await bundle.write({ file: new URL('pages/build/spa.js', import.meta.url).pathname, format: 'es', sourcemap: true });
  await bundle.close();
}
