// Scaling out: ingest and correlation throughput against a local 3-master Redis Cluster (six
// redis-server processes, made by test/helpers/redis-cluster.ts) with 1, 2 and 4 correlator
// processes, beside a private single Redis, printed as one table, with the CPU each event
// costs (Redis and Cordon apart), so a reader can size a machine with more cores.
//
//   npm run build && node bench/cluster-scaling.mjs
//   BENCH_EVENTS=300000 BENCH_KEYS=20000 BENCH_LOG_PARTITIONS=4 node bench/cluster-scaling.mjs
//   BENCH_CORRELATORS=1 BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/cluster-scaling.mjs
//
// Per row, a fresh key prefix: the AI-platform workload (bench/ai-workload.mjs) is appended to
// the event log as ingest appends it (EventLog.append: the dedupe script, 1,000 per call, 8
// calls in flight; the HTTP parsing in front of it is the API processes' own and scales with
// them), then K correlator processes (this file with `--correlator`, each with its reader
// thread, the shipped rule pack, real checkpoints and incidents) drain it together: each reads
// the whole log and applies the correlation-state partitions it holds. Ingest events/s is the
// append's; correlation events/s is the log's length over the time until the last correlator
// has read it. CPU: Redis from INFO (every master), Cordon from process.cpuUsage() of the
// correlators. Bounded (BENCH_EVENTS, default 200,000), loopback only; servers are private and
// stopped at the end.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import ts from 'typescript';
import { CORDON_NODE_FLAGS } from './cordon-node-flags.mjs';

const repo = new URL('..', import.meta.url).pathname;
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const KEYS = Number(process.env.BENCH_KEYS ?? 20_000);
const LOG_PARTITIONS = Number(process.env.BENCH_LOG_PARTITIONS ?? 4);
const STATE_PARTITIONS = 16;
const CORRELATORS = (process.env.BENCH_CORRELATORS ?? '1,2,4').split(',').map(Number);
const CONTENT = resolve(process.env.BENCH_CONTENT ?? repo);
// Node flags for the correlator processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (Node
// refuses --cpu-prof in NODE_OPTIONS), after the flags `cordon start` runs with.
const CHILD_NODE_ARGS = [
  ...CORDON_NODE_FLAGS,
  ...(process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean),
];

if (process.argv[2] === '--correlator') await correlatorProcess();
else await main();

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'cordon-scaling-'));
  const file = join(tmp, 'ai.ndjson');
  execFileSync('node', [join(repo, 'bench/ai-workload.mjs'), String(EVENTS), file, String(KEYS)], {
    stdio: 'inherit',
  });
  const { readRecordedLine } = await import('../dist/correlate/replay.js');
  const now = Date.now();
  const events = [];
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const r = readRecordedLine(line, now, 'gateway');
    if (r.ok === true) events.push({ ...r.event, received: r.event.time });
  }
  const rows = [];
  const single = await startSingleRedis(tmp);
  try {
    rows.push(await row('single Redis', single.url, 1, 1, events));
  } finally {
    single.stop();
  }
  const { startRedisCluster } = await clusterHelper(tmp);
  // A loaded machine answers slowly: the tests' 1 s node timeout would fail masters over
  // in the middle of a row.
  const cluster = await startRedisCluster({ nodeTimeoutMs: 15_000 });
  await cluster.waitHealthy();
  try {
    for (const k of CORRELATORS)
      rows.push(await row('3-master cluster', cluster.url, LOG_PARTITIONS, k, events));
  } finally {
    await cluster.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  const f = (n) => Math.round(n).toLocaleString('en-US');
  console.log('');
  console.log(
    `${events.length.toLocaleString('en-US')} events, ${KEYS.toLocaleString('en-US')} API keys, ${STATE_PARTITIONS} state partitions; ${cpus().length} cores, load average ${(await import('node:os')).loadavg()[0].toFixed(1)} at the end; ${new Date().toISOString()}`,
  );
  console.log(
    '| Redis | log partitions | correlators | ingest events/s | Redis CPU µs/event (ingest) | correlation events/s | correlator CPU µs/event (all processes) | Redis CPU µs/event (correlation) | matches |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.target} | ${r.partitions} | ${r.correlators} | ${f(r.ingestRate)} | ${r.ingestRedisUs.toFixed(1)} | ${f(r.correlateRate)} | ${r.correlatorUs.toFixed(1)} | ${r.correlateRedisUs.toFixed(1)} | ${r.matches} |`,
    );
}

