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
//   bulk     Elasticsearch _bulk, Filebeat-style create actions + ECS documents, to /_bulk
//   webhook  one canonical JSON event per POST to /v1/ingest/events
// "Accepted" means the response said so (202 with accepted/duplicates counts, HEC code 0,
// _bulk items with status 201); the event log's length is checked against it at the end.
// Latency is per request, from send to the end of the response (a whole batch for batches).
// The load generator (node:http, keep-alive, BENCH_CONCURRENCY sockets) runs in this process,
// as in ingest-throughput.mjs, for both Cordon and the baseline. Each phase stops dispatching
// after BENCH_PHASE_MAX_S seconds (default 15). Keys live under a random prefix, deleted at the end.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
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
import { filebeatSshFailure } from './filebeat-document.mjs';

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

// ---------------------------------------------------------------- bodies, one shape per path

const NOW = Date.now();
const RUN = randomUUID().slice(0, 8);

function canonical(tag, n) {
  return {
    id: `${RUN}-${tag}-${n}`,
    kind: 'inference',
    time: NOW - 50_000 + (n % 40_000),
    name: 'chat.completions',
    entity: { api_key: `key-${n % KEYS}`, model: 'm1' },
    measures: { latency_ms: 20 + (n % 50), tokens_in: 100 },
  };
}

function hecEnvelope(tag, n) {
  return {
    time: (NOW - 50_000 + (n % 40_000)) / 1000,
    host: 'inference-gw-02',
    source: 'litellm-proxy',
    sourcetype: '_json',
    event: {
      kind: 'inference',
      request_id: `${RUN}-${tag}-${n}`,
      api_key: `key-${n % KEYS}`,
      model: 'gpt-4o-mini',
      latency_ms: 20 + (n % 50),
      tokens_in: 512,
      tokens_out: 187,
    },
  };
}

function ecsDocument(tag, n) {
  return filebeatSshFailure(n, {
    time: NOW - 50_000 + (n % 40_000),
    id: `${RUN}-${tag}-${n}`,
    user: `user-${n % KEYS}`,
  });
}

const BULK_ACTION = JSON.stringify({ create: { _index: 'filebeat-8' } });

const SHAPES = {
  ndjson: {
    path: '/v1/ingest/events',
    contentType: 'application/x-ndjson',
    batch: BATCH,
    total: EVENTS,
    body: (tag, from, count) => {
      let s = '';
      for (let i = 0; i < count; i += 1) s += `${JSON.stringify(canonical(tag, from + i))}\n`;
      return s;
    },
  },
  hec: {
    path: '/services/collector/event',
    contentType: 'application/json',
    batch: BATCH,
    total: EVENTS,
    body: (tag, from, count) => {
      let s = '';
      for (let i = 0; i < count; i += 1) s += JSON.stringify(hecEnvelope(tag, from + i));
      return s;
    },
  },
  bulk: {
    path: '/_bulk',
    contentType: 'application/x-ndjson',
    batch: BATCH,
    total: EVENTS,
    body: (tag, from, count) => {
      let s = '';
      for (let i = 0; i < count; i += 1)
        s += `${BULK_ACTION}\n${JSON.stringify(ecsDocument(tag, from + i))}\n`;
      return s;
    },
  },
  webhook: {
    path: '/v1/ingest/events',
    contentType: 'application/json',
    batch: 1,
    total: SINGLE_EVENTS,
    body: (tag, from) => JSON.stringify(canonical(tag, from)),
  },
};

function bodies(shape, tag, total) {
  const out = [];
  for (let from = 0; from < total; from += shape.batch) {
    const count = Math.min(shape.batch, total - from);
    out.push({ buf: Buffer.from(shape.body(tag, from, count)), count });
  }
  return out;
}

// ---------------------------------------------------------------- how many a response accepted

function acceptedBy(name, status, text, count) {
  if (name === 'hec') {
    if (status !== 200) return 0;
    return JSON.parse(text).code === 0 ? count : 0;
  }
  if (name === 'bulk') {
    if (status !== 200) return 0;
    const r = JSON.parse(text);
    return r.items.filter((it) => (it.create ?? it.index)?.status === 201).length;
  }
  if (status !== 202) return 0;
  const r = JSON.parse(text);
  return (r.accepted ?? 0) + (r.duplicates ?? 0);
}

// ---------------------------------------------------------------- load generator

