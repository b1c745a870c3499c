// Playbook runs through BullMQ beside bare BullMQ on the same Redis, in the same run.
//
//   npm run build && node bench/playbook-runs.mjs
//   (it runs itself again under CORDON_NODE_FLAGS, bench/cordon-node-flags.mjs, when not given them)
//   BENCH_RUNS=2000 BENCH_WARMUP=1000 BENCH_ROUNDS=3 BENCH_RATE=100 BENCH_PROBES=300 \
//     node bench/playbook-runs.mjs
//
// 1. Bare BullMQ (the baseline): BENCH_RUNS jobs added at once and processed by a worker with
//    the concurrency Cordon's workers use, end to end (added → completed); then BENCH_RUNS
//    chains of three jobs, each job adding the next from its processor (what a three-step run
//    is, minus everything else), after BENCH_WARMUP chains not counted.
// 2. Cordon: BENCH_RUNS incidents triggered at once, each starting a playbook of three
//    automatic actions on the built-in limiter and case store (throttle the key, open a case,
//    lift the throttle) through the real runner and action workers: every transition saved by
//    compare-and-set, every effect through the ledger. Runs/s counts from the first trigger to
//    the last run's third action, after BENCH_WARMUP runs not counted. Both sides are measured
//    warm: the chains follow the jobs phase and a warm-up of their own, so Cordon's runs get
//    one too (measured cold, its first runs paid for compiling its code, ~0.6 ms per run more
//    in a burst of 2,000, which no deployment that has run a while pays).
//    Steps 1 (chains) and 2 alternate for BENCH_ROUNDS rounds, and the ratio printed is the
//    median of the rounds' own ratios: on this VM either side's throughput swings by a third
//    from one minute to the next, so one pair of bursts could say 0.35 or 0.5 of one build.
// 3. Latency: BENCH_PROBES incidents triggered at BENCH_RATE per second; trigger → first
//    action (the limiter's own record of the throttle) per run.
// Beside each throughput figure: node CPU (this process: runner, workers and the bench's own
// triggers) and the commands Redis executed (INFO commandstats, Lua's inner calls included;
// scripts counted once as EVALSHA) and the socket writes this process made to Redis, per run
// or chain. These hold up on a loaded machine where runs/s does not; on a Redis shared with
// other work, commandstats counts that work too (give BENCH_REDIS_PRIVATE=1 to start a
// redis-server of the bench's own, AOF off, on a free port). BENCH_MARKS=1 prints the burst's
// window on the monotonic clock, to cut a `node --cpu-prof` profile to it.
// Bounded in count; keys live under a random prefix and are deleted at the end.
import { randomUUID } from 'node:crypto';
import { Session } from 'node:inspector/promises';
const insp = new Session(); insp.connect();
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../dist/config/load-config.js';
import { PrincipalDirectory } from '../dist/config/principals.js';
import { startCordon } from '../dist/main.js';
import { createLogger } from '../dist/shared/logger.js';
import { IncidentStore } from '../dist/store/incident-store.js';
import { Keys } from '../dist/store/keys.js';
import { createRedis } from '../dist/store/redis.js';
import { LimiterStore } from '../dist/store/limiter-store.js';
import { rerunWithCordonFlags } from './cordon-node-flags.mjs';

// Cordon runs in this process (and the bare BullMQ baseline beside it): under the Node flags
// it is deployed with, or the runs' scavenges cost about a tenth more CPU per run.
rerunWithCordonFlags();

const RUNS = Number(process.env.BENCH_RUNS ?? 2_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const RATE = Number(process.env.BENCH_RATE ?? 100);
const PROBES = Number(process.env.BENCH_PROBES ?? 300);
const POLL_MS = 50;
const privateRedis = process.env.BENCH_REDIS_PRIVATE === '1' ? await startRedis() : undefined;
const REDIS_URL = privateRedis?.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `cordon-bench-${randomUUID().slice(0, 8)}`;
const repo = new URL('..', import.meta.url).pathname;

const RULE = `title: Bench burst
name: bench_burst
level: high
logsource: { category: inference }
detection: { sel: { api_key|exists: true }, condition: sel }
cordon: { group-by: [api_key] }
`;
const PLAYBOOK = `apiVersion: cordon/v1
id: bench-three-actions
title: Three automatic actions
on:
  correlation: [bench_burst]
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with: { connector: gateway, key: "{{ incident.group.api_key }}", limit: 10/m, expires: 1h, reason: bench }
    undo: ratelimit.clear
    next: open_case
  open_case:
    action: ticket.open
    with: { connector: cases, summary: "{{ incident.title }}", description: bench, severity: high, dedupe: "{{ incident.id }}" }
    next: lift
  lift:
    action: ratelimit.clear
    automatic: true
    with: { connector: gateway, key: "{{ incident.group.api_key }}" }
    next: done
  done:
    end: resolved
`;

function content() {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-bench-runs-'));
  for (const sub of ['correlations', 'playbooks', 'connectors']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'correlations', 'bench.yaml'), RULE);
  writeFileSync(join(dir, 'playbooks', 'bench.yaml'), PLAYBOOK);
  for (const c of ['gateway.yaml', 'cases.yaml'])
    copyFileSync(join(repo, 'connectors', c), join(dir, 'connectors', c));
  return dir;
}

