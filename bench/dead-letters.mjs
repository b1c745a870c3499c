// Dead letters: a page of the list with bodies beside the entries (now) vs inside them
// (before), the byte bound under a flood of large rejects, and the nesting check's cost.
// Needs a Redis at REDIS_URL (default 127.0.0.1:6379); uses and removes a random key prefix.
// Run after `npm run build`: node bench/dead-letters.mjs
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { findTooDeep } from '../dist/ingest/normalizers/json-depth.js';
import { DeadLetterStore } from '../dist/store/dead-letters.js';
import { Keys } from '../dist/store/keys.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `cordon-bench-dl-${randomUUID().slice(0, 8)}`;
const LETTERS = 1_000;
const BODY = 256 * 1024;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(fn, runs = 20) {
  const ms = [];
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

try {
  const body = Buffer.from(`{"pad":"${'x'.repeat(BODY - 10)}"}`);
  const errors = [{ path: '/time', reason: 'must be an RFC 3339 timestamp; got "yesterday"' }];
  const keys = new Keys(`${prefix}:new`);
  const store = new DeadLetterStore(redis, keys, {
    maxEntries: 100_000,
    bodyLimitBytes: BODY,
    maxBytes: 64 * 1024 ** 3,
    maxAgeMs: 86_400_000,
  });
  const legacy = `${prefix}:old:deadletters`;
  const now = Date.now();
  for (let i = 0; i < LETTERS; i += 1) {
    const input = {
      source: 'events',
      reason: 'validate',
      errors,
      contentType: 'application/json',
      body,
      principal: 'ingest',
      received: now,
    };
    await store.add(input);
    await redis.xadd(
      legacy,
      '*',
      'source',
      'events',
      'reason',
      'validate',
      'errors',
      JSON.stringify(errors),
      'contentType',
      'application/json',
      'principal',
      'ingest',
      'received',
      String(now),
      'size',
      String(body.length),
      'truncated',
      '0',
      'encoding',
      'utf8',
      'body',
      body.toString(),
    );
  }
  const page = 50;
  const before = await timed(() => redis.xrevrange(legacy, '+', '-', 'COUNT', 100));
  const after = await timed(() => store.list({ limit: page }));
  const afterBytes = JSON.stringify(await store.list({ limit: page })).length;
  console.log(`list page of ${page} among ${LETTERS} letters of ${BODY / 1024} KiB:`);
  console.log(
    `  before (bodies in the entries, 100 read per page): ${before.toFixed(1)} ms, ~${((100 * BODY) / 1024 ** 2).toFixed(0)} MiB read`,
  );
  console.log(
    `  now (summaries only): ${after.toFixed(2)} ms, ${(afterBytes / 1024).toFixed(1)} KiB`,
  );

  // A flood of large rejects against a 64 MiB bound.
  const boundKeys = new Keys(`${prefix}:bound`);
  const bounded = new DeadLetterStore(redis, boundKeys, {
    maxEntries: 10_000,
    bodyLimitBytes: 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxAgeMs: 7 * 86_400_000,
  });
  const mib = Buffer.alloc(1024 * 1024, 0x61);
  const t = performance.now();
  for (let i = 0; i < 500; i += 1)
    await bounded.add({
      source: 'events',
      reason: 'validate',
      errors,
      contentType: 'application/json',
      body: mib,
      principal: 'ingest',
      received: now,
    });
  const perAdd = (performance.now() - t) / 500;
  const stored = Number(await redis.get(boundKeys.deadLetterBytes));
  const count = await redis.xlen(boundKeys.deadLetters);
  console.log(
    `500 rejects of 1 MiB, bound 64 MiB: ${count} letters kept, ${(stored / 1024 ** 2).toFixed(1)} MiB stored, ${perAdd.toFixed(1)} ms per add (with trim)`,
  );

  // The nesting check over a 16 MiB body of ordinary events.
  const event = JSON.stringify({
    id: 'e',
    kind: 'inference',
    time: now,
    entity: { api_key: 'k', model: 'm' },
    measures: { latency_ms: 40 },
    labels: { a: '[not a bracket]' },
  });
  const big = `[${Array.from({ length: Math.floor((16 * 1024 * 1024) / event.length) }, () => event).join(',')}]`;
  const depthMs = await timed(async () => findTooDeep(big, 64), 10);
  const parseMs = await timed(async () => JSON.parse(big), 5);
  console.log(
    `nesting check over ${(big.length / 1024 ** 2).toFixed(0)} MiB of events: ${depthMs.toFixed(1)} ms (JSON.parse of the same: ${parseMs.toFixed(0)} ms)`,
  );
} finally {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.unlink(...found);
  } while (cursor !== '0');
  redis.disconnect();
}
