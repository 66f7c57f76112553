// `npm run simulate [-- options]`: what a collector sees when it comes back from an outage, with the
// tracker's retry policy as built (.build/retry.js) deciding every delay. docs/collector-load.md.
//
//   --outage 600,3600      outages to run, in seconds (each a scenario)
//   --down none            what the collector answers meanwhile: none (connection refused), or 503 (with Retry-After)
//   --visitors 100000      visitors on the site's pages
//   --capacity 0           collector capacity in requests per second (0: twice the normal load)
//   --event-cost 0.05      what an event costs the collector, in requests
//   --refusal-cost 0       what a 503 costs it, as a share of taking the request
//   --retry-after 30       the collector's Retry-After on a 503, in seconds (0: none); --retry-after-date
//   --page-life 120  --interval 20  --burst 2  --after 900  --seed 1
//   --new-page keep|now    how a new page starts (default: the policy's, see policies.mjs)
//   --policy tracker       or one of test/simulate/policies.mjs, several (before,tracker), or all
//   --table                end with a markdown table of the runs (docs/collector-load.md)
//   --every 10             print one line per this many seconds (1: every second)
//   --svg docs/collector-load.svg   also draw offered and accepted load around the recovery
//   --quiet                only the summary
import { writeFileSync } from 'node:fs';
import * as retry from '../../.build/retry.js';
import { DEFAULTS, simulate, summarize } from './model.mjs';
import { policies } from './policies.mjs';
import { plot } from './plot.mjs';

const NAMES = { 'event-cost': 'eventCost', 'refusal-cost': 'refusalCost', 'retry-after': 'retryAfter', 'retry-after-date': 'retryAfterDate', 'page-life': 'pageLife', 'new-page': 'newPage', 'max-events': 'maxEvents' };

function parse(argv) {
  const args = { outage: '600,3600', policy: 'tracker', every: 10, svg: '', quiet: false, table: false, options: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].replace(/^--/, '');
    const key = NAMES[flag] || flag;
    if (key == 'quiet' || key == 'table') {
      args[key] = true;
      continue;
    }
    if (key == 'retryAfterDate') {
      args.options.retryAfterDate = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`--${flag} needs a value`);
    if (key in args && key != 'options') args[key] = key == 'every' ? +value : value;
    else if (key in DEFAULTS) args.options[key] = typeof DEFAULTS[key] == 'number' ? +value : value;
    else throw new Error(`unknown option --${flag}`);
  }
  return args;
}

const args = parse(process.argv.slice(2));
const known = policies(retry);
const fixed = (x, digits = 1) => x.toFixed(digits).padStart(8);
/** Seconds since the recovery, or 'not in the run' (-1). */
const seconds = (x) => (x < 0 ? 'not in the run' : `${Math.round(x)} s`);
const runs = [];

for (const name of args.policy == 'all' ? Object.keys(known) : args.policy.split(',')) {
  if (!known[name]) throw new Error(`unknown policy ${name}: ${Object.keys(known).join(', ')}`);
  const { policy, newPage, label } = known[name];
  for (const outage of args.outage.split(',').map(Number)) {
    const started = performance.now();
    const run = simulate({ newPage, ...args.options, outage }, policy);
    const summary = summarize(run);
    const { options, perSecond, capacity } = run;
    runs.push({ name, label, run, summary });
    console.log(`\n## policy ${name} (${label}), new page: ${options.newPage}\n${options.visitors} visitors, outage ${outage} s, capacity ${Math.round(capacity)} requests/s (normal load ${Math.round(run.normal)}), seed ${options.seed}`);
    if (!args.quiet) {
      // t: seconds since the recovery; requests per second on average over the line; load: the most work
      // offered in a second of the line, over capacity; backlog: events tracked before the recovery, still queued.
      console.log('      t   offered  accepted       503  no answer  load/cap  backlog events');
      for (let from = 0; from < perSecond.offered.length; from += args.every) {
        const to = Math.min(from + args.every, perSecond.offered.length);
        let offered = 0, accepted = 0, refused = 0, unanswered = 0, peak = 0; // prettier-ignore
        for (let s = from; s < to; s++) {
          offered += perSecond.offered[s];
          accepted += perSecond.accepted[s];
          refused += perSecond.refused[s];
          unanswered += perSecond.unanswered[s];
          peak = Math.max(peak, perSecond.offeredCost[s] / capacity);
        }
        const n = to - from;
        const t = from - options.warmup - options.outage;
        const load = unanswered ? '    down' : fixed(peak, 2);
        console.log(`${String(t).padStart(7)} ${fixed(offered / n, 0)}  ${fixed(accepted / n, 0)}  ${fixed(refused / n, 0)}   ${fixed(unanswered / n, 0)}  ${load}  ${fixed(perSecond.backlog[to - 1], 0)}`);
      }
    }
    const s = summary;
    console.log(
      [
        `peak offered load after recovery: ${s.peak.toFixed(2)}x capacity; over capacity ${s.secondsOver} s, over 2x ${s.secondsOver2x} s`,
        `backlog at recovery: ${Math.round(s.backlogEvents)} events, delivered 99 % after ${seconds(s.backlog99Seconds)}, all after ${seconds(s.backlogSeconds)}`,
        `pushed over again: ${s.overAfterBacklog ? `yes, ${s.overAfterBacklog} s over capacity after the backlog was gone` : 'no'}; overload waves: ${s.waves}`,
        `events tracked ${run.tracked}, delivered ${run.delivered}, queued at the end ${run.left}, dropped past the queue's bound ${run.dropped}, lost ${run.lost}`,
        `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
      ].join('\n'),
    );
  }
}

if (args.table) {
  console.log('\n| policy | outage | peak offered / capacity | s over capacity | s over 2x | overload waves | backlog 99 % | backlog all | over capacity after | dropped | lost |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { name, label, run, summary: s } of runs) {
    const outage = run.options.outage >= 3600 ? `${run.options.outage / 3600} h` : `${run.options.outage / 60} min`;
    console.log(`| \`${name}\`: ${label} | ${outage} | ${s.peak.toFixed(2)} | ${s.secondsOver} | ${s.secondsOver2x} | ${s.waves} | ${seconds(s.backlog99Seconds)} | ${seconds(s.backlogSeconds)} | ${s.overAfterBacklog} s | ${s.dropped} | ${s.lost} |`);
  }
}

if (args.svg) {
  writeFileSync(args.svg, plot(runs));
  console.log(`\nwrote ${args.svg}`);
}
if (runs.some(({ summary }) => summary.lost || summary.dropped)) process.exitCode = 1;
