/**
 * `call` inside a `parallel` branch, through the real runner, action processor and built-in
 * connectors on real Redis (queues simulated in memory, see run-harness): the sub-run belongs
 * to its branch (it resumes that branch only), a branch withdrawn by `join: any` cancels its
 * sub-run (whose undos run), a resolved sub-run's effects join the parent's undo book, and a
 * crash between the sub-run's end and the branch's resume is healed once.
 */
import { describe, expect, it } from 'vitest';
import { childRunId } from '../../src/playbook/kinds/call/call-runtime.js';
import type { CrashPoint } from '../../src/shared/crash-points.js';
import { runHarnesses, type RunHarness } from '../helpers/run-harness.js';

const { harness } = runHarnesses('callbranch');

const ASK = `  ask:
    approval: { roles: [approver], timeout: 1h, message: "Open a case?" }
    on: { approved: done, rejected: done }
`;

/** `after`: what the parent does after the join (an approval lets a test cancel it there). */
const playbooks = (join: 'all' | 'any', after = 'done'): string => `
id: parent
on: { correlation: r }
start: contain
states:
  contain:
    parallel:
      join: ${join}
      branches:
        by_call:
          start: contain_user
          states:
            contain_user:
              call:
                playbook: child
                inputs: { user: "{{ incident.group.user }}" }
                outputs: { outcome: "{{ run.outcome }}" }
              next: call_done
            call_done: { end: resolved }
        gateway:
          start: throttle
          states:
            throttle:
              action: key.block
              automatic: true
              with: { key: "p-{{ incident.group.user }}" }
              undo: key.unblock
              next: gateway_done
            gateway_done: { end: resolved }
    next: ${after}
${after === 'ask' ? ASK : ''}  done: { end: resolved }
---
id: child
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
    next: open_case
  open_case:
    action: ticket.open
    with: { summary: "case {{ run.inputs.user }}" }
    next: done
  done: { end: resolved }
`;

const ops = (h: RunHarness): string[] =>
  h.calls.map((c) => `${c.operation} ${String(c.inputs.key ?? c.inputs.summary)}`);

