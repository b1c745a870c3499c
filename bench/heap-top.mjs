// Where a sampled heap profile's bytes were allocated, by function (self) and with callers
// (--incl): node bench/heap-top.mjs drain.heapprofile [--incl] [rows]
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/heap-top.mjs <file.heapprofile> [--incl] [rows]');
const inclusive = rest.includes('--incl');
const rows = Number(rest.find((a) => /^\d+$/.test(a)) ?? 30);
const { head } = JSON.parse(readFileSync(file, 'utf8'));
const name = (f) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
const bytes = new Map();
let total = 0;
const walk = (node, stack) => {
  const own = node.selfSize;
  total += own;
  const here = name(node.callFrame);
  const names = inclusive ? new Set([...stack, here]) : [here];
  for (const n of names) bytes.set(n, (bytes.get(n) ?? 0) + own);
  for (const child of node.children) walk(child, inclusive ? [...stack, here] : stack);
};
walk(head, []);
console.log(`total sampled ${(total / 1e6).toFixed(1)} MB`);
for (const [n, b] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(
    `${((100 * b) / total).toFixed(1).padStart(5)}%  ${(b / 1e6).toFixed(1).padStart(7)} MB  ${n}`,
  );
