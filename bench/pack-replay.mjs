// `cordon replay` with the whole shipped rule pack on the AI-platform workload
// (bench/ai-workload.mjs), optionally against another build in the same minutes.
//
//   npm run build && node bench/pack-replay.mjs [events.ndjson]
//   BENCH_EVENTS=300000 BENCH_KEYS=15000   the generated workload (when no file is given)
//   BENCH_CONTENT=.                        the rules (default: this checkout's pack)
//   BENCH_BASE=/path/to/other/checkout     also run that checkout's cordon bin, alternating
//   BENCH_ROUNDS=3                         runs of each build
//
// Prints, per run, events/s of wall time (startup included) and CPU per event: user + system
// time of the replay process and all its threads (read from this process's children times in
// /proc, so Linux only), which on a loaded machine says more than the wall clock, and page
// faults per event (times bench/page-fault-cost.mjs's figure: their share of that CPU).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CORDON_NODE_FLAGS, cordonBin } from './cordon-node-flags.mjs';

const here = new URL('.', import.meta.url).pathname;
const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const KEYS = Number(process.env.BENCH_KEYS ?? 15_000);
const CONTENT = resolve(process.env.BENCH_CONTENT ?? join(here, '..'));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const builds = [['this build', join(here, '..')]];
if (process.env.BENCH_BASE) builds.push(['base', resolve(process.env.BENCH_BASE)]);

/** Fields of this process's /proc stat from field 3 on (proc(5) numbers them from 1). */
function ownStat() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU of waited-for children, in µs (clock ticks of 10 ms). */
function childrenCpuMicros() {
  const fields = ownStat();
  // Fields 16 and 17 of proc(5) (cutime, cstime).
  return (Number(fields[13]) + Number(fields[14])) * 10_000;
}

/** Minor page faults of waited-for children (field 11 of proc(5), cminflt). */
function childrenFaults() {
  return Number(ownStat()[8]);
}

const tmp = mkdtempSync(join(tmpdir(), 'cordon-pack-'));
try {
  let file = process.argv[2];
  if (!file) {
    file = join(tmp, 'ai.ndjson');
    execFileSync('node', [join(here, 'ai-workload.mjs'), String(EVENTS), file, String(KEYS)], {
      stdio: 'inherit',
    });
  }
  const rows = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, root] of builds) {
      const cpu0 = childrenCpuMicros();
      const faults0 = childrenFaults();
      const started = performance.now();
      const run = spawnSync(
        'node',
        [...CORDON_NODE_FLAGS, cordonBin(root), 'replay', '--content', CONTENT, file],
        { encoding: 'utf8', maxBuffer: 1 << 30 },
      );
      const seconds = (performance.now() - started) / 1000;
      const cpu = childrenCpuMicros() - cpu0;
      const faults = childrenFaults() - faults0;
      if (run.status !== 0) throw new Error(`${name}: replay failed:\n${run.stderr}`);
      const summary = /(\d+) events in [\d.]+ s \(([\d,]+) events\/s\), (\d+) matches/.exec(
        run.stderr,
      );
      if (!summary) throw new Error(`${name}: no summary line in:\n${run.stderr.slice(-2000)}`);
      const events = Number(summary[1]);
      rows.push({
        name,
        round,
        rate: events / seconds,
        running: Number(summary[2].replaceAll(',', '')),
        cpu: cpu / events,
        faults: faults / events,
        matches: Number(summary[3]),
      });
      const r = rows[rows.length - 1];
      console.log(
        `${name}, run ${round + 1}: ${Math.round(r.rate).toLocaleString('en-US')} events/s (startup included; ${r.running.toLocaleString('en-US')} as the replay reports it), ${r.cpu.toFixed(1)} µs CPU per event, ${r.faults.toFixed(2)} page faults per event, ${r.matches} matches`,
      );
    }
  }
  console.log('');
  console.log('| build | events/s (best) | CPU µs per event (median) | matches |');
  console.log('|---|---|---|---|');
  for (const [name] of builds) {
    const mine = rows.filter((r) => r.name === name);
    const cpus = mine.map((r) => r.cpu).sort((a, b) => a - b);
    console.log(
      `| ${name} | ${Math.round(Math.max(...mine.map((r) => r.rate))).toLocaleString('en-US')} | ${cpus[Math.floor(cpus.length / 2)].toFixed(1)} | ${mine[0].matches} |`,
    );
  }
  console.log(
    `\nload average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