describe('call inside a parallel branch', () => {
  it('join all: the sub-run resumes its branch only, and its effects join the parent’s book', async () => {
    const h = harness(playbooks('all', 'ask'));
    h.held.add('ticket.open');
    await h.start('run_all', { id: 'inc_all', group: { user: 'ann' } });
    await h.settle();
    const childId = childRunId('run_all', 'contain_user', 1);
    let parent = await h.runs.get('run_all');
    // The gateway branch ended; the call branch rests at its call while the child works.
    expect(parent).toMatchObject({ status: 'running', state: 'contain' });
    expect(parent?.leaves).toEqual({ contain_user: 1 });
    expect(parent?.context.branches?.contain).toEqual({ gateway: 'resolved' });
    expect(await h.runs.get(childId)).toMatchObject({
      playbookId: 'child',
      status: 'running',
      parent: { runId: 'run_all', state: 'contain_user', step: 1, depth: 1 },
    });

    h.held.delete('ticket.open');
    await h.settle();
    parent = await h.runs.get('run_all');
    expect(parent).toMatchObject({ status: 'waiting', state: 'ask' });
    expect(parent?.context.branches?.contain).toEqual({ gateway: 'resolved', by_call: 'resolved' });
    expect(parent?.context.steps.contain_user).toMatchObject({
      status: 'succeeded',
      result: { outcome: 'resolved' },
    });
    const resumed = (await h.runs.timeline('run_all')).filter(
      (t) => t.type === 'transition' && t.event === 'call.ended',
    );
    expect(resumed).toEqual([
      expect.objectContaining({ from: 'contain_user', childRunId: childId, outcome: 'resolved' }),
    ]);
    // The child's block is in the parent's book, named under the call state.
    expect(parent?.undo?.entries.map((e) => [e.state, e.status])).toEqual([
      ['throttle', 'applied'],
      ['contain_user/block', 'applied'],
    ]);

    // Cancelling the parent takes back both, newest first: the child's block, then the throttle.
    expect((await h.runner.cancel('run_all', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get('run_all')).toMatchObject({ status: 'cancelled' });
    expect(ops(h).slice(3)).toEqual(['ratelimit.clear c-ann', 'key.unblock p-ann']);
    expect(await h.limiter.rule('c-ann')).toBeUndefined();
    expect(await h.limiter.rule('p-ann')).toBeUndefined();
  });

  it('join any: the losing branch’s sub-run is cancelled and its undos run', async () => {
    const h = harness(playbooks('any'));
    // The child's block runs, its case job waits: the gateway branch wins meanwhile.
    h.held.add('ticket.open');
    h.held.add('key.block');
    await h.start('run_any', { id: 'inc_any', group: { user: 'bea' } });
    await h.settle();
    expect(ops(h)).toEqual(['ratelimit.set c-bea']);
    h.held.delete('key.block');
    await h.settle();
    const childId = childRunId('run_any', 'contain_user', 1);
    const parent = await h.runs.get('run_any');
    expect(parent).toMatchObject({ status: 'resolved', state: 'done' });
    expect(parent?.context.branches?.contain?.gateway).toBe('resolved');
    const child = await h.runs.get(childId);
    expect(child?.status).toBe('cancelled');
    expect(await h.runs.timeline(childId)).toContainEqual(
      expect.objectContaining({ type: 'cancelled', by: 'run:run_any' }),
    );
    // The child's queued case is withdrawn with it; its block was taken back.
    expect(h.queuedActions()).toEqual([]);
    expect(ops(h)).toEqual(['ratelimit.set c-bea', 'key.block p-bea', 'ratelimit.clear c-bea']);
    expect(await h.limiter.rule('c-bea')).toBeUndefined();
    // The winner's throttle stays; the cancelled child's effects were never adopted.
    expect(await h.limiter.rule('p-bea')).toBeDefined();
    expect(parent?.undo?.entries.map((e) => e.state)).toEqual(['throttle']);
    h.held.delete('ticket.open');
    await h.settle();
    expect(ops(h).filter((o) => o.startsWith('ticket.open'))).toEqual([]);
  });

  it('a sub-run that fails ends its branch failed, and the join fails the run', async () => {
    const h = harness(playbooks('all'));
    h.failures.set('ticket.open', 1);
    await h.start('run_fail', { id: 'inc_fail', group: { user: 'cat' } });
    await h.settle();
    const parent = await h.runs.get('run_fail');
    expect(parent?.status).toBe('failed');
    expect(parent?.context.branches?.contain).toEqual({ gateway: 'resolved', by_call: 'failed' });
    expect(parent?.context.steps.contain_user?.error?.code).toBe('CORDON_ERR_RUN_CALL');
    // Each run undid its own: the child its block, the parent its throttle.
    expect(await h.limiter.rule('c-cat')).toBeUndefined();
    expect(await h.limiter.rule('p-cat')).toBeUndefined();
  });

  it('a crash between the sub-run’s end and its branch’s resume is healed once', async () => {
    let armed = true;
    const crash = (point: CrashPoint): void => {
      if (point === 'call.before-resume' && armed) {
        armed = false;
        throw new Error('killed at call.before-resume');
      }
    };
    const h = harness(playbooks('all'), { crash });
    await h.start('run_kill', { id: 'inc_kill', group: { user: 'dan' } });
    await h.settle();
    expect(armed).toBe(false);
    const childId = childRunId('run_kill', 'contain_user', 1);
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    expect((await h.runs.get('run_kill'))?.leaves).toEqual({ contain_user: 1 });
    await h.runner.reconcile();
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.get('run_kill')).toMatchObject({ status: 'resolved', state: 'done' });
    const resumed = (await h.runs.timeline('run_kill')).filter(
      (t) => t.type === 'transition' && t.event === 'call.ended',
    );
    expect(resumed).toHaveLength(1);
    expect(ops(h).filter((o) => o.startsWith('ticket.open'))).toEqual(['ticket.open case dan']);
  });
});
