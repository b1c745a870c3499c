/**
 * Undo, cancel, retry and expiry through the real runner, action processor and built-in
 * connectors on real Redis (queues simulated in memory on a manual clock, see run-harness):
 * what was done is taken back newest first, exactly once, with the original in `undoOf`.
 */
import { describe, expect, it } from 'vitest';
import { actionEffectId } from '../../src/playbook/runtime/effects.js';
import { Metrics } from '../../src/shared/metrics.js';
import {
  approvePending,
  breakUndoReportOnce,
  runHarnesses,
  type RunHarness,
} from '../helpers/run-harness.js';

const { harness } = runHarnesses('undo');

const CONTAIN = `
id: contain
on: { correlation: r }
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with: { key: "{{ incident.group.user }}", limit: 10/m, reason: throttled }
    undo: ratelimit.clear
    next: block_ip
  block_ip:
    action: ratelimit.set
    automatic: true
    with: { key: "ip-{{ incident.group.user }}", limit: block }
    undo:
      action: ratelimit.clear
      with: { key: "ip-{{ incident.group.user }}", reason: "block was {{ steps.block_ip.status }}" }
    undo_on_reject: true
    next: ticket
  ticket:
    action: ticket.open
    with: { summary: "contained {{ incident.group.user }}" }
    next: ask
  ask:
    approval: { roles: [approver], timeout: 1h, message: "Keep the block?" }
    on: { approved: done, rejected: closed, timeout: closed }
  done: { end: resolved }
  closed: { end: resolved }
`;

const EXPIRING = `
id: expiring
on: { correlation: r }
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with: { key: "{{ incident.group.user }}", limit: 10/m }
    undo: ratelimit.clear
    expires: 10m
    next: ask
  ask:
    approval: { roles: [approver], timeout: 1h, message: "Anything else?" }
    on: { approved: done, rejected: done }
  done: { end: resolved }
`;

async function started(h: RunHarness, user: string): Promise<string> {
  const runId = `run_${user}`;
  await h.start(runId, { id: `inc_${user}`, group: { user } });
  await h.settle();
  return runId;
}

/** Approves the run's pending approval and lets it run to its (resolved) end. */
async function approveAndEnd(h: RunHarness, runId: string): Promise<void> {
  await approvePending(h, runId);
  await h.settle();
  expect((await h.runs.get(runId))?.status).toBe('resolved');
}

const ops = (h: RunHarness): string[] =>
  h.calls.map((c) => `${c.operation} ${String(c.inputs.key ?? c.inputs.summary)}`);

