/**
 * What each kind of entry holds: ids, names and hashes, never secrets. An undo operation is
 * named `action.undone`; the worker records an effect before reporting it, once per outcome.
 */
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createActionProcessor } from '../../../src/actions/action-worker.js';
import { actionInputsHash } from '../../../src/actions/inputs-hash.js';
import { actionOutcome, approvalVote, configLoaded } from '../../../src/audit/audit-inputs.js';
import type { AuditInput } from '../../../src/audit/audit-entry.js';
import { loadConfig } from '../../../src/config/load-config.js';
import type { ActionJob } from '../../../src/playbook/runtime/jobs.js';
import type { Runner } from '../../../src/playbook/runtime/runner.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import type { Approval } from '../../../src/store/approval-store.js';
import type { EffectLedger } from '../../../src/store/effect-ledger.js';
import { REPO_ROOT } from '../../helpers/cordon.js';

const CUSTOMER_KEY = 'sk-live-0123456789abcdef';

const job: ActionJob = {
  runId: 'run_1',
  incidentId: 'inc_1',
  playbookId: 'contain-abusive-key',
  state: 'throttle',
  step: 1,
  effectKey: 'act_1',
  operation: 'ratelimit.set',
  connector: 'gateway',
  connectorType: 'builtin-limiter',
  inputs: { key: CUSTOMER_KEY, limit: '10/m' },
  inputsHash: actionInputsHash('ratelimit.set', 'gateway', { key: CUSTOMER_KEY, limit: '10/m' }),
  timeoutMs: 1_000,
  approvalId: null,
};

describe('audit inputs', () => {
  it('names an action by what it did and references its inputs by hash only', () => {
    expect(actionOutcome(job, 1, { ok: true })).toMatchObject({
      action: 'action.applied',
      actor: { id: 'system:worker', roles: [] },
      detail: { operation: 'ratelimit.set', inputsHash: job.inputsHash },
    });
    expect(actionOutcome({ ...job, operation: 'ratelimit.clear' }, 1, { ok: true }).action).toBe(
      'action.undone',
    );
    expect(actionOutcome(job, 5, { ok: false, code: 'CORDON_ERR_ACTION_TIMEOUT' })).toMatchObject({
      action: 'action.failed',
      outcome: 'failed',
      detail: { attempt: 5 },
    });
    expect(JSON.stringify(actionOutcome(job, 1, { ok: true }))).not.toContain(CUSTOMER_KEY);
  });

  it('keeps the Redis URL (it may carry a password) out of the config entry', () => {
    const config = loadConfig(
      { REDIS_URL: 'redis://:hunter2-redis-password@redis.internal:6379' },
      REPO_ROOT,
    );
    const entry = configLoaded(config);
    expect(entry.detail).toMatchObject({ redisUrlSet: true });
    expect(JSON.stringify(entry)).not.toContain('hunter2');
  });

  it('records a vote that settles an approval as decided, one that does not as voted', () => {
    const approval = {
      id: 'apr_1',
      runId: 'run_1',
      incidentId: 'inc_1',
      playbookId: 'p',
      state: 'ask',
      quorum: 2,
      gated: {
        state: 'open_case',
        operation: 'ticket.open',
        connector: 'cases',
        inputs: { summary: CUSTOMER_KEY },
        inputsHash: 'b'.repeat(64),
      },
    } as unknown as Approval;
    const principal = { id: 'alice', roles: ['approver'], sources: [] };
    const vote = { decision: 'approve' as const, role: 'approver', comment: 'x'.repeat(5_000) };
    const voted = approvalVote(principal, approval, vote, undefined);
    expect(voted).toMatchObject({ action: 'approval.voted', outcome: 'approved' });
    expect(String(voted.detail.comment)).toHaveLength(280);
    expect(approvalVote(principal, approval, vote, 'approved')).toMatchObject({
      action: 'approval.decided',
      detail: { inputsHash: 'b'.repeat(64), operation: 'ticket.open' },
    });
    expect(JSON.stringify(voted)).not.toContain(CUSTOMER_KEY);
  });
});

describe('action worker audit', () => {
  function setup(effect: () => Promise<unknown>) {
    const order: string[] = [];
    const recorded: AuditInput[] = [];
    const process = createActionProcessor({
      executors: { 'builtin-limiter': { 'ratelimit.set': effect } },
      runner: {
        async completeAction(_job: ActionJob, outcome: { ok: boolean }) {
          order.push(outcome.ok ? 'report:ok' : 'report:failed');
        },
      } as unknown as Runner,
      ledger: { result: async () => undefined } as unknown as EffectLedger,
      approvals: { get: async () => undefined },
      clock: new ManualClock(),
      logger: createLogger('silent'),
      crash: () => undefined,
      audit: {
        async record(input) {
          recorded.push(input);
          order.push(`audit:${input.action}`);
        },
      },
    });
    const run = (attemptsMade: number, attempts: number) =>
      process({ data: job, attemptsMade, opts: { attempts }, id: 'act_1' } as Job<ActionJob>);
    return { run, order, recorded };
  }

  it('records the effect before reporting it', async () => {
    const { run, order } = setup(async () => ({ applied: true }));
    await run(0, 3);
    expect(order).toEqual(['audit:action.applied', 'report:ok']);
  });

  it('records a failure only on the last attempt', async () => {
    const { run, order, recorded } = setup(async () => {
      throw new Error('gateway down');
    });
    await expect(run(0, 2)).rejects.toThrow('gateway down');
    expect(order).toEqual([]);
    await expect(run(1, 2)).rejects.toThrow('gateway down');
    expect(order).toEqual(['audit:action.failed', 'report:failed']);
    expect(recorded[0]?.detail).toMatchObject({ code: 'CORDON_ERR_ACTION_FAILED', attempt: 2 });
  });
});
