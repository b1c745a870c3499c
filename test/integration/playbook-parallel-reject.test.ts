/**
 * A rejection in one parallel branch undoes the run's `undo_on_reject` steps while the other
 * branches go on: their events that come during the undo pass wait for it and then apply
 * (never mistaken for late effects of a cancelled run, never lost), and a cancel that comes
 * meanwhile takes the pass over: what landed meanwhile, what a sub-run did and the branches the
 * rejected path's join left are all taken back, and the run still ends. Real runner, action processor, built-in
 * connectors and Redis; queues simulated in memory (see run-harness).
 */
import { describe, expect, it } from 'vitest';
import { childRunId } from '../../src/playbook/kinds/call/call-runtime.js';
import { crashOnceAt, runHarnesses, type RunHarness } from '../helpers/run-harness.js';

const { harness } = runHarnesses('par-reject');

const ops = (h: RunHarness): string[] =>
  h.calls.map((c) => `${c.operation} ${String(c.inputs.key ?? c.inputs.summary)}`);

const branchA = `        a:
          start: mark
          states:
            mark:
              action: ratelimit.set
              automatic: true
              with: { key: "p-{{ incident.group.user }}", limit: 10/m }
              undo: ratelimit.clear
              undo_on_reject: true
              next: ask
            ask:
              approval: { roles: [approver], timeout: 1h, message: "Keep?" }
              on: { approved: a_done, rejected: a_done, timeout: a_done }
            a_done: { end: resolved }
`;

const ACTION_BRANCH = `id: par
on: { correlation: r }
start: both
states:
  both:
    parallel:
      join: all
      branches:
${branchA}        b:
          start: blk
          states:
            blk:
              action: key.block
              automatic: true
              with: { key: "b-{{ incident.group.user }}" }
              undo: key.unblock
              next: b_done
            b_done: { end: resolved }
    next: done
  done: { end: resolved }
`;

describe('another branch’s action that lands during a rejection’s undo pass', () => {
  it('waits for the pass, then moves its branch on; its effect is kept', async () => {
    const h = harness(ACTION_BRANCH);
    h.held.add('key.block');
    await h.start('run_pa', { id: 'inc_pa', group: { user: 'pam' } });
    await h.settle();
    h.held.add('ratelimit.clear');
    await h.decideFirst('run_pa', 'reject');
    await h.settle();
    expect(await h.runs.get('run_pa')).toMatchObject({ status: 'undoing' });
    h.held.delete('key.block');
    await h.settle();
    expect(await h.runs.timeline('run_pa')).toContainEqual(
      expect.objectContaining({ type: 'event.deferred', state: 'blk' }),
    );
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(await h.runs.get('run_pa')).toMatchObject({ status: 'resolved', state: 'done' });
    expect(ops(h)).toEqual(['ratelimit.set p-pam', 'key.block b-pam', 'ratelimit.clear p-pam']);
    const timeline = await h.runs.timeline('run_pa');
    expect(timeline.some((t) => t.type === 'late-effect')).toBe(false);
    expect(timeline).toContainEqual(
      expect.objectContaining({ type: 'event.redelivered', state: 'blk' }),
    );
  });

  it('a cancel during the pass takes that effect back too', async () => {
    const h = harness(ACTION_BRANCH);
    h.held.add('key.block');
    await h.start('run_pc', { id: 'inc_pc', group: { user: 'pia' } });
    await h.settle();
    h.held.add('ratelimit.clear');
    await h.decideFirst('run_pc', 'reject');
    await h.settle();
    h.held.delete('key.block');
    await h.settle();
    expect((await h.runner.cancel('run_pc', 'alice')).ok).toBe(true);
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(await h.runs.get('run_pc')).toMatchObject({ status: 'cancelled' });
    // Both effects in force are taken back: the rejection's undo, then the late block.
    expect(ops(h).slice(2)).toEqual(['ratelimit.clear p-pia', 'key.unblock b-pia']);
  });
});

describe('another branch’s call that ends during a rejection’s undo pass', () => {
  it('resumes that branch once the pass is over', async () => {
    const h = harness(`id: par
on: { correlation: r }
start: both
states:
  both:
    parallel:
      join: all
      branches:
${branchA}        b:
          start: contain
          states:
            contain:
              call: { playbook: child, inputs: { user: "{{ incident.group.user }}" } }
              next: b_done
            b_done: { end: resolved }
    next: done
  done: { end: resolved }
---
id: child
on: { call: true }
inputs:
  user: { description: The user to contain. }
start: open_case
states:
  open_case:
    action: ticket.open
    with: { summary: "case {{ run.inputs.user }}" }
    next: done
  done: { end: resolved }
`);
    h.held.add('ticket.open');
    await h.start('run_pcall', { id: 'inc_pcall', group: { user: 'pat' } });
    await h.settle();
    const step = (await h.runs.get('run_pcall'))?.leaves?.contain ?? 0;
    const childId = childRunId('run_pcall', 'contain', step);
    h.held.add('ratelimit.clear');
    await h.decideFirst('run_pcall', 'reject');
    await h.settle();
    expect(await h.runs.get('run_pcall')).toMatchObject({ status: 'undoing' });
    h.held.delete('ticket.open'); // the child resolves; its end meets the undoing parent
    await h.settle();
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(await h.runs.get('run_pcall')).toMatchObject({ status: 'resolved', state: 'done' });
  });
});