describe('cancel', () => {
  it('cancels the pending approval and undoes every effect newest first, once', async () => {
    const h = harness(CONTAIN);
    const runId = await started(h, 'alice');
    const waiting = await h.runs.get(runId);
    expect(waiting?.status).toBe('waiting');
    const [approval] = await h.approvals.list({ limit: 10, runId });

    const cancelled = await h.runner.cancel(runId, 'responder-1');
    expect(cancelled.ok).toBe(true);
    expect((await h.approvals.get(approval?.id ?? ''))?.status).toBe('cancelled');
    expect(
      await h.approvals.decide(
        approval?.id ?? '',
        'approve',
        'approver',
        'approver',
        '',
        h.clock.now(),
      ),
    ).toEqual({ kind: 'not-pending', status: 'cancelled' });
    await h.settle();

    expect(ops(h)).toEqual([
      'ratelimit.set alice',
      'ratelimit.set ip-alice',
      'ticket.open contained alice',
      'ratelimit.clear ip-alice',
      'ratelimit.clear alice',
    ]);
    const undoBlock = h.calls[3];
    expect(undoBlock?.inputs).toEqual({ key: 'ip-alice', reason: 'block was succeeded' });
    expect(undoBlock?.ctx.undoOf).toMatchObject({
      operation: 'ratelimit.set',
      inputs: { key: 'ip-alice', limit: 'block' },
    });
    expect(undoBlock?.ctx.effectKey).toBe(`${undoBlock?.ctx.undoOf?.effectKey}-undo`);
    // The string form reuses the original inputs the undo takes (limit is not one of them).
    expect(h.calls[4]?.inputs).toEqual({ key: 'alice', reason: 'throttled' });

    const run = await h.runs.get(runId);
    expect(run?.status).toBe('cancelled');
    expect(run?.endedAt).toBe(h.clock.now());
    const timeline = await h.runs.timeline(runId);
    expect(timeline.find((e) => e.type === 'cancelled')).toMatchObject({ by: 'responder-1' });
    expect(timeline.filter((e) => e.type === 'undo.succeeded').map((e) => e.state)).toEqual([
      'block_ip',
      'throttle',
    ]);
    // Newest first.
    expect((await h.limiter.history('alice')).map((e) => e.op)).toEqual(['undo', 'set']);
    expect(await h.limiter.rule('ip-alice')).toBeUndefined();

    // Ended runs cannot be cancelled again; nothing more happens.
    expect(await h.runner.cancel(runId, 'responder-1')).toEqual({ ok: false, reason: 'cancelled' });
    expect(await h.runner.cancel('run_nobody', 'responder-1')).toEqual({
      ok: false,
      reason: 'missing',
    });
    await h.settle();
    expect(h.calls).toHaveLength(5);
  });
});

describe('undo_on_reject', () => {
  it('takes back only the marked step, then follows the rejected path', async () => {
    const h = harness(CONTAIN);
    const runId = await started(h, 'bob');
    const [approval] = await h.approvals.list({ limit: 10, runId });
    expect(
      await h.approvals.decide(
        approval?.id ?? '',
        'reject',
        'approver',
        'approver',
        'no',
        h.clock.now(),
      ),
    ).toMatchObject({ kind: 'decided' });
    const decided = await h.approvals.get(approval?.id ?? '');
    if (decided) await h.runner.deliverDecision(decided);
    await h.settle();

    const run = await h.runs.get(runId);
    expect(run).toMatchObject({ status: 'resolved', state: 'closed' });
    expect(ops(h).slice(3)).toEqual(['ratelimit.clear ip-bob']);
    expect(await h.limiter.rule('ip-bob')).toBeUndefined();
    expect(await h.limiter.rule('bob')).toMatchObject({ mode: 'throttle' });
    const timeline = await h.runs.timeline(runId);
    expect(timeline.find((e) => e.type === 'undo.started')).toMatchObject({ reason: 'rejected' });
  });
});

describe('failure after side effects, then retry', () => {
  it('undoes what ran, ends failed, and a retry restarts the failed step on the same version', async () => {
    const h = harness(CONTAIN);
    h.failures.set('ticket.open', 1);
    const runId = await started(h, 'carol');
    const failed = await h.runs.get(runId);
    expect(failed).toMatchObject({ status: 'failed', failedAt: { state: 'ticket' } });
    expect(ops(h)).toEqual([
      'ratelimit.set carol',
      'ratelimit.set ip-carol',
      'ticket.open contained carol',
      'ratelimit.clear ip-carol',
      'ratelimit.clear carol',
    ]);
    expect(await h.runner.retry(`run_other`, 'responder-1')).toEqual({
      ok: false,
      reason: 'missing',
    });

    const retried = await h.runner.retry(runId, 'responder-1', 'the case store is back');
    expect(retried.ok).toBe(true);
    await h.settle();
    const run = await h.runs.get(runId);
    expect(run).toMatchObject({
      status: 'waiting',
      state: 'ask',
      playbookHash: failed?.playbookHash,
      endedAt: undefined,
    });
    expect(ops(h).slice(5)).toEqual(['ticket.open contained carol']);
    expect((await h.runs.timeline(runId)).find((e) => e.type === 'retried')).toMatchObject({
      by: 'responder-1',
      state: 'ticket',
      comment: 'the case store is back',
    });
    expect(await h.runs.activeIds()).toContain(runId);
    // Only a failed run can be retried.
    expect(await h.runner.retry(runId, 'responder-1')).toEqual({ ok: false, reason: 'waiting' });
  });
});