/** A redis-server of the bench's own (no persistence), so commandstats counts only the bench. */
async function startRedis() {
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch (err) {
      probe.disconnect();
      if (i > 100) {
        child.kill('SIGTERM');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { url, stop: () => child.kill('SIGTERM') };
}

// Socket writes to Redis: every socket this process opens is a Redis connection. Counted
// where Node hands bytes to the kernel (one write or writev each), not per Socket#write: a
// connection that holds its writes to the end of the turn (store/write-per-turn.ts) sends
// many of those in one.
let writes = 0;
const writeGeneric = Socket.prototype._writeGeneric;
Socket.prototype._writeGeneric = function (...args) {
  writes += 1;
  return writeGeneric.apply(this, args);
};

/** Node CPU, Redis commands (by name) and Redis CPU, to diff across a phase. */
async function costs(redis) {
  const [stats, cpu, net] = await Promise.all([
    redis.info('commandstats'),
    redis.info('cpu'),
    redis.info('stats'),
  ]);
  const calls = new Map();
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1], Number(m[2]));
  const field = (name, info = cpu) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  const node = process.cpuUsage();
  return {
    calls,
    // Page faults of this process (every thread): on some VMs a fault costs ~10 µs.
    faults: process.resourceUsage().minorPageFault,
    redisCpuUs: (field('used_cpu_user') + field('used_cpu_sys')) * 1e6,
    nodeCpuUs: node.user + node.system,
    bytesIn: field('total_net_input_bytes', net),
    bytesOut: field('total_net_output_bytes', net),
    writes,
  };
}

