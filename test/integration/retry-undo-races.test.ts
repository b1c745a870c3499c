/**
 * Trying failed undos again (Runner.retryUndos, POST /v1/runs/{id}/retry-undo) against what
 * the queue says of their jobs: a failure is reported to the run from inside its job, before
 * the queue records the job failed, and a job a crash stalled runs again; and an effect a
 * sub-run's book shares with its parent's. Through the real runner on real Redis (queues
 * simulated in memory, see run-harness).
 */
import { describe, expect, it } from 'vitest';
import { childRunId } from '../../src/playbook/kinds/call/call-runtime.js';
import { undoKey } from '../../src/playbook/runtime/undo-book.js';
import { runHarnesses, type RunHarness } from '../helpers/run-harness.js';

const { harness } = runHarnesses('retry-undo');

/** A parent that calls `callee` (which contains the user), then waits for a review. */
const parentCalling = (callee: string): string => `id: parent
on: { correlation: r }
start: contain
states:
  contain:
    call: { playbook: ${callee}, inputs: { user: "{{ incident.group.user }}" } }
    next: review
  review:
    approval: { roles: [approver], timeout: 3h, message: "Review?" }
    on: { approved: done, rejected: done, timeout: done }
  done: { end: resolved }
`;

const CHILD = `id: child
on: { call: true }
inputs:
  user: { description: The user to contain. }
start: block
states:
  block:
    action: ratelimit.set
    automatic: true
    with: { key: "c-{{ run.inputs.user }}", limit: block }
    undo: ratelimit.clear
    next: done
  done: { end: resolved }
`;

const PARENT_AND_CHILD = `${parentCalling('child')}---
${CHILD}`;

/** parent → middle → child: the effect is in three runs' books. */
const NESTED = `${parentCalling('middle')}---
id: middle
on: { call: true }
inputs:
  user: { description: The user to contain. }
start: go
states:
  go:
    call: { playbook: child, inputs: { user: "{{ run.inputs.user }}" } }
    next: done
  done: { end: resolved }
---
${CHILD}`;

const EXPIRING = `id: expiring
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

const CONTAIN = `id: contain
on: { correlation: r }
start: block
states:
  block:
    action: ratelimit.set
    automatic: true
    with: { key: "ip-{{ incident.group.user }}", limit: block }
    undo: ratelimit.clear
    next: review
  review:
    approval: { roles: [approver], timeout: 3h, message: "Review?" }
    on: { approved: done, rejected: done, timeout: done }
  done: { end: resolved }
