// The durable correlator draining a pre-filled event log, against a bare baseline in the same
// run: how fast the same log can merely be read and parsed (XREAD + JSON.parse, nothing else).
//
//   npm run build && node bench/correlator-drain.mjs [events.ndjson]
//   BENCH_EVENTS=300000 BENCH_KEYS=10000 BENCH_CONTENT=. node bench/correlator-drain.mjs
//   BENCH_BATCH=5000   entries per read (CORDON_CORRELATE_BATCH; deployed default 2,000)
//   BENCH_PROFILE=drain.cpuprofile node bench/correlator-drain.mjs   (main thread, drain only)
//   BENCH_HEAP_PROFILE=drain.heapprofile node bench/correlator-drain.mjs   (where the main thread
//   allocates during the drain, sampled: what a scavenge then copies or frees)
//
// The defaults make the workload: the whole pack with about 100k live groups (300k
// events over 10k keys left 109k groups on 2026-12-03; 1M events over 100k keys, the old
// defaults, left ~818k, eight times the target's). The live group count is printed at the end.
//
// Without a file, it generates the AI-platform workload (bench/ai-workload.mjs: inference, LLM,
// login, feedback, drift and metric events over BENCH_KEYS API keys). The correlator runs the
// rules under BENCH_CONTENT (default: the shipped pack), with real checkpoints to Redis and
// real incidents; it is measured from start until it has read the last entry. Keys live under
// a random prefix and are deleted at the end. Needs Redis (REDIS_URL or 127.0.0.1:6379).
// It runs under the Node flags `cordon start` runs with (bench/cordon-node-flags.mjs).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loadContent } from '../dist/content.js';
import { Correlator } from '../dist/correlate/correlator.js';
import { readRecordedLine } from '../dist/correlate/replay.js';
import { systemClock } from '../dist/shared/clock.js';
import { createLogger } from '../dist/shared/logger.js';
import { Metrics } from '../dist/shared/metrics.js';
import { RedisStateStore } from '../dist/store/correlation-state-store.js';
import { EventLog } from '../dist/store/event-log.js';
import { IncidentStore } from '../dist/store/incident-store.js';
import { Keys } from '../dist/store/keys.js';
import { rerunWithCordonFlags } from './cordon-node-flags.mjs';

rerunWithCordonFlags();

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const CONTENT = resolve(process.env.BENCH_CONTENT ?? '.');
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 16);
// 1 (default, as `cordon start`): the log is read, parsed and routed on a thread of its own.
const READER_THREAD = process.env.BENCH_READER_THREAD !== '0';
const prefix = `cordon-bench-${randomUUID().slice(0, 8)}`;

