// A CDP CPU profile (Profiler.stop's `profile`) in a few lines: the functions with the most self time, those
// of the script build named by their place in the sources (through its source map) and the line there.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

/**
 * @param {{ nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number, columnNumber: number } }>,
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

  /** [where, the source line]: src/queue.ts:118 and its text for the script build, the name for the rest. */
  function place({ functionName, url, lineNumber, columnNumber }) {
    if (sourceMap && url.endsWith('/tracker.min.js')) {
      const entry = sourceMap.findEntry(lineNumber, columnNumber);
      if (entry && entry.originalSource) {
        const file = path.relative(repoRoot, path.resolve(distDir, entry.originalSource)).replace(/^node_modules\//, '');
        const text = map.sourcesContent?.[map.sources.indexOf(entry.originalSource)]?.split('\n')[entry.originalLine]?.trim() ?? '';
        return [file, `${file}:${entry.originalLine + 1}  ${text.length > 90 ? `${text.slice(0, 89)}…` : text}`];
      }
    }
    const name = functionName || '(anonymous)';
    return url ? [path.basename(new URL(url).pathname), `${name}  ${path.basename(new URL(url).pathname)}:${lineNumber + 1}`] : [name, name];
  }

  const places = new Map(nodes.map((node) => [node.id, place(node.callFrame)]));
  const byFunction = new Map();
  const byFile = new Map();
  let busy = 0;
  // timeDeltas[i] is the time from sample i-1 to sample i: the time until the next sample is sample i's.
  for (let i = 0; i < samples.length; i++) {
    const [file, label] = places.get(samples[i]);
    if (label == '(idle)') continue;
    const us = timeDeltas[i + 1] ?? 0;
    busy += us;
    byFunction.set(label, (byFunction.get(label) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const ms = (us) => (us / 1000).toFixed(1).padStart(7);
  const percent = (us) => `${Math.round((100 * us) / busy)}%`.padStart(4);
  const ranked = (totals) => [...totals].sort((a, b) => b[1] - a[1]);
  return [
    `${title}: ${(busy / 1000).toFixed(0)} ms sampled outside (idle).`,
    `self ms     %  function`,
    ...ranked(byFunction).slice(0, top).map(([label, us]) => `${ms(us)} ${percent(us)}  ${label}`),
    `by file: ${ranked(byFile).slice(0, 8).map(([file, us]) => `${file} ${(us / 1000).toFixed(0)} ms`).join(', ')}`,
  ].join('\n');
}
