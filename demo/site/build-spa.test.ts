// @vitest-environment node
// The one SPA build, used by `npm run demo` and by the e2e setup.
import { expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
// @ts-ignore: plain ESM with JSDoc, no declaration file
import { buildSpa } from './build-spa.mjs';
import { tempDir } from '../collector/test-helpers';

it("bundles an app with 'beacon-tracker' resolved to the given build", async () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist/index.js'), "export const tracker = { build: 'under-test' };\n");
  fs.writeFileSync(path.join(dir, 'app.js'), "import { tracker } from 'beacon-tracker';\nwindow.build = tracker.build;\n");
  const output = path.join(dir, 'build/app.js');
  await buildSpa({ input: path.join(dir, 'app.js'), output, dist: path.join(dir, 'dist') });
  expect(fs.readFileSync(output, 'utf8')).toContain("'under-test'");
  expect(fs.existsSync(`${output}.map`)).toBe(true);
});

it('names the missing build instead of bundling without it', async () => {
  const dir = tempDir();
  await expect(buildSpa({ input: path.join(dir, 'app.js'), output: path.join(dir, 'out.js'), dist: dir })).rejects.toThrow(/index\.js is missing: run `npm run build`/);
});