describe('expires', () => {
  it('undoes the effect by a durable delayed job when the duration has passed, after the run ended', async () => {
    const h = harness(EXPIRING);
    const runId = await started(h, 'dave');
    await approveAndEnd(h, runId);

    h.clock.advance(9 * 60_000);
    await h.settle();
    expect(ops(h)).toEqual(['ratelimit.set dave']);
    h.clock.advance(60_000);
    await h.settle();
    expect(ops(h)).toEqual(['ratelimit.set dave', 'ratelimit.clear dave']);
    const run = await h.runs.get(runId);
    expect(run?.status).toBe('resolved');
    expect(run?.undo?.entries[0]).toMatchObject({ status: 'undone', reason: 'expiry' });
    const timeline = await h.runs.timeline(runId);
    expect(timeline.find((e) => e.type === 'undo.succeeded')).toMatchObject({
      message: 'undone on expiry',
      state: 'throttle',
    });
  });

  it('is a no-op when the run was cancelled (and the effect undone) first', async () => {
    const h = harness(EXPIRING);
    const runId = await started(h, 'erin');
    await h.runner.cancel(runId, 'responder-1');
    await h.settle();
    expect(ops(h)).toEqual(['ratelimit.set erin', 'ratelimit.clear erin']);
    h.clock.advance(11 * 60_000);
    await h.settle();
    expect(ops(h)).toHaveLength(2);
    expect((await h.limiter.history('erin')).map((e) => e.op)).toEqual(['undo', 'set']);
    expect((await h.runs.get(runId))?.status).toBe('cancelled');
  });
});

const GATED = `
id: gated
on: { correlation: r }
start: ask
states:
  ask:
    approval: { roles: [approver], timeout: 1h, message: "Block?" }
    on: { approved: block, rejected: done }
  block:
    action: ratelimit.set
    with: { key: "{{ incident.group.user }}", limit: block }
    undo: ratelimit.clear
    next: done
  done: { end: resolved }
`;

