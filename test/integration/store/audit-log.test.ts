/**
 * The audit trail on a real Redis: appends from several processes (trails) interleave into one
 * intact chain; the append script refuses a stale head and gives the loser the next turn (so
 * no writer starves); a trail whose head was deleted takes no more entries instead of forking.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../../src/audit/audit-entry.js';
import { AuditTrail, type AuditLog } from '../../../src/audit/audit-trail.js';
import { sealAuditEntry, verifyChain } from '../../../src/audit/chain.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { RedisAuditLog } from '../../../src/store/audit-log.js';
import { Keys } from '../../../src/store/keys.js';
import { createTestRedis } from '../../helpers/redis.js';

const store = createTestRedis('audit');
afterAll(() => store.cleanup());

const input = (n: number): AuditInput => ({
  actor: { id: 'system:worker', roles: [] },
  action: 'action.applied',
  targets: { runId: `run_${n}` },
  outcome: 'succeeded',
  detail: { n },
});

async function verify(log: RedisAuditLog) {
  const { head, length } = await log.snapshot();
  return verifyChain(log.records(length, 7), { head });
}

describe('audit log in Redis', () => {
  it('chains concurrent appends from three trails (processes) without gaps or forks', async () => {
    const keys = new Keys(`${store.prefix}-a`);
    const clock = new ManualClock();
    const trails = [1, 2, 3].map(() => new AuditTrail(new RedisAuditLog(store.redis, keys), clock));
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => (trails[i % 3] as AuditTrail).record(input(i))),
    );
    const log = new RedisAuditLog(store.redis, keys);
    const report = await verify(log);
    expect(report).toMatchObject({ ok: true, count: 60 });
    const seqs = (await log.read(0, 100)).map((raw) => (JSON.parse(raw) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const ns = (await log.read(0, 100)).map(
      (raw) => (JSON.parse(raw) as { detail: { n: number } }).detail.n,
    );
    expect(new Set(ns).size).toBe(60);
  });

  it('appends what one process records meanwhile in one call (group commit), in order', async () => {
    const keys = new Keys(`${store.prefix}-e`);
    const log = new RedisAuditLog(store.redis, keys);
    const calls: number[] = [];
    const counting: AuditLog = {
      head: () => log.head(),
      append: (expected, records, writer) => {
        calls.push(Array.isArray(records) ? records.length : 1);
        return log.append(expected, records, writer);
      },
    };
    const trail = new AuditTrail(counting, new ManualClock());
    const records = await Promise.all(Array.from({ length: 40 }, (_, i) => trail.record(input(i))));
    // The first append carries one entry; the other 39 were recorded while it was in flight.
    expect(calls).toEqual([1, 39]);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(records.map((r) => r.detail.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await expect(verify(log)).resolves.toMatchObject({ ok: true, count: 40 });
    expect(await log.head()).toEqual({ seq: 40, hash: records[39]?.hash });
  });

  it('holds one entry per once-key: repeats in one batch, later ones, and other processes’', async () => {
    const keys = new Keys(`${store.prefix}-o`);
    const clock = new ManualClock();
    const trails = [1, 2].map(() => new AuditTrail(new RedisAuditLog(store.redis, keys), clock));
    const [a, b] = trails as [AuditTrail, AuditTrail];
    // One batch of a: a once-entry twice, between plain ones; b races it with the same key.
    const got = await Promise.all([
      a.record(input(1)),
      a.record(input(2), { once: 'start-x' }),
      a.record(input(3), { once: 'start-x' }),
      b.record(input(4), { once: 'start-x' }),
      a.record(input(5)),
      b.record(input(6), { once: 'start-y' }),
    ]);
    expect(got.filter((r) => r !== undefined)).toHaveLength(4);
    // Later, from either process: nothing more for either key; other entries as ever.
    expect(await b.record(input(7), { once: 'start-x' })).toBeUndefined();
    expect(await a.record(input(8), { once: 'start-y' })).toBeUndefined();
    expect((await a.record(input(9))).seq).toBe(5);
    const log = new RedisAuditLog(store.redis, keys);
    await expect(verify(log)).resolves.toMatchObject({ ok: true, count: 5 });
    const ns = (await log.read(0, 100)).map(
      (raw) => (JSON.parse(raw) as { detail: { n: number } }).detail.n,
    );
    expect(ns.filter((n) => [2, 3, 4].includes(n))).toHaveLength(1);
    expect(ns.filter((n) => [6, 8].includes(n))).toEqual([6]);
    expect(ns).toEqual(expect.arrayContaining([1, 5, 9]));
  });

  it('a writer whose whole batch is refused as repeated leaves no turn behind to block others', async () => {
    const keys = new Keys(`${store.prefix}-r`);
    const clock = new ManualClock();
    const a = new AuditTrail(new RedisAuditLog(store.redis, keys), clock);
    const b = new AuditTrail(new RedisAuditLog(store.redis, keys), clock);
    await a.record(input(1)); // a caches the head at seq 1
    await b.record(input(2), { once: 'k' }); // the head moves on
    // a loses its first try (a moved head: it is given the next turn), then finds the key held.
    expect(await a.record(input(3), { once: 'k' })).toBeUndefined();
    expect(await store.redis.hget(keys.auditHead, 'reservedBy')).toBeNull();
    // The clock does not move: a turn left behind would refuse b for good.
    expect((await b.record(input(4))).seq).toBe(3);
  });

  it('a refusal as repeated is not a lost race: it uses up none of the tries', async () => {
    let calls = 0;
    const log: AuditLog = {
      head: async () => ({ seq: 0, hash: '0'.repeat(64) }),
      append: async (expected) => {
        calls += 1;
        if (calls < 100) return { kind: 'moved', head: expected, nextTurnIsMine: true };
        return { kind: 'repeated', positions: [0] };
      },
    };
    const trail = new AuditTrail(log, new ManualClock(), { sleep: async () => undefined });
    await expect(trail.record(input(1), { once: 'x' })).resolves.toBeUndefined();
    expect(calls).toBe(100);
  });

  it('refuses an append against a head that moved, and returns the current head', async () => {
    const keys = new Keys(`${store.prefix}-b`);
    const log = new RedisAuditLog(store.redis, keys);
    const first = await new AuditTrail(log, new ManualClock()).record(input(1));
    const stale = sealAuditEntry('0'.repeat(64), { ...input(2), seq: 1, time: 0 });
    const writer = { id: 'late-writer', now: 0 };
    await expect(log.append({ seq: 0, hash: '0'.repeat(64) }, stale, writer)).resolves.toEqual({
      kind: 'moved',
      head: { seq: 1, hash: first.hash },
      nextTurnIsMine: true,
    });
    expect(await store.redis.llen(keys.auditLog)).toBe(1);
    // While the late writer holds the next turn, a writer with the right head is refused...
    const other = sealAuditEntry(first.hash, { ...input(3), seq: 2, time: 0 });
    await expect(
      log.append({ seq: 1, hash: first.hash }, other, { id: 'other', now: 10 }),
    ).resolves.toMatchObject({ kind: 'moved', nextTurnIsMine: false });
    // ...the late writer goes next, and then anyone may.
    const resealed = sealAuditEntry(first.hash, { ...input(2), seq: 2, time: 0 });
    await expect(
      log.append({ seq: 1, hash: first.hash }, resealed, { ...writer, now: 20 }),
    ).resolves.toMatchObject({ kind: 'appended', head: { seq: 2 } });
    const third = sealAuditEntry(resealed.hash, { ...input(3), seq: 3, time: 0 });
    await expect(
      log.append({ seq: 2, hash: resealed.hash }, third, { id: 'other', now: 30 }),
    ).resolves.toMatchObject({ kind: 'appended', head: { seq: 3 } });
  });

  it('lets others append once a writer that held the next turn is gone for a second', async () => {
    const keys = new Keys(`${store.prefix}-d`);
    const log = new RedisAuditLog(store.redis, keys);
    const first = await new AuditTrail(log, new ManualClock()).record(input(1));
    const stale = sealAuditEntry('0'.repeat(64), { ...input(2), seq: 1, time: 0 });
    await log.append({ seq: 0, hash: '0'.repeat(64) }, stale, { id: 'dies', now: 1_000 });
    const next = sealAuditEntry(first.hash, { ...input(3), seq: 2, time: 0 });
    const head = { seq: 1, hash: first.hash };
    await expect(log.append(head, next, { id: 'other', now: 1_999 })).resolves.toMatchObject({
      kind: 'moved',
    });
    await expect(log.append(head, next, { id: 'other', now: 2_000 })).resolves.toMatchObject({
      kind: 'appended',
    });
  });

  it('takes no more entries once the head is gone (appending would fork the chain)', async () => {
    const keys = new Keys(`${store.prefix}-c`);
    const log = new RedisAuditLog(store.redis, keys);
    await new AuditTrail(log, new ManualClock()).record(input(1));
    await store.redis.del(keys.auditHead);
    await expect(new AuditTrail(log, new ManualClock()).record(input(2))).rejects.toMatchObject({
      code: 'CORDON_ERR_AUDIT_BROKEN',
    });
    expect(await store.redis.llen(keys.auditLog)).toBe(1);
    await expect(verify(log)).resolves.toMatchObject({ ok: false, kind: 'removed' });
  });
});
