import { describe, expect, it } from 'vitest';
import { ApprovalStore, type NewApproval } from '../../../src/store/approval-store.js';
import { BASE, useStoreRedis } from './store-helpers.js';

/** ApprovalStore (createApproval-3, decideApproval-2, expireApproval-2) against a real Redis. */
const env = useStoreRedis('store-apr');

const EXPIRES = BASE + 3_600_000;

function approval(id: string, overrides: Partial<NewApproval> = {}): NewApproval {
  return {
    id,
    runId: 'run_1',
    playbookId: 'contain-extraction',
    incidentId: 'inc_1',
    state: 'revoke_key',
    step: 2,
    roles: ['soc-lead'],
    quorum: 1,
    message: 'Revoke key k-1?',
    initiator: 'correlation:extraction',
    gated: {
      state: 'revoke_key',
      operation: 'revoke',
      connector: 'gateway',
      inputs: { key: 'k-1' },
      inputsHash: 'ab'.repeat(32),
    },
    createdAt: BASE,
    expiresAt: EXPIRES,
    ...overrides,
  };
}

describe('ApprovalStore', () => {
  it('create is idempotent and get returns the record', async () => {
    const store = new ApprovalStore(env.t.redis, env.fresh('create'));
    const a = approval('apr_1');
    expect(await store.create(a)).toBe(true);
    expect(await store.create({ ...a, message: 'changed', quorum: 5 })).toBe(false);
    expect(await store.get('apr_1')).toEqual({
      ...a,
      status: 'pending',
      votes: [],
      decidedAt: undefined,
    });
    expect(await store.get('apr_missing')).toBeUndefined();
    expect(await store.create(approval('apr_nogate', { gated: null, roles: [] }))).toBe(true);
    expect(await store.get('apr_nogate')).toEqual(
      expect.objectContaining({ gated: null, roles: [] }),
    );
  });

  it('quorum 1: one approval decides', async () => {
    const store = new ApprovalStore(env.t.redis, env.fresh('q1'));
    await store.create(approval('apr_q1'));
    expect(await store.decide('apr_q1', 'approve', 'alice', 'soc-lead', 'ok', BASE + 10)).toEqual({
      kind: 'decided',
      status: 'approved',
    });
    expect(await store.get('apr_q1')).toEqual(
      expect.objectContaining({
        status: 'approved',
        decidedAt: BASE + 10,
        votes: [
          { by: 'alice', role: 'soc-lead', decision: 'approved', comment: 'ok', at: BASE + 10 },
        ],
      }),
    );
    expect(await store.decide('apr_q1', 'reject', 'bob', 'soc-lead', 'no', BASE + 20)).toEqual({
      kind: 'not-pending',
      status: 'approved',
    });
    expect(await store.decide('apr_missing', 'approve', 'bob', 'soc-lead', '', BASE + 20)).toEqual({
      kind: 'not-found',
    });
  });

  it('quorum 2: a vote is recorded, the same principal cannot vote twice, a second principal decides', async () => {
    const store = new ApprovalStore(env.t.redis, env.fresh('q2'));
    await store.create(approval('apr_q2', { quorum: 2 }));
    expect(await store.decide('apr_q2', 'approve', 'alice', 'soc-lead', 'one', BASE + 10)).toEqual({
      kind: 'vote-recorded',
    });
    expect(await store.get('apr_q2')).toEqual(
      expect.objectContaining({ status: 'pending', decidedAt: undefined }),
    );
    expect(
      await store.decide('apr_q2', 'approve', 'alice', 'soc-lead', 'again', BASE + 20),
    ).toEqual({ kind: 'already-voted' });
    expect(
      await store.decide('apr_q2', 'reject', 'alice', 'soc-lead', 'changed my mind', BASE + 25),
    ).toEqual({ kind: 'already-voted' });
    expect(await store.decide('apr_q2', 'approve', 'bob', 'ml-owner', 'two', BASE + 30)).toEqual({
      kind: 'decided',
      status: 'approved',
    });
    const got = await store.get('apr_q2');
    expect(got!.status).toBe('approved');
    expect(got!.decidedAt).toBe(BASE + 30);
    expect(got!.votes).toEqual([
      { by: 'alice', role: 'soc-lead', decision: 'approved', comment: 'one', at: BASE + 10 },
      { by: 'bob', role: 'ml-owner', decision: 'approved', comment: 'two', at: BASE + 30 },
    ]);
  });

  it('any rejection decides at once, even before quorum', async () => {
    const store = new ApprovalStore(env.t.redis, env.fresh('reject'));
    await store.create(approval('apr_r', { quorum: 3 }));
    expect(await store.decide('apr_r', 'approve', 'alice', 'soc-lead', '', BASE + 10)).toEqual({
      kind: 'vote-recorded',
    });
    expect(
      await store.decide('apr_r', 'reject', 'bob', 'soc-lead', 'too risky', BASE + 20),
    ).toEqual({ kind: 'decided', status: 'rejected' });
    expect(await store.get('apr_r')).toEqual(
      expect.objectContaining({ status: 'rejected', decidedAt: BASE + 20 }),
    );
    expect(await store.decide('apr_r', 'approve', 'carol', 'soc-lead', '', BASE + 30)).toEqual({
      kind: 'not-pending',
      status: 'rejected',
    });
  });

  it('deciding at or after expiresAt expires it (one ms before still decides)', async () => {
    const store = new ApprovalStore(env.t.redis, env.fresh('late'));
    await store.create(approval('apr_late'));
    await store.create(approval('apr_intime'));
    expect(await store.decide('apr_late', 'approve', 'alice', 'soc-lead', '', EXPIRES)).toEqual({
      kind: 'expired',
    });
    expect(await store.get('apr_late')).toEqual(
      expect.objectContaining({ status: 'expired', decidedAt: EXPIRES, votes: [] }),
    );
    expect(await store.decide('apr_late', 'approve', 'bob', 'soc-lead', '', EXPIRES + 1)).toEqual({
      kind: 'not-pending',
      status: 'expired',
    });
    expect(
      await store.decide('apr_intime', 'approve', 'alice', 'soc-lead', '', EXPIRES - 1),
    ).toEqual({ kind: 'decided', status: 'approved' });
    expect((await store.list({ limit: 10, status: 'pending' })).map((a) => a.id)).toEqual([]);
  });

  it('expire loses to an earlier decision and wins over a later one', async () => {
    const store = new ApprovalStore(env.t.redis, env.fresh('race'));
    await store.create(approval('apr_decided_first'));
    await store.create(approval('apr_timer_first'));

    expect(
      await store.decide('apr_decided_first', 'reject', 'alice', 'soc-lead', '', BASE + 10),
    ).toEqual({ kind: 'decided', status: 'rejected' });
    expect(await store.expire('apr_decided_first', EXPIRES)).toBe('rejected');
    expect(await store.get('apr_decided_first')).toEqual(
      expect.objectContaining({ status: 'rejected', decidedAt: BASE + 10 }),
    );

    // A timer that fires early (clock skew) leaves the approval pending; at its expiry it wins.
    expect(await store.expire('apr_timer_first', BASE + 20)).toBe('pending');
    expect(await store.get('apr_timer_first')).toEqual(
      expect.objectContaining({ status: 'pending', decidedAt: undefined }),
    );
    expect(await store.expire('apr_timer_first', EXPIRES)).toBe('expired');
    expect(await store.get('apr_timer_first')).toEqual(
      expect.objectContaining({ status: 'expired', decidedAt: EXPIRES }),
    );
    expect(
      await store.decide('apr_timer_first', 'approve', 'alice', 'soc-lead', '', EXPIRES + 30),
    ).toEqual({ kind: 'not-pending', status: 'expired' });
    expect(await store.expire('apr_timer_first', EXPIRES + 40)).toBe('expired');
    expect(await store.get('apr_timer_first')).toEqual(
      expect.objectContaining({ decidedAt: EXPIRES, votes: [] }),
    );
    expect(await store.expire('apr_missing', BASE)).toBe('not-found');
  });

  it('lists newest first by status and run; pending comes from the pending index', async () => {
    const store = new ApprovalStore(env.t.redis, env.fresh('list'));
    await store.create(approval('apr_a', { createdAt: BASE + 1, expiresAt: EXPIRES + 3 }));
    await store.create(
      approval('apr_b', { createdAt: BASE + 2, expiresAt: EXPIRES + 1, runId: 'run_2' }),
    );
    await store.create(approval('apr_c', { createdAt: BASE + 3, expiresAt: EXPIRES + 2 }));
    await store.create(
      approval('apr_d', { createdAt: BASE + 4, expiresAt: EXPIRES + 4, runId: 'run_2' }),
    );
    await store.decide('apr_a', 'approve', 'alice', 'soc-lead', '', BASE + 10);
    await store.decide('apr_d', 'reject', 'alice', 'soc-lead', '', BASE + 10);

    const ids = async (o: Parameters<ApprovalStore['list']>[0]) =>
      (await store.list(o)).map((a) => a.id);
    expect(await ids({ limit: 10 })).toEqual(['apr_d', 'apr_c', 'apr_b', 'apr_a']);
    expect(await ids({ limit: 2 })).toEqual(['apr_d', 'apr_c']);
    expect(await ids({ limit: 10, status: 'pending' })).toEqual(['apr_c', 'apr_b']);
    expect(await ids({ limit: 1, status: 'pending' })).toEqual(['apr_c']);
    expect(await ids({ limit: 10, status: 'approved' })).toEqual(['apr_a']);
    expect(await ids({ limit: 10, status: 'rejected' })).toEqual(['apr_d']);
    expect(await ids({ limit: 10, status: 'expired' })).toEqual([]);
    expect(await ids({ limit: 10, runId: 'run_2' })).toEqual(['apr_d', 'apr_b']);
    expect(await ids({ limit: 10, runId: 'run_2', status: 'pending' })).toEqual(['apr_b']);
    expect(await ids({ limit: 10, runId: 'run_9' })).toEqual([]);
  });

  it('a status or run filter still finds approvals older than the 200 newest', async () => {
    const store = new ApprovalStore(env.t.redis, env.fresh('list-deep'));
    await store.create(approval('apr_old', { createdAt: BASE, runId: 'run_old' }));
    await store.decide('apr_old', 'approve', 'alice', 'soc-lead', '', BASE + 1);
    for (let i = 1; i <= 200; i += 1)
      await store.create(approval(`apr_new_${i}`, { createdAt: BASE + 10 + i, runId: 'run_busy' }));
    expect((await store.list({ limit: 10, status: 'approved' })).map((a) => a.id)).toEqual([
      'apr_old',
    ]);
    expect((await store.list({ limit: 10, runId: 'run_old' })).map((a) => a.id)).toEqual([
      'apr_old',
    ]);
  });
});
