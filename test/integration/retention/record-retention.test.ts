import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/playbook/runtime/run-record.js';
import { ApprovalStore } from '../../../src/store/approval-store.js';
import { CaseStore } from '../../../src/store/case-store.js';
import { IncidentStore } from '../../../src/store/incident-store.js';
import type { Keys } from '../../../src/store/keys.js';
import { LimiterStore } from '../../../src/store/limiter-store.js';
import { CaseRetention } from '../../../src/store/retention/case-retention.js';
import { EffectRetention } from '../../../src/store/retention/effect-retention.js';
import {
  IncidentRetention,
  RETENTION_PRINCIPAL,
} from '../../../src/store/retention/incident-retention.js';
import { LimiterRetention } from '../../../src/store/retention/limiter-retention.js';
import type { RecordSweep } from '../../../src/store/retention/record-sweep.js';
import { RunRetention } from '../../../src/store/retention/run-retention.js';
import { RunStore } from '../../../src/store/run-store.js';
import { BASE, makeMatch, useStoreRedis } from '../store/store-helpers.js';

/** Each record's retention sweep against a real Redis, with time passed in. */
const env = useStoreRedis('ret-records');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every key under a Keys prefix (what retention must bring back down). */
async function keysOf(keys: Keys): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await env.t.redis.scan(
      cursor,
      'MATCH',
      `${keys.prefix}:*`,
      'COUNT',
      1000,
    );
    cursor = next;
    out.push(...found);
  } while (cursor !== '0');
  return out.sort();
}

/** Rounds until the sweep says nothing more is due; returns what it removed. */
async function sweep(s: RecordSweep, now: number, batch = 50): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (let i = 0; i < 100; i += 1) {
    const r = await s.round(now, batch, { keepFrom: '0-0' });
    for (const [k, v] of Object.entries(r.removed)) total[k] = (total[k] ?? 0) + v;
    if (!r.more) return total;
  }
  throw new Error('sweep never caught up');
}

function runRecord(id: string, incidentId: string, at: number): RunRecord {
  return {
    id,
    playbookId: 'pb',
    playbookHash: 'f'.repeat(64),
    incidentId,
    initiator: 'correlation:r',
    status: 'running',
    state: 'ask',
    step: 1,
    version: 0,
    context: {
      incident: { id: incidentId, title: 't', firstSeen: at, group: {} },
      run: { id, playbook: 'pb', startedAt: at },
      steps: {},
      approvals: {},
      gate: null,
    },
    pendingEffects: [],
    createdAt: at,
    updatedAt: at,
    endedAt: undefined,
  };
}

async function endRun(runs: RunStore, run: RunRecord, at: number): Promise<void> {
  const saved = await runs.save(
    run,
    {
      status: 'resolved',
      state: 'done',
      step: 2,
      context: run.context,
      pendingEffects: [],
      updatedAt: at,
      endedAt: at,
    },
    [{ at, type: 'run.ended' }],
    `ev-${run.id}`,
  );
  expect(saved).toBe('saved');
}

