// @vitest-environment node
// The script build is downloaded by every visitor of every page that carries it: its size is a budget
// that fails the tests. `npm test` builds before it runs this.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';

/**
 * Gzip bytes allowed for dist/tracker.min.js. The product's target is 3,072 (issue 2): the build is
 * over it today (see README), and this check keeps it from growing while the gap is closed.
 */
const BUDGET = 3_328;

it(`dist/tracker.min.js stays under ${BUDGET} bytes gzipped`, () => {
  expect(existsSync('dist/tracker.min.js'), 'run `npm run build` first').toBe(true);
  const gzipped = gzipSync(readFileSync('dist/tracker.min.js'), { level: 9 }).length;
  console.log(`dist/tracker.min.js: ${gzipped} bytes gzipped (budget ${BUDGET})`);
  expect(gzipped).toBeLessThan(BUDGET);
});
