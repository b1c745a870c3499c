/**
 * The audit trail on a real Redis: appends from several processes (trails) interleave into one
 * intact chain; the append script refuses a stale head; a trail whose head was deleted takes
 * no more entries instead of forking.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../../src/audit/audit-entry.js';
import { AuditTrail } from '../../../src/audit/audit-trail.js';
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

  it('refuses an append against a head that moved, and returns the current head', async () => {
    const keys = new Keys(`${store.prefix}-b`);
    const log = new RedisAuditLog(store.redis, keys);
    const first = await new AuditTrail(log, new ManualClock()).record(input(1));
    const stale = sealAuditEntry('0'.repeat(64), { ...input(2), seq: 1, time: 0 });
    await expect(log.append({ seq: 0, hash: '0'.repeat(64) }, stale)).resolves.toEqual({
      kind: 'moved',
      head: { seq: 1, hash: first.hash },
    });
    expect(await store.redis.llen(keys.auditLog)).toBe(1);
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