/** One row: a fresh prefix, the log filled, then `k` correlators drain it. */
async function row(target, url, partitions, k, events) {
  const { createRedis } = await import('../dist/store/redis.js');
  const { EventLog } = await import('../dist/store/event-log.js');
  const { Keys } = await import('../dist/store/keys.js');
  const prefix = `cordon-scaling-${randomUUID().slice(0, 8)}`;
  const redis = createRedis(url, { maxRetriesPerRequest: null });
  const log = new EventLog(redis, new Keys(prefix), undefined, partitions);
  await redis.exists(prefix); // connected, and a cluster's slot map loaded
  const redis0 = await redisCpu(redis);
  let t0 = performance.now();
  const batches = [];
  for (let i = 0; i < events.length; i += 1_000) batches.push(events.slice(i, i + 1_000));
  const now = Date.now();
  for (let i = 0; i < batches.length; i += 8)
    await Promise.all(batches.slice(i, i + 8).map((b) => log.append(b, now, 86_400_000)));
  const ingestSeconds = (performance.now() - t0) / 1000;
  const redis1 = await redisCpu(redis);
  console.log(
    `${target}, ${partitions} log partition(s): ingested ${events.length} in ${ingestSeconds.toFixed(1)} s; starting ${k} correlator(s)`,
  );

  const children = Array.from({ length: k }, (_, i) =>
    spawn(
      process.execPath,
      [...CHILD_NODE_ARGS, new URL(import.meta.url).pathname, '--correlator'],
      {
        env: {
          ...process.env,
          BENCH_URL: url,
          BENCH_PREFIX: prefix,
          BENCH_MEMBER: `c${i}`,
          BENCH_PARTITIONS: String(partitions),
          BENCH_TOTAL: String(events.length),
        },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    ),
  );
  const said = children.map((c, i) => {
    const lines = createInterface({ input: c.stdout });
    const queue = [];
    const waiters = [];
    let exited;
    lines.on('line', (l) => {
      let m;
      try {
        m = JSON.parse(l);
      } catch {
        m = {};
      }
      // Anything else on its stdout is the correlator's own log (warnings): shown, not read.
      if (m.bench === undefined) return void console.error(`c${i}: ${l}`);
      const w = waiters.shift();
      if (w) w.resolve(m);
      else queue.push(m);
    });
    // A correlator that dies fails the row instead of leaving it waiting for ever.
    c.once('exit', (code, signal) => {
      exited = new Error(`correlator c${i} exited (${signal ?? code}) before reporting`);
      lines.once('close', () => {
        for (const w of waiters.splice(0)) w.reject(exited);
      });
    });
    return () =>
      queue.length
        ? Promise.resolve(queue.shift())
        : exited
          ? Promise.reject(exited)
          : new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  });
  // Every member is in the member list before any starts: no rebalance in the measurement.
  await Promise.all(said.map((next) => next()));
  const redis2 = await redisCpu(redis);
  for (const c of children) c.stdin.write('go\n');
  const done = await Promise.all(said.map((next) => next()));
  const correlateSeconds =
    (Math.max(...done.map((d) => d.doneAt)) - Math.min(...done.map((d) => d.firstAt))) / 1000;
  const redis3 = await redisCpu(redis);
  // Matches are counted once every correlator has stopped (windows closed after the last
  // event are delivered by then).
  await new Promise((r) => setTimeout(r, 1_000));
  for (const c of children) c.stdin.end();
  const stopped = await Promise.all(said.map((next) => next()));
  await Promise.all(
    children.map((c) => c.exitCode ?? c.signalCode ?? new Promise((r) => c.once('exit', r))),
  );
  await deletePrefix(redis, prefix);
  redis.disconnect();
  const result = {
    target,
    partitions,
    correlators: k,
    ingestRate: events.length / ingestSeconds,
    ingestRedisUs: ((redis1 - redis0) * 1e6) / events.length,
    correlateRate: events.length / correlateSeconds,
    correlatorUs: done.reduce((a, d) => a + d.cpuMicros, 0) / events.length,
    correlateRedisUs: ((redis3 - redis2) * 1e6) / events.length,
    matches: stopped.reduce((a, d) => a + d.matches, 0),
    restores: done.reduce((a, d) => a + d.restores, 0),
  };
  if (result.restores > 0)
    console.error(
      `${target}, ${k} correlator(s): ${result.restores} restore(s) from a checkpoint during the drain (their events counted twice): this row's rate is too high`,
    );
  console.log(JSON.stringify(result));
  return result;
}

/** Seconds of CPU every master has used so far (INFO cpu). */
async function redisCpu(redis) {
  const { masters } = await import('../dist/store/redis.js');
  let total = 0;
  for (const node of masters(redis)) {
    const info = await node.info('cpu');
    for (const name of ['used_cpu_sys', 'used_cpu_user'])
      total += Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  }
  return total;
}

async function deletePrefix(redis, prefix) {
  const { masters } = await import('../dist/store/redis.js');
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      // Through the cluster client: it follows a slot that moved since the SCAN.
      for (const key of found) await redis.unlink(key);
    } while (cursor !== '0');
  }
}