`;

const statuses = async (h: RunHarness, id: string): Promise<string[] | undefined> =>
  (await h.runs.get(id))?.undo?.entries.map((e) => e.status);

/** A run of CONTAIN cancelled, its undo failed: answers the effect key. */
async function failedUndo(h: RunHarness, runId: string, user: string): Promise<string> {
  await h.start(runId, { id: `inc_${runId}`, group: { user } });
  await h.settle();
  h.failures.set('ratelimit.clear', 1);
  expect((await h.runner.cancel(runId, 'alice')).ok).toBe(true);
  await h.settle();
  expect(await statuses(h, runId)).toEqual(['undo-failed']);
  return (await h.runs.get(runId))?.undo?.entries[0]?.effectKey as string;
}

describe('retry of a failed undo whose job is not over', () => {
  it('is refused while the job is queued or running again (a stalled one), then goes ahead', async () => {
    const h = harness(CONTAIN);
    const key = await failedUndo(h, 'run_stalled', 'sam');
    for (const state of ['active', 'waiting'] as const) {
      h.setActionJobState(undoKey(key), state);
      expect(await h.runner.retryUndos('run_stalled', 'responder-1')).toEqual({
        ok: false,
        reason: 'undo-running',
      });
      expect(await statuses(h, 'run_stalled')).toEqual(['undo-failed']);
    }
    // The queue records it failed: the retry queues a new job, which takes the effect back.
    h.setActionJobState(undoKey(key), 'failed', 'CORDON_ERR_ACTION_FAILED: refused');
    expect(await h.runner.retryUndos('run_stalled', 'responder-1')).toMatchObject({ ok: true });
    await h.settle();
    expect(await statuses(h, 'run_stalled')).toEqual(['undone']);
    expect(await h.limiter.rule('ip-sam')).toBeUndefined();
  });

  it('tells the run of a job that completed after all, without running it again', async () => {
    const h = harness(CONTAIN);
    const key = await failedUndo(h, 'run_late', 'lee');
    // Its retry (BullMQ's own attempt) succeeded after the run was told of a failure.
    h.setActionJobState(undoKey(key), 'completed');
    const calls = h.calls.length;
    expect(await h.runner.retryUndos('run_late', 'responder-1')).toMatchObject({
      ok: true,
      effects: [],
    });
    await h.settle();
    expect(await statuses(h, 'run_late')).toEqual(['undone']);
    expect(h.calls.length).toBe(calls);
  });
});

describe('a failed undo while the run goes on', () => {
  it('a second retry while the first is still being tried is refused as running, not as nothing to retry', async () => {
    const h = harness(CONTAIN);
    await failedUndo(h, 'run_twice', 'tia');
    h.failures.set('ratelimit.clear', 1);
    expect((await h.runner.retryUndos('run_twice', 'responder-1')).ok).toBe(true);
    // Not settled: the retried undo's job has not ended yet.
    expect(await h.runner.retryUndos('run_twice', 'responder-2')).toEqual({
      ok: false,
      reason: 'undo-running',
    });
    await h.settle();
    expect(await statuses(h, 'run_twice')).toEqual(['undo-failed']);
  });

  it('a cancel says which effects stay in force because their undo failed earlier', async () => {
    const h = harness(EXPIRING);
    await h.start('run_exp', { id: 'inc_exp', group: { user: 'eve' } });
    await h.settle();
    h.failures.set('ratelimit.clear', 1);
    h.clock.advance(11 * 60_000);
    await h.settle();
    expect((await h.runs.get('run_exp'))?.status).toBe('waiting');
    expect(await statuses(h, 'run_exp')).toEqual(['undo-failed']);
    expect((await h.runner.cancel('run_exp', 'responder-1')).ok).toBe(true);
    await h.settle();
    const cancelled = (await h.runs.timeline('run_exp')).find((e) => e.type === 'cancelled');
    expect(cancelled).toMatchObject({
      undoFailed: ['throttle'],
      message:
        '1 effect whose undo failed earlier (throttle) stays in force: try its undo again (retry-undo)',
    });
    expect(await h.limiter.rule('eve')).toMatchObject({ mode: 'throttle' });
  });
});

describe('retry of an undo a sub-run shares with its parent', () => {
  it('from the sub-run tells the parent too, whose book then says undone', async () => {
    const h = harness(PARENT_AND_CHILD);
    await h.start('run_p', { id: 'inc_p', group: { user: 'oli' } });
    await h.settle();
    const child = childRunId('run_p', 'contain', 1);
    h.failures.set('ratelimit.clear', 1);
    expect((await h.runner.cancel('run_p', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await statuses(h, 'run_p')).toEqual(['undo-failed']);
    expect(await statuses(h, child)).toEqual(['undo-failed']);

    expect((await h.runner.retryUndos(child, 'responder-1')).ok).toBe(true);
    await h.settle();
    expect(await h.limiter.rule('c-oli')).toBeUndefined();
    expect(await statuses(h, child)).toEqual(['undone']);
    expect(await statuses(h, 'run_p')).toEqual(['undone']);
  });

  it('from the innermost of three nested runs tells the run between too', async () => {
    const h = harness(NESTED);
    await h.start('run_n', { id: 'inc_n', group: { user: 'nia' } });
    await h.settle();
    const middle = childRunId('run_n', 'contain', 1);
    const leaf = childRunId(middle, 'go', 1);
    h.failures.set('ratelimit.clear', 1);
    expect((await h.runner.cancel('run_n', 'alice')).ok).toBe(true);
    await h.settle();
    for (const run of ['run_n', middle, leaf])
      expect(await statuses(h, run)).toEqual(['undo-failed']);

    expect((await h.runner.retryUndos(leaf, 'responder-1')).ok).toBe(true);
    await h.settle();
    expect(await h.limiter.rule('c-nia')).toBeUndefined();
    for (const run of ['run_n', middle, leaf]) expect(await statuses(h, run)).toEqual(['undone']);
  });
});
