// `npm run test:package` (npm test runs it right after the build): the package as npm would publish it,
// checked from its tarball. It packs what is built and does not build (`npm run build` first).
//  1. publint and @arethetypeswrong/cli (attw) on the tarball: any message from either fails.
//  2. The app in consumer/, with the tarball unpacked into its node_modules as `npm i <tarball>` would,
//     type-checked under each moduleResolution, skipLibCheck true and false: every `@ts-expect-error` in it
//     must meet an error, so types that silently became `any` fail too.
//  3. Node imports the package by name, and require()s it where Node can load ESM that way (20.19+, 22.12+);
//     it imports `<name>/capture` too, which registers capture and touches nothing outside a browser.
// Entries come from package.json `exports`: one with a `types` condition is a module, checked by attw; a
// plain path (the script build, package.json) is a file to serve, not a module, and attw leaves it out.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const consumer = fileURLToPath(new URL('consumer', import.meta.url));
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
/** The module resolutions an app may use; consumer/tsconfig.<name>.json sets each. */
const RESOLUTIONS = ['bundler', 'node16', 'nodenext'];

const failures = [];
const step = (name, problems, started) => {
  const ms = `${Date.now() - started} ms`;
  if (!problems.length) return console.log(`  ok   ${name} (${ms})`);
  failures.push(name);
  console.log(`  FAIL ${name} (${ms})\n${problems.map((line) => `    ${line.replaceAll('\n', '\n    ')}`).join('\n')}`);
};

const work = mkdtempSync(path.join(os.tmpdir(), 'beacon-package-'));
try {
  console.log(`[package] ${pkg.name}@${pkg.version}, packed from what \`npm run build\` wrote`);
  // --ignore-scripts: no second build (`prepare`); the check is of the dist/ that the tests test.
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
  const tarball = path.join(work, packed.filename);
  const missing = ['dist/index.js', 'dist/index.d.ts', 'dist/capture.js', 'dist/tracker.min.js'].filter((file) => !packed.files.some((entry) => entry.path == file));
  if (missing.length) throw new Error(`The tarball lacks ${missing.join(', ')}: run \`npm run build\` first (npm test does).`);

  let started = Date.now();
  const lint = await publint({ pack: { tarball: readFileSync(tarball).buffer }, level: 'suggestion' });
  step('publint', lint.messages.map((message) => `${message.type}: ${formatMessage(message, lint.pkg, { color: false })}`), started);

  started = Date.now();
  const files = Object.entries(pkg.exports).filter(([, target]) => typeof target == 'string').map(([entry]) => entry);
  // ESM only: a CommonJS app under moduleResolution node16 can import() it, not require() it. attw (its own
  // TypeScript 5.6) knows no require() of ESM; step 2 type-checks one under nodenext, step 3 runs it.
  const attw = spawnSync(process.execPath, [bin('@arethetypeswrong/cli', 'attw'), tarball, '--profile', 'esm-only', '--exclude-entrypoints', ...files, '--no-color'], { encoding: 'utf8' });
  step(`attw --profile esm-only, files left out: ${files.join(', ')}`, attw.status === 0 ? [] : [attw.stdout + attw.stderr], started);

  // The app: consumer/ with the package unpacked where npm puts it, and its dependencies as installed here.
  const app = path.join(work, 'app');
  const installed = path.join(app, 'node_modules', pkg.name);
  cpSync(consumer, app, { recursive: true });
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const dependency of Object.keys(pkg.dependencies || {})) {
    symlinkSync(path.join(root, 'node_modules', dependency), path.join(app, 'node_modules', dependency), 'dir');
  }

  const cache = new Map();
  for (const resolution of RESOLUTIONS) {
    for (const skipLibCheck of [true, false]) {
      started = Date.now();
      const errors = typeCheck(path.join(app, `tsconfig.${resolution}.json`), { skipLibCheck }, cache);
      step(`types, moduleResolution ${resolution}, skipLibCheck ${skipLibCheck}`, errors, started);
    }
  }

  started = Date.now();
  const loads = [`import('${pkg.name}')`, `import('${pkg.name}/capture').then(() => import('${pkg.name}'))`];
  if (process.features.require_module) loads.push(`require('${pkg.name}')`);
  // Both must hand out the same module: one default tracker, however the package is loaded.
  const script = `const loaded = await Promise.all([${loads.join(', ')}]);
    for (const m of loaded) if (typeof m.createTracker != 'function' || typeof m.tracker.track != 'function') throw new Error('no tracker');
    if (loaded.some((m) => m.tracker !== loaded[0].tracker)) throw new Error('two instances');`;
  const node = spawnSync(process.execPath, ['--input-type=commonjs', '-e', `(async () => { ${script} })().catch((error) => { console.error(error); process.exit(1); })`], { cwd: app, encoding: 'utf8' });
  const note = process.features.require_module ? '' : `, require() left out: Node ${process.version} cannot require() ESM`;
  step(`Node ${process.version} loads it by name: ${loads.join(', ')}${note}`, node.status === 0 ? [] : [node.stdout + node.stderr], started);
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (failures.length) {
  console.log(`[package] ${failures.length} failed: ${failures.join('; ')}`);
  process.exit(1);
}

/** The path of a package's binary, run with this Node. */
function bin(name, command) {
  const manifest = require.resolve(`${name}/package.json`);
  const bins = JSON.parse(readFileSync(manifest, 'utf8')).bin;
  return path.join(path.dirname(manifest), typeof bins == 'string' ? bins : bins[command]);
}

/**
 * tsc -p `config` with `overrides`, in this process: the diagnostics as tsc prints them, paths relative to
 * the app. Runs of one config share their parsed files through `cache` (the DOM lib is most of the work).
 */
function typeCheck(config, overrides, cache) {
  const parsed = ts.getParsedCommandLineOfConfigFile(config, overrides, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const key = `${config}\0${fileName}\0${JSON.stringify(languageVersion)}`;
    if (!cache.has(key)) cache.set(key, getSourceFile(fileName, languageVersion, ...rest));
    return cache.get(key);
  };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host, configFileParsingDiagnostics: parsed.errors });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const format = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => path.dirname(config), getNewLine: () => '\n' };
  return diagnostics.map((diagnostic) => ts.formatDiagnostic(diagnostic, format).trimEnd());
}
