// Ingest throughput per source shape, each beside a bare Fastify route in the same run.
//
//   npm run bench:sources                 (builds dist/ first; needs Redis: REDIS_URL or 127.0.0.1:6379)
//   BENCH_EVENTS=100000 BENCH_SINGLE_EVENTS=20000 BENCH_BATCH=500 BENCH_CONCURRENCY=16 npm run bench:sources
//   node bench/ingest-sources.mjs --json  (one JSON document on stdout instead of the table)
//
// Paths measured, each on Cordon (CORDON_ROLES=api: the ingest path only, no correlator) and on
// a bare Fastify route that does ONE Redis append (XADD of the raw body) per request:
//   ndjson   NDJSON batches to /v1/ingest/events (generic source, application/x-ndjson)
//   hec      Splunk HEC concatenated JSON envelopes to /services/collector/event (splunk-hec)
//   bulk     Elasticsearch _bulk, Filebeat-style create actions + ECS documents, to /_bulk with
//            the filter_path Filebeat sends (errors,items.*.error,items.*.status)
//   webhook  one canonical JSON event per POST to /v1/ingest/events
// "Accepted" means the response said so (202 with accepted/duplicates counts, HEC code 0,
// _bulk items with status 201); the event log's length is checked against it at the end.
// Latency is per request, from send to the end of the response (a whole batch for batches).
// The load generator (node:http, keep-alive, BENCH_CONCURRENCY sockets) runs in a process of
// its own (bench/ingest-load.mjs), as a shipper does, for both Cordon and the baseline: the
// node and main-thread figures are the server's alone, the client's CPU is printed apart and
// still taken from the same cores. Each phase stops dispatching
// after BENCH_PHASE_MAX_S seconds (default 15). Keys live under a random prefix, deleted at the end.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { loadConfig } from '../dist/config/load-config.js';
import { PrincipalDirectory } from '../dist/config/principals.js';
import { startCordon } from '../dist/main.js';
import { sha256Hex } from '../dist/shared/hash.js';
import { createLogger } from '../dist/shared/logger.js';
import { Keys } from '../dist/store/keys.js';
import { shapes } from './ingest-load.mjs';
import { rerunWithCordonFlags } from './cordon-node-flags.mjs';

// Cordon runs in this process: under the Node flags it is deployed with.
rerunWithCordonFlags();

const JSON_OUT = process.argv.includes('--json');
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const SINGLE_EVENTS = Number(process.env.BENCH_SINGLE_EVENTS ?? 20_000);
const PHASE_MAX_S = Number(process.env.BENCH_PHASE_MAX_S ?? 15);
const KEYS = Number(process.env.BENCH_KEYS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ONLY = (process.env.BENCH_PATHS ?? 'ndjson,hec,bulk,webhook').split(',');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'bench-token';
const TARGET_BATCH_EPS = 50_000;
const TARGET_WEBHOOK_RATIO = 0.5;

// Cordon's logger writes to stdout: with --json only errors, so stdout stays one JSON document.
const LOG_LEVEL = JSON_OUT ? 'error' : 'warn';
const log = (...a) => (JSON_OUT ? console.error(...a) : console.log(...a));

// ---------------------------------------------------------------- the load generator's process

const NOW = Date.now();
const RUN = randomUUID().slice(0, 8);
const SHAPES = shapes({ batch: BATCH, keys: KEYS, run: RUN, now: NOW });
const TOTALS = { ndjson: EVENTS, hec: EVENTS, bulk: EVENTS, webhook: SINGLE_EVENTS };

/**
 * The load generator (bench/ingest-load.mjs) in its own process, asked one thing at a time:
 * `prepare` builds a path's bodies there (before any round is measured), `send` posts a slice
 * of them to a server and returns what it saw.
 */
function loadGenerator() {
  const child = fork(new URL('./ingest-load.mjs', import.meta.url).pathname, ['--child'], {
    // Without this server's flags (--cpu-prof among them: a profile is of the server alone).
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending;
  let seq = 0;
  child.on('message', (m) => {
    const p = pending;
    pending = undefined;
    p?.resolve(m);
  });
  child.on('exit', (code, signal) => {
    pending?.reject(new Error(`the load generator exited (${code ?? signal})`));
    pending = undefined;
  });
  const ask = (message) =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      child.send(message);
    });
  return {
    async prepare(name, tag, total) {
      seq += 1;
      const id = seq;
      const base = { batch: BATCH, keys: KEYS, run: RUN, now: NOW };
      const { batches } = await ask({ type: 'prepare', id, name, tag, total, ...base });
      return { id, batches };
    },
    async send(list, url, from, to, maxSeconds = PHASE_MAX_S) {
      const message = { type: 'send', id: list.id, url, from, to, maxSeconds };
      const { result } = await ask({ ...message, concurrency: CONCURRENCY, token: TOKEN });
      return result;
    },
    forget(list) {
      child.send({ type: 'forget', id: list.id });
    },
    close() {
      child.kill();
    },
  };
}

/**
 * CPU spent during a round: this process (Cordon or the bare route; the load generator runs
 * apart and reports its own) and the Redis server (INFO cpu; on a shared Redis other
 * clients' work lands here too). Wall-clock events/s swing with whatever else the machine runs;
 * CPU per event does much less.
 */
async function redisCpuSeconds(redis) {
  const info = await redis.info('cpu');
  const read = (k) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}

/**
 * CPU µs of this process's main thread alone (Linux: /proc/self/task/<pid>/stat, in clock
 * ticks of 10 ms; Node 20 has no per-thread CPU call). process.cpuUsage counts every thread,
 * ingest workers included; the difference is what the workers took.
 */
function mainThreadCpuUs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

/**
 * Minor page faults of this process so far (Linux: /proc/self/stat). Fresh memory faults in
 * page by page, and in a VM each fault is costly: a count robust to the machine's load.
 */
function minorFaults() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
  } catch {
    return NaN;
  }
}

