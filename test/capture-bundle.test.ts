// @vitest-environment node
// What an app's bundler makes of the npm build (`npm run build` first; npm test builds): an app that imports
// only createTracker carries no capture code; one that adds `import 'beacon-tracker/capture'` does. The
// package is installed as npm would link it, so that the bundler reads its exports and its sideEffects list
// (a capture entry missing from sideEffects would be dropped, and init() would throw).
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Strings only capture's code holds. */
const CAPTURE_CODE = ['outbound-link', 'file-download', 'page-engagement', '[data-track]', 'auxclick', 'maxScrollPercent'];

let app: string;
beforeAll(() => {
  if (!existsSync(path.join(root, 'dist/capture.js'))) throw new Error('dist/capture.js is missing: run `npm run build` first (npm test does)');
  app = mkdtempSync(path.join(os.tmpdir(), 'beacon-bundle-'));
  mkdirSync(path.join(app, 'node_modules'));
  symlinkSync(root, path.join(app, 'node_modules', 'beacon-tracker'), 'dir');
});
afterAll(() => rmSync(app, { recursive: true, force: true }));

/** Bundles `source` as an app's entry, the way demo/site/build-spa.mjs does: rollup with node-resolve. */
async function bundle(name: string, source: string): Promise<string> {
  const input = path.join(app, `${name}.js`);
  writeFileSync(input, source);
  const build = await rollup({ input, plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
  try {
    const { output } = await build.generate({ format: 'es' });
    return output.map((chunk) => (chunk.type == 'chunk' ? chunk.code : '')).join('\n');
  } finally {
    await build.close();
  }
}

it('an app that imports only createTracker and calls track() gets no capture code', async () => {
  const code = await bundle('core', `import { createTracker } from 'beacon-tracker';\ncreateTracker({ url: 'https://c.test', source: 'web' }).track('signup');\n`);
  expect(code).toContain('createTracker');
  for (const text of CAPTURE_CODE) expect(code, text).not.toContain(text);
});

it("an app that adds import 'beacon-tracker/capture' gets it, registered", async () => {
  const code = await bundle('capture', `import { createTracker } from 'beacon-tracker';\nimport 'beacon-tracker/capture';\ncreateTracker({ url: 'https://c.test', source: 'web', taggedEvents: true }).track('signup');\n`);
  for (const text of CAPTURE_CODE) expect(code, text).toContain(text);
  expect(code).toMatch(/useCapture\(/);
});
