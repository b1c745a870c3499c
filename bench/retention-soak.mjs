// Retention soak, the long variant of test/integration/retention/retention-soak.test.ts: one
// Cordon process with every role, over loopback HTTP, ingests at BENCH_RATE events/s (default
// 3,000: ~18x the 10,000 entries a minute the old approximate trim removed) for BENCH_SECONDS
// (default 180), with the soak content (an incident, a run, two effects, a limit and a case per
// attacking user, BENCH_ATTACKERS_PER_S of them) and short retentions, and prints what Redis
// holds every 10 s: log entries, keys and their memory (MEMORY USAGE, exact), BullMQ's apart.
//
//   npm run build && node --max-semi-space-size=64 bench/retention-soak.mjs
//   BENCH_RATE=5000 BENCH_SECONDS=600 node bench/retention-soak.mjs
//
// Bounded in time, loopback only; keys live under a random prefix and are deleted at the end.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig } from '../dist/config/load-config.js';
import { PrincipalDirectory } from '../dist/config/principals.js';
import { startCordon } from '../dist/main.js';
import { sha256Hex } from '../dist/shared/hash.js';
import { createLogger } from '../dist/shared/logger.js';
import { Keys } from '../dist/store/keys.js';

const RATE = Number(process.env.BENCH_RATE ?? 3_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 180);
const ATTACKERS_PER_S = Number(process.env.BENCH_ATTACKERS_PER_S ?? 10);
const RETENTION_MS = Number(process.env.BENCH_RETENTION_MS ?? 10_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'bench-token';
const TICK_MS = 100;
const CONTENT = fileURLToPath(new URL('../test/fixtures/content/retention-soak/', import.meta.url));

function body(tick) {
  const lines = [];
  const time = Date.now();
  const perTick = Math.round((RATE * TICK_MS) / 1000);
  const attackers = (ATTACKERS_PER_S * TICK_MS) / 1000;
  const attackerNow = Math.floor(tick * attackers) !== Math.floor((tick + 1) * attackers);
  for (const n of attackerNow ? [0, 1] : [])
    lines.push(
      JSON.stringify({
        id: `f-${tick}-${n}`,
        time,
        kind: 'login',
        outcome: 'failure',
        entity: { user: `attacker-${tick}`, ip: '203.0.113.7' },
      }),
    );
  for (let i = lines.length; i < perTick; i += 1)
    lines.push(
      JSON.stringify({
        id: `i-${tick}-${i}`,
        time,
        kind: 'inference',
        entity: { api_key: `key-${i % 500}`, model: 'support-llm' },
        measures: { latency_ms: 40 + (i % 17), tokens_in: 300 + i, tokens_out: 80 },
        labels: { region: 'eu-west', route: '/v1/chat/completions' },
        text: { prompt: `Summarise ticket ${tick}-${i} for the customer in two sentences.` },
      }),
    );
  return `${lines.join('\n')}\n`;
}

async function sample(redis, prefix) {
  const out = { keys: 0, bytes: 0, bullKeys: 0, bullBytes: 0 };
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const k of found) pipeline.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const sizes = (await pipeline.exec()) ?? [];
    found.forEach((k, i) => {
      const bull = k.startsWith(`${new Keys(prefix).bullPrefix}:`);
      const size = Number(sizes[i]?.[1] ?? 0);
      if (bull) {
        out.bullKeys += 1;
        out.bullBytes += size;
      } else {
        out.keys += 1;
        out.bytes += size;
      }
    });
  } while (cursor !== '0');
  out.log = await redis.xlen(new Keys(prefix).eventLog);
  return out;
}

async function main() {
  const prefix = `cordon-bench-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL);
  const principals = new PrincipalDirectory();
  principals.add({ id: 'bench', roles: ['ingest', 'analyst'], sources: ['*'] }, sha256Hex(TOKEN));
  const short = String(Math.max(1_000, RETENTION_MS / 2));
  const config = loadConfig(
    {
      CORDON_REDIS_PREFIX: prefix,
      CORDON_PORT: '0',
      CORDON_CONSOLE_PORT: '0',
      CORDON_LOG_LEVEL: 'warn',
      CORDON_INSTANCE_ID: 'bench',
      CORDON_CONTENT_DIR: CONTENT,
      CORDON_EVENT_RETENTION_MS: String(RETENTION_MS),
      CORDON_DEDUPE_WINDOW_MS: String(RETENTION_MS),
      CORDON_CORRELATE_CHECKPOINT_MS: '1000',
      CORDON_RETENTION_SWEEP_INTERVAL_MS: '1000',
      CORDON_RETENTION_INCIDENTS_IDLE_MS: short,
      CORDON_RETENTION_INCIDENTS_RESOLVED_MS: short,
      CORDON_RETENTION_RUNS_MS: short,
      CORDON_RETENTION_EFFECTS_MS: short,
      CORDON_RETENTION_CASES_MS: short,
      CORDON_RETENTION_LIMITER_HISTORY_MS: short,
      CORDON_KEEP_COMPLETED_JOBS_MS: '60000',
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
  console.log(
    `${RATE} events/s for ${SECONDS} s, ${ATTACKERS_PER_S} attackers/s, event retention ${RETENTION_MS} ms, others ${short} ms\n`,
  );
  console.log('| t (s) | sent | log entries | keys | memory | BullMQ keys | BullMQ memory |');
  console.log('|---|---|---|---|---|---|---|');
  const start = Date.now();
  let sent = 0;
  let failed = 0;
  let nextSample = 10_000;
  try {
    for (let tick = 0; Date.now() - start < SECONDS * 1000; tick += 1) {
      const payload = body(tick);
      const res = await fetch(`${cordon.url}/v1/ingest/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
        body: payload,
      });
      await res.arrayBuffer();
      if (res.status === 202) sent += payload.split('\n').length - 1;
      else failed += 1;
      if (Date.now() - start >= nextSample) {
        nextSample += 10_000;
        const s = await sample(redis, prefix);
        const mb = (b) => `${(b / 1_048_576).toFixed(1)} MiB`;
        console.log(
          `| ${Math.round((Date.now() - start) / 1000)} | ${sent} | ${s.log} | ${s.keys} | ${mb(s.bytes)} | ${s.bullKeys} | ${mb(s.bullBytes)} |`,
        );
      }
      const wait = start + (tick + 1) * TICK_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const seconds = (Date.now() - start) / 1000;
    console.log(
      `\nsent ${sent} events in ${seconds.toFixed(0)} s (${Math.round(sent / seconds)}/s); ${failed} requests refused`,
    );
  } finally {
    await cordon.stop();
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length) await redis.unlink(...found);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

await main();
