/**
 * The action processor's reporting rules: only the effect failing is reported as a failure;
 * a report that fails makes the job retry without reporting anything else; a last attempt that
 * timed out after its effect landed (the ledger has it) is reported as a success.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createActionProcessor } from '../../../src/actions/action-worker.js';
import { actionInputsHash } from '../../../src/actions/inputs-hash.js';
import type { ActionContext, ExecutorTable } from '../../../src/actions/executors.js';
import type { ActionJob } from '../../../src/playbook/runtime/jobs.js';
import type { Runner } from '../../../src/playbook/runtime/runner.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { CordonError } from '../../../src/shared/errors.js';
import { createLogger } from '../../../src/shared/logger.js';
import type { Approval } from '../../../src/store/approval-store.js';
import type { EffectLedger } from '../../../src/store/effect-ledger.js';

const data: ActionJob = {
  runId: 'run_1',
  incidentId: 'inc_1',
  playbookId: 'p',
  state: 'throttle',
  step: 1,
  effectKey: 'act_1',
  operation: 'ratelimit.clear',
  connector: 'gateway',
  connectorType: 'builtin-limiter',
  inputs: { key: 'k' },
  inputsHash: actionInputsHash('ratelimit.clear', 'gateway', { key: 'k' }),
  timeoutMs: 50,
  approvalId: null,
};

function job(
  attemptsMade: number,
  attempts: number,
  changes: Partial<ActionJob> = {},
): Job<ActionJob> {
  return {
    data: { ...data, ...changes },
    attemptsMade,
    opts: { attempts },
    id: 'act_1',
  } as unknown as Job<ActionJob>;
}

function approval(changes: Partial<Approval> = {}): Approval {
  return {
    id: 'apr_1',
    status: 'approved',
    runId: 'run_1',
    playbookId: 'p',
    incidentId: 'inc_1',
    state: 'ask',
    step: 1,
    roles: ['approver'],
    quorum: 1,
    message: '',
    initiator: 'correlation',
    gated: {
      state: 'throttle',
      operation: 'ratelimit.clear',
      connector: 'gateway',
      inputs: { key: 'k' },
      inputsHash: data.inputsHash,
    },
    votes: [],
    createdAt: 0,
    expiresAt: 1,
    decidedAt: 1,
    ...changes,
  };
}

function setup(options: {
  effect: (inputs: Readonly<Record<string, unknown>>, ctx: ActionContext) => Promise<unknown>;
  reportFails?: number;
  ledger?: unknown;
  approval?: Approval;
  /** Listing an undo's runs as watching its job fails too. */
  watchFails?: boolean;
}) {
  let effects = 0;
  const effect = (inputs: Readonly<Record<string, unknown>>, ctx: ActionContext) => {
    effects += 1;
    return options.effect(inputs, ctx);
  };
  const reports: string[] = [];
  let reportFailures = options.reportFails ?? 0;
  const runner = {
    async completeAction(
      _job: ActionJob,
      outcome: { ok: boolean; code?: string; result?: unknown },
    ) {
      if (outcome.ok && reportFailures > 0) {
        reportFailures -= 1;
        throw new Error('Connection is closed.');
      }
      reports.push(outcome.ok ? `ok:${JSON.stringify(outcome.result)}` : `failed:${outcome.code}`);
    },
    async watchOwnUndo(job: ActionJob) {
      if (options.watchFails) throw new Error('Connection is closed.');
      reports.push(`watch:${job.runId}`);
    },
  } as unknown as Runner;
  const executors: ExecutorTable = { 'builtin-limiter': { 'ratelimit.clear': effect } };
  const ledger = { result: async () => options.ledger } as unknown as EffectLedger;
  const process = createActionProcessor({
    executors,
    runner,
    ledger,
    approvals: { get: async (id) => (id === options.approval?.id ? options.approval : undefined) },
    clock: new ManualClock(),
    logger: createLogger('silent'),
    crash: () => undefined,
  });
  return { process, reports, effects: () => effects };
}

