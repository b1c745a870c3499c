// A `_bulk` body's way into the log without HTTP, this build against another in the same run,
// alternating, CPU per event: (a) node, the append of events read beforehand (StoredEvent
// strings, as the inline path makes them): what the build does before sending (packing), the
// Redis client's encoding and writes, the reply; (b) node, the whole of it: read the body
// (elastic-bulk), the stored JSON, the append; Redis, the server's CPU over (a) (INFO, a
// private server).
// Events are 10 bodies x 500 Filebeat-style ECS documents read by elastic-bulk.
//
//   npm run build && node --max-semi-space-size=64 bench/ingest-append-parts.mjs <other checkout>
// where <other checkout> holds a built dist/. Runs its own redis-server (BENCH_REDIS_PORT,
// default 6393) so the Redis figure is this bench's alone. Prints medians of BENCH_ROUNDS (12).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { filebeatSshFailure } from './filebeat-document.mjs';

const other = process.argv[2];
if (!other) {
  console.error('usage: node bench/ingest-append-parts.mjs <other checkout with a built dist/>');
  process.exit(2);
}
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const PORT = Number(process.env.BENCH_REDIS_PORT ?? 6393);
const server = spawn('redis-server', ['--port', String(PORT), '--save', '', '--appendonly', 'no'], {
  stdio: 'ignore',
});
await new Promise((r) => setTimeout(r, 400));

const load = async (root) => ({
  kind: (await import(`${root}/dist/ingest/sources/elastic-bulk/index.js`)).elasticBulkKind,
  batch: await import(`${root}/dist/ingest/stored-batch.js`),
  log: await import(`${root}/dist/store/event-log.js`),
  keys: await import(`${root}/dist/store/keys.js`),
  redis: await import(`${root}/dist/store/redis.js`),
});
const B = {
  other: await load(pathToFileURL(resolve(other)).href),
  this: await load(new URL('..', import.meta.url).href.replace(/\/$/, '')),
};
const NOW = Date.now();
function ecs(n) {
  return filebeatSshFailure(n, { time: NOW - 50000 + (n % 40000) });
}
// The same bodies for both builds; each build reads them with its own elastic-bulk reader.
const bodies = [];
for (let b = 0; b < 10; b++) {
  let s = '';
  for (let i = 0; i < 500; i++)
    s += `{"create":{"_index":"filebeat-8"}}\n${JSON.stringify(ecs(b * 500 + i))}\n`;
  bodies.push(Buffer.from(s));
}
/** A body read up to its stored events (elastic-bulk reader, default keep policy). */
async function read(X, body) {
  const ctx = {
    contentType: 'application/x-ndjson',
    now: NOW,
    source: 'bulk',
    maxDepth: 64,
    options: X.kind.options.compile(undefined, () => {}),
    memory: null,
  };
  const r = await X.kind.normalise({ body, contentType: 'application/x-ndjson', headers: {} }, ctx);
  return X.batch.storedEvents(r.events, undefined, { source: 'bulk', received: NOW }, false);
}
const prepared = {};
for (const name of Object.keys(B)) {
  prepared[name] = [];
  for (const body of bodies) prepared[name].push(await read(B[name], body));
}

const clients = {};
for (const name of Object.keys(B))
  clients[name] = B[name].redis.createRedis(`redis://127.0.0.1:${PORT}`);
const admin = new Redis(PORT);
const redisCpu = async () => {
  const s = await admin.info('cpu');
  const g = (k) => Number(s.match(new RegExp(`${k}:([\\d.]+)`))[1]);
  return g('used_cpu_sys') + g('used_cpu_user');
};
const res = {
  append: { other: [], this: [] },
  whole: { other: [], this: [] },
  redis: { other: [], this: [] },
};
// Appends the stored events as the build's ingest path does (the other build packed big
// batches first: stored-batch.ts forTheLog).
const append = (X, log, events) =>
  log.appendStored(X.batch.forTheLog ? X.batch.forTheLog('bulk', events) : events, NOW, 86_400_000);
for (let round = 0; round < ROUNDS; round++)
  for (const name of round % 2 ? ['this', 'other'] : ['other', 'this']) {
    const X = B[name];
    // (a) the append alone, of events read beforehand; Redis CPU over it.
    let log = new X.log.EventLog(clients[name], new X.keys.Keys(`bench-append-${name}-${round}`));
    const r0 = await redisCpu();
    let c0 = process.cpuUsage();
    for (const events of prepared[name]) await append(X, log, events);
    let c = process.cpuUsage(c0);
    const r1 = await redisCpu();
    res.append[name].push((c.user + c.system) / 5000);
    res.redis[name].push(((r1 - r0) * 1e6) / 5000);
    await admin.flushall();
    // (b) the whole request but HTTP: read the body, store, append.
    log = new X.log.EventLog(clients[name], new X.keys.Keys(`bench-whole-${name}-${round}`));
    c0 = process.cpuUsage();
    for (const body of bodies) await append(X, log, await read(X, body));
    c = process.cpuUsage(c0);
    res.whole[name].push((c.user + c.system) / 5000);
    await admin.flushall();
  }
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const part of ['append', 'whole', 'redis'])
  console.log(
    `${{ append: 'node CPU, append', whole: 'node CPU, read + store + append', redis: 'Redis CPU, append' }[part]} per event: other ${med(res[part].other).toFixed(2)}, this ${med(res[part].this).toFixed(2)} µs (median of ${ROUNDS}), this/other ${(med(res[part].this) / med(res[part].other)).toFixed(2)}`,
  );
for (const c of Object.values(clients)) c.disconnect();
admin.disconnect();
server.kill();
