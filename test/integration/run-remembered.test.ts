/**
 * A step applies from the run as this process last saved it (no read first), the hot path of
 * an action's outcome. Two runners on one Redis stand for two processes, each with its own
 * memory: an outcome reported twice, or to a process whose memory another process made stale,
 * still moves the run exactly once, and never from a stale copy.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { actionEffectId } from '../../src/playbook/runtime/effects.js';
import type { ActionJob } from '../../src/playbook/runtime/jobs.js';
import { createRunHarness } from '../helpers/run-harness.js';
import { createTestRedis } from '../helpers/redis.js';

const store = createTestRedis('remembered');
afterAll(async () => {
  await store.cleanup();
});

const PLAYBOOK = `
id: two-steps
on: { correlation: r }
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with: { key: "{{ incident.group.user }}", limit: 10/m }
    undo: ratelimit.clear
    next: ticket
  ticket:
    action: ticket.open
    with: { summary: "contained {{ incident.group.user }}" }
    next: done
  done: { end: resolved }
`;

/** Two processes (runners with their own memory) on the same keys. */
function twoProcesses(sub: string) {
  return [createRunHarness(store, sub, PLAYBOOK), createRunHarness(store, sub, PLAYBOOK)] as const;
}

/** The throttle step's job as the action worker holds it (what completeAction reads of it). */
function throttleJob(runId: string): ActionJob {
  return {
    runId,
    state: 'throttle',
    step: 1,
    effectKey: actionEffectId(runId, 'throttle', 1),
  } as ActionJob;
}

const OK = { ok: true as const, result: { applied: true } };

async function transitions(h: ReturnType<typeof createRunHarness>, runId: string) {
  return (await h.runs.timeline(runId)).filter((e) => e.type === 'transition');
}

describe('a step from the remembered run', () => {
  it('applies an outcome reported twice to the same process once', async () => {
    const [a] = twoProcesses('twice');
    await a.start('run_twice', { id: 'inc_1', group: { user: 'u1' } });
    await a.runner.settle();
    const before = a.runs.recent('run_twice');
    expect(before).toMatchObject({ state: 'throttle', pendingEffects: [] });

    await a.runner.completeAction(throttleJob('run_twice'), OK, 1);
    await a.runner.completeAction(throttleJob('run_twice'), OK, 1);
    await a.runner.settle();

    expect(await transitions(a, 'run_twice')).toHaveLength(1);
    const run = await a.runs.get('run_twice');
    expect(run).toMatchObject({ state: 'ticket', step: 2, pendingEffects: [] });
    expect(a.runs.recent('run_twice')).toEqual(run);
    expect(a.queuedActions()).toEqual(['throttle', 'ticket']);
  });

  it('applies once when another process applied the outcome first (its memory is stale)', async () => {
    const [a, b] = twoProcesses('stale');
    await a.start('run_stale', { id: 'inc_2', group: { user: 'u2' } });
    await a.runner.settle();
    const remembered = a.runs.recent('run_stale');

    await b.runner.completeAction(throttleJob('run_stale'), OK, 1);
    await b.runner.settle();
    // a still remembers the run at the throttle: its save from that copy must be refused.
    expect(a.runs.recent('run_stale')).toEqual(remembered);
    await a.runner.completeAction(throttleJob('run_stale'), OK, 1);
    await a.runner.settle();

    expect(await transitions(a, 'run_stale')).toHaveLength(1);
    expect(await a.runs.get('run_stale')).toMatchObject({ state: 'ticket', step: 2 });
    expect(a.runs.recent('run_stale'), 'the refused copy is forgotten').toBeUndefined();
    // The ticket step was queued once, by the process that applied the outcome.
    expect(b.queuedActions()).toEqual(['ticket']);
    expect(a.queuedActions()).toEqual(['throttle']);
  });

  it('never moves a run another process cancelled meanwhile', async () => {
    const [a, b] = twoProcesses('cancelled');
    await a.start('run_cancel', { id: 'inc_3', group: { user: 'u3' } });
    await a.runner.settle();
    expect(a.runs.recent('run_cancel')).toMatchObject({ state: 'throttle', status: 'running' });

    expect(await b.runner.cancel('run_cancel', 'responder')).toMatchObject({ ok: true });
    await a.runner.completeAction(throttleJob('run_cancel'), OK, 1);
    await a.runner.settle();
    await b.runner.settle();

    const run = await a.runs.get('run_cancel');
    expect(run?.state).toBe('throttle');
    expect(['cancelled', 'undoing']).toContain(run?.status);
    expect(await transitions(a, 'run_cancel')).toHaveLength(0);
    expect((await a.runs.timeline('run_cancel')).map((e) => e.type)).toContain('cancelled');
  });
});
