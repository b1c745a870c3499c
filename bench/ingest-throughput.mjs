// Ingest and correlation throughput against a baseline in the same process.
//
//   npm run bench               (builds dist/ first; needs Redis: REDIS_URL or 127.0.0.1:6379)
//   BENCH_EVENTS=100000 BENCH_BATCH=200 BENCH_CONCURRENCY=16 npm run bench
//
// 1. HTTP ingest: the same NDJSON batches are POSTed over loopback to Cordon
//    (/v1/ingest/events: auth, strict validation, normalisation, one atomic append per batch
//    with dedupe) and to a bare Fastify route that only parses the lines and answers 202.
// 2. Correlation: how long the correlator takes to drain what was accepted (every event runs
//    the shipped detection rule and one Redis window script), from the first request.
// 3. Containment latency: from the 202 of the request that crosses the shipped rule's threshold
//    until the key is throttled at the built-in limiter (correlator → incident → playbook run →
//    action job → limiter), for fresh keys, first on an idle system, then while background
//    traffic arrives at BENCH_BACKGROUND_RATE events/s (default 5,000) from many steady keys.
// Bounded in count, loopback only; keys live under a random prefix and are deleted at the end.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { loadConfig } from '../dist/config/load-config.js';
import { PrincipalDirectory } from '../dist/config/principals.js';
import { startCordon } from '../dist/main.js';
import { sha256Hex } from '../dist/shared/hash.js';
import { createLogger } from '../dist/shared/logger.js';
import { Keys } from '../dist/store/keys.js';
import { rerunWithCordonFlags } from './cordon-node-flags.mjs';

// Cordon runs in this process: under the Node flags it is deployed with.
rerunWithCordonFlags();

const EVENTS = Number(process.env.BENCH_EVENTS ?? 40_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const KEYS = Number(process.env.BENCH_KEYS ?? 5_000);
const BACKGROUND_RATE = Number(process.env.BENCH_BACKGROUND_RATE ?? 5_000);
// 200: a p99 of 40 probes was the slowest probe, whatever one stall made it.
const PROBES = Number(process.env.BENCH_PROBES ?? 200);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'bench-token';

function batches() {
  const out = [];
  const start = Date.now() - 50_000;
  for (let b = 0; b < EVENTS / BATCH; b += 1) {
    const lines = [];
    for (let i = 0; i < BATCH; i += 1) {
      const n = b * BATCH + i;
      lines.push(
        JSON.stringify({
          id: `bench-${n}`,
          kind: 'inference',
          time: start + (n % 40_000),
          name: 'chat.completions',
          entity: { api_key: `key-${n % KEYS}`, model: 'm1' },
          measures: { latency_ms: 20 + (n % 50), tokens_in: 100 },
        }),
      );
    }
    out.push(`${lines.join('\n')}\n`);
  }
  return out;
}

async function post(url, bodies) {
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next];
        next += 1;
        const res = await fetch(url, {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
        });
        await res.arrayBuffer();
        if (res.status !== 202) failures += 1;
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, failures };
}

async function baselineServer() {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/ingest', async (req, reply) => {
    const ids = String(req.body)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).id);
    return reply.status(202).send({ accepted: ids.length, ids });
  });
  return { app, url: `${await app.listen({ host: '127.0.0.1', port: 0 })}/ingest` };
}