const tmp = mkdtempSync(join(tmpdir(), 'cordon-drain-'));
let file = process.argv[2];
if (!file) {
  file = join(tmp, 'ai.ndjson');
  execFileSync(
    'node',
    [new URL('./ai-workload.mjs', import.meta.url).pathname, String(EVENTS), file, String(KEYS)],
    { stdio: 'inherit' },
  );
}
const { content, diagnostics } = await loadContent(CONTENT);
if (!content) {
  console.error(diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`).join('\n'));
  process.exit(1);
}

const redis = new Redis(REDIS_URL, { enableAutoPipelining: true, maxRetriesPerRequest: null });
const keys = new Keys(prefix);
const log = new EventLog(redis, keys);
try {
  // Pre-fill: append in batches of 1,000, as ingest would (same script, same dedupe).
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const now = Date.now();
  const events = [];
  for (const line of lines) {
    const r = readRecordedLine(line, now, 'gateway');
    if (r.ok === true) events.push({ ...r.event, received: r.event.time });
  }
  let t0 = performance.now();
  const batches = [];
  for (let i = 0; i < events.length; i += 1_000) batches.push(events.slice(i, i + 1_000));
  for (let i = 0; i < batches.length; i += 8)
    await Promise.all(batches.slice(i, i + 8).map((b) => log.append(b, now, 86_400_000)));
  const fillSeconds = (performance.now() - t0) / 1000;
  console.log(
    `pre-filled ${events.length.toLocaleString('en-US')} events in ${fillSeconds.toFixed(1)} s`,
  );

  // Baseline: read and parse the log, nothing else.
  const reader = new Redis(REDIS_URL);
  t0 = performance.now();
  let position = '0-0';
  let read = 0;
  for (;;) {
    const batch = await log.readAfter(reader, position, 2_000, 0);
    if (batch.length === 0) break;
    read += batch.length;
    position = batch[batch.length - 1].seq;
  }
  const baseSeconds = (performance.now() - t0) / 1000;
  reader.disconnect();

  // Cordon: the correlator with the rule pack, checkpoints and incidents.
  const incidents = new IncidentStore(redis, keys);
  let matches = 0;
  const metrics = new Metrics();
  const blocking = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  blocking.on('error', () => undefined);
  const correlator = new Correlator(
    content.rules,
    {
      limits: {
        partitions: PARTITIONS,
        maxGroupsPerRule: 1_000_000,
        maxEventsPerGroup: 10_000,
        maxDistinctExact: 1_000,
        maxRefsPerMatch: 50,
      },
      timing: { outOfOrdernessMs: 30_000, idleMs: 60_000 },
    },
    log,
    blocking,
    new RedisStateStore(redis, keys),
    async (m) => {
      matches += 1;
      await incidents.recordMatch(m, Date.now());
    },
    {
      member: 'bench',
      partitions: PARTITIONS,
      batchSize: Number(process.env.BENCH_BATCH ?? 5_000),
      blockMs: 100,
      checkpointMs: Number(process.env.BENCH_CHECKPOINT_MS ?? 30_000),
      leaseMs: 30_000,
      dedupeWindowMs: 86_400_000,
      ...(READER_THREAD
        ? {
            readerThread: {
              redisUrl: REDIS_URL,
              keyPrefix: prefix,
              connectionName: 'bench-reader',
              commandTimeoutMs: 10_000,
              sources: content.ruleSources,
            },
          }
        : {}),
    },
    systemClock,
    createLogger('warn'),
    metrics,
    () => undefined,
    async () => undefined,
  );
  // BENCH_PROFILE=file.cpuprofile: a CPU profile of the main thread over the drain alone.
  const profiler = process.env.BENCH_PROFILE ? new inspector.Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  // BENCH_HEAP_PROFILE=file.heapprofile: sampled allocations of the main thread over the drain,
  // collected ones included (Chrome DevTools or bench/heap-top.mjs read it).
  const heap = process.env.BENCH_HEAP_PROFILE ? new inspector.Session() : undefined;
  if (heap) {
    heap.connect();
    await heap.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const redisCpu = async () => {
    const info = await redis.info('cpu');
    const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
  };
  const redisCpu0 = await redisCpu();
  // Minor page faults of this process (all threads): memory mapped afresh, which on a VM costs
  // more than most of what is done with it.
  const faults = () => Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[7]);
  const faults0 = faults();
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await correlator.start();
  // How long a (re)started correlator takes to apply its first event: leases, restore and the
  // reader thread's start-up (rules compiled, first read routed).
  while (metrics.get('cordon_correlator_events_total') === 0)
    await new Promise((r) => setTimeout(r, 2));
  const firstMs = performance.now() - t0;
  // Done when the correlator has read every pre-filled entry (derived events of chained rules
  // come after them) and handed out what they produced.
  while (metrics.get('cordon_correlator_events_total') < events.length)
    await new Promise((r) => setTimeout(r, 20));
  const drainSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // Redis's own CPU over the drain (reads, checkpoints, incidents): on two cores it is taken
  // from what the correlator's threads could have had.
  const redisMicrosPerEvent = ((await redisCpu()) - redisCpu0) / events.length;
  const faultsPerEvent = (faults() - faults0) / events.length;
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile));
    profiler.disconnect();
  }
  if (heap) {
    const { profile } = await heap.post('HeapProfiler.stopSampling');
    writeFileSync(process.env.BENCH_HEAP_PROFILE, JSON.stringify(profile));
    heap.disconnect();
  }
  // CPU time of every thread of this process: on a busy machine, what the drain costs even
  // when the wall clock says little.
  const cpuMicrosPerEvent = (cpu.user + cpu.system) / events.length;
  // Counted when the drain ends (the cordon_rule_groups gauge is sampled every 5 s, so a drain
  // shorter than that showed a figure from its start).
  let groups = 0;
  for (const n of correlator.groupCounts().values()) groups += n;
  await correlator.stop();
  blocking.disconnect();

  const rate = (n, s) => Math.round(n / s).toLocaleString('en-US');
  console.log('');
  console.log(`| | events/s | ratio |`);
  console.log(`|---|---|---|`);
  console.log(
    `| bare Redis: XREAD + JSON.parse of the log (baseline) | ${rate(read, baseSeconds)} | 1.00 |`,
  );
  console.log(
    `| Cordon correlator: ${content.rules.correlations.length} correlations, ${content.rules.detections.size} detections, checkpoints, incidents, ${READER_THREAD ? 'reader thread' : 'one thread'} | ${rate(events.length, drainSeconds)} | ${(baseSeconds / drainSeconds).toFixed(2)} |`,
  );
  console.log('');
  console.log(
    `CPU (all threads of the correlator's process): ${cpuMicrosPerEvent.toFixed(1)} µs per event, ${((cpu.user + cpu.system) / 1e6 / drainSeconds).toFixed(2)} cores busy on average; Redis ${redisMicrosPerEvent.toFixed(1)} µs per event; first event applied ${firstMs.toFixed(0)} ms after start; ${faultsPerEvent.toFixed(2)} page faults per event\n` +
      `${matches} matches; live groups when the drain ended: ${groups.toLocaleString('en-US')}; checkpoints: ${metrics.get('cordon_correlator_checkpoints_total')}`,
  );
} finally {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.unlink(...found);
  } while (cursor !== '0');
  redis.disconnect();
  if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
}