const CALL_BRANCH = (join: string): string => `id: par
on: { correlation: r }
start: both
states:
  both:
    parallel:
      join: ${join}
      branches:
${branchA}        b:
          start: contain
          states:
            contain:
              call: { playbook: child, inputs: { user: "{{ incident.group.user }}" } }
              next: b_done
            b_done: { end: resolved }
    next: review
  review:
    approval: { roles: [approver], timeout: 1h, message: "Review?" }
    on: { approved: done, rejected: done, timeout: done }
  done: { end: resolved }
---
id: child
on: { call: true }
inputs:
  user: { description: The user to contain. }
start: blk
states:
  blk:
    action: key.block
    automatic: true
    with: { key: "c-{{ run.inputs.user }}" }
    undo: key.unblock
    next: c_done
  c_done: { end: resolved }
`;

describe('a cancel that takes a rejection’s pass over', () => {
  it('with a child that resolved meanwhile: its effect goes first and the run ends', async () => {
    const h = harness(CALL_BRANCH('all'));
    h.held.add('key.block');
    await h.start('run_s', { id: 'inc_s', group: { user: 'sam' } });
    await h.settle();
    const step = (await h.runs.get('run_s'))?.leaves?.contain ?? 0;
    const childId = childRunId('run_s', 'contain', step);
    h.held.add('ratelimit.clear'); // the rejection's undo: in flight, slow
    await h.decideFirst('run_s', 'reject');
    await h.settle();
    h.held.delete('key.block'); // the child resolves; its end waits for the pass
    await h.settle();
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    h.held.add('key.unblock');
    expect((await h.runner.cancel('run_s', 'alice')).ok).toBe(true);
    await h.settle();
    h.held.delete('ratelimit.clear'); // the undo in flight finishes behind the child's
    await h.settle();
    h.held.delete('key.unblock');
    await h.settle();
    expect(await h.runs.get('run_s')).toMatchObject({ status: 'cancelled' });
    expect(ops(h).slice(2).sort()).toEqual(['key.unblock c-sam', 'ratelimit.clear p-sam']);
  });

  it('withdraws the branches the rejected path’s join left, and their sub-runs', async () => {
    const h = harness(CALL_BRANCH('any'));
    h.held.add('key.block');
    await h.start('run_any', { id: 'inc_any', group: { user: 'cid' } });
    await h.settle();
    const step = (await h.runs.get('run_any'))?.leaves?.contain ?? 0;
    const childId = childRunId('run_any', 'contain', step);
    h.held.add('ratelimit.clear');
    await h.decideFirst('run_any', 'reject');
    await h.settle();
    expect(await h.runs.get('run_any')).toMatchObject({ status: 'undoing' });
    expect((await h.runner.cancel('run_any', 'alice')).ok).toBe(true);
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(await h.runs.get(childId)).toMatchObject({ status: 'cancelled' });
    expect(await h.runs.get('run_any')).toMatchObject({ status: 'cancelled' });
    h.held.delete('key.block');
    await h.settle();
    // The child's block was withdrawn with it: never performed.
    expect(ops(h)).not.toContain('key.block c-cid');
  });
});

describe('the branches a rejection’s join leaves', () => {
  it('are withdrawn as the pass begins: their sub-run is cancelled before it acts', async () => {
    const h = harness(CALL_BRANCH('any'));
    h.held.add('key.block');
    await h.start('run_left', { id: 'inc_left', group: { user: 'kim' } });
    await h.settle();
    const step = (await h.runs.get('run_left'))?.leaves?.contain ?? 0;
    const childId = childRunId('run_left', 'contain', step);
    h.held.add('ratelimit.clear'); // the rejection's undo is slow
    await h.decideFirst('run_left', 'reject');
    await h.settle();
    expect(await h.runs.get('run_left')).toMatchObject({ status: 'undoing' });
    expect(await h.runs.get(childId)).toMatchObject({ status: 'cancelled' });
    h.held.delete('key.block');
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(await h.runs.get('run_left')).toMatchObject({ status: 'waiting', state: 'review' });
    expect(ops(h)).not.toContain('key.block c-kim');
  });
});

describe('a left branch’s sub-run that resolved as the rejection came', () => {
  it('hands its effects over to a cancel that takes the pass over', async () => {
    // The child's end is lost on the way (as in a kill), so the branch still rests at the call
    // when its approval in branch a is rejected: the rejection's withdraw finds it resolved.
    const crash = crashOnceAt('call.before-resume');
    const h = harness(CALL_BRANCH('any'), { crash });
    await h.start('run_late', { id: 'inc_late', group: { user: 'lou' } });
    await h.settle();
    const step = (await h.runs.get('run_late'))?.leaves?.contain ?? 0;
    const childId = childRunId('run_late', 'contain', step);
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    h.held.add('ratelimit.clear');
    await h.decideFirst('run_late', 'reject');
    await h.settle();
    expect(await h.runs.get('run_late')).toMatchObject({ status: 'undoing' });
    expect((await h.runner.cancel('run_late', 'alice')).ok).toBe(true);
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(await h.runs.get('run_late')).toMatchObject({ status: 'cancelled' });
    expect(ops(h).filter((o) => o.startsWith('key.'))).toEqual([
      'key.block c-lou',
      'key.unblock c-lou',
    ]);
  });
});
