// @vitest-environment node
// The package as an app and a server see it: what `npm run build` wrote (npm test builds first).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (file: string) => {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  return readFileSync(file, 'utf8');
};
const pkg = JSON.parse(read('package.json'));

it('the ESM build imports and runs in Node (server-side rendering): every call does nothing and never throws', async () => {
  expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
  const module = await import('../dist/index.js');
  expect(Object.keys(module).sort()).toEqual(['CONTEXTS', 'MODES', 'createTracker', 'tracker']);
  const { tracker, createTracker } = module;
  expect(tracker.sessionId).toBeUndefined();
  expect(tracker.track('before-init')).toBe('');
  expect(() => tracker.init({ url: 'https://collector.test', source: 'web', pageViews: true, requireConsent: true })).not.toThrow();
  expect(tracker.track('view', { a: 1 })).toBe('');
  expect(tracker.publish('Created', 'Order', { id: 1 })).toBe('');
  expect(tracker.identify('c-42', { plan: 'pro' })).toBe('');
  await expect(tracker.collect('coupon-received', { code: 'X' })).resolves.toBeUndefined();
  expect(() => tracker.consent(true)).not.toThrow();
  expect(() => tracker.consent(false)).not.toThrow();
  expect(() => tracker.reset()).not.toThrow();
  await expect(tracker.flush()).resolves.toBeUndefined();
  expect(tracker.sessionId).toBeUndefined();
  expect(createTracker({ url: 'https://collector.test', source: 'web' }).track('view')).toBe('');
  // Capture registers itself on import, and touches no DOM until a tracker starts it in a browser.
  expect(Object.keys(await import('../dist/capture.js'))).toEqual([]);
  expect(createTracker({ url: 'https://collector.test', source: 'web', taggedEvents: true, engagement: true }).track('view')).toBe('');
});

/** The script builds (page and service worker), and the ESM build's files (its entries and their shared chunk). */
const SCRIPTS = ['dist/tracker.min.js', 'dist/sw.js'];
const esmFiles = () => readdirSync('dist').filter((file) => file.endsWith('.js') && !SCRIPTS.includes(`dist/${file}`)).map((file) => `dist/${file}`);

it('the ESM build leaves idb-keyval and nanoid to the app bundler; the script builds bundle everything', () => {
  const esm = esmFiles().map(read).join('\n');
  expect(esm).toMatch(/from 'idb-keyval'/);
  expect(esm).toMatch(/from 'nanoid'/);
  for (const file of SCRIPTS) expect(read(file)).not.toMatch(/\bimport\b|\brequire\(|node:crypto/);
  expect(read('dist/tracker.min.js')).toContain('getRandomValues'); // nanoid's browser build
  expect(Object.keys(pkg.dependencies).sort()).toEqual(['idb-keyval', 'nanoid']);
});

it.each(SCRIPTS)('%s needs no eval or inline code (a strict CSP), and names no host of its own', (file) => {
  const script = read(file);
  expect(script).not.toMatch(/\beval\(|new Function|setTimeout\("|innerHTML/);
  expect(script).not.toMatch(/https?:\/\/[a-z]/i); // the only collector is the configured one
});

it('writes the Subresource Integrity of the script build beside it, for a CDN tag', () => {
  const digest = createHash('sha384').update(readFileSync('dist/tracker.min.js')).digest('base64');
  expect(read('dist/tracker.min.js.sri')).toBe(`sha384-${digest}\n`);
});

it('package.json: exports with types first, module and types, CDNs on the script build, dist only, side effects only in the script build and the capture entry', () => {
  // `default`, not `import`: require() of the ESM build works where Node can (20.19+, 22.12+).
  expect(Object.keys(pkg.exports['.'])).toEqual(['types', 'default']);
  expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
  expect(pkg.exports['./tracker.min.js']).toBe('./dist/tracker.min.js');
  expect(pkg.exports['./sw']).toEqual({ types: './dist/worker.d.ts', default: './dist/worker.js' });
  expect(pkg.exports['./capture']).toEqual({ types: './dist/capture-entry.d.ts', default: './dist/capture.js' });
  expect(pkg.exports['./sw.js']).toBe('./dist/sw.js');
  expect(pkg.unpkg).toBe('./dist/tracker.min.js');
  expect(pkg.jsdelivr).toBe('./dist/tracker.min.js');
  expect(pkg.module).toBe('./dist/index.js');
  expect(pkg.types).toBe('./dist/index.d.ts');
  expect(pkg.files).toEqual(['dist']);
  // `import 'beacon-tracker/capture'` registers capture: a bundler that thought it pure would drop it.
  expect(pkg.sideEffects).toEqual(['./dist/tracker.min.js', './dist/capture.js']);
  for (const file of ['dist/index.d.ts', 'dist/index.js.map', 'dist/tracker.min.js.map']) expect(existsSync(file), file).toBe(true);
});
