/**
 * `cordon audit verify` and `export` as operators run them: the built CLI against a trail in
 * the real Redis, intact (exit 0 with the count and head) and tampered with directly in Redis
 * (exit 1 naming the first bad entry and the kind of tampering), and on an exported copy.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../../src/audit/audit-trail.js';
import { sealAuditEntry, serializeAuditRecord } from '../../../src/audit/chain.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { RedisAuditLog } from '../../../src/store/audit-log.js';
import { Keys } from '../../../src/store/keys.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { createTestRedis, TEST_REDIS_URL } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/temp-dir.js';

const store = createTestRedis('auditcli');
afterAll(() => store.cleanup());

let trails = 0;
/** A fresh trail of `n` entries under its own prefix. */
async function trail(n: number): Promise<{ prefix: string; keys: Keys }> {
  trails += 1;
  const prefix = `${store.prefix}-${trails}`;
  const keys = new Keys(prefix);
  const audit = new AuditTrail(new RedisAuditLog(store.redis, keys), new ManualClock());
  for (let i = 1; i <= n; i += 1)
    await audit.record({
      actor: { id: 'approver', roles: ['approver'] },
      action: 'approval.decided',
      targets: { approvalId: `apr_${i}` },
      outcome: 'approved',
      detail: { role: 'approver' },
    });
  return { prefix, keys };
}

function verify(prefix: string, ...args: string[]) {
  return cordon(prefix, ['audit', 'verify', ...args]);
}

function cordon(prefix: string, args: readonly string[]) {
  const run = spawnSync(process.execPath, ['dist/cli/main.js', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', REDIS_URL: TEST_REDIS_URL, CORDON_REDIS_PREFIX: prefix },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

// Each test spawns the CLI up to three times; on a loaded machine a spawn takes seconds.
describe('cordon audit verify', { timeout: 90_000 }, () => {
  it('exits 0 with the count and the head on an intact trail', async () => {
    const { prefix, keys } = await trail(5);
    const hash = await store.redis.hget(keys.auditHead, 'hash');
    const ok = verify(prefix);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Audit trail intact: 5 entries (prefix ${prefix}), head 5:${hash}`);
    const json = verify(prefix, '--json');
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, count: 5, head: { seq: 5, hash } });
    expect(verify(prefix, '--expect-head', `5:${hash}`).code).toBe(0);
  });

  it('catches a tail cut together with its head only against a head kept outside Redis', async () => {
    const { prefix, keys } = await trail(5);
    const hash = await store.redis.hget(keys.auditHead, 'hash');
    await store.redis.rpop(keys.auditLog);
    const fourthHash = (
      JSON.parse((await store.redis.lindex(keys.auditLog, 3)) as string) as {
        hash: string;
      }
    ).hash;
    await store.redis.hset(keys.auditHead, 'seq', 4, 'hash', fourthHash);
    expect(verify(prefix).code).toBe(0);
    const anchored = verify(prefix, '--expect-head', `5:${hash}`);
    expect(anchored.code).toBe(1);
    expect(anchored.stderr).toContain('BROKEN at index 4 (seq 5): truncated');
  });

  it('names an edited entry', async () => {
    const { prefix, keys } = await trail(5);
    const raw = JSON.parse((await store.redis.lindex(keys.auditLog, 2)) as string) as {
      outcome: string;
    };
    raw.outcome = 'rejected';
    await store.redis.lset(keys.auditLog, 2, JSON.stringify(raw));
    const run = verify(prefix);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BROKEN at index 2 (seq 3): edited');
  });

  it('names a removed entry', async () => {
    const removed = await trail(5);
    const third = (await store.redis.lindex(removed.keys.auditLog, 2)) as string;
    await store.redis.lrem(removed.keys.auditLog, 1, third);
    expect(verify(removed.prefix).stderr).toContain('BROKEN at index 2 (seq 3): removed');
  });

  it('names a reordered entry', async () => {
    const swapped = await trail(5);
    const [a, b] = await store.redis.lrange(swapped.keys.auditLog, 1, 2);
    await store.redis.lset(swapped.keys.auditLog, 1, b as string);
    await store.redis.lset(swapped.keys.auditLog, 2, a as string);
    expect(verify(swapped.prefix).stderr).toContain('BROKEN at index 1 (seq 2): reordered');
  });

  it('names an inserted entry', async () => {
    const inserted = await trail(5);
    const second = JSON.parse((await store.redis.lindex(inserted.keys.auditLog, 1)) as string) as {
      hash: string;
    };
    const forged = sealAuditEntry(second.hash, {
      seq: 3,
      time: 0,
      actor: { id: 'approver', roles: ['approver'] },
      action: 'approval.decided',
      targets: { approvalId: 'apr_forged' },
      outcome: 'approved',
      detail: {},
    });
    const thirdRaw = (await store.redis.lindex(inserted.keys.auditLog, 2)) as string;
    await store.redis.linsert(
      inserted.keys.auditLog,
      'BEFORE',
      thirdRaw,
      serializeAuditRecord(forged),
    );
    expect(verify(inserted.prefix).stderr).toContain('BROKEN at index 2 (seq 3): inserted');
  });

  it('names a truncated tail', async () => {
    const truncated = await trail(5);
    await store.redis.rpop(truncated.keys.auditLog, 2);
    const run = verify(truncated.prefix);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BROKEN at index 3 (seq 4): truncated');
  });

  it('exports the trail, and verifies the export offline against the head printed with it', async () => {
    const { prefix } = await trail(5);
    const exported = cordon(prefix, ['audit', 'export']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.trim().split('\n')).toHaveLength(5);
    const head = /head (\d+:[0-9a-f]{64})/.exec(exported.stderr)?.[1] as string;
    expect(head).toMatch(/^5:/);
    const dir = tempDir('audit-export');
    try {
      const file = join(dir, 'trail.ndjson');
      writeFileSync(file, exported.stdout);
      const ok = verify('unused', '--file', file, '--expect-head', head);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('Audit trail intact: 5 entries');
      const lines = exported.stdout.trim().split('\n');
      writeFileSync(file, `${lines.slice(0, 4).join('\n')}\n`);
      const cut = verify('unused', '--file', file, '--expect-head', head);
      expect(cut.code).toBe(1);
      expect(cut.stderr).toContain('BROKEN at index 4 (seq 5): truncated');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed head with a usage error', () => {
    const run = verify('unused', '--expect-head', 'latest');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--expect-head needs <seq>:<64 hex sha256>');
  });
});
