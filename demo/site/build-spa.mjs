#!/usr/bin/env node
// Bundles the SPA demo (demo/site/spa/main.js) into demo/site/public/build/spa.js, resolving 'beacon-tracker' to
// the npm build (dist/index.js) as a bundler would resolve the installed package. Run `npm run build` first.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const distEntry = path.join(repoRoot, 'dist/index.js');
const output = path.join(repoRoot, 'demo/site/public/build/spa.js');

if (!fs.existsSync(distEntry)) {
  console.error('dist/index.js is missing: run `npm run build` first.');
  process.exit(1);
}

/** 'beacon-tracker' is this package: point it at its ESM build. */
const self = {
  name: 'beacon-tracker-self',
  resolveId: (source) => (source === 'beacon-tracker' ? distEntry : null),
};

const bundle = await rollup({
  input: path.join(repoRoot, 'demo/site/spa/main.js'),
  plugins: [self, nodeResolve({ browser: true })],
});
try {
  await bundle.write({ file: output, format: 'es', sourcemap: true });
} finally {
  await bundle.close();
}
console.log(`SPA bundle: ${path.relative(repoRoot, output)}`);
