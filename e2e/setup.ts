/**
 * vitest globalSetup: checks that the tracker is built, and bundles the SPA fixture the way an app's
 * bundler would (rollup + node-resolve, 'beacon-tracker' resolved to the npm build in dist/).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

export default async function setup() {
  for (const file of ['dist/tracker.min.js', 'dist/index.js']) {
    if (!existsSync(root(file))) throw new Error(`${file} is missing: run \`npm run build\` before the end-to-end tests.`);
  }
  const bundle = await rollup({
    input: root('e2e/pages/spa.app.js'),
    plugins: [
      {
        name: 'beacon-tracker',
        // The package itself is not in node_modules: point its name at its npm build.
        resolveId: (id) => (id == 'beacon-tracker' ? root('dist/index.js') : null),
      },
      nodeResolve({ browser: true }),
    ],
  });
  await bundle.write({ file: root('e2e/pages/build/spa.js'), format: 'es', sourcemap: true });
  await bundle.close();
}
