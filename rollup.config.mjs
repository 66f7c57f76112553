// Builds from the JavaScript that `tsc` wrote to .build/ (ES2019), so that rollup needs no TypeScript plugin.
import { createHash } from 'node:crypto';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

/** Hands rollup the source map tsc wrote beside each file, so that dist maps point at src/*.ts. */
const tscSourceMaps = {
  name: 'tsc-source-maps',
  load(id) {
    if (!id.includes('/.build/') || !existsSync(`${id}.map`)) return null;
    return { code: readFileSync(id, 'utf8'), map: readFileSync(`${id}.map`, 'utf8') };
  },
};

/**
 * Prints the sha384 Subresource Integrity of the written file, and writes it beside it (`<file>.sri`): the
 * value of the `integrity` attribute of a CDN tag. Read from disk, so it is of exactly the bytes served.
 */
const integrity = {
  name: 'integrity',
  writeBundle({ file }) {
    const value = `sha384-${createHash('sha384').update(readFileSync(file)).digest('base64')}`;
    writeFileSync(`${file}.sri`, `${value}\n`);
    console.log(`${file} integrity: ${value}`);
  },
};

/** A script every visitor downloads: everything bundled and minified, with its integrity. */
const script = (input, file) => ({
  input,
  // The map is written but not linked: every visitor would download the comment, no visitor needs it.
  output: { file, format: 'iife', sourcemap: 'hidden', strict: false },
  plugins: [
    tscSourceMaps,
    resolve({ browser: true }), // nanoid's browser build uses crypto.getRandomValues, not node:crypto
    terser({
      ecma: 2019,
      // The options that made this bundle smallest under gzip (a third pass adds bytes); the `unsafe` ones
      // hold for this code, which uses no `this` in the returned objects' functions.
      compress: { passes: 2, unsafe_arrows: true, unsafe: true, unsafe_methods: true, inline: 3 },
      // Internal names start with `_` and may be shortened; wire keys, stored records and options never are.
      mangle: { properties: { regex: /^_/ } },
    }),
    integrity,
  ],
});

export default [
  // The script-tag build: `window.tracker`, defined by global.ts.
  script('.build/global.js', 'dist/tracker.min.js'),
  // The service-worker build: served as a site's worker, or loaded into its own with importScripts().
  script('.build/sw.js', 'dist/sw.js'),
  {
    // The npm build, `beacon-tracker`, `beacon-tracker/capture` (a side effect: it registers capture with the
    // tracker) and `beacon-tracker/sw`: readable ESM; idb-keyval and nanoid stay imports so that an app's
    // bundler shares them.
    input: { index: '.build/index.js', capture: '.build/capture-entry.js', worker: '.build/worker.js' },
    output: { dir: 'dist', format: 'es', sourcemap: true, chunkFileNames: 'shared-[hash].js' },
    external: ['idb-keyval', 'nanoid'],
    plugins: [tscSourceMaps],
  },
];