/** Per-unit costs between two `costs` readings (the readings' own INFO calls excluded). */
function perUnit(before, after, units) {
  const byName = [];
  let total = 0;
  for (const [name, calls] of after.calls) {
    const n = calls - (before.calls.get(name) ?? 0) - (name === 'info' ? 3 : 0);
    if (n <= 0) continue;
    total += n;
    byName.push([name, n / units]);
  }
  byName.sort((a, b) => b[1] - a[1]);
  return {
    nodeCpuUs: (after.nodeCpuUs - before.nodeCpuUs) / units,
    redisCpuUs: (after.redisCpuUs - before.redisCpuUs) / units,
    commands: total / units,
    evalsha: byName.find(([n]) => n === 'evalsha')?.[1] ?? 0,
    writes: (after.writes - before.writes) / units,
    faults: (after.faults - before.faults) / units,
    bytesIn: (after.bytesIn - before.bytesIn) / units,
    bytesOut: (after.bytesOut - before.bytesOut) / units,
    top: byName
      .slice(0, Number(process.env.BENCH_TOP ?? 8))
      .map(([n, c]) => `${n} ${c.toFixed(1)}`)
      .join(', '),
  };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function median(values) {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/**
 * Bare BullMQ beside Cordon: its jobs phase (measured once), then `chains(count)` for each
 * round, the worker left idle between them (a blocking wait, no CPU).
 */
async function bareBullmq(connection, concurrency, redis) {
  const name = 'bare';
  const queue = new Queue(name, { connection, prefix: `${prefix}:bare` });
  let done = 0;
  let finish;
  const all = new Promise((resolve) => (finish = resolve));
  let target = RUNS;
  const worker = new Worker(
    name,
    async (job) => {
      if (job.data.step !== undefined && job.data.step < 3)
        await queue.add('step', { chain: job.data.chain, step: job.data.step + 1 });
      else if ((done += 1) === target) finish();
    },
    { connection, prefix: `${prefix}:bare`, concurrency },
  );
  await worker.waitUntilReady();
  let t0 = performance.now();
  await queue.addBulk(Array.from({ length: RUNS }, (_, i) => ({ name: 'one', data: { i } })));
  await all;
  const jobsPerSecond = RUNS / ((performance.now() - t0) / 1000);
  const chain = async (count) => {
    done = 0;
    target = count;
    const ended = new Promise((resolve) => (finish = resolve));
    await queue.addBulk(
      Array.from({ length: count }, (_, i) => ({ name: 'step', data: { chain: i, step: 1 } })),
    );
    await ended;
  };
  if (WARMUP > 0) await chain(WARMUP);
  const chains = async () => {
    const before = await costs(redis);
    const from = performance.now();
    await chain(RUNS);
    const perSecond = RUNS / ((performance.now() - from) / 1000);
    return { perSecond, costs: perUnit(before, await costs(redis), RUNS) };
  };
  const close = async () => {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  };
  return { jobsPerSecond, chains, close };
}

function match(key, now) {
  return {
    matchId: `m-${key}`,
    rule: 'bench_burst',
    ruleTitle: 'Bench burst',
    ruleType: 'detection',
    level: 'high',
    tags: [],
    groupKey: JSON.stringify([key]),
    group: { api_key: key },
    count: 1,
    firstTime: now,
    lastTime: now,
    windowStart: now,
    windowEnd: now,
    firedAt: now,
    late: false,
    partial: false,
    approximate: false,
    suppressedCount: 0,
    aggregate: {},
    refs: [`bench/${key}`],
    received: now,
  };
}

const dir = content();
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const config = loadConfig(
  {
    CORDON_REDIS_PREFIX: prefix,
    CORDON_CONTENT_DIR: dir,
    CORDON_INSTANCE_ID: 'bench',
    CORDON_LOG_LEVEL: 'warn',
  },
  repo,
);
const keys = new Keys(prefix);
// The triggers record their incidents over a client made as Cordon makes its own (auto-pipelined),
// as the correlator does before it triggers; over the plain connection below (one socket write
// per command) they cost about six writes per run, more than Cordon's own per run.
const triggerRedis = createRedis(REDIS_URL);
const incidents = new IncidentStore(triggerRedis, keys);
const limiter = new LimiterStore(redis, keys);
let cordon;
let bareConnection;
try {
  bareConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const bare = await bareBullmq(bareConnection, config.jobs.actionConcurrency, redis);
  cordon = await startCordon({
    config,
    redisUrl: REDIS_URL,
    logger: createLogger('warn'),
    principals: new PrincipalDirectory(),
  });

  /** Opens an incident for `key` and triggers its playbook; returns the trigger time. */
  const trigger = async (key) => {
    const now = Date.now();
    const recorded = await incidents.recordMatch(match(key, now), now);
    const incident = recorded.incident ?? (await incidents.summary(recorded.incidentId));
    await cordon.runner.trigger(incident, 'bench');
    return now;
  };
  /**
   * Waits until every run has ended. The figures come from the limiter's own timestamps (see
   * `histories`), not from when a poll saw them, so the wait asks two cheap questions per poll
   * (runs created, runs still active) instead of reading every key's records: that polling cost
   * about as much Redis and client work as the runs themselves and slowed what it measured.
   */
  let started = 0;
  const ended = async (list) => {
    started += list.length;
    const running = async () =>
      (await redis.zcard(keys.runIndex)) < started || (await redis.scard(keys.runActive)) > 0;
    while (await running()) await new Promise((r) => setTimeout(r, POLL_MS));
  };
  /**
   * Each key's limiter records (throttle set and lifted), once its run ended. Read after the
   * costs are taken: these reads check the runs and are not part of them.
   */
  const histories = async (list) => {
    const found = await Promise.all(list.map((k) => limiter.history(k)));
    const unfinished = list.filter((k, i) => !found[i].some((e) => e.op === 'clear'));
    if (unfinished.length > 0)
      throw new Error(
        `${unfinished.length} runs ended without lifting their throttle (e.g. ${unfinished[0]}).`,
      );
    return found;
  };
  const settled = async (list) => {
    await ended(list);
    return histories(list);
  };

  if (WARMUP > 0) {
    const warm = Array.from({ length: WARMUP }, (_, i) => `warm-${i}`);
    await Promise.all(warm.map((k) => trigger(k)));
    await settled(warm);
  }

  // Throughput: all at once, alternating with bare BullMQ's chains.
  const runBurst = async (round) => {
    const burst = Array.from({ length: RUNS }, (_, i) => `burst-${round}-${i}`);
    const before = await costs(redis);
    const burstFrom = process.hrtime.bigint() / 1000n;
    if (round === 1) await insp.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    const t0 = Date.now();
    await Promise.all(burst.map((k) => trigger(k)));
    await ended(burst);
    if (round === 1) { const { profile } = await insp.post('HeapProfiler.stopSampling'); writeFileSync('/tmp/alloc.heapprofile', JSON.stringify(profile)); }
    const runCosts = perUnit(before, await costs(redis), RUNS);
    // For `node --cpu-prof`: the burst's window on the profile's clock (µs, monotonic).
    if (process.env.BENCH_MARKS === '1')
      console.log(`burst window (µs, monotonic): ${burstFrom} ${process.hrtime.bigint() / 1000n}`);
    const found = await histories(burst);
    const last = Math.max(...found.map((h) => h.find((e) => e.op === 'clear').at));
    return { perSecond: RUNS / ((last - t0) / 1000), costs: runCosts };
  };
  const rounds = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const chains = await bare.chains();
    const runs = await runBurst(round);
    rounds.push({ chains, runs, ratio: runs.perSecond / chains.perSecond });
  }
  await bare.close();
  const chainRatio = median(rounds.map((r) => r.ratio));
  // The figures beside the ratio are its round's (the lower middle one for an even count).
  const middle = rounds.find((r) => r.ratio === chainRatio) ?? rounds[0];

  // Latency: paced triggers.
  const probes = Array.from({ length: PROBES }, (_, i) => `probe-${i}`);
  const triggered = [];
  const start = performance.now();
  for (let i = 0; i < PROBES; i += 1) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    triggered.push(trigger(probes[i]));
  }
  const at = await Promise.all(triggered);
  const probeHistories = await settled(probes);
  const latencies = probeHistories
    .map((h, i) => h.find((e) => e.op === 'set').at - at[i])
    .sort((a, b) => a - b);

  console.log('');
  console.log(
    `| round | bare BullMQ chains of three jobs/s | Cordon runs/s (three actions) | ratio |`,
  );
  console.log('|---|---|---|---|');
  rounds.forEach((r, i) =>
    console.log(
      `| ${i + 1} | ${Math.round(r.chains.perSecond)} | ${Math.round(r.runs.perSecond)} | ${r.ratio.toFixed(2)} |`,
    ),
  );
  console.log('');
  console.log(`| | per second | ratio (median of ${ROUNDS} rounds) |`);
  console.log('|---|---|---|');
  console.log(`| bare BullMQ: jobs end to end | ${Math.round(bare.jobsPerSecond)} | |`);
  console.log(
    `| bare BullMQ: chains of three jobs (baseline) | ${Math.round(middle.chains.perSecond)} | 1.00 |`,
  );
  console.log(
    `| Cordon: runs of a three-action playbook (saved transitions, ledger, limiter, case) | ${Math.round(middle.runs.perSecond)} | ${chainRatio.toFixed(2)} |`,
  );
  console.log('');
  console.log(
    '| per unit | node CPU µs | Redis CPU µs | Redis commands (EVALSHA) | socket writes | page faults | bytes to / from Redis | top commands |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [what, c] of [
    ['bare BullMQ chain of three jobs', middle.chains.costs],
    ['Cordon run (three actions; bench triggers included)', middle.runs.costs],
  ])
    console.log(
      `| ${what} | ${Math.round(c.nodeCpuUs)} | ${Math.round(c.redisCpuUs)} | ${c.commands.toFixed(1)} (${c.evalsha.toFixed(1)}) | ${c.writes.toFixed(1)} | ${c.faults.toFixed(1)} | ${Math.round(c.bytesIn)} / ${Math.round(c.bytesOut)} | ${c.top} |`,
    );
  console.log('');
  console.log(
    `trigger → first action at ${RATE} incidents/s (${PROBES} runs): p50 ${quantile(latencies, 0.5)} ms, p90 ${quantile(latencies, 0.9)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${latencies[latencies.length - 1]} ms`,
  );
  console.log(
    `${chainRatio >= 0.5 ? 'MET ' : 'MISS'}  runs ≥ 50% of bare BullMQ three-job chains: ${chainRatio.toFixed(2)}`,
  );
  console.log(
    `${quantile(latencies, 0.99) < 50 ? 'MET ' : 'MISS'}  trigger → first action p99 < 50 ms at ${RATE}/s: ${quantile(latencies, 0.99)} ms`,
  );
} finally {
  // Left open, this connection kept the process alive after the figures were printed.
  bareConnection?.disconnect();
  await cordon?.stop();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.unlink(...found);
  } while (cursor !== '0');
  redis.disconnect();
  triggerRedis.disconnect();
  rmSync(dir, { recursive: true, force: true });
  privateRedis?.stop();
}