async function run(base, name, shape, list, maxSeconds = PHASE_MAX_S) {
  const url = new URL(shape.path, base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies = [];
  let next = 0;
  let accepted = 0;
  let sent = 0;
  let failures = 0;
  let firstFailure;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const send = ({ buf }) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${TOKEN}`,
            'content-type': shape.contentType,
            'content-length': buf.length,
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(buf);
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < list.length && performance.now() < deadline) {
        const item = list[next];
        next += 1;
        const t0 = performance.now();
        const { status, text } = await send(item);
        latencies.push(performance.now() - t0);
        sent += item.count;
        const ok = acceptedBy(name, status, text, item.count);
        accepted += ok;
        if (ok < item.count) {
          failures += 1;
          firstFailure ??= `${status} ${text.slice(0, 300)}`;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { latencies, sent, accepted, failures, firstFailure, seconds };
}

/**
 * CPU spent during a round: this process (Cordon or the bare route, plus the load generator,
 * which is the same on both sides) and the Redis server (INFO cpu; on a shared Redis other
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

async function measured(redis, round) {
  const redis0 = await redisCpuSeconds(redis);
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs();
  const faults0 = minorFaults();
  const result = await round();
  const cpu = process.cpuUsage(cpu0);
  const mainUs = mainThreadCpuUs() - main0;
  const faults = minorFaults() - faults0;
  const redisSeconds = (await redisCpuSeconds(redis)) - redis0;
  return {
    ...result,
    cpuUs: cpu.user + cpu.system,
    mainCpuUs: mainUs,
    redisCpuUs: redisSeconds * 1e6,
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
    // µs of CPU per event sent: this process (server + load generator) and the Redis server.
    cpuUsPerEvent: sum('cpuUs') / Math.max(1, sum('sent')),
    // The main thread only (server + load generator; ingest workers excluded).
    mainCpuUsPerEvent: sum('mainCpuUs') / Math.max(1, sum('sent')),
    redisCpuUsPerEvent: sum('redisCpuUs') / Math.max(1, sum('sent')),
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
    // Same answer size as Cordon's: one item per action line.
    const items = [];
    for (let i = 0; i < BATCH; i += 1)
      items.push({
        create: { _index: 'filebeat-8', _id: `b-${i}`, status: 201, result: 'created' },
      });
    return reply.status(200).send({ took: 0, errors: false, items });
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
  const results = [];
  let logged = 0;
  try {
    for (const name of ONLY) {
      const shape = SHAPES[name];
      if (!shape) throw new Error(`unknown path ${name}`);
      // Warm-up on both (JIT, sockets), not measured; its own ids so nothing dedupes later.
      const warm = bodies(
        shape,
        `${name}-warm`,
        Math.min(shape.total, shape.batch === 1 ? 2_000 : shape.batch * 20),
      );
      await run(baseline.url, name, shape, warm);
      const w = combine([await run(cordon.url, name, shape, warm)]);
      if (w.failures) throw new Error(`${name}: warm-up refused: ${w.firstFailure}`);
      logged += w.accepted;
      // Alternating rounds (bare, Cordon, bare, Cordon) so a burst of load from elsewhere on
      // the machine does not land on one side only; each side's rounds are summed.
      const list = bodies(shape, `${name}-run`, shape.total);
      const half = Math.ceil(list.length / ROUNDS);
      const baseRounds = [];
      const cordRounds = [];
      for (let r = 0; r < ROUNDS; r += 1) {
        const part = list.slice(r * half, (r + 1) * half);
        baseRounds.push(
          await measured(redis, () => run(baseline.url, name, shape, part, PHASE_MAX_S / ROUNDS)),
        );
        const t0 = process.hrtime.bigint();
        cordRounds.push(
          await measured(redis, () => run(cordon.url, name, shape, part, PHASE_MAX_S / ROUNDS)),
        );
        // Monotonic µs, the clock --cpu-prof stamps samples with: lets a profile be cut to
        // the Cordon rounds only.
        if (process.env.BENCH_TRACE)
          console.error(`trace ${name} cordon ${t0 / 1000n} ${process.hrtime.bigint() / 1000n}`);
      }
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
        `${name}: cpu ${cord.cpuUsPerEvent.toFixed(1)} µs/ev (main thread ${cord.mainCpuUsPerEvent.toFixed(1)}; bare ${base.cpuUsPerEvent.toFixed(1)}), page faults ${cord.faultsPerEvent.toFixed(2)}/ev (bare ${base.faultsPerEvent.toFixed(2)}), load ${loadavg()[0].toFixed(1)}, redis ${cord.redisCpuUsPerEvent.toFixed(1)} µs/ev (bare ${base.redisCpuUsPerEvent.toFixed(1)}); ` +
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
