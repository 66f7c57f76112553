// A CDP CPU profile (Profiler.stop's `profile`) in a few lines: the functions with the most self time, those
// of the script build named by their place in the sources (through its source map) and the line there; the
// browser's own functions (IndexedDB's add, JSON.stringify...) with the function of the script build that
// called them; and the script build's functions by total time (their callees' included).
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

/**
 * @param {{ nodes: Array<{ id: number, children?: number[], callFrame: { functionName: string, url: string, lineNumber: number, columnNumber: number } }>,
 *   samples: number[], timeDeltas: number[] }} profile
 * @param {string} title  what was profiled
 * @param {string} distDir  where tracker.min.js and its .map are
 * @param {string} repoRoot  source paths are shown relative to it
 * @returns {string}
 */
export function summariseProfile({ nodes, samples, timeDeltas }, title, distDir, repoRoot, top = 15) {
  const mapFile = path.join(distDir, 'tracker.min.js.map');
  const map = existsSync(mapFile) ? JSON.parse(readFileSync(mapFile, 'utf8')) : undefined;
  const sourceMap = map && new SourceMap(map);

  /** [file, where, ours]: src/queue.ts, src/queue.ts:118 and its text for the script build; the name for the rest. */
  function place({ functionName, url, lineNumber, columnNumber }) {
    if (sourceMap && url.endsWith('/tracker.min.js')) {
      const entry = sourceMap.findEntry(lineNumber, columnNumber);
      if (entry && entry.originalSource) {
        const file = path.relative(repoRoot, path.resolve(distDir, entry.originalSource)).replace(/^node_modules\//, '');
        const text = map.sourcesContent?.[map.sources.indexOf(entry.originalSource)]?.split('\n')[entry.originalLine]?.trim() ?? '';
        return [file, `${file}:${entry.originalLine + 1}  ${text.length > 90 ? `${text.slice(0, 89)}…` : text}`, true];
      }
    }
    const name = functionName || '(anonymous)';
    return url ? [path.basename(new URL(url).pathname), `${name}  ${path.basename(new URL(url).pathname)}:${lineNumber + 1}`, false] : [name, name, false];
  }

  const byId = new Map(nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const places = new Map(nodes.map((node) => [node.id, place(node.callFrame)]));
  /** The nearest function of the script build up the stack from `id` (itself excluded). */
  const ourCaller = (id) => {
    for (let up = parents.get(id); up !== undefined; up = parents.get(up)) if (places.get(up)[2]) return places.get(up)[1].split('  ')[0];
  };
  // The browser's own functions (no url: IndexedDB's add, JSON.stringify, a Blob) under the function of ours that called them.
  const labels = new Map(
    nodes.map((node) => {
      const [file, label, ours] = places.get(node.id);
      const caller = !ours && !node.callFrame.url && !/^\(/.test(label) && ourCaller(node.id);
      return [node.id, [caller ? `${caller.split(':')[0]}` : file, caller ? `${label} ← ${caller}` : label]];
    }),
  );

  const byFunction = new Map();
  const byFile = new Map();
  const total = new Map();
  let busy = 0;
  // timeDeltas[i] is the time from sample i-1 to sample i: the time until the next sample is sample i's.
  for (let i = 0; i < samples.length; i++) {
    const [file, label] = labels.get(samples[i]);
    if (label == '(idle)') continue;
    const us = timeDeltas[i + 1] ?? 0;
    busy += us;
    byFunction.set(label, (byFunction.get(label) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    // Each of our functions on the stack, once: its total time.
    const seen = new Set();
    for (let id = samples[i]; id !== undefined; id = parents.get(id)) {
      const [, where, ours] = places.get(id);
      if (ours && !seen.has(where)) {
        seen.add(where);
        total.set(where, (total.get(where) ?? 0) + us);
      }
    }
  }
  const ms = (us) => (us / 1000).toFixed(1).padStart(7);
  const percent = (us) => `${Math.round((100 * us) / busy)}%`.padStart(4);
  const ranked = (totals) => [...totals].sort((a, b) => b[1] - a[1]);
  return [
    `${title}: ${(busy / 1000).toFixed(0)} ms sampled outside (idle).`,
    `self ms     %  function (the browser's own: ← the function of the script build that called it)`,
    ...ranked(byFunction).slice(0, top).map(([label, us]) => `${ms(us)} ${percent(us)}  ${label}`),
    `by file (the browser's own under their caller's): ${ranked(byFile).slice(0, 8).map(([file, us]) => `${file} ${(us / 1000).toFixed(0)} ms`).join(', ')}`,
    `total ms    %  the script build's functions, with what they called (an async function's time after an await counts from where it resumed)`,
    ...ranked(total).slice(0, 10).map(([label, us]) => `${ms(us)} ${percent(us)}  ${label}`),
  ].join('\n');
}
