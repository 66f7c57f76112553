// `npm run test:e2e [-- --engine chromium|firefox|webkit|all] [vitest arguments]`: the end-to-end suites in
// real browsers. Without --engine, in every engine whose browser is installed. Every other argument goes to
// vitest (a file filter, -t "name", --reporter verbose...). An engine not installed is left out with a note,
// unless E2E_REQUIRE_ALL is set (CI), where that fails the run.
//
// Each engine runs in a vitest process of its own (E2E_ENGINE set; WebKit under `xvfb-run -a`), killed
// after E2E_ENGINE_TIMEOUT seconds (default 900) with a clear message: a driver can hang, WebKit without a
// display does at session creation. At the end: one line per engine, the skips with their reasons, and a
// non-zero exit if any engine failed, hung, or skipped a test without a reason listed in driver/gaps.mjs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFirefox, findWebKit } from './driver/find-browsers.mjs';
import { findChromium } from './driver/find-chromium.mjs';
import { GAPS, TEST_SKIPS } from './driver/gaps.mjs';

/** How each engine is found before vitest starts; each one's adapter is in driver/ (see driver/index.ts). */
const ENGINES = {
  chromium: { find: findChromium, install: 'apt-get install -y chromium' },
  firefox: { find: findFirefox, install: 'apt-get install -y firefox-esr' },
  webkit: { find: findWebKit, install: 'apt-get install -y webkit2gtk-driver xvfb' },
};
/** -t / --testNamePattern leaves tests out: those are not skips. */
const filtered = process.argv.some((arg) => /^(-t|--testNamePattern)(=|$)/.test(arg));
const TIMEOUT = Number(process.env.E2E_ENGINE_TIMEOUT || 900) * 1000;

const args = process.argv.slice(2);
let wanted;
for (let i = 0; i < args.length; i++) {
  const [flag, value] = args[i].split(/=(.*)/s);
  if (flag != '--engine') continue;
  const inline = value !== undefined;
  wanted = inline ? value : args[i + 1];
  args.splice(i--, inline ? 1 : 2);
}
if (wanted !== undefined && wanted != 'all' && !(wanted in ENGINES)) {
  console.error(`Unknown engine ${JSON.stringify(wanted)}: one of ${Object.keys(ENGINES).join(', ')}, all.`);
  process.exit(2);
}
const explicit = wanted !== undefined && wanted != 'all';
const engines = [];
const missing = [];
for (const engine of explicit ? [wanted] : Object.keys(ENGINES)) {
  try {
    ENGINES[engine].find();
    engines.push(engine);
  } catch (error) {
    missing.push(engine);
    console.error(`\n[e2e] ${engine}: not found, not tested. ${error.message}\n  Install it with: ${ENGINES[engine].install}`);
  }
}
if (!engines.length) {
  console.error('[e2e] No browser to test in: install one of the above.');
  process.exit(1);
}