async function main() {
  const prefix = `cordon-bench-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL);
  const principals = new PrincipalDirectory();
  principals.add({ id: 'bench', roles: ['ingest', 'analyst'], sources: ['*'] }, sha256Hex(TOKEN));
  const config = loadConfig(
    {
      CORDON_REDIS_PREFIX: prefix,
      CORDON_PORT: '0',
      CORDON_CONSOLE_PORT: '0',
      CORDON_LOG_LEVEL: 'warn',
      CORDON_INSTANCE_ID: 'bench',
      ...(process.env.CORDON_CORRELATE_CHECKPOINT_MS
        ? { CORDON_CORRELATE_CHECKPOINT_MS: process.env.CORDON_CORRELATE_CHECKPOINT_MS }
        : {}),
    },
    process.cwd(),
  );
  const cordon = await startCordon({
    config,
    redisUrl: REDIS_URL,
    logger: createLogger('warn'),
    principals,
    listen: true,
  });
  const baseline = await baselineServer();
  const bodies = batches();
  try {
    // Warm-up on both (JIT, connections), not measured; distinct ids so nothing dedupes later.
    await post(baseline.url, bodies.slice(0, 5));
    const base = await post(baseline.url, bodies);

    const lagStart = performance.now();
    const ingest = await post(`${cordon.url}/v1/ingest/events`, bodies);
    const correlated = async () => {
      const res = await fetch(`${cordon.url}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return Number(/^cordon_correlator_events_total (\d+)/m.exec(await res.text())?.[1] ?? 0);
    };
    while ((await correlated()) < EVENTS) await new Promise((r) => setTimeout(r, 20));
    const correlateSeconds = (performance.now() - lagStart) / 1000;

    const idle = await probe(cordon.url, redis, prefix, 'idle', Math.min(PROBES, 20));
    // Background: steady traffic from KEYS keys (each well under the rule's 100 a minute),
    // posted by a separate process so the load generator does not share Cordon's event loop.
    const loader = spawn(
      process.execPath,
      [new URL('./background-load.mjs', import.meta.url).pathname],
      {
        env: {
          ...process.env,
          LOAD_URL: `${cordon.url}/v1/ingest/events`,
          LOAD_TOKEN: TOKEN,
          LOAD_RATE: String(BACKGROUND_RATE),
          LOAD_KEYS: String(KEYS),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let loaderOut = '';
    loader.stdout.on('data', (d) => (loaderOut += d));
    await new Promise((r) => setTimeout(r, 3_000));
    // Cordon runs in this process: how long its event loop stalls while the probes run.
    const stalls = monitorEventLoopDelay({ resolution: 5 });
    stalls.enable();
    const loaded = await probe(cordon.url, redis, prefix, 'loaded', PROBES);
    stalls.disable();
    loader.kill('SIGTERM');
    await new Promise((r) => loader.once('exit', r));
    const achieved = Number(/rate=(\d+)/.exec(loaderOut)?.[1] ?? 0);

    const rate = (n, s) => Math.round(n / s).toLocaleString('en-US');
    console.log(
      `events: ${EVENTS} in batches of ${BATCH}, ${CONCURRENCY} concurrent requests, ${KEYS} API keys`,
    );
    console.log(
      `baseline (bare fastify, parse only):  ${rate(EVENTS, base.seconds)} events/s  (${rate(EVENTS / BATCH, base.seconds)} req/s)`,
    );
    console.log(
      `cordon ingest (auth+validate+append): ${rate(EVENTS, ingest.seconds)} events/s  (${rate(EVENTS / BATCH, ingest.seconds)} req/s)  failures: ${ingest.failures}`,
    );
    console.log(
      `cordon ingest / baseline:             ${(base.seconds / ingest.seconds).toFixed(2)}`,
    );
    console.log(
      `ingest + correlation drained:         ${rate(EVENTS, correlateSeconds)} events/s (${correlateSeconds.toFixed(2)} s for all events)`,
    );
    console.log(`accepted → key throttled, idle (${idle.n} keys):        ${idle.text}`);
    console.log(
      `accepted → key throttled, ${Math.round(achieved).toLocaleString('en-US')} events/s background (${loaded.n} keys): ${loaded.text}`,
    );
    console.log(
      `    event-loop stalls meanwhile: p50 ${(stalls.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(stalls.percentile(99) / 1e6).toFixed(1)} ms, max ${(stalls.max / 1e6).toFixed(1)} ms`,
    );
  } finally {
    await baseline.app.close();
    await cordon.stop();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

/** Fresh keys each crossing the shipped rule's threshold; time from 202 to throttled. */
async function probe(url, redis, prefix, label, count) {
  const latencies = [];
  const stages = [];
  for (let k = 0; k < count; k += 1) {
    const key = `${label}-${k}`;
    const now = Date.now();
    const lines = Array.from({ length: 101 }, (_, i) =>
      JSON.stringify({ kind: 'inference', time: now - 5_000 + i, entity: { api_key: key } }),
    );
    const res = await fetch(`${url}/v1/ingest/events`, {
      method: 'POST',
      body: lines.join('\n'),
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
    });
    await res.arrayBuffer();
    const accepted = performance.now();
    for (;;) {
      const rule = await redis.hget(new Keys(prefix).limiterRule(key), 'mode');
      if (rule) break;
      await new Promise((r) => setImmediate(r));
    }
    const latency = performance.now() - accepted;
    latencies.push(latency);
    stages.push({ key, latency, accepted: Date.now() - latency });
    await new Promise((r) => setTimeout(r, 50));
  }
  // Where the time went, from the records Cordon keeps: match fired, incident opened, run
  // started, throttle applied (medians over the keys, ms after the 202).
  const get = async (path) =>
    (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  const incidents = (await get('/v1/incidents?limit=500')).incidents;
  const split = { fired: [], incident: [], run: [], throttled: [] };
  let slowest = { latency: -1, text: '' };
  for (const { key, accepted, latency } of stages) {
    const inc = incidents.find((i) => i.group.api_key === key);
    if (!inc) continue;
    const detail = await get(`/v1/incidents/${inc.id}`);
    const runs = (await get(`/v1/runs?incident=${inc.id}`)).runs;
    const limit = await get(`/v1/limiter/keys/${encodeURIComponent(key)}`);
    const at = {
      fired: detail.matches[0].firedAt - accepted,
      incident: inc.createdAt - accepted,
      run: runs[0] ? runs[0].createdAt - accepted : NaN,
      throttled: limit.history?.[0] ? limit.history[0].at - accepted : NaN,
    };
    for (const k of Object.keys(split)) if (!Number.isNaN(at[k])) split[k].push(at[k]);
    if (latency > slowest.latency)
      slowest = {
        latency,
        text: `slowest ${latency.toFixed(1)} ms: fired ${at.fired}, incident ${at.incident}, run ${at.run}, throttled ${at.throttled} ms after the 202`,
      };
  }
  const median = (xs) => (xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)].toFixed(
      1,
    );
  return {
    n: latencies.length,
    text: `p50 ${pct(50)} ms, p90 ${pct(90)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms\n    medians after the 202: match fired ${median(split.fired)}, incident ${median(split.incident)}, run ${median(split.run)}, throttled ${median(split.throttled)} ms\n    ${slowest.text}`,
  };
}

await main();
