#!/usr/bin/env node
// Bundles a single-page app the way an app's bundler would: rollup with node-resolve, 'beacon-tracker'
// resolved to this package's npm build (dist/index.js), which is not in its own node_modules.
// Run directly (`npm run demo` does), it bundles the demo SPA, demo/site/spa/main.js, into
// demo/site/public/build/spa.js; e2e/setup.ts bundles its fixture app with the same function.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * @param {object} options
 * @param {string} options.input   the app's entry module
 * @param {string} options.output  the bundle to write (ES module, with a source map)
 * @param {string} [options.dist]  the tracker build to bundle, the repo's dist/ by default
 */
export async function buildSpa({ input, output, dist = path.join(repoRoot, 'dist') }) {
  const entry = path.join(dist, 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first.`);
  const bundle = await rollup({
    input,
    plugins: [
      { name: 'beacon-tracker', resolveId: (source) => (source === 'beacon-tracker' ? entry : null) },
      nodeResolve({ browser: true }),
    ],
  });
  try {
    await bundle.write({ file: output, format: 'es', sourcemap: true });
  } finally {
    await bundle.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const output = path.join(repoRoot, 'demo/site/public/build/spa.js');
  try {
    await buildSpa({ input: path.join(repoRoot, 'demo/site/spa/main.js'), output });
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(`SPA bundle: ${path.relative(repoRoot, output)}`);
}