const root = fileURLToPath(new URL('..', import.meta.url));
for (const file of ['dist/tracker.min.js', 'dist/index.js']) {
  if (!existsSync(`${root}/${file}`)) {
    console.error(`${file} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}

const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'beacon-e2e-'));
const results = [];
for (const engine of engines) results.push(await runEngine(engine));
rmSync(work, { recursive: true, force: true });

console.log('\n[e2e] Summary');
for (const r of results) {
  const counts = r.counts ? `${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped` : 'no results';
  console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.engine.padEnd(8)} ${(r.version || '?').padEnd(22)} ${counts}, ${(r.ms / 1000).toFixed(1)} s${r.problem ? `: ${r.problem}` : ''}`);
}
for (const engine of missing) console.log(`  --   ${engine.padEnd(8)} not installed (${ENGINES[engine].install})`);
const skips = results.flatMap((r) => r.skips.map((skip) => ({ ...skip, engine: r.engine })));
if (skips.length) {
  console.log('\n[e2e] Skipped, with their reasons (e2e/driver/gaps.mjs):');
  for (const skip of skips) console.log(`  ${skip.engine}: "${skip.test}" (${skip.file}): ${skip.reason}`);
}
const documented = Object.entries(GAPS).flatMap(([engine, gaps]) => Object.entries(gaps).map(([capability, reason]) => `  ${engine} cannot ${capability}: ${reason}`));
if (documented.length) console.log(`\n[e2e] Known engine gaps:\n${documented.join('\n')}`);
// CI shows the end of the output: the failures are repeated here, each with the start of its message.
const failures = results.flatMap((r) => r.failures.map((failure) => ({ ...failure, engine: r.engine })));
if (failures.length) {
  console.log('\n[e2e] Failed:');
  for (const f of failures) console.log(`  ${f.engine}: "${f.test}" (${f.file}):\n    ${f.message.split('\n').slice(0, 6).join('\n    ')}`);
}
// CI installs every engine (.ci/run) and sets E2E_REQUIRE_ALL: one missing there is a failure, not a note.
const required = process.env.E2E_REQUIRE_ALL && missing.length;
if (required) console.log(`\n[e2e] E2E_REQUIRE_ALL is set and ${missing.join(', ')} is missing: failing.`);
const ok = results.every((r) => r.ok) && !required;
// One closing line for all engines, as test runners print it (a failure of another kind counts as one).
const total = (key) => results.reduce((sum, r) => sum + (r.counts ? r.counts[key] : 0), 0);
console.log(`\ne2e: ${total('passed')} passed, ${Math.max(total('failed'), ok ? 0 : 1)} failed, ${total('skipped')} skipped`);
process.exit(ok ? 0 : 1);

/** One engine's vitest run: its counts, skips and version, and whether it passed. */
async function runEngine(engine) {
  const json = path.join(work, `${engine}.json`);
  const log = path.join(work, `${engine}.skips.jsonl`);
  const env = { ...process.env, E2E_ENGINE: engine, E2E_RUN_LOG: log };
  let command = [process.execPath, vitest, 'run', '--config', 'e2e/vitest.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...args];
  if (engine == 'webkit' && !process.env.DISPLAY) command = [findWebKit().xvfbRun, '-a', '-s', '-screen 0 1280x1024x24', ...command];
  console.log(`\n[e2e] ${engine}: E2E_ENGINE=${engine} ${command.map((part) => (part == process.execPath ? 'node' : path.isAbsolute(part) && part.startsWith(root) ? path.relative(root, part) : /\s/.test(part) ? JSON.stringify(part) : part)).join(' ')}`);
  const started = Date.now();
  const child = spawn(command[0], command.slice(1), { cwd: root, stdio: 'inherit', env, detached: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    console.error(`\n[e2e] ${engine}: no result after ${TIMEOUT / 1000} s: its driver hangs (WebKit without a working display hangs at session creation). Killed.`);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }, TIMEOUT);
  const status = await new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  clearTimeout(timer);
  // Whatever the run left behind (a WebKitWebDriver, an Xvfb) goes with it.
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
  const ms = Date.now() - started;

  const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
  const version = lines.find((line) => line.version)?.version;
  const skips = lines.filter((line) => line.capability);
  let counts;
  const problems = [];
  let failures = [];
  if (timedOut) problems.push(`timed out after ${TIMEOUT / 1000} s`);
  else if (status !== 0) problems.push(`vitest exited with ${status}`);
  if (existsSync(json)) {
    const report = JSON.parse(readFileSync(json, 'utf8'));
    // A file whose setup failed (a browser that did not start, say) reports its tests as skipped: they did not run.
    const broken = report.testResults.filter((file) => file.status == 'failed' && !file.assertionResults.some((test) => test.status == 'failed'));
    for (const file of broken) problems.push(`${path.relative(root, file.name)} did not run: ${String(file.message || 'setup failed').split('\n')[0]}`);
    const tests = report.testResults
      .filter((file) => !broken.includes(file))
      .flatMap((file) => file.assertionResults.map((test) => ({ ...test, file: path.relative(root, file.name) })));
    const skipped = tests.filter((test) => test.status != 'passed' && test.status != 'failed');
    failures = tests.filter((test) => test.status == 'failed').map((test) => ({ test: test.title, file: test.file, message: String(test.failureMessages?.[0] || '') }));
    counts = { passed: tests.filter((t) => t.status == 'passed').length, failed: tests.filter((t) => t.status == 'failed').length, skipped: skipped.length };
    for (const test of skipped) {
      if (skips.some((skip) => skip.test == test.title)) continue;
      if (filtered) {
        counts.skipped--; // left out by -t, not skipped
        continue;
      }
      const listed = TEST_SKIPS.find((entry) => entry.name == test.title && entry.engines.includes(engine));
      if (listed) skips.push({ test: test.title, file: test.file, reason: listed.reason });
      else problems.push(`"${test.title}" (${test.file}) was skipped without a reason listed in e2e/driver/gaps.mjs`);
    }
  } else if (!timedOut) problems.push('vitest wrote no report');
  return { engine, ok: !problems.length, problem: problems.join('; '), counts, skips, failures, version, ms };
}