describe('retry of an approved step', () => {
  it('runs again under the approval that admitted it (the worker re-checks it)', async () => {
    const h = harness(GATED);
    const runId = await started(h, 'gina');
    const approvalId = await approvePending(h, runId);
    h.failures.set('ratelimit.set', 1);
    await h.settle();
    expect(await h.runs.get(runId)).toMatchObject({
      status: 'failed',
      failedAt: { state: 'block', gate: { approvalId } },
    });

    expect((await h.runner.retry(runId, 'responder-1')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get(runId)).toMatchObject({ status: 'resolved', state: 'done' });
    expect(ops(h)).toEqual(['ratelimit.set gina', 'ratelimit.set gina']);
    expect(await h.limiter.rule('gina')).toMatchObject({ mode: 'block' });
  });
});

describe('two runs limiting one key', () => {
  it("cancelling one takes back its own limits only: the other's stay in force", async () => {
    const h = harness(CONTAIN);
    for (const id of ['first', 'second']) {
      await h.start(`run_${id}`, { id: `inc_${id}`, group: { user: 'dave' } });
      await h.settle();
    }
    expect((await h.runner.cancel('run_second', 'responder-1')).ok).toBe(true);
    await h.settle();
    expect((await h.runs.get('run_second'))?.status).toBe('cancelled');
    const now = h.clock.now();
    expect(await h.limiter.rule('dave', now)).toMatchObject({
      mode: 'throttle',
      setBy: 'run_first',
    });
    expect(await h.limiter.rule('ip-dave', now)).toMatchObject({
      mode: 'block',
      setBy: 'run_first',
    });
    expect((await h.limiter.check('ip-dave', now)).decision).toBe('block');
    // The undo step's own reason is recorded.
    expect((await h.limiter.history('ip-dave'))[0]).toMatchObject({
      op: 'undo',
      existed: true,
      reason: 'block was succeeded',
      by: 'run_second',
    });

    // The first run cancelled too: nothing is left on either key.
    expect((await h.runner.cancel('run_first', 'responder-1')).ok).toBe(true);
    await h.settle();
    expect(await h.limiter.rule('dave', h.clock.now())).toBeUndefined();
    expect((await h.limiter.check('ip-dave', h.clock.now())).decision).toBe('allow');
  });
});

describe('an undo the playbook declares otherwise', () => {
  it('runs as declared: a limit relaxed rather than taken back, a clear of another key as a clear', async () => {
    const h = harness(`
id: relax
on: { correlation: r }
start: block
states:
  block:
    action: key.block
    automatic: true
    with: { key: "{{ incident.group.user }}" }
    undo:
      action: ratelimit.set
      with: { key: "{{ incident.group.user }}", limit: 100/m, reason: relaxed }
    next: legacy
  legacy:
    action: ratelimit.set
    automatic: true
    with: { key: "new-{{ incident.group.user }}", limit: 5/m }
    undo:
      action: ratelimit.clear
      with: { key: "old-{{ incident.group.user }}" }
    next: ask
  ask:
    approval: { roles: [approver], timeout: 1h, message: "Keep it?" }
    on: { approved: done, rejected: done }
  done: { end: resolved }
`);
    await h.limiter.set(
      'eff-old',
      'old-zed',
      { mode: 'block', count: 0, windowMs: 0 },
      0,
      'x',
      '',
      h.clock.now(),
    );
    const runId = await started(h, 'zed');
    expect((await h.runner.cancel(runId, 'responder-1')).ok).toBe(true);
    await h.settle();
    const now = h.clock.now();
    expect(await h.limiter.rule('zed', now)).toMatchObject({
      mode: 'throttle',
      count: 100,
      reason: 'relaxed',
    });
    // The declared key is cleared; the key the step limited keeps its limit.
    expect(await h.limiter.rule('old-zed', now)).toBeUndefined();
    expect(await h.limiter.rule('new-zed', now)).toMatchObject({ count: 5 });
  });
});

describe('an effect that lands after the cancel', () => {
  it('joins the undo book and is taken back at once', async () => {
    const h = harness(EXPIRING);
    h.held.add('ratelimit.set');
    const runId = await started(h, 'hal');
    const run = await h.runs.get(runId);
    expect(h.queuedActions()).toEqual(['throttle']);
    // The job was already running (a worker elsewhere) when the run was cancelled.
    const job = { runId, state: 'throttle', step: run?.step ?? 0 };
    expect((await h.runner.cancel(runId, 'responder-1')).ok).toBe(true);
    await h.settle();
    expect((await h.runs.get(runId))?.status).toBe('cancelled');
    const effectKey = actionEffectId(runId, job.state, job.step);
    await h.limiter.set(
      effectKey,
      'hal',
      { mode: 'throttle', count: 10, windowMs: 60_000 },
      0,
      runId,
      '',
      h.clock.now(),
    );
    await h.runner.reportAction(
      { ...job, effectKey } as Parameters<typeof h.runner.reportAction>[0],
      { ok: true, result: {} },
      1,
    );
    await h.settle();
    const after = await h.runs.get(runId);
    expect(after?.status).toBe('cancelled');
    expect(after?.undo?.entries).toEqual([
      expect.objectContaining({ state: 'throttle', status: 'undone', reason: 'cancelled' }),
    ]);
    expect(ops(h)).toEqual(['ratelimit.clear hal']);
    expect(await h.limiter.rule('hal')).toBeUndefined();
  });
});

describe('undo that cannot complete, and a lost undo job', () => {
  it('records a failed undo and goes on with the next one', async () => {
    const h = harness(CONTAIN);
    const runId = await started(h, 'ivy');
    h.failures.set('ratelimit.clear', 1);
    await h.runner.cancel(runId, 'responder-1');
    await h.settle();
    const run = await h.runs.get(runId);
    expect(run?.status).toBe('cancelled');
    const timeline = await h.runs.timeline(runId);
    expect(
      timeline.filter((e) => e.type.startsWith('undo.') && e.state).map((e) => [e.type, e.state]),
    ).toEqual([
      ['undo.failed', 'block_ip'],
      ['undo.succeeded', 'throttle'],
    ]);
    expect(run?.undo?.entries.map((e) => e.status)).toEqual(['undone', 'undo-failed']);
  });

  it('a failed undo is tried again on request, however often, until it takes the effect back', async () => {
    const metrics = new Metrics();
    const h = harness(CONTAIN, { metrics });
    const undos = (outcome: string): number =>
      metrics.get('cordon_undos_total', { playbook: 'contain', outcome });
    const runId = await started(h, 'iris');
    h.failures.set('ratelimit.clear', 1);
    await h.runner.cancel(runId, 'responder-1');
    await h.settle();
    expect(await h.limiter.rule('ip-iris')).toMatchObject({ mode: 'block' });
    const undoTypes = async (): Promise<string[]> =>
      (await h.runs.timeline(runId))
        .filter(
          (e) => e.type.startsWith('undo.') && !['undo.started', 'undo.queued'].includes(e.type),
        )
        .map((e) => `${e.type}${typeof e.state === 'string' ? ` ${e.state}` : ''}`);

    // Tried again and failing again: the second failure is recorded too (its own event id).
    h.failures.set('ratelimit.clear', 1);
    const first = await h.runner.retryUndos(runId, 'responder-2');
    expect(first).toMatchObject({ ok: true, effects: [actionEffectId(runId, 'block_ip', 2)] });
    await h.settle();
    let run = await h.runs.get(runId);
    expect(run?.status).toBe('cancelled');
    expect(run?.undo?.entries.map((e) => [e.state, e.status, e.tries])).toEqual([
      ['throttle', 'undone', undefined],
      ['block_ip', 'undo-failed', 1],
    ]);
    expect(await h.limiter.rule('ip-iris')).toMatchObject({ mode: 'block' });
    // Each undo that ended counted once: throttle's, and block_ip's two failures.
    expect([undos('succeeded'), undos('failed')]).toEqual([1, 2]);

    const second = await h.runner.retryUndos(runId, 'responder-2', 'Kong is back');
    expect(second.ok).toBe(true);
    await h.settle();
    run = await h.runs.get(runId);
    expect(run?.status).toBe('cancelled');
    expect(run?.undo?.entries.map((e) => e.status)).toEqual(['undone', 'undone']);
    expect(await h.limiter.rule('ip-iris')).toBeUndefined();
    expect([undos('succeeded'), undos('failed')]).toEqual([2, 2]);
    expect(await undoTypes()).toEqual([
      'undo.failed block_ip',
      'undo.succeeded throttle',
      'undo.retried',
      'undo.failed block_ip',
      'undo.retried',
      'undo.succeeded block_ip',
    ]);
    const retried = (await h.runs.timeline(runId)).filter((e) => e.type === 'undo.retried');
    expect(retried[0]).toMatchObject({ by: 'responder-2', states: ['block_ip'] });
    expect(retried[0]).not.toHaveProperty('comment');
    expect(retried[1]).toMatchObject({ comment: 'Kong is back' });
    // Each try is one clear of the key, and only the failed undo ran again.
    expect(ops(h).filter((o) => o === 'ratelimit.clear ip-iris')).toHaveLength(3);
    expect(ops(h).filter((o) => o === 'ratelimit.clear iris')).toHaveLength(1);

    expect(await h.runner.retryUndos(runId, 'responder-2')).toEqual({
      ok: false,
      reason: 'nothing-to-retry',
    });
    expect(await h.runner.retryUndos('run_nobody', 'responder-2')).toEqual({
      ok: false,
      reason: 'missing',
    });
  });

  it('an undo whose report fails on its last attempt is still told as done, and done once', async () => {
    const h = harness(CONTAIN);
    const runId = await started(h, 'kim');
    breakUndoReportOnce(h);
    await h.runner.cancel(runId, 'responder-1');
    await h.settle();
    const run = await h.runs.get(runId);
    expect(run?.status).toBe('cancelled');
    expect(run?.undo?.entries.map((e) => e.status)).toEqual(['undone', 'undone']);
    const timeline = await h.runs.timeline(runId);
    expect(timeline.map((e) => e.type)).not.toContain('undo.failed');
    expect(ops(h).filter((o) => o.startsWith('ratelimit.clear'))).toEqual([
      'ratelimit.clear ip-kim',
      'ratelimit.clear kim',
    ]);
  });

  it('an expiry undo whose report fails on its last attempt reaches the ended run as done', async () => {
    const h = harness(EXPIRING);
    const runId = await started(h, 'lee');
    await approveAndEnd(h, runId);
    breakUndoReportOnce(h);
    h.clock.advance(10 * 60_000);
    await h.settle();
    expect(ops(h)).toEqual(['ratelimit.set lee', 'ratelimit.clear lee']);
    const run = await h.runs.get(runId);
    expect(run?.undo?.entries[0]).toMatchObject({ status: 'undone', reason: 'expiry' });
    const timeline = await h.runs.timeline(runId);
    expect(timeline.map((e) => e.type)).not.toContain('undo.failed');
    expect(timeline.find((e) => e.type === 'undo.succeeded')).toMatchObject({
      message: 'undone on expiry',
    });
  });

  it('an expiry undo whose report and end notice are both lost reaches the ended run through reconcile', async () => {
    const h = harness(EXPIRING);
    const runId = await started(h, 'max');
    await approveAndEnd(h, runId);
    breakUndoReportOnce(h);
    // The process that ran the job dies before telling the watchers of its end.
    const ended = h.runner.undoJobEnded.bind(h.runner);
    h.runner.undoJobEnded = async () => {
      h.runner.undoJobEnded = ended;
    };
    h.clock.advance(10 * 60_000);
    await h.settle();
    expect(ops(h)).toEqual(['ratelimit.set max', 'ratelimit.clear max']);
    // Not told yet: the book still waits on the job.
    expect((await h.runs.get(runId))?.undo?.entries[0]).toMatchObject({ status: 'undoing' });
    await h.runner.reconcile();
    await h.settle();
    expect((await h.runs.get(runId))?.undo?.entries[0]).toMatchObject({
      status: 'undone',
      reason: 'expiry',
    });
    expect(ops(h)).toEqual(['ratelimit.set max', 'ratelimit.clear max']);
  });

  it('reconcile queues a vanished undo job again; the undo still happens once', async () => {
    const h = harness(CONTAIN);
    h.held.add('ratelimit.clear');
    const runId = await started(h, 'jon');
    await h.runner.cancel(runId, 'responder-1');
    await h.settle();
    expect(h.queuedActions()).toEqual(['block_ip']);
    h.loseQueuedActions();
    h.held.clear();
    await h.settle();
    expect((await h.runs.get(runId))?.status).toBe('undoing');
    await h.runner.reconcile();
    await h.settle();
    expect((await h.runs.get(runId))?.status).toBe('cancelled');
    expect(ops(h).filter((o) => o.startsWith('ratelimit.clear'))).toEqual([
      'ratelimit.clear ip-jon',
      'ratelimit.clear jon',
    ]);
  });
});
