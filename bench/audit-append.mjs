// The audit trail: appends per second from one process and from several racing for the head
// (each loses the check-and-set whenever another appended first and re-seals), the bytes one
// entry takes in Redis, and how fast `verifyChain` walks the stored trail. Baseline in the same
// run: a bare RPUSH of the same JSON, one at a time, from one client.
//
//   npm run build && node bench/audit-append.mjs
//   BENCH_ENTRIES=20000 BENCH_WRITERS=4 node bench/audit-append.mjs
//
// Keys live under a random prefix and are deleted at the end. Needs Redis (REDIS_URL or 6379).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { AuditTrail } from '../dist/audit/audit-trail.js';
import { verifyChain } from '../dist/audit/chain.js';
import { systemClock } from '../dist/shared/clock.js';
import { RedisAuditLog } from '../dist/store/audit-log.js';
import { Keys } from '../dist/store/keys.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 10_000);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 4);
const base = `cordon-bench-${randomUUID().slice(0, 8)}`;

const input = (i) => ({
  actor: { id: 'system:worker', roles: [] },
  action: 'action.applied',
  targets: { runId: `run_${i}`, incidentId: `inc_${i}`, effectKey: `act_${i}` },
  outcome: 'succeeded',
  detail: {
    operation: 'ratelimit.set',
    connector: 'gateway',
    inputsHash: 'a'.repeat(64),
    attempt: 1,
  },
});

const redises = Array.from({ length: WRITERS }, () => new Redis(REDIS_URL));
const rows = [];
try {
  // Baseline: the same stored JSON, pushed without the chain.
  const sample = JSON.stringify({
    seq: 1,
    time: Date.now(),
    ...input(0),
    prev: '0'.repeat(64),
    hash: 'f'.repeat(64),
  });
  let start = performance.now();
  for (let i = 0; i < ENTRIES; i += 1) await redises[0].rpush(`${base}:baseline`, sample);
  rows.push(['baseline RPUSH, 1 client', ENTRIES / ((performance.now() - start) / 1000)]);

  const oneKeys = new Keys(`${base}-one`);
  const one = new AuditTrail(new RedisAuditLog(redises[0], oneKeys), systemClock);
  start = performance.now();
  for (let i = 0; i < ENTRIES; i += 1) await one.record(input(i));
  rows.push([
    'audit append, 1 process, one at a time',
    ENTRIES / ((performance.now() - start) / 1000),
  ]);

  // Action workers record concurrently (one slot each): entries recorded while an append is in
  // flight go together in the next one (group commit).
  const busyKeys = new Keys(`${base}-busy`);
  const busy = new AuditTrail(new RedisAuditLog(redises[0], busyKeys), systemClock);
  start = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, slot) => {
      for (let i = slot; i < ENTRIES; i += 8) await busy.record(input(i));
    }),
  );
  rows.push([
    'audit append, 1 process, 8 slots recording at once',
    ENTRIES / ((performance.now() - start) / 1000),
  ]);

  const manyKeys = new Keys(`${base}-many`);
  const trails = redises.map((r) => new AuditTrail(new RedisAuditLog(r, manyKeys), systemClock));
  start = performance.now();
  await Promise.all(
    trails.map(async (trail, w) => {
      for (let i = w; i < ENTRIES; i += WRITERS) await trail.record(input(i));
    }),
  );
  rows.push([
    `audit append, ${WRITERS} processes racing`,
    ENTRIES / ((performance.now() - start) / 1000),
  ]);

  const log = new RedisAuditLog(redises[0], manyKeys);
  const { head, length } = await log.snapshot();
  start = performance.now();
  const report = await verifyChain(log.records(length), { head });
  rows.push([
    `verify (${report.ok ? 'intact' : report.kind}, ${length} entries)`,
    length / ((performance.now() - start) / 1000),
  ]);

  const bytes = Number(await redises[0].memory('USAGE', manyKeys.auditLog, 'SAMPLES', 0));
  console.log('| what | entries/s |\n|---|---|');
  for (const [what, rate] of rows)
    console.log(`| ${what} | ${Math.round(rate).toLocaleString('en')} |`);
  console.log(`\nRedis memory: ${Math.round(bytes / length)} bytes per entry (${length} entries).`);
} finally {
  for (const pattern of [`${base}*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redises[0].scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redises[0].unlink(...keys);
    } while (cursor !== '0');
  }
  for (const r of redises) r.disconnect();
}
