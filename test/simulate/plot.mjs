// The SVG of docs/collector-load.md, drawn by hand: per run, the work offered to the collector and the work
// it accepted each second around its recovery, over its capacity, and the share of the backlog still queued.

const WIDTH = 880;
const PANEL = 190;
const TOP = 34;
const LEFT = 46;
const RIGHT = 54;
const FROM = -30;
const TO = 600;

const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One panel: a run's seconds from FROM to TO around the recovery, at `y` in the picture. */
function panel({ name, run, summary }, y) {
  const { perSecond, capacity, options } = run;
  const recovery = options.warmup + options.outage;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const top = Math.max(3, Math.ceil(summary.peak));
  // Whole pixels: a point a second is finer than the picture shows.
  const x = (t) => Math.round(LEFT + ((t - FROM) / (TO - FROM)) * plotWidth);
  const yOf = (load) => Math.round(y + PANEL - (Math.min(load, top) / top) * PANEL);
  const line = (values, from) => {
    const points = [];
    for (let t = from; t < TO && recovery + t < values.length; t++) points.push(`${x(t)},${yOf(values[recovery + t])}`);
    return points.join(' ');
  };
  const share = (array) => Array.from(array, (value) => value / capacity);
  const backlog = Array.from(perSecond.backlog, (value) => (run.backlog ? (value / run.backlog) * top : 0));
  const outage = options.outage >= 3600 ? `${options.outage / 3600} h` : `${options.outage / 60} min`;
  const title = `Policy ${name}, after a ${outage} outage: peak ${summary.peak.toFixed(1)}x capacity, ${summary.secondsOver2x} s over 2x, backlog delivered after ${summary.backlogSeconds < 0 ? 'the run' : `${Math.round(summary.backlogSeconds)} s`}`;
  const parts = [`<text x="${LEFT}" y="${y - 8}" class="title">${escape(title)}</text>`];
  parts.push(`<rect x="${x(FROM)}" y="${y}" width="${x(0) - x(FROM)}" height="${PANEL}" class="down"/>`);
  for (let load = 0; load <= top; load += top > 6 ? 2 : 1) {
    parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${yOf(load)}" y2="${yOf(load)}" class="${load == 1 || load == 2 ? 'mark' : 'grid'}"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${yOf(load) + 4}" class="axis" text-anchor="end">${load}x</text>`);
  }
  for (let t = 0; t <= TO; t += 60) parts.push(`<text x="${x(t)}" y="${y + PANEL + 14}" class="axis" text-anchor="middle">${t / 60} min</text>`);
  parts.push(`<text x="${WIDTH - RIGHT + 6}" y="${yOf(top) + 4}" class="axis">backlog</text>`);
  parts.push(`<text x="${WIDTH - RIGHT + 6}" y="${yOf(top) + 16}" class="axis">100 %</text>`);
  parts.push(`<polyline points="${line(backlog, 0)}" class="backlog"/>`);
  parts.push(`<polyline points="${line(share(perSecond.offeredCost), 0)}" class="offered"/>`);
  parts.push(`<polyline points="${line(share(perSecond.acceptedCost), FROM)}" class="accepted"/>`);
  return parts.join('\n');
}

/** The SVG of runs (each { name, run, summary }), one panel under the other. */
export function plot(runs) {
  const height = TOP + runs.length * (PANEL + 56) + 10;
  const panels = runs.map((run, i) => panel(run, TOP + 24 + i * (PANEL + 56)));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="system-ui, sans-serif" font-size="12">
<style>
.title { font-weight: 600; fill: #222; }
.axis { fill: #555; font-size: 11px; }
.grid { stroke: #e4e4e4; }
.mark { stroke: #999; stroke-dasharray: 4 3; }
.down { fill: #f2f2f2; }
.offered { fill: none; stroke: #d9480f; stroke-width: 1.3; }
.accepted { fill: none; stroke: #1971c2; stroke-width: 1.3; }
.backlog { fill: none; stroke: #888; stroke-width: 1; stroke-dasharray: 2 2; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${LEFT}" y="16" class="title">Work offered to the collector (orange) and accepted (blue) each second, over its capacity; it recovers at 0</text>
<text x="${LEFT}" y="30" class="axis">Grey: the outage. Dashed: the share of the backlog still queued. ${escape(runs[0].run.options.visitors.toLocaleString('en'))} visitors, capacity twice their normal load, seed ${runs[0].run.options.seed}; docs/collector-load.md.</text>
${panels.join('\n')}
</svg>
`;
}