describe('action processor', () => {
  it('reports a success', async () => {
    const { process, reports } = setup({ effect: async () => ({ applied: true }) });
    await expect(process(job(0, 3))).resolves.toEqual({ applied: true });
    expect(reports).toEqual(['ok:{"applied":true}']);
  });

  it('never reports a failure when only reporting the success failed, even on the last attempt', async () => {
    const { process, reports } = setup({ effect: async () => ({ applied: true }), reportFails: 1 });
    await expect(process(job(0, 2))).rejects.toThrow('Connection is closed.');
    expect(reports).toEqual([]);
    // The retry reports it (the real connector answers from its ledger instead of acting again).
    await expect(process(job(1, 2))).resolves.toEqual({ applied: true });
    expect(reports).toEqual(['ok:{"applied":true}']);
    // With no retry left, the job completes with the result (reconcile reports it from there).
    const last = setup({ effect: async () => ({ applied: true }), reportFails: 1 });
    await expect(last.process(job(0, 1))).resolves.toEqual({ applied: true });
    expect(last.reports).toEqual([]);
  });

  it("completes an undo job whose report fails on its last attempt, once its run watches the job's end", async () => {
    const undo: Partial<ActionJob> = {
      undoOf: { effectKey: 'act_0', operation: 'ratelimit.set', inputs: { key: 'k' }, result: {} },
    };
    const retried = setup({ effect: async () => ({ applied: true }), reportFails: 1 });
    await expect(retried.process(job(0, 2, undo))).rejects.toThrow('Connection is closed.');
    expect(retried.reports).toEqual([]);
    const last = setup({ effect: async () => ({ applied: true }), reportFails: 1 });
    await expect(last.process(job(0, 1, undo))).resolves.toEqual({ applied: true });
    expect(last.reports).toEqual(['watch:run_1']);
    // Not even the listing lands: the job fails, as before (its run hears of a failure).
    const unlisted = setup({
      effect: async () => ({ applied: true }),
      reportFails: 1,
      watchFails: true,
    });
    await expect(unlisted.process(job(0, 1, undo))).rejects.toThrow('Connection is closed.');
  });

  it('retries a failing effect, reporting the failure only on the last attempt', async () => {
    const { process, reports } = setup({ effect: () => Promise.reject(new Error('upstream 503')) });
    await expect(process(job(0, 2))).rejects.toThrow('upstream 503');
    expect(reports).toEqual([]);
    await expect(process(job(1, 2))).rejects.toThrow('upstream 503');
    expect(reports).toEqual(['failed:CORDON_ERR_ACTION_FAILED']);
  });

  it('fails at once on outbound errors a retry cannot fix, and retries the ones it can', async () => {
    const refused = setup({
      effect: () =>
        Promise.reject(new CordonError('CORDON_ERR_ACTION_REJECTED', 'Jira answered 400')),
    });
    await expect(refused.process(job(0, 5))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(refused.reports).toEqual(['failed:CORDON_ERR_ACTION_REJECTED']);
    const throttled = setup({
      effect: () =>
        Promise.reject(new CordonError('CORDON_ERR_ACTION_UNAVAILABLE', 'Kong answered 429')),
    });
    await expect(throttled.process(job(0, 5))).rejects.toThrow('Kong answered 429');
    expect(throttled.reports).toEqual([]);
  });

  it('believes the ledger over a timeout on the last attempt', async () => {
    const slow = (): Promise<unknown> =>
      new Promise((r) => setTimeout(() => r({ late: true }), 200));
    const landed = setup({
      effect: slow,
      ledger: { found: true, result: { applied: true, key: 'k' } },
    });
    await expect(landed.process(job(0, 1))).resolves.toEqual({ applied: true, key: 'k' });
    expect(landed.reports).toEqual(['ok:{"applied":true,"key":"k"}']);

    const lost = setup({ effect: slow });
    await expect(lost.process(job(0, 1))).rejects.toThrow('did not finish within 50 ms');
    expect(lost.reports).toEqual(['failed:CORDON_ERR_ACTION_TIMEOUT']);
  });

  it("aborts the connector's signal at the deadline, even one first read after it", async () => {
    let early: AbortSignal | undefined;
    const readsAtOnce = setup({
      effect: (_inputs, ctx) => {
        early = ctx.signal;
        expect(early.aborted).toBe(false);
        return new Promise(() => undefined);
      },
    });
    let lateRead: (signal: AbortSignal) => void = () => undefined;
    const late = new Promise<AbortSignal>((resolve) => (lateRead = resolve));
    const readsLate = setup({
      effect: (_inputs, ctx) =>
        new Promise((resolve) =>
          setTimeout(() => {
            lateRead(ctx.signal);
            resolve({});
          }, 100),
        ),
    });
    const [a, b] = [readsAtOnce.process(job(0, 1)), readsLate.process(job(0, 1))];
    await expect(a).rejects.toThrow('did not finish within 50 ms');
    await expect(b).rejects.toThrow('did not finish within 50 ms');
    expect(early?.aborted).toBe(true);
    expect((await late).aborted).toBe(true);
  });

  it('fails at once, without retrying, when inputs are invalid', async () => {
    const { process, reports } = setup({ effect: async () => ({}) });
    const bad = {
      ...job(0, 5),
      data: { ...data, inputs: { key: '' } },
    } as unknown as Job<ActionJob>;
    await expect(process(bad)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(reports).toEqual(['failed:CORDON_ERR_ACTION_INPUT']);
  });

  it('refuses, without acting or retrying, a job whose inputs are not the ones its run prepared', async () => {
    const { process, reports, effects } = setup({ effect: async () => ({}) });
    await expect(process(job(0, 5, { inputs: { key: 'someone-else' } }))).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
    expect(reports).toEqual(['failed:CORDON_ERR_ACTION_APPROVAL_MISMATCH']);
    expect(effects()).toBe(0);
  });

  it('runs an approved step only when the approval approved exactly these inputs', async () => {
    const approved = setup({ effect: async () => ({ applied: true }), approval: approval() });
    await expect(approved.process(job(0, 1, { approvalId: 'apr_1' }))).resolves.toEqual({
      applied: true,
    });

    const refusals: [string, Approval | undefined][] = [
      ['missing', undefined],
      ['pending', approval({ status: 'pending' })],
      ['rejected', approval({ status: 'rejected' })],
      ['another run', approval({ runId: 'run_2' })],
      [
        'other inputs',
        approval({
          gated: {
            ...(approval().gated as NonNullable<Approval['gated']>),
            inputsHash: actionInputsHash('ratelimit.clear', 'gateway', { key: 'other' }),
          },
        }),
      ],
    ];
    for (const [why, record] of refusals) {
      const s = setup({ effect: async () => ({}), ...(record ? { approval: record } : {}) });
      await expect(s.process(job(0, 3, { approvalId: 'apr_1' })), why).rejects.toBeInstanceOf(
        UnrecoverableError,
      );
      expect(s.reports, why).toEqual(['failed:CORDON_ERR_ACTION_APPROVAL_MISMATCH']);
      expect(s.effects(), why).toBe(0);
    }
  });
});
