// @vitest-environment node
// The script build is downloaded by every visitor of every page that carries it: its size is a budget.
// `npm test` builds before it runs vitest; `npx vitest run` alone measures whatever dist/ holds.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';

/** What the script build should weigh, gzipped (zlib level 9), with every feature in. */
const TARGET = 4_096;
/** The hard ceiling: a build over it fails `npm test`. */
const CEILING = 4_608;
const BUILD = 'dist/tracker.min.js';

it(`${BUILD} stays within ${CEILING} bytes gzipped`, () => {
  if (!existsSync(BUILD)) throw new Error(`${BUILD} is missing: run \`npm run build\` first (npm test does)`);
  const size = gzipSync(readFileSync(BUILD), { level: 9 }).length;
  console.log(`${BUILD}: ${size} bytes gzipped (ceiling ${CEILING}, target ${TARGET}: ${size - TARGET >= 0 ? '+' : ''}${size - TARGET})`);
  expect(size).toBeLessThanOrEqual(CEILING);
});