/** Garbage-collection pauses of this process's main thread, ms, summed since start. */
let gcPauseMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauseMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

async function measured(redis, round) {
  const redis0 = await redisCpuSeconds(redis);
  const gc0 = gcPauseMs;
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs();
  const faults0 = minorFaults();
  const result = await round();
  const cpu = process.cpuUsage(cpu0);
  const mainUs = mainThreadCpuUs() - main0;
  const faults = minorFaults() - faults0;
  // Entries of the last collections arrive on a later turn.
  await new Promise((resolve) => setImmediate(resolve));
  const gcMs = gcPauseMs - gc0;
  const redisSeconds = (await redisCpuSeconds(redis)) - redis0;
  return {
    ...result,
    cpuUs: cpu.user + cpu.system,
    mainCpuUs: mainUs,
    clientCpuUs: result.clientCpuUs,
    redisCpuUs: redisSeconds * 1e6,
    gcUs: gcMs * 1000,
    faults,
  };
}

function combine(rounds) {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const sum = (k) => rounds.reduce((t, r) => t + r[k], 0);
  const pct = (p) =>
    latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]
      : NaN;
  const seconds = sum('seconds');
  return {
    requests: latencies.length,
    sent: sum('sent'),
    accepted: sum('accepted'),
    failures: sum('failures'),
    firstFailure: rounds.find((r) => r.firstFailure)?.firstFailure,
    seconds,
    eventsPerSecond: sum('accepted') / seconds,
    // µs of CPU per event sent: this process (the server), the load generator's process and
    // the Redis server.
    cpuUsPerEvent: sum('cpuUs') / Math.max(1, sum('sent')),
    clientCpuUsPerEvent: sum('clientCpuUs') / Math.max(1, sum('sent')),
    // The server's main thread only (ingest workers excluded).
    mainCpuUsPerEvent: sum('mainCpuUs') / Math.max(1, sum('sent')),
    redisCpuUsPerEvent: sum('redisCpuUs') / Math.max(1, sum('sent')),
    // Main-thread garbage-collection pauses per event, µs.
    gcUsPerEvent: sum('gcUs') / Math.max(1, sum('sent')),
    // Minor page faults per event, this process (all threads).
    faultsPerEvent: sum('faults') / Math.max(1, sum('sent')),
    p50: pct(50),
    p99: pct(99),
  };
}

// ---------------------------------------------------------------- baseline: one XADD per request