describe('incident retention', () => {
  it('deletes resolved incidents after their age, closes idle open ones, keeps the rest', async () => {
    const keys = env.fresh('inc');
    const incidents = new IncidentStore(env.t.redis, keys);
    const closed: string[] = [];
    const retention = new IncidentRetention(
      env.t.redis,
      keys,
      incidents,
      { resolvedMs: 7 * DAY, idleMs: 30 * DAY, max: 1_000 },
      (reason) => closed.push(reason),
    );
    const open = async (key: string, at: number): Promise<string> =>
      (
        await incidents.recordMatch(
          makeMatch({ matchId: `m-${key}`, groupKey: `["${key}"]`, group: { api_key: key } }),
          at,
        )
      ).incidentId;
    // 120 resolved early (more than one batch), one resolved late, one open and busy, one idle.
    const early: string[] = [];
    for (let i = 0; i < 120; i += 1) {
      const id = await open(`old${i}`, BASE);
      await incidents.resolve(id, 'analyst', '', BASE + HOUR);
      early.push(id);
    }
    const late = await open('late', BASE);
    await incidents.resolve(late, 'analyst', '', BASE + 28 * DAY);
    const busy = await open('busy', BASE);
    await incidents.recordMatch(
      makeMatch({ matchId: 'm-busy-2', groupKey: '["busy"]', group: { api_key: 'busy' } }),
      BASE + 25 * DAY,
    );
    const idle = await open('idle', BASE);

    const now = BASE + 31 * DAY;
    const removed = await sweep(retention, now);
    expect(removed.incident).toBe(120);
    for (const id of early.slice(0, 3)) expect(await incidents.get(id)).toBeUndefined();
    expect(await env.t.redis.exists(keys.incidentMatches(early[0]!))).toBe(0);
    expect((await incidents.get(late))?.status).toBe('resolved');
    expect((await incidents.get(busy))?.status).toBe('open');
    const closedIdle = await incidents.get(idle);
    expect(closedIdle).toMatchObject({ status: 'resolved', resolvedBy: RETENTION_PRINCIPAL });
    expect(closed).toEqual(['idle']);
    // The next match of the idle group opens a new incident.
    const next = await incidents.recordMatch(
      makeMatch({ matchId: 'm-idle-2', groupKey: '["idle"]', group: { api_key: 'idle' } }),
      now,
    );
    expect(next.created).toBe(true);

    // One resolved-retention later, the closed idle incident and the late one go too.
    await sweep(retention, now + 8 * DAY);
    expect(await incidents.get(idle)).toBeUndefined();
    expect(await incidents.get(late)).toBeUndefined();
    expect(await incidents.get(next.incidentId)).toBeDefined();
  });

  it('never deletes or closes an incident whose playbook run is active; past max, the oldest others go', async () => {
    const keys = env.fresh('inc-max');
    const incidents = new IncidentStore(env.t.redis, keys);
    const runs = new RunStore(env.t.redis, keys);
    const closed: string[] = [];
    const retention = new IncidentRetention(
      env.t.redis,
      keys,
      incidents,
      { resolvedMs: 90 * DAY, idleMs: 30 * DAY, max: 10 },
      (reason) => closed.push(reason),
    );
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1)
      ids.push(
        (
          await incidents.recordMatch(
            makeMatch({ matchId: `m${i}`, groupKey: `["k${i}"]`, group: { api_key: `k${i}` } }),
            BASE + i,
          )
        ).incidentId,
      );
    // The oldest has a running playbook.
    await runs.create(runRecord('run_busy', ids[0]!, BASE), []);
    await sweep(retention, BASE + HOUR, 7);
    expect(await env.t.redis.zcard(keys.incidentIndex)).toBe(10);
    expect((await incidents.get(ids[0]!))?.status).toBe('open');
    for (const id of ids.slice(1, 21)) expect(await incidents.get(id)).toBeUndefined();
    for (const id of ids.slice(21)) expect((await incidents.get(id))?.status).toBe('open');
    expect(closed).toEqual(Array(20).fill('count'));
    expect(await env.t.redis.hlen(keys.incidentOpen)).toBe(10);
  });
});

describe('run retention', () => {
  it('deletes ended runs with their timeline and approvals after the age; active runs stay', async () => {
    const keys = env.fresh('run');
    const runs = new RunStore(env.t.redis, keys);
    const approvals = new ApprovalStore(env.t.redis, keys);
    const retention = new RunRetention(env.t.redis, keys, { ms: 30 * DAY, max: 1_000 });
    const ended = runRecord('run_ended', 'inc_1', BASE);
    const active = runRecord('run_active', 'inc_1', BASE);
    const recent = runRecord('run_recent', 'inc_1', BASE);
    for (const r of [ended, active, recent]) {
      await runs.create(r, [{ at: BASE, type: 'run.started' }]);
      await approvals.create({
        id: `apr_${r.id}`,
        runId: r.id,
        playbookId: 'pb',
        incidentId: 'inc_1',
        state: 'ask',
        step: 1,
        roles: [],
        quorum: 1,
        message: 'ok?',
        initiator: 'correlation:r',
        gated: null,
        createdAt: BASE,
        expiresAt: BASE + HOUR,
      });
    }
    await endRun(runs, ended, BASE + HOUR);
    await endRun(runs, recent, BASE + 20 * DAY);

    const removed = await sweep(retention, BASE + 31 * DAY);
    expect(removed).toEqual({ run: 1, approval: 1 });
    expect(await runs.get('run_ended')).toBeUndefined();
    for (const key of [
      keys.runTimeline('run_ended'),
      keys.runApplied('run_ended'),
      keys.runApprovals('run_ended'),
      keys.approval('apr_run_ended'),
    ])
      expect(await env.t.redis.exists(key)).toBe(0);
    expect(await env.t.redis.sismember(keys.incidentRuns('inc_1'), 'run_ended')).toBe(0);
    expect(await env.t.redis.zscore(keys.approvalIndex, 'apr_run_ended')).toBeNull();
    expect(await env.t.redis.zscore(keys.approvalPending, 'apr_run_ended')).toBeNull();
    expect((await runs.get('run_active'))?.status).toBe('running');
    expect(await approvals.get('apr_run_active')).toBeDefined();
    expect((await runs.get('run_recent'))?.status).toBe('resolved');
  });
});

