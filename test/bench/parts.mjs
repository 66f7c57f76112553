// What each part of a script build costs in gzip bytes: `node test/bench/parts.mjs [dist/tracker.min.js]`
// (npm run bench prints it too). A part is a source module, or a function of the one that holds many
// (src/tracker.ts), found through the build's source map. Its cost is what the gzip (level 9) of the whole
// build loses without the part's characters: what that part adds, given the rest. The costs do not add up to
// the whole exactly (gzip shares repeated text between parts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * A source map's `mappings` (base64 VLQ), decoded: per generated line, its segments as [column, source
 * index, source line], absolute (the spec's fields are relative to the segment before).
 */
function decode(mappings) {
  let source = 0;
  let sourceLine = 0;
  return mappings.split(';').map((line) => {
    let column = 0;
    return line
      .split(',')
      .filter(Boolean)
      .map((segment) => {
        const fields = [];
        let value = 0;
        let shift = 0;
        for (const char of segment) {
          const digit = BASE64.indexOf(char);
          value += (digit & 31) << shift;
          shift += 5;
          if (!(digit & 32)) {
            fields.push(value & 1 ? -(value >> 1) : value >> 1);
            value = shift = 0;
          }
        }
        column += fields[0];
        if (fields.length < 4) return [column];
        source += fields[1];
        sourceLine += fields[2];
        return [column, source, sourceLine];
      });
  });
}

/** The functions of a source file, as [name, first line, last line] (0-based), the innermost listed last. */
function functionsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    const isFunction = (value) => value && (ts.isArrowFunction(value) || ts.isFunctionExpression(value));
    const name =
      (ts.isFunctionDeclaration(node) && node.name?.text) ||
      (ts.isMethodDeclaration(node) && node.name.getText()) ||
      ((ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node)) && isFunction(node.initializer) && node.name.getText());
    if (name) found.push([name, source.getLineAndCharacterOfPosition(node.getStart()).line, source.getLineAndCharacterOfPosition(node.getEnd()).line]);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The modules whose functions are parts of their own; each one's outer function (a closure of the others) is not. */
const DETAILED = { 'src/tracker.ts': 'createTracker' };

/** The part that owns each character of `build`: 'src/x.ts', or 'src/tracker.ts: name()' for the functions of DETAILED. */
export function partsOf(build) {
  const code = readFileSync(build, 'utf8');
  const map = JSON.parse(readFileSync(`${build}.map`, 'utf8'));
  const sources = map.sources.map((source) => path.relative(repoRoot, path.resolve(path.dirname(build), source)));
  const functions = sources.map((source) => (source in DETAILED ? functionsOf(path.join(repoRoot, source)).filter(([name]) => name != DETAILED[source]) : []));
  const owner = new Array(code.length).fill('(wrapper)');
  const lines = code.split('\n');
  let offset = 0;
  decode(map.mappings).forEach((segments, line) => {
    segments.forEach(([column, source, sourceLine], i) => {
      const end = i + 1 < segments.length ? segments[i + 1][0] : lines[line].length;
      let name = source === undefined ? '(wrapper)' : sources[source];
      const inner = source !== undefined && functions[source].filter(([, first, last]) => sourceLine >= first && sourceLine <= last).pop();
      if (inner) name = `${name}: ${inner[0]}()`;
      for (let c = column; c < end; c++) owner[offset + c] = name;
    });
    offset += lines[line].length + 1;
  });
  const total = gzipSync(code, { level: 9 }).length;
  const rows = [...new Set(owner)].map((part) => {
    const without = code.split('').filter((_, i) => owner[i] != part).join('');
    return { part, minified: owner.filter((name) => name == part).length, gzip: total - gzipSync(without, { level: 9 }).length };
  });
  return { total, minified: code.length, rows: rows.sort((a, b) => b.gzip - a.gzip) };
}

if (process.argv[1] == fileURLToPath(import.meta.url)) {
  const build = path.resolve(process.argv[2] || path.join(repoRoot, 'dist/tracker.min.js'));
  const { total, minified, rows } = partsOf(build);
  console.log(`${path.relative(repoRoot, build)}: ${minified} B minified, ${total} B gzip -9; what each part adds to the gzip:`);
  for (const { part, minified, gzip } of rows) console.log(`  ${part.padEnd(44)} ${String(gzip).padStart(5)} B  (${minified} B minified)`);
}
