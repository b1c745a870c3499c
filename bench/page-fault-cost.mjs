// What a page fault costs on this machine: the first write to each 4 KiB page of memory the
// process has just been given, against writing the same pages again. On bare metal a fault
// costs a fraction of a microsecond; on some VMs it costs tens of times that, and then it is a
// large share of what the replay and drain benchmarks measure (they print faults per event:
// multiply). Run it beside them to tell a slower machine from slower code.
//
//   node bench/page-fault-cost.mjs            (BENCH_MB=64 per round, BENCH_ROUNDS=5)
//
// Each round allocates a fresh buffer (large enough that the allocator maps it afresh, and
// frees it with the mapping), writes one byte per page, then writes them all again.
import { readFileSync } from 'node:fs';

const MB = Number(process.env.BENCH_MB ?? 64);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const PAGE = 4096;

function faults() {
  // Field 10 of proc(5)'s stat: minor faults of this process; this list starts at field 3.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

const pages = (MB << 20) / PAGE;
const rows = [];
for (let round = 0; round < ROUNDS; round += 1) {
  const bytes = new Uint8Array(MB << 20);
  const f0 = faults();
  let t = process.hrtime.bigint();
  for (let i = 0; i < bytes.length; i += PAGE) bytes[i] = 1;
  const first = Number(process.hrtime.bigint() - t) / 1000;
  const taken = faults() - f0;
  t = process.hrtime.bigint();
  for (let i = 0; i < bytes.length; i += PAGE) bytes[i] = 2;
  const again = Number(process.hrtime.bigint() - t) / 1000;
  rows.push({ first, again, taken });
  console.log(
    `round ${round + 1}: first touch ${(first / pages).toFixed(2)} µs per page (${taken} faults for ${pages} pages), again ${(again / pages).toFixed(3)} µs per page`,
  );
}
const perFault = rows.map((r) => (r.first - r.again) / Math.max(1, r.taken)).sort((a, b) => a - b);
console.log(
  `\npage fault: ${perFault[Math.floor(perFault.length / 2)].toFixed(2)} µs (median of ${ROUNDS} rounds of ${MB} MiB)`,
);
