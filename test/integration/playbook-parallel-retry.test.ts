/**
 * Retrying a run that failed at a parallel state's join, through the real runner, action
 * processor and built-in connectors on real Redis (queues simulated in memory, see
 * run-harness): the failed branch restarts at its failed action, the resolved branches are
 * kept (not run again), the timeline says who retried; what cannot be retried is refused; a
 * retry whose queued job is lost is healed by reconcile.
 */
import { describe, expect, it } from 'vitest';
import { runHarnesses, type RunHarness } from '../helpers/run-harness.js';

const { harness } = runHarnesses('pretry');

const playbook = (join: 'all' | 'any', caseEnd = 'case_done', after = 'wrap_up'): string => `
id: contain-both
on: { correlation: r }
start: contain
states:
  contain:
    parallel:
      join: ${join}
      branches:
        gateway:
          start: throttle
          states:
            throttle:
              action: ratelimit.set
              automatic: true
              with: { key: "{{ incident.group.user }}", limit: 10/m }
              undo: ratelimit.clear
              next: gateway_done
            gateway_done: { end: resolved }
        case:
          start: ticket
          states:
            ticket:
              action: ticket.open
              with: { summary: "case {{ incident.group.user }}" }
              next: ${caseEnd}
            ${caseEnd}: { end: ${caseEnd === 'case_failed' ? 'failed' : 'resolved'} }
    next: ${after}
  wrap_up:
    action: key.block
    automatic: true
    with: { key: "k-{{ incident.group.user }}" }
    undo: key.unblock
    next: done
  done: { end: resolved }
`;

const ops = (h: RunHarness): string[] =>
  h.calls.map((c) => `${c.operation} ${String(c.inputs.key ?? c.inputs.summary)}`);

describe('retrying a run that failed in a parallel branch', () => {
  it('restarts the failed branch at its action and keeps the branch that resolved', async () => {
    const h = harness(playbook('all'));
    h.failures.set('ticket.open', 1);
    await h.start('run_r1', { id: 'inc_r1', group: { user: 'ann' } });
    await h.settle();
    let run = await h.runs.get('run_r1');
    expect(run?.status).toBe('failed');
    expect(run?.failedAt).toMatchObject({
      state: 'contain',
      branches: { case: { state: 'ticket', gate: null } },
    });
    // The failure took the throttle back.
    expect(await h.limiter.rule('ann')).toBeUndefined();

    const retried = await h.runner.retry('run_r1', 'responder-1');
    expect(retried.ok).toBe(true);
    await h.settle();
    run = await h.runs.get('run_r1');
    expect(run).toMatchObject({ status: 'resolved', state: 'done' });
    expect(run?.context.branches?.contain).toEqual({ gateway: 'resolved', case: 'resolved' });
    expect(run?.failedAt).toBeUndefined();
    // The gateway branch was not run again; the case was, then the run went on after the join.
    expect(ops(h)).toEqual([
      'ratelimit.set ann',
      'ticket.open case ann',
      'ratelimit.clear ann',
      'ticket.open case ann',
      'key.block k-ann',
    ]);
    const timeline = await h.runs.timeline('run_r1');
    expect(timeline).toContainEqual(
      expect.objectContaining({
        type: 'retried',
        by: 'responder-1',
        state: 'contain',
        branches: ['case'],
        states: ['ticket'],
      }),
    );
    // A second retry of a run that resolved is refused by its status.
    expect(await h.runner.retry('run_r1', 'responder-1')).toEqual({
      ok: false,
      reason: 'resolved',
    });
  });

  it('a branch that failed before the other resolved is noted until the join fails', async () => {
    const h = harness(playbook('all'));
    h.failures.set('ticket.open', 1);
    h.held.add('ratelimit.set');
    await h.start('run_r2', { id: 'inc_r2', group: { user: 'bea' } });
    await h.settle();
    // The case branch failed; the run still rests in the parallel state, the failure noted.
    let run = await h.runs.get('run_r2');
    expect(run).toMatchObject({ status: 'running', state: 'contain' });
    expect(run?.failedAt?.branches).toEqual({ case: { state: 'ticket', gate: null } });
    h.held.delete('ratelimit.set');
    await h.settle();
    expect((await h.runs.get('run_r2'))?.status).toBe('failed');
    expect((await h.runner.retry('run_r2', 'responder-1')).ok).toBe(true);
    await h.settle();
    run = await h.runs.get('run_r2');
    expect(run).toMatchObject({ status: 'resolved', state: 'done' });
    expect(ops(h).filter((o) => o === 'ratelimit.set bea')).toHaveLength(1);
  });

  it('join any: a failed branch’s note is cleared when another branch wins', async () => {
    const h = harness(playbook('any'));
    h.failures.set('ticket.open', 1);
    h.failures.set('key.block', 1);
    h.held.add('ratelimit.set');
    await h.start('run_r3', { id: 'inc_r3', group: { user: 'cat' } });
    await h.settle();
    expect((await h.runs.get('run_r3'))?.failedAt?.branches).toEqual({
      case: { state: 'ticket', gate: null },
    });
    h.held.delete('ratelimit.set');
    h.held.add('key.block');
    await h.settle();
    // The gateway won and the run left the parallel state: nothing there to retry any more.
    expect(await h.runs.get('run_r3')).toMatchObject({ state: 'wrap_up', status: 'running' });
    expect((await h.runs.get('run_r3'))?.failedAt).toBeUndefined();
    h.held.delete('key.block');
    await h.settle();
    const run = await h.runs.get('run_r3');
    // The gateway won; the run failed later, at a top-level action: that is what a retry restarts.
    expect(run?.status).toBe('failed');
    expect(run?.failedAt).toEqual({ state: 'wrap_up', gate: null });
    expect((await h.runner.retry('run_r3', 'responder-1')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get('run_r3')).toMatchObject({ status: 'resolved', state: 'done' });
  });

  it('refuses a run whose branch ended at an end: failed state', async () => {
    // The case branch's action succeeds into `end: failed`; the gateway branch's action fails.
    const h = harness(playbook('all', 'case_failed'));
    h.failures.set('ratelimit.set', 1);
    await h.start('run_r4', { id: 'inc_r4', group: { user: 'dan' } });
    await h.settle();
    const run = await h.runs.get('run_r4');
    expect(run?.status).toBe('failed');
    expect(run?.failedAt?.branches).toEqual({ gateway: { state: 'throttle', gate: null } });
    expect(await h.runner.retry('run_r4', 'responder-1')).toEqual({
      ok: false,
      reason: 'not-retryable',
    });
    expect((await h.runs.get('run_r4'))?.status).toBe('failed');
  });

  it('a retry whose action job is lost is queued again by reconcile, and runs once', async () => {
    const h = harness(playbook('all'));
    h.failures.set('ticket.open', 1);
    await h.start('run_r5', { id: 'inc_r5', group: { user: 'eve' } });
    await h.settle();
    h.held.add('ticket.open');
    expect((await h.runner.retry('run_r5', 'responder-1')).ok).toBe(true);
    expect(h.queuedActions()).toEqual(['ticket']);
    // The queue loses the job (a Redis without persistence); the restarted process heals.
    h.loseQueuedActions();
    h.held.delete('ticket.open');
    await h.settle();
    expect((await h.runs.get('run_r5'))?.status).toBe('running');
    await h.runner.reconcile();
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.get('run_r5')).toMatchObject({ status: 'resolved', state: 'done' });
    expect(ops(h).filter((o) => o === 'ticket.open case eve')).toHaveLength(2);
  });
});
