#!/usr/bin/env node
// Prints the functions with the most self time in a V8 .cpuprofile (from `node --cpu-prof`),
// with file:line (mapped to the TypeScript source when dist/ has a .js.map next to the file), and
// self time per package / area.
//
//   node bench/summarize-cpuprofile.mjs <file.cpuprofile> [--top 15]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Aggregates self time by function (name + url + line) and by area. Times in ms. */
export function summarizeProfile(profile, { root = DEFAULT_ROOT, top = 15 } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // timeDeltas[i] is the time since the previous sample; attribute it to samples[i].
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, timeDeltas[i] ?? 0));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const maps = new Map();
  const fns = new Map();
  const areas = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame: cf } = byId.get(id);
    const where = location(cf, root, maps);
    const name = cf.functionName || (cf.url ? '(anonymous)' : cf.functionName) || '(anonymous)';
    const key = `${name}\u0000${where}`;
    fns.set(key, { name, where, us: (fns.get(key)?.us ?? 0) + us });
    const area = areaOf(cf, root);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: totalUs / 1000,
    functions: [...fns.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, pct: (100 * f.us) / totalUs })),
    areas: sorted(areas).slice(0, top).map(([area, us]) => ({ area, selfMs: us / 1000, pct: (100 * us) / totalUs })),
  };
}

function location(cf, root, maps) {
  if (!cf.url) return cf.functionName.startsWith('(') ? '' : '(native)';
  const line = cf.lineNumber + 1;
  const col = cf.columnNumber + 1;
  if (!cf.url.startsWith('file://')) return `${cf.url}:${line}`;
  const file = fileURLToPath(cf.url);
  const rel = relative(root, file);
  const mapped = mapToSource(file, cf.lineNumber, cf.columnNumber, maps);
  if (mapped) return `${relative(root, mapped.file)}:${mapped.line} (${rel}:${line})`;
  return `${rel}:${line}:${col}`;
}

// Our dist/ files carry .js.map files; map their positions back to the .ts sources.
function mapToSource(file, line0, col0, maps) {
  if (!file.includes(`${'/'}dist${'/'}`)) return null;
  if (!maps.has(file)) {
    let map = null;
    try {
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  const map = maps.get(file);
  if (!map || line0 < 0) return null;
  const e = map.findEntry(line0, Math.max(0, col0));
  if (!e || !e.originalSource) return null;
  const src = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(dirname(file), e.originalSource);
  return { file: src, line: e.originalLine + 1 };
}

function areaOf(cf, root) {
  if (!cf.url) return cf.functionName.startsWith('(') ? cf.functionName : 'native / builtins';
  if (cf.url.startsWith('node:')) return 'node core (node:*)';
  if (!cf.url.startsWith('file://')) return cf.url;
  const rel = relative(root, fileURLToPath(cf.url));
  const nm = rel.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = rel.slice(nm + 'node_modules/'.length).split('/');
    return `npm: ${parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  const m = /^dist\/(apps|libs)\/(.+?)\/src\//.exec(rel);
  return m ? `assay: ${m[1]}/${m[2]}` : rel;
}

export function formatSummary(s) {
  const out = [];
  out.push(`total sampled time ${s.totalMs.toFixed(0)} ms`);
  out.push('');
  out.push(`top ${s.functions.length} functions by self time:`);
  out.push('  self ms      %  function                              location');
  for (const f of s.functions) out.push(`${f.selfMs.toFixed(0).padStart(8)} ${f.pct.toFixed(1).padStart(6)}  ${f.name.padEnd(36).slice(0, 36)}  ${f.where}`);
  out.push('');
  out.push('self time by area:');
  for (const a of s.areas) out.push(`${a.selfMs.toFixed(0).padStart(8)} ${a.pct.toFixed(1).padStart(6)}  ${a.area}`);
  return out.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const topIdx = args.indexOf('--top');
  const file = args.find((a, i) => !a.startsWith('--') && i !== topIdx + 1);
  const top = topIdx >= 0 ? Number(args[topIdx + 1]) : 15;
  if (!file) {
    console.error('usage: node bench/summarize-cpuprofile.mjs <file.cpuprofile> [--top 15]');
    process.exit(2);
  }
  console.log(formatSummary(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), { top })));
}