async function baselineServer(redis, stream) {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const append = async (req) => redis.xadd(stream, '*', 'b', req.body);
  app.post('/v1/ingest/events', async (req, reply) => {
    await append(req);
    const n = req.headers['content-type'] === 'application/x-ndjson' ? BATCH : 1;
    return reply.status(202).send({ source: 'events', accepted: n, duplicates: 0 });
  });
  app.post('/services/collector/event', async (req, reply) => {
    await append(req);
    return reply.status(200).send({ text: 'Success', code: 0 });
  });
  app.post('/_bulk', async (req, reply) => {
    await append(req);
    // Same answer as Cordon's: one item per action line, as Filebeat's filter_path leaves it.
    const items = [];
    for (let i = 0; i < BATCH; i += 1) items.push({ create: { status: 201 } });
    return reply.status(200).send({ errors: false, items });
  });
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

// ---------------------------------------------------------------- main

function contentDir() {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-bench-sources-'));
  for (const d of ['correlations', 'playbooks', 'connectors'])
    cpSync(new URL(`../${d}`, import.meta.url), join(dir, d), { recursive: true });
  writeFileSync(
    join(dir, 'connectors', 'hec.yaml'),
    'apiVersion: cordon/v1\nname: hec\ntype: splunk-hec\n',
  );
  writeFileSync(
    join(dir, 'connectors', 'bulk.yaml'),
    'apiVersion: cordon/v1\nname: bulk\ntype: elastic-bulk\n',
  );
  return dir;
}

async function main() {
  const prefix = `cordon-bench-${randomUUID().slice(0, 8)}`;
  const baselineStream = `${prefix}:baseline`;
  const redis = new Redis(REDIS_URL);
  const baseRedis = new Redis(REDIS_URL);
  const dir = contentDir();
  const principals = new PrincipalDirectory();
  principals.add({ id: 'bench', roles: ['ingest', 'analyst'], sources: ['*'] }, sha256Hex(TOKEN));
  const config = loadConfig(
    {
      CORDON_REDIS_PREFIX: prefix,
      CORDON_PORT: '0',
      CORDON_CONSOLE_PORT: '0',
      CORDON_LOG_LEVEL: LOG_LEVEL,
      CORDON_INSTANCE_ID: 'bench',
      CORDON_ROLES: 'api',
      CORDON_CONTENT_DIR: dir,
      CORDON_HOME: join(dir, '.cordon'),
      // The per-principal API rate limit (default 500 requests/s) would cap the single-event
      // phase at the limiter, not the ingest path; off unless set.
      CORDON_API_RATE_PER_S: process.env.CORDON_API_RATE_PER_S ?? '0',
      // Ingest worker threads (default: Cordon's own, by core count); 0 reads every body inline.
      ...Object.fromEntries(
        ['CORDON_INGEST_WORKERS', 'CORDON_INGEST_WORKER_MIN_BYTES', 'CORDON_INGEST_WORKER_QUEUE']
          .filter((k) => process.env[k] !== undefined)
          .map((k) => [k, process.env[k]]),
      ),
    },
    process.cwd(),
  );
  const cordon = await startCordon({
    config,
    redisUrl: REDIS_URL,
    logger: createLogger(LOG_LEVEL),
    principals,
    listen: true,
  });
  const baseline = await baselineServer(baseRedis, baselineStream);
  const client = loadGenerator();
  const results = [];
  let logged = 0;
  try {
    for (const name of ONLY) {
      const shape = SHAPES[name];
      if (!shape) throw new Error(`unknown path ${name}`);
      const total = TOTALS[name];
      // Warm-up on both (JIT, sockets), not measured; its own ids so nothing dedupes later.
      const warm = await client.prepare(
        name,
        `${name}-warm`,
        Math.min(total, shape.batch === 1 ? 2_000 : shape.batch * 20),
      );
      await client.send(warm, baseline.url, 0, warm.batches);
      const w = combine([await client.send(warm, cordon.url, 0, warm.batches)]);
      client.forget(warm);
      if (w.failures) throw new Error(`${name}: warm-up refused: ${w.firstFailure}`);
      logged += w.accepted;
      // Alternating rounds (bare, Cordon, bare, Cordon) so a burst of load from elsewhere on
      // the machine does not land on one side only; each side's rounds are summed.
      const list = await client.prepare(name, `${name}-run`, total);
      const half = Math.ceil(list.batches / ROUNDS);
      const baseRounds = [];
      const cordRounds = [];
      for (let r = 0; r < ROUNDS; r += 1) {
        const [from, to] = [r * half, Math.min(list.batches, (r + 1) * half)];
        const maxSeconds = PHASE_MAX_S / ROUNDS;
        baseRounds.push(
          await measured(redis, () => client.send(list, baseline.url, from, to, maxSeconds)),
        );
        const t0 = process.hrtime.bigint();
        cordRounds.push(
          await measured(redis, () => client.send(list, cordon.url, from, to, maxSeconds)),
        );
        // Monotonic µs, the clock --cpu-prof stamps samples with: lets a profile be cut to
        // the Cordon rounds only.
        if (process.env.BENCH_TRACE)
          console.error(`trace ${name} cordon ${t0 / 1000n} ${process.hrtime.bigint() / 1000n}`);
      }
      client.forget(list);
      const base = combine(baseRounds);
      const cord = combine(cordRounds);
      logged += cord.accepted;
      results.push({
        path: name,
        url: shape.path,
        batch: shape.batch,
        cordon: cord,
        baseline: base,
      });
      log(
        `${name}: cpu ${cord.cpuUsPerEvent.toFixed(1)} µs/ev (main thread ${cord.mainCpuUsPerEvent.toFixed(1)}; bare ${base.cpuUsPerEvent.toFixed(1)}), load generator ${cord.clientCpuUsPerEvent.toFixed(1)} µs/ev (bare ${base.clientCpuUsPerEvent.toFixed(1)}), gc pauses ${cord.gcUsPerEvent.toFixed(1)} µs/ev (bare ${base.gcUsPerEvent.toFixed(1)}), page faults ${cord.faultsPerEvent.toFixed(2)}/ev (bare ${base.faultsPerEvent.toFixed(2)}), load ${loadavg()[0].toFixed(1)}, redis ${cord.redisCpuUsPerEvent.toFixed(1)} µs/ev (bare ${base.redisCpuUsPerEvent.toFixed(1)}); ` +
          `cordon ${Math.round(cord.eventsPerSecond)} ev/s (${cord.accepted}/${cord.sent} accepted, ${cord.seconds.toFixed(2)} s), baseline ${Math.round(base.eventsPerSecond)} ev/s${cord.firstFailure ? `; first refusal: ${cord.firstFailure}` : ''}`,
      );
    }
    const inLog = await redis.xlen(new Keys(prefix).eventLog);

    const fmt = (x) => Math.round(x).toLocaleString('en-US');
    const rows = results.map((r) => ({
      path: `${r.path} ${r.url}${r.batch > 1 ? ` ×${r.batch}` : ''}`,
      eps: fmt(r.cordon.eventsPerSecond),
      p50: r.cordon.p50.toFixed(1),
      p99: r.cordon.p99.toFixed(1),
      base: fmt(r.baseline.eventsPerSecond),
      ratio: (r.cordon.eventsPerSecond / r.baseline.eventsPerSecond).toFixed(2),
      cpu: `${r.cordon.cpuUsPerEvent.toFixed(1)} / ${r.baseline.cpuUsPerEvent.toFixed(1)}`,
      main: r.cordon.mainCpuUsPerEvent.toFixed(1),
      client: `${r.cordon.clientCpuUsPerEvent.toFixed(1)} / ${r.baseline.clientCpuUsPerEvent.toFixed(1)}`,
      rcpu: `${r.cordon.redisCpuUsPerEvent.toFixed(1)} / ${r.baseline.redisCpuUsPerEvent.toFixed(1)}`,
      fail: String(r.cordon.failures),
    }));
    const targets = [];
    for (const r of results.filter((x) => x.batch > 1))
      targets.push({
        target: `${r.path} batch ingest ≥ ${fmt(TARGET_BATCH_EPS)} events/s`,
        value: Math.round(r.cordon.eventsPerSecond),
        pass: r.cordon.eventsPerSecond >= TARGET_BATCH_EPS,
      });
    const hook = results.find((x) => x.path === 'webhook');
    if (hook) {
      const ratio = hook.cordon.eventsPerSecond / hook.baseline.eventsPerSecond;
      targets.push({
        target: `single-event webhook ≥ ${TARGET_WEBHOOK_RATIO * 100}% of the bare route`,
        value: Number(ratio.toFixed(3)),
        pass: ratio >= TARGET_WEBHOOK_RATIO,
      });
    }
    const meta = {
      batch: BATCH,
      concurrency: CONCURRENCY,
      eventsPerBatchPhase: EVENTS,
      singleEvents: SINGLE_EVENTS,
      phaseMaxSeconds: PHASE_MAX_S,
      roles: 'api',
      ingestWorkers: config.ingest.workers,
      node: process.version,
      eventLogLength: inLog,
      acceptedReported: logged,
    };
    if (JSON_OUT) {
      console.log(JSON.stringify({ ...meta, results, targets }, null, 2));
    } else {
      const head = {
        path: 'path',
        eps: 'events/s',
        p50: 'p50 ms',
        p99: 'p99 ms',
        base: 'baseline ev/s',
        ratio: 'ratio',
        cpu: 'node µs/ev (cordon / bare)',
        main: 'main thread µs/ev',
        client: 'load generator µs/ev',
        rcpu: 'redis µs/ev (cordon / bare)',
        fail: 'failed req',
      };
      const cols = Object.keys(head);
      const width = Object.fromEntries(
        cols.map((c) => [c, Math.max(head[c].length, ...rows.map((r) => r[c].length))]),
      );
      const line = (r) =>
        cols.map((c, i) => (i === 0 ? r[c].padEnd(width[c]) : r[c].padStart(width[c]))).join('  ');
      console.log(
        `\nbatch ${BATCH}, concurrency ${CONCURRENCY}, ${EVENTS} events per batch phase, ${SINGLE_EVENTS} single; CORDON_ROLES=api; ingest workers ${config.ingest.workers}; baseline = bare fastify, one XADD of the body per request`,
      );
      console.log(line(head));
      for (const r of rows) console.log(line(r));
      console.log(
        `event log length ${inLog} (responses reported ${logged} accepted, warm-up included)`,
      );
      for (const t of targets)
        console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.value.toLocaleString('en-US')}`);
    }
  } finally {
    client.close();
    await baseline.app.close();
    await cordon.stop();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.unlink(baselineStream);
    redis.disconnect();
    baseRedis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
