// Redis outages as a client sees them, with the default timeouts: how long until ingest
// answers 503 and /readyz reports not ready after Redis stops answering (SIGSTOP) or dies
// (SIGKILL), how long until both recover once it is back, and whether every event
// acknowledged with 202 is still there (AOF, fsync every second).
//
//   npm run build && node bench/redis-outage.mjs
//
// Runs its own redis-server (on PATH) on a free port with a temporary data dir; removes both.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../dist/config/load-config.js';
import { PrincipalDirectory } from '../dist/config/principals.js';
import { startCordon } from '../dist/main.js';
import { sha256Hex } from '../dist/shared/hash.js';
import { createLogger } from '../dist/shared/logger.js';
import { redisAnswers } from '../dist/store/redis.js';

const TOKEN = 'bench-token';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'cordon-bench-redis-'));
const url = `redis://127.0.0.1:${port}`;
let redis;
async function startRedis() {
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes'],
    { stdio: 'ignore' },
  );
  while (!(await redisAnswers(url, 300))) await sleep(20);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await startRedis();
const principals = new PrincipalDirectory();
principals.add({ id: 'bench', roles: ['admin'], sources: ['*'] }, sha256Hex(TOKEN));
const config = loadConfig({
  CORDON_PORT: '0',
  CORDON_CONSOLE_PORT: '0',
  CORDON_LOG_LEVEL: 'warn',
  CORDON_INSTANCE_ID: 'outage-bench',
  CORDON_CONTENT_DIR: process.cwd(),
});
const cordon = await startCordon({
  config,
  redisUrl: url,
  logger: createLogger('silent'),
  principals,
  listen: true,
});

const acknowledged = [];
let n = 0;
async function ingest() {
  const ids = [`o-${n++}`, `o-${n++}`];
  const body = ids
    .map((id) =>
      JSON.stringify({
        id,
        kind: 'inference',
        time: Date.now(),
        name: 'chat.completions',
        entity: { api_key: 'k', model: 'm' },
      }),
    )
    .join('\n');
  const started = performance.now();
  const res = await fetch(`${cordon.url}/v1/ingest/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  await res.text();
  if (res.status === 202) acknowledged.push(...ids);
  return { status: res.status, ms: performance.now() - started };
}
async function ready() {
  const started = performance.now();
  const res = await fetch(`${cordon.url}/readyz`);
  const json = await res.json();
  return { status: json.checks.redis ? 200 : 503, ms: performance.now() - started };
}
/** Polls every 20 ms; returns ms from `since` until `probe` answered `status`, and the last answer's latency. */
async function until(probe, status, since) {
  for (;;) {
    const r = await probe();
    if (r.status === status) return { after: performance.now() - since, latency: r.ms };
    await sleep(20);
  }
}

const rows = [];
for (let round = 0; round < ROUNDS; round += 1) {
  await until(ingest, 202, performance.now());
  let t = performance.now();
  redis.kill('SIGSTOP');
  const stop503 = await until(ingest, 503, t);
  const stopReady = await until(ready, 503, t);
  const fast503 = await ingest();
  t = performance.now();
  redis.kill('SIGCONT');
  const contReady = await until(ready, 200, t);
  const cont202 = await until(ingest, 202, t);

  t = performance.now();
  const exited = new Promise((r) => redis.once('exit', r));
  redis.kill('SIGKILL');
  await exited;
  const kill503 = await until(ingest, 503, t);
  const killReady = await until(ready, 503, t);
  t = performance.now();
  await startRedis();
  const redisUp = performance.now() - t;
  const restart202 = await until(ingest, 202, t);
  rows.push({
    stop503,
    stopReady,
    fast503: fast503.ms,
    contReady,
    cont202,
    kill503,
    killReady,
    redisUp,
    restart202,
  });
}

const { Redis } = await import('ioredis');
const check = new Redis(url);
let missing = 0;
for (const id of acknowledged)
  if (!(await check.hexists('cordon:events:where', `events/${id}`))) missing += 1;
check.disconnect();
await cordon.stop();
redis.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });

const f = (ms) => `${Math.round(ms)} ms`;
const range = (pick) => {
  const v = rows.map(pick);
  return `${f(Math.min(...v))}–${f(Math.max(...v))}`;
};
console.log(`Redis outages, ${ROUNDS} rounds each, default timeouts (command 2 s):`);
console.log(`| | figure |\n|---|---|`);
console.log(
  `| Redis stops answering (SIGSTOP) → first ingest 503 | ${range((r) => r.stop503.after)} |`,
);
console.log(`| … → /readyz reports redis down | ${range((r) => r.stopReady.after)} |`);
console.log(`| ingest 503 once the outage is known | ${range((r) => r.fast503)} |`);
console.log(
  `| Redis answers again (SIGCONT) → /readyz ready | ${range((r) => r.contReady.after)} |`,
);
console.log(`| … → ingest 202 | ${range((r) => r.cont202.after)} |`);
console.log(
  `| Redis killed (SIGKILL) → first ingest 503 | ${range((r) => r.kill503.after)} (latency ${range((r) => r.kill503.latency)}) |`,
);
console.log(`| … → /readyz reports redis down | ${range((r) => r.killReady.after)} |`);
console.log(
  `| redis-server restarted → ingest 202 (of which Redis loading its AOF) | ${range((r) => r.restart202.after)} (${range((r) => r.redisUp)}) |`,
);
console.log(
  `| events acknowledged with 202 / missing afterwards | ${acknowledged.length} / ${missing} |`,
);
process.exit(0);