describe('effect-ledger retention', () => {
  it('keeps the entries of an active run, deletes the others after the age, and caps the count', async () => {
    const keys = env.fresh('eff');
    const limiter = new LimiterStore(env.t.redis, keys);
    const retention = new EffectRetention(env.t.redis, keys, { ms: 7 * DAY, max: 3 });
    const rate = { mode: 'block' as const, count: 0, windowMs: 0 };
    await env.t.redis.sadd(keys.runActive, 'run_live');
    await limiter.set('eff-live', 'k1', rate, 0, 'run_live', '', BASE);
    await limiter.set('eff-done', 'k2', rate, 0, 'run_done', '', BASE);
    const removed = await sweep(retention, BASE + 8 * DAY);
    expect(removed.effect).toBe(1);
    expect(await env.t.redis.exists(keys.effect('eff-done'))).toBe(0);
    expect(await env.t.redis.hget(keys.effect('eff-live'), 'status')).toBe('done');
    // Re-dated, so it is looked at again a period later; still guarded while the run lives.
    expect(Number(await env.t.redis.zscore(keys.effectIndex, 'eff-live'))).toBe(BASE + 8 * DAY);

    for (let i = 0; i < 5; i += 1)
      await limiter.set(`eff-${i}`, `c${i}`, rate, 0, 'run_done', '', BASE + 9 * DAY + i);
    await sweep(retention, BASE + 9 * DAY + 10);
    // Oldest first past the cap, the active run's entry excepted.
    expect((await env.t.redis.zrange(keys.effectIndex, 0, -1)).sort()).toEqual(
      ['eff-3', 'eff-4', 'eff-live'].sort(),
    );
  });
});

describe('case and limiter retention', () => {
  it('deletes cases (with their dedupe entry) by age and count', async () => {
    const keys = env.fresh('case');
    const cases = new CaseStore(env.t.redis, keys);
    const retention = new CaseRetention(env.t.redis, keys, { ms: 365 * DAY, max: 2 });
    const fields = {
      summary: 's',
      description: '',
      severity: 'high',
      openedBy: 'r',
      incidentId: 'i',
    };
    await cases.open('e-old', 'case_old', 'dd-old', fields, BASE);
    for (let i = 0; i < 4; i += 1)
      await cases.open(`e${i}`, `case_${i}`, `dd${i}`, fields, BASE + 200 * DAY + i);
    const removed = await sweep(retention, BASE + 366 * DAY);
    expect(removed.case).toBe(3);
    expect((await cases.list(10)).map((c) => c.id)).toEqual(['case_3', 'case_2']);
    expect(await env.t.redis.hkeys(keys.caseDedupe)).toEqual(['dd2', 'dd3']);
  });

  it('deletes a key history (and its expired rule) after the age, never a rule that still applies', async () => {
    const keys = env.fresh('lim');
    const limiter = new LimiterStore(env.t.redis, keys);
    const retention = new LimiterRetention(env.t.redis, keys, { ms: 30 * DAY, max: 1_000 });
    const rate = { mode: 'throttle' as const, count: 10, windowMs: 60_000 };
    await limiter.set('s1', 'expired', rate, BASE + HOUR, 'r', '', BASE);
    await limiter.set('s2', 'forever', rate, 0, 'r', '', BASE);
    await limiter.set('s3', 'cleared', rate, 0, 'r', '', BASE);
    await limiter.clear('c3', 'cleared', 'r', '', BASE + 1);
    // A block that never lifts, under a throttle that has: the block still applies.
    await limiter.set('s4', 'beneath', { mode: 'block', count: 0, windowMs: 0 }, 0, 'r', '', BASE);
    await limiter.set('s5', 'beneath', rate, BASE + HOUR, 'r', '', BASE + 1);
    const removed = await sweep(retention, BASE + 31 * DAY);
    expect(removed.limiter_history).toBe(2);
    expect(await limiter.check('beneath', BASE + 31 * DAY)).toMatchObject({ decision: 'block' });
    expect(await limiter.history('expired')).toEqual([]);
    expect(await limiter.rule('expired')).toBeUndefined();
    expect(await limiter.history('cleared')).toEqual([]);
    expect((await limiter.rule('forever'))?.count).toBe(10);
    expect(await limiter.history('forever')).toHaveLength(1);
    expect(await env.t.redis.zrange(keys.limiterIndex, 0, -1)).toEqual(['forever', 'beneath']);
    expect(await limiter.check('forever', BASE + 31 * DAY)).toMatchObject({ decision: 'allow' });
    // What is left is only the live rules, their histories and the indexes (plus ledger entries).
    expect(
      (await keysOf(keys))
        .filter((k) => !k.includes(':effect'))
        .map((k) => k.slice(keys.prefix.length)),
    ).toEqual([
      ':{c}:lim:count:forever',
      ':{c}:lim:histories',
      ':{c}:lim:history:beneath',
      ':{c}:lim:history:forever',
      ':{c}:lim:rule:beneath',
      ':{c}:lim:rule:forever',
      ':{c}:lim:rules',
    ]);
  });
});
