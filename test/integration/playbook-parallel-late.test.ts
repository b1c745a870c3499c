/**
 * A branch `join: any` withdraws while its action job is already running: the job finishes,
 * and if its step declared an undo the effect is taken back (timeline `late-effect`), whether
 * the run has moved on or ended resolved meanwhile. Real runner, action processor, built-in
 * connectors and Redis; queues simulated in memory (see run-harness), where a job marked
 * active stands for one a worker is running (a withdraw removes only waiting jobs).
 */
import { describe, expect, it } from 'vitest';
import { childRunId } from '../../src/playbook/kinds/call/call-runtime.js';
import { crashOnceAt, runHarnesses, type RunHarness } from '../helpers/run-harness.js';

const { harness } = runHarnesses('par-late');

const ops = (h: RunHarness): string[] =>
  h.calls.map((c) => `${c.operation} ${String(c.inputs.key)}`);

const playbook = (review: boolean): string => `id: race
on: { correlation: r }
start: both
states:
  both:
    parallel:
      join: any
      branches:
        a:
          start: mark
          states:
            mark:
              action: ratelimit.set
              automatic: true
              with: { key: "a-{{ incident.group.user }}", limit: 10/m }
              next: a_done
            a_done: { end: resolved }
        b:
          start: blk
          states:
            blk:
              action: key.block
              automatic: true
              with: { key: "b-{{ incident.group.user }}" }
              undo: key.unblock
              next: b_done
            b_done: { end: resolved }
    next: ${review ? 'review' : 'done'}
${
  review
    ? `  review:
    approval: { roles: [approver], timeout: 1h, message: "Review?" }
    on: { approved: done, rejected: done, timeout: done }
`
    : ''
}  done: { end: resolved }
`;

/** Branch a wins the join while branch b's block is running; then the block lands. */
async function race(h: RunHarness, runId: string, user: string): Promise<void> {
  h.held.add('ratelimit.set');
  h.held.add('key.block');
  await h.start(runId, { id: `inc_${runId}`, group: { user } });
  await h.settle();
  const blockJob = h.actionJobIds().find((id) => h.actionJob(id)?.operation === 'key.block');
  expect(blockJob).toBeDefined();
  h.setActionJobState(blockJob ?? '', 'active');
  h.held.delete('ratelimit.set');
  await h.settle(); // branch a resolves: join any withdraws branch b (its job keeps running)
  h.setActionJobState(blockJob ?? '', 'waiting');
  h.held.delete('key.block');
  await h.settle(); // the running block finishes
}

describe('an action running in a branch that join: any withdrew', () => {
  it('is taken back once it lands, while the run has moved on', async () => {
    const h = harness(playbook(true));
    await race(h, 'run_on', 'una');
    expect(await h.runs.get('run_on')).toMatchObject({ status: 'waiting', state: 'review' });
    expect(ops(h)).toEqual(['ratelimit.set a-una', 'key.block b-una', 'key.unblock b-una']);
    expect(await h.runs.timeline('run_on')).toContainEqual(
      expect.objectContaining({ type: 'late-effect', state: 'blk' }),
    );
  });

  it('is taken back once it lands, after the run ended resolved', async () => {
    const h = harness(playbook(false));
    await race(h, 'run_end', 'vic');
    expect(await h.runs.get('run_end')).toMatchObject({ status: 'resolved' });
    expect(ops(h)).toEqual(['ratelimit.set a-vic', 'key.block b-vic', 'key.unblock b-vic']);
  });
});

describe('a sub-run in a branch that join: any withdrew, which had resolved', () => {
  it('is taken back when its end comes', async () => {
    // The child's end is lost on the way (a kill), so branch b still rests at the call when
    // branch a wins the join; the withdraw finds the child resolved and cannot cancel it.
    const crash = crashOnceAt('call.before-resume');
    const h = harness(
      `id: race
on: { correlation: r }
start: both
states:
  both:
    parallel:
      join: any
      branches:
        a:
          start: ask
          states:
            ask:
              approval: { roles: [approver], timeout: 1h, message: "Go?" }
              on: { approved: a_done, rejected: a_done, timeout: a_done }
            a_done: { end: resolved }
        b:
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
start: blk
states:
  blk:
    action: key.block
    automatic: true
    with: { key: "c-{{ run.inputs.user }}" }
    undo: key.unblock
    next: c_done
  c_done: { end: resolved }
`,
      { crash },
    );
    await h.start('run_sub', { id: 'inc_sub', group: { user: 'xia' } });
    await h.settle();
    const step = (await h.runs.get('run_sub'))?.leaves?.contain ?? 0;
    const childId = childRunId('run_sub', 'contain', step);
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    await h.decideFirst('run_sub', 'approve'); // branch a wins the join
    await h.settle();
    expect(await h.runs.get('run_sub')).toMatchObject({ status: 'resolved' });
    // The child's end arrives late (as reconcile or the retried job would send it).
    expect(
      await h.runner.apply({
        type: 'event',
        runId: 'run_sub',
        eventId: `${childId}-ended`,
        event: { type: 'call.ended', state: 'contain', child: childId, outcome: 'resolved' },
        expect: { state: 'contain', step },
      }),
    ).toBe('applied');
    await h.settle();
    expect(ops(h)).toEqual(['key.block c-xia', 'key.unblock c-xia']);
  });
});
