// `npm run soak [-- --seed N] [--minutes M] [vitest arguments]`: one long run of the seeded fault soak
// (e2e/soak.e2e.ts) in Chromium: seed N (random when not given, and printed), M minutes of schedule (3 by
// default). The same seed draws the same schedule: a failure replays with the line printed at its end.
// SOAK_DUMP=<dir> writes the run's log and the collector's raw log there as JSON.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.findIndex((arg) => arg == `--${name}` || arg.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const [arg] = args.splice(i, 1);
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args.splice(i, 1)[0];
};
const seedArg = option('seed');
const minutesArg = option('minutes');
const seed = seedArg === undefined ? randomInt(1, 2 ** 31) : Number(seedArg);
const minutes = minutesArg === undefined ? 3 : Number(minutesArg);
if (!Number.isSafeInteger(seed) || seed < 0 || !(minutes > 0)) {
  console.error(`Usage: npm run soak -- [--seed N] [--minutes M]: N a whole number, M minutes above 0 (got seed ${seedArg}, minutes ${minutesArg})`);
  process.exit(2);
}
const replay = `npm run soak -- --seed ${seed} --minutes ${minutes}`;
console.log(`[soak] seed ${seed}, ${minutes} min (replay: ${replay})`);

const root = fileURLToPath(new URL('..', import.meta.url));
const child = spawn(process.execPath, ['e2e/run.mjs', '--engine', 'chromium', 'e2e/soak.e2e.ts', ...args], {
  cwd: root,
  stdio: 'inherit',
  // The schedule, then launches, the final drain and the verdict: a few minutes on top.
  env: { ...process.env, SOAK_SEED: String(seed), SOAK_MINUTES: String(minutes), E2E_ENGINE_TIMEOUT: String(Math.ceil(minutes * 60 + 600)) },
});
const code = await new Promise((resolve) => child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0))));
console.log(code ? `\n[soak] seed ${seed} FAILED. Replay: ${replay}` : `\n[soak] seed ${seed}, ${minutes} min: passed`);
process.exit(code);