/** A correlator process: joins, waits for "go", drains the log, reports its CPU. */
async function correlatorProcess() {
  const url = process.env.BENCH_URL;
  const prefix = process.env.BENCH_PREFIX;
  const member = process.env.BENCH_MEMBER;
  const partitions = Number(process.env.BENCH_PARTITIONS);
  const total = Number(process.env.BENCH_TOTAL);
  const { loadContent } = await import('../dist/content.js');
  const { Correlator } = await import('../dist/correlate/correlator.js');
  const { systemClock } = await import('../dist/shared/clock.js');
  const { createLogger } = await import('../dist/shared/logger.js');
  const { Metrics } = await import('../dist/shared/metrics.js');
  const { RedisStateStore } = await import('../dist/store/correlation-state-store.js');
  const { EventLog } = await import('../dist/store/event-log.js');
  const { IncidentStore } = await import('../dist/store/incident-store.js');
  const { Keys } = await import('../dist/store/keys.js');
  const { createRedis } = await import('../dist/store/redis.js');
  const { content } = await loadContent(CONTENT);
  const redis = createRedis(url, { maxRetriesPerRequest: null });
  const keys = new Keys(prefix);
  const log = new EventLog(redis, keys, undefined, partitions);
  const store = new RedisStateStore(redis, keys);
  const incidents = new IncidentStore(redis, keys);
  const metrics = new Metrics();
  let matches = 0;
  const leaseMs = 10_000;
  const correlator = new Correlator(
    content.rules,
    {
      limits: {
        partitions: STATE_PARTITIONS,
        maxGroupsPerRule: 1_000_000,
        maxEventsPerGroup: 10_000,
        maxDistinctExact: 1_000,
        maxRefsPerMatch: 50,
      },
      timing: { outOfOrdernessMs: 30_000, idleMs: 60_000 },
    },
    log,
    undefined,
    store,
    async (m) => {
      matches += 1;
      await incidents.recordMatch(m, Date.now());
    },
    {
      member,
      partitions: STATE_PARTITIONS,
      batchSize: 5_000,
      blockMs: 100,
      checkpointMs: 5_000,
      leaseMs,
      dedupeWindowMs: 86_400_000,
      readerThread: {
        redisUrl: url,
        keyPrefix: prefix,
        eventLogPartitions: partitions,
        connectionName: `bench-reader-${member}`,
        commandTimeoutMs: 10_000,
        sources: content.ruleSources,
      },
    },
    systemClock,
    createLogger('warn'),
    metrics,
    () => undefined,
    async () => undefined,
  );
  const input = createInterface({ input: process.stdin });
  const lines = input[Symbol.asyncIterator]();
  await store.heartbeat(member, Date.now(), leaseMs);
  console.log(JSON.stringify({ bench: 'joined', member }));
  await lines.next(); // "go"
  await correlator.start();
  // Measured from the first event applied: starting (compiling the rules on the reader
  // thread, taking the partitions) is not throughput.
  while (metrics.get('cordon_correlator_events_total') === 0)
    await new Promise((r) => setTimeout(r, 2));
  const firstAt = Date.now();
  const cpu0 = process.cpuUsage();
  // Events applied, not entries read: with several log partitions the read also counts the
  // progress marks the reader wrote to quiet partitions (more of them on a slower run), so
  // entries read reached the event count while the last events were still unread (fewer
  // matches, a rate too high). A restore after a lost lease would count events twice: the
  // report says how many restores there were.
  while (metrics.get('cordon_correlator_events_total') < total)
    await new Promise((r) => setTimeout(r, 20));
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      bench: 'done',
      member,
      firstAt,
      doneAt: Date.now(),
      cpuMicros: cpu.user + cpu.system,
      restores: metrics.get('cordon_correlator_restores_total'),
    }),
  );
  await lines.next(); // stdin closed: stop
  await correlator.stop();
  console.log(JSON.stringify({ bench: 'stopped', member, matches }));
  redis.disconnect();
  process.exit(0);
}

/** A private redis-server (AOF off) on a free port. */
async function startSingleRedis(tmp) {
  const port = await freePort();
  const dir = join(tmp, 'single');
  mkdirSync(dir);
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      join(dir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  const { Redis } = await import('ioredis');
  for (let i = 0; i < 100; i += 1) {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    const ok = await probe.connect().then(
      () => probe.ping(),
      () => undefined,
    );
    probe.disconnect();
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * The tests' cluster helper (TypeScript), transpiled for this run into node_modules/.cache so
 * its imports (ioredis) resolve: the bench builds its cluster exactly as the tests do.
 */
async function clusterHelper() {
  const out = join(repo, 'node_modules/.cache/cordon-bench-cluster');
  mkdirSync(out, { recursive: true });
  for (const name of ['redis-cluster', 'temp-dir']) {
    const source = readFileSync(join(repo, `test/helpers/${name}.ts`), 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(out, `${name}.js`), js);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  return import(join(out, 'redis-cluster.js'));
}
