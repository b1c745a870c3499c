/**
 * `call` through the real runner, action processor and built-in connectors on real Redis
 * (queues simulated in memory, see run-harness): the child is a run of its own with `parent`
 * set, the parent rests until it ends and resumes exactly once with its outputs; failure,
 * timeout and cancel cascade; and a crash between the child's end and the parent's resume.
 */
import { describe, expect, it, vi } from 'vitest';
import { childRunId } from '../../src/playbook/kinds/call/call-runtime.js';
import type { CrashPoint } from '../../src/shared/crash-points.js';
import { compileAll, crashOnceAt, runHarnesses, type RunHarness } from '../helpers/run-harness.js';

const { harness } = runHarnesses('call');

const playbooks = (timeout = ''): string => `
id: parent
on: { correlation: r }
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with: { key: "p-{{ incident.group.user }}", limit: 10/m }
    undo: ratelimit.clear
    next: contain
  contain:
    call:
      playbook: child
      inputs: { user: "{{ incident.group.user }}" }
      outputs: { case: "{{ steps.open_case.result }}", outcome: "{{ run.outcome }}" }
${timeout}    next: notify
    on_failure: escalate
  notify:
    action: ticket.open
    with: { summary: "contained {{ steps.contain.result.outcome }}" }
    next: done
  escalate:
    action: ticket.open
    with: { summary: "escalate {{ incident.group.user }}" }
    next: gave_up
  done: { end: resolved }
  gave_up: { end: failed }
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

/** `text` with the parent's failure path (on_failure: escalate, then gave_up) taken out. */
const withoutFailurePath = (text: string): string =>
  text
    .replace('    on_failure: escalate\n', '')
    .replace(
      '  escalate:\n    action: ticket.open\n    with: { summary: "escalate {{ incident.group.user }}" }\n    next: gave_up\n',
      '',
    )
    .replace('  gave_up: { end: failed }\n', '');

describe('call', () => {
  it('runs the child as its own run, rests meanwhile, and resumes once with its outputs', async () => {
    const h = harness(playbooks());
    h.held.add('ticket.open');
    await h.start('run_ok', { id: 'inc_ok', group: { user: 'ann' } });
    await h.settle();
    const childId = childRunId('run_ok', 'contain', 2);
    let parent = await h.runs.get('run_ok');
    expect(parent).toMatchObject({ status: 'running', state: 'contain' });
    const child = await h.runs.get(childId);
    expect(child).toMatchObject({
      playbookId: 'child',
      status: 'running',
      state: 'open_case',
      initiator: 'correlation:test',
      parent: { runId: 'run_ok', state: 'contain', step: 2, depth: 1 },
    });
    expect(child?.context.run.inputs).toEqual({ user: 'ann' });
    expect(child?.playbookHash).toMatch(/^[0-9a-f]{64}$/);
    expect(child?.playbookHash).not.toBe(parent?.playbookHash);
    // Listed among the runs, with its parent.
    const listed = await h.runs.list({ limit: 10 });
    expect(listed.find((r) => r.id === childId)?.parent?.runId).toBe('run_ok');
    // The parent's timeline names the child.
    expect(await h.runs.timeline('run_ok')).toContainEqual(
      expect.objectContaining({ type: 'call.started', state: 'contain', childRunId: childId }),
    );

    h.held.delete('ticket.open');
    await h.settle();
    parent = await h.runs.get('run_ok');
    expect(parent).toMatchObject({ status: 'resolved', state: 'done' });
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    const step = parent?.context.steps.contain;
    expect(step?.status).toBe('succeeded');
    expect(step?.result).toMatchObject({ outcome: 'resolved' });
    expect((step?.result as { case: unknown }).case).toEqual(
      (await h.runs.get(childId))?.context.steps.open_case?.result,
    );
    expect(ops(h)).toEqual([
      'ratelimit.set p-ann',
      'ratelimit.set c-ann',
      'ticket.open case ann',
      'ticket.open contained resolved',
    ]);
    const resumed = (await h.runs.timeline('run_ok')).filter(
      (t) => t.type === 'transition' && t.event === 'call.ended',
    );
    expect(resumed).toEqual([
      expect.objectContaining({
        from: 'contain',
        to: 'notify',
        childRunId: childId,
        outcome: 'resolved',
      }),
    ]);
  });

  it('a child that fails takes the failure path; each run undoes its own effects', async () => {
    const h = harness(playbooks());
    h.failures.set('ticket.open', 1);
    await h.start('run_fail', { id: 'inc_fail', group: { user: 'bea' } });
    await h.settle();
    const childId = childRunId('run_fail', 'contain', 2);
    expect((await h.runs.get(childId))?.status).toBe('failed');
    const parent = await h.runs.get('run_fail');
    expect(parent).toMatchObject({ status: 'failed', state: 'gave_up' });
    expect(parent?.context.steps.contain).toMatchObject({
      status: 'failed',
      error: { code: 'CORDON_ERR_RUN_CALL' },
    });
    // The child's block is taken back by the child's failure, the parent's throttle by the
    // parent's; the escalation ran on the failure path.
    expect(ops(h)).toEqual([
      'ratelimit.set p-bea',
      'ratelimit.set c-bea',
      'ticket.open case bea',
      'ratelimit.clear c-bea',
      'ticket.open escalate bea',
      'ratelimit.clear p-bea',
    ]);
    expect(await h.limiter.rule('c-bea')).toBeUndefined();
    expect(await h.limiter.rule('p-bea')).toBeUndefined();
  });

  it('cancelling the parent cancels the child, whose undos run, then the parent’s', async () => {
    const h = harness(playbooks());
    h.held.add('ticket.open');
    await h.start('run_cancel', { id: 'inc_cancel', group: { user: 'cat' } });
    await h.settle();
    const childId = childRunId('run_cancel', 'contain', 2);
    expect((await h.runs.get(childId))?.state).toBe('open_case');
    h.held.add('ratelimit.clear');
    const cancelled = await h.runner.cancel('run_cancel', 'alice');
    expect(cancelled.ok).toBe(true);
    await h.settle();
    // While the child takes back its block, the parent's own undo is not even queued.
    expect(h.queuedActions()).toEqual(['block']);
    expect(await h.runs.get('run_cancel')).toMatchObject({ status: 'undoing' });
    expect(await h.runs.timeline('run_cancel')).toContainEqual(
      expect.objectContaining({ type: 'undo.started', after: [childId] }),
    );
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(await h.runs.get('run_cancel')).toMatchObject({ status: 'cancelled' });
    expect(await h.runs.get(childId)).toMatchObject({ status: 'cancelled' });
    expect(await h.runs.timeline(childId)).toContainEqual(
      expect.objectContaining({ type: 'cancelled', by: 'run:run_cancel' }),
    );
    // The child's queued case was withdrawn; both blocks were taken back, the child's first.
    expect(ops(h)).toEqual([
      'ratelimit.set p-cat',
      'ratelimit.set c-cat',
      'ratelimit.clear c-cat',
      'ratelimit.clear p-cat',
    ]);
    expect(h.queuedActions()).toEqual([]);
    expect(await h.limiter.rule('c-cat')).toBeUndefined();
    expect(await h.limiter.rule('p-cat')).toBeUndefined();
  });

  it('a timeout cancels the child and takes the failure path', async () => {
    const h = harness(playbooks('      timeout: 5m\n'));
    h.held.add('ticket.open');
    await h.start('run_slow', { id: 'inc_slow', group: { user: 'dan' } });
    await h.settle();
    const childId = childRunId('run_slow', 'contain', 2);
    h.clock.advance(6 * 60_000);
    await h.settle();
    // The child's case job was still queued when the call timed out: the worker frees up now.
    h.held.delete('ticket.open');
    await h.settle();
    expect(await h.runs.get(childId)).toMatchObject({ status: 'cancelled' });
    const parent = await h.runs.get('run_slow');
    expect(parent).toMatchObject({ status: 'failed', state: 'gave_up' });
    expect(parent?.context.steps.contain?.error?.message).toContain('did not end within 5m');
    // The child's case was never opened (withdrawn with the child); the parent escalated.
    expect(ops(h).filter((o) => o.startsWith('ticket.open'))).toEqual(['ticket.open escalate dan']);
  });
});

describe('a call that times out with no failure path', () => {
  it('fails the parent, whose undo waits for the cancelled child to take back its own', async () => {
    const text = withoutFailurePath(playbooks('      timeout: 5m\n'));
    const h = harness(text);
    h.held.add('ticket.open');
    await h.start('run_stall', { id: 'inc_stall', group: { user: 'hal' } });
    await h.settle();
    const childId = childRunId('run_stall', 'contain', 2);
    h.held.add('ratelimit.clear');
    h.clock.advance(6 * 60_000);
    await h.settle();
    expect(await h.runs.get(childId)).toMatchObject({ status: 'undoing' });
    expect(await h.runs.get('run_stall')).toMatchObject({ status: 'undoing' });
    expect(h.queuedActions()).toEqual(['block']);
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(await h.runs.get(childId)).toMatchObject({ status: 'cancelled' });
    expect(await h.runs.get('run_stall')).toMatchObject({ status: 'failed' });
    expect(ops(h).filter((o) => o.startsWith('ratelimit.clear'))).toEqual([
      'ratelimit.clear c-hal',
      'ratelimit.clear p-hal',
    ]);
    expect(await h.runs.timeline('run_stall')).toContainEqual(
      expect.objectContaining({ type: 'undo.resumed', child: childId, outcome: 'cancelled' }),
    );
  });
});

describe('a failure after the call', () => {
  it('takes back the child’s effects too, newest first, between the parent’s own', async () => {
    // After the call, the parent blocks the key (which fails): the parent's failure undoes
    // what the child did (its block) and then what the parent did before the call.
    const text = playbooks()
      .replace(
        '    next: notify\n    on_failure: escalate',
        '    next: seal\n    on_failure: escalate',
      )
      .replace(
        '  notify:\n',
        '  seal:\n    action: key.block\n    automatic: true\n    with: { key: "s-{{ incident.group.user }}" }\n    undo: key.unblock\n    next: notify\n  notify:\n',
      );
    const h = harness(text);
    h.failures.set('key.block', 1);
    await h.start('run_after', { id: 'inc_after', group: { user: 'fay' } });
    await h.settle();
    const childId = childRunId('run_after', 'contain', 2);
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    const parent = await h.runs.get('run_after');
    expect(parent).toMatchObject({ status: 'failed' });
    expect(ops(h)).toEqual([
      'ratelimit.set p-fay',
      'ratelimit.set c-fay',
      'ticket.open case fay',
      'key.block s-fay',
      'ratelimit.clear c-fay',
      'ratelimit.clear p-fay',
    ]);
    expect(await h.limiter.rule('c-fay')).toBeUndefined();
    expect(await h.limiter.rule('p-fay')).toBeUndefined();
    const undone = (await h.runs.timeline('run_after')).filter((t) => t.type === 'undo.succeeded');
    expect(undone.map((t) => t.state)).toEqual(['contain/block', 'throttle']);
  });
});

describe('a cancel that reaches a child which has just resolved', () => {
  it('takes back the child’s effects first, even when its end was lost on the way', async () => {
    const h = harness(playbooks(), { crash: crashOnceAt('call.before-resume') });
    await h.start('run_late', { id: 'inc_late', group: { user: 'gus' } });
    await h.settle();
    const childId = childRunId('run_late', 'contain', 2);
    // The child resolved with its block in force; the parent never heard of it.
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    expect(await h.limiter.rule('c-gus')).toBeDefined();
    expect((await h.runner.cancel('run_late', 'alice')).ok).toBe(true);
    await h.settle();
    // Nothing is taken back while the child's end is awaited …
    expect(await h.runs.get('run_late')).toMatchObject({ status: 'undoing' });
    expect(ops(h).filter((o) => o.startsWith('ratelimit.clear'))).toEqual([]);
    // … and reconcile finds it ended: its block joins the parent's book and goes first.
    await h.runner.reconcile();
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.get('run_late')).toMatchObject({ status: 'cancelled' });
    expect(ops(h).filter((o) => o.startsWith('ratelimit.clear'))).toEqual([
      'ratelimit.clear c-gus',
      'ratelimit.clear p-gus',
    ]);
    expect(await h.limiter.rule('c-gus')).toBeUndefined();
    expect(await h.limiter.rule('p-gus')).toBeUndefined();
    const timeline = await h.runs.timeline('run_late');
    expect(timeline).toContainEqual(
      expect.objectContaining({
        type: 'undo.resumed',
        child: childId,
        outcome: 'resolved',
        adopted: 1,
      }),
    );
    expect(timeline.filter((t) => t.type === 'undo.succeeded').map((t) => t.state)).toEqual([
      'contain/block',
      'throttle',
    ]);
    // The lost notification, delivered late, changes nothing.
    expect(
      await h.runner.apply({
        type: 'event',
        runId: 'run_late',
        eventId: `${childId}-ended`,
        event: { type: 'call.ended', state: 'contain', child: childId, outcome: 'resolved' },
        expect: { state: 'contain', step: 2 },
      }),
    ).toBe('duplicate');
  });
});

describe('a crash between the child’s end and the parent’s resume', () => {
  it('loses no resume and doubles none: reconcile resumes the parent exactly once', async () => {
    let armed = true;
    const crash = (point: CrashPoint): void => {
      if (point === 'call.before-resume' && armed) {
        armed = false;
        throw new Error('killed at call.before-resume');
      }
    };
    const h = harness(playbooks(), { crash });
    await h.start('run_kill', { id: 'inc_kill', group: { user: 'eve' } });
    // The death is at the worker that applied the child's last step in place; BullMQ hands
    // the job again, which finds the event applied: the notification is lost, as in a kill.
    await h.settle();
    expect(armed).toBe(false);
    const childId = childRunId('run_kill', 'contain', 2);
    // The child's end is saved; the parent never heard of it.
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    expect(await h.runs.get('run_kill')).toMatchObject({ status: 'running', state: 'contain' });

    // The restarted process heals (twice, as two processes might), and a late duplicate of
    // the notification arrives too.
    await h.runner.reconcile();
    await h.runner.reconcile();
    await h.settle();
    const parent = await h.runs.get('run_kill');
    expect(parent).toMatchObject({ status: 'resolved', state: 'done' });
    expect(
      await h.runner.apply({
        type: 'event',
        runId: 'run_kill',
        eventId: `${childId}-ended`,
        event: { type: 'call.ended', state: 'contain', child: childId, outcome: 'resolved' },
        expect: { state: 'contain', step: 2 },
      }),
    ).toBe('duplicate');
    const resumed = (await h.runs.timeline('run_kill')).filter(
      (t) => t.type === 'transition' && t.event === 'call.ended',
    );
    expect(resumed).toHaveLength(1);
    expect(ops(h)).toEqual([
      'ratelimit.set p-eve',
      'ratelimit.set c-eve',
      'ticket.open case eve',
      'ticket.open contained resolved',
    ]);
  });
});

describe('a parent that leaves the call before its sub-run’s start has run', () => {
  it('cancelled: the sub-run never acts, is recorded cancelled, and the parent’s undo waits for it', async () => {
    const h = harness(playbooks());
    const childId = childRunId('run_early', 'contain', 2);
    // The runner is busy: the sub-run's start job stays queued.
    h.heldRunJobs.add(childId);
    await h.start('run_early', { id: 'inc_early', group: { user: 'ida' } });
    await h.settle();
    expect(await h.runs.get(childId)).toBeUndefined();
    expect(await h.runs.get('run_early')).toMatchObject({ status: 'running', state: 'contain' });

    expect((await h.runner.cancel('run_early', 'alice')).ok).toBe(true);
    await h.settle();
    // The start may be running this very moment: the pass waits for its end before the
    // parent's own throttle is taken back, and reconcile does not call that start lost.
    expect(await h.runs.get('run_early')).toMatchObject({ status: 'undoing' });
    expect(await h.runs.timeline('run_early')).toContainEqual(
      expect.objectContaining({ type: 'undo.started', after: [childId] }),
    );
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.get('run_early')).toMatchObject({ status: 'undoing' });
    expect(ops(h)).toEqual(['ratelimit.set p-ida']);

    h.heldRunJobs.delete(childId);
    await h.settle();
    // The start found the parent gone from the call: no block, no job, a cancelled record.
    expect(await h.runs.get(childId)).toMatchObject({
      status: 'cancelled',
      pendingEffects: [],
      parent: { runId: 'run_early', state: 'contain', step: 2 },
    });
    expect((await h.runs.timeline(childId)).map((t) => t.type)).toEqual([
      'started',
      'cancelled',
      'ended',
    ]);
    expect(await h.runs.timeline(childId)).toContainEqual(
      expect.objectContaining({ type: 'cancelled', by: 'run:run_early', beforeStart: true }),
    );
    expect(await h.runs.get('run_early')).toMatchObject({ status: 'cancelled' });
    expect(await h.runs.activeIds()).toEqual([]);
    expect(ops(h)).toEqual(['ratelimit.set p-ida', 'ratelimit.clear p-ida']);
    expect(h.queuedActions()).toEqual([]);
    expect(await h.limiter.rule('c-ida')).toBeUndefined();
    expect(await h.limiter.rule('p-ida')).toBeUndefined();
  });

  it('a start lost from the queue is not waited for: reconcile lets the parent’s undo go on', async () => {
    const h = harness(playbooks());
    const childId = childRunId('run_gone', 'contain', 2);
    h.heldRunJobs.add(childId);
    await h.start('run_gone', { id: 'inc_gone', group: { user: 'jon' } });
    await h.settle();
    expect((await h.runner.cancel('run_gone', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get('run_gone')).toMatchObject({ status: 'undoing' });
    // The queued start is lost (a flushed queue): the sub-run can never come.
    h.loseQueuedRunJobs();
    h.heldRunJobs.delete(childId);
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.get('run_gone')).toMatchObject({ status: 'cancelled' });
    expect(await h.runs.get(childId)).toBeUndefined();
    expect(ops(h)).toEqual(['ratelimit.set p-jon', 'ratelimit.clear p-jon']);
  });

  it('a start backing off after a failure is removed, not waited for', async () => {
    const h = harness(playbooks());
    const childId = childRunId('run_retry', 'contain', 2);
    h.heldRunJobs.add(childId);
    await h.start('run_retry', { id: 'inc_retry', group: { user: 'liv' } });
    await h.settle();
    // Its first attempt failed (a version that would not load, say): BullMQ waits to retry.
    h.setRunJobState(childId, 'delayed');
    expect((await h.runner.cancel('run_retry', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get('run_retry')).toMatchObject({ status: 'cancelled' });
    expect(await h.runs.timeline('run_retry')).not.toContainEqual(
      expect.objectContaining({ type: 'undo.started', after: [childId] }),
    );
    h.heldRunJobs.delete(childId);
    h.clock.advance(60_000);
    await h.settle();
    expect(await h.runs.get(childId)).toBeUndefined();
    expect(ops(h)).toEqual(['ratelimit.set p-liv', 'ratelimit.clear p-liv']);
  });

  it('timed out with a failure path: the sub-run never acts; the parent escalates and fails', async () => {
    const h = harness(playbooks('      timeout: 5m\n'));
    const childId = childRunId('run_tardy', 'contain', 2);
    h.heldRunJobs.add(childId);
    await h.start('run_tardy', { id: 'inc_tardy', group: { user: 'kim' } });
    await h.settle();
    h.clock.advance(6 * 60_000);
    await h.settle();
    expect(await h.runs.get('run_tardy')).toMatchObject({ status: 'failed', state: 'gave_up' });
    h.heldRunJobs.delete(childId);
    await h.settle();
    expect(await h.runs.get(childId)).toMatchObject({ status: 'cancelled', pendingEffects: [] });
    expect(await h.runs.timeline(childId)).toContainEqual(
      expect.objectContaining({ type: 'cancelled', by: 'run:run_tardy', beforeStart: true }),
    );
    // Its failed end takes back its own throttle; nothing of the sub-run's ever ran.
    expect(ops(h)).toEqual([
      'ratelimit.set p-kim',
      'ticket.open escalate kim',
      'ratelimit.clear p-kim',
    ]);
    expect(await h.limiter.rule('c-kim')).toBeUndefined();
  });

  it('timed out with no failure path: the parent’s undo waits for the start, which does nothing', async () => {
    const text = withoutFailurePath(playbooks('      timeout: 5m\n'));
    const h = harness(text);
    const childId = childRunId('run_idle', 'contain', 2);
    h.heldRunJobs.add(childId);
    await h.start('run_idle', { id: 'inc_idle', group: { user: 'lou' } });
    await h.settle();
    h.clock.advance(6 * 60_000);
    await h.settle();
    expect(await h.runs.get('run_idle')).toMatchObject({ status: 'undoing' });
    expect(ops(h)).toEqual(['ratelimit.set p-lou']);
    h.heldRunJobs.delete(childId);
    await h.settle();
    expect(await h.runs.get(childId)).toMatchObject({ status: 'cancelled', pendingEffects: [] });
    expect(await h.runs.get('run_idle')).toMatchObject({ status: 'failed' });
    expect(ops(h)).toEqual(['ratelimit.set p-lou', 'ratelimit.clear p-lou']);
  });
});

describe('a sub-run whose start lands while its parent times out at the call', () => {
  for (const failurePath of [true, false])
    it(`${failurePath ? 'with' : 'without'} a failure path: the sub-run is cancelled once the parent has moved`, async () => {
      let text = playbooks('      timeout: 5m\n');
      if (!failurePath) text = withoutFailurePath(text);
      const h = harness(text);
      const child = compileAll(text).find((p) => p.definition.id === 'child')!;
      const childId = childRunId('run_race', 'contain', 2);
      h.heldRunJobs.add(childId);
      await h.start('run_race', { id: 'inc_race', group: { user: 'max' } });
      await h.settle();
      // The timeout's cancel reads the sub-run (not there yet); its start, in another process,
      // lands right then, while the parent still rests at the call, so it is let in.
      const read = h.runs.get.bind(h.runs);
      let landed = false;
      vi.spyOn(h.runs, 'get').mockImplementation(async (id: string) => {
        const found = await read(id);
        if (!landed && id === childId && found === undefined) {
          landed = true;
          await h.runner.start({
            type: 'start',
            runId: childId,
            playbookId: 'child',
            playbookHash: child.hash,
            incident: { id: 'inc_race', group: { user: 'max' } },
            initiator: 'correlation:test',
            parent: { runId: 'run_race', state: 'contain', step: 2, depth: 1 },
            inputs: { user: 'max' },
          });
        }
        return found;
      });
      h.clock.advance(6 * 60_000);
      await h.settle();
      expect(landed).toBe(true);
      h.heldRunJobs.delete(childId);
      await h.settle();
      // Withdrawn once the parent's move was saved: its queued block never ran.
      expect(await read(childId)).toMatchObject({ status: 'cancelled' });
      expect(await h.runs.timeline(childId)).toContainEqual(
        expect.objectContaining({ type: 'cancelled', by: 'run:run_race' }),
      );
      expect(ops(h)).not.toContain('ratelimit.set c-max');
      expect(await h.limiter.rule('c-max')).toBeUndefined();
      expect(await read('run_race')).toMatchObject({ status: 'failed' });
    });
});
