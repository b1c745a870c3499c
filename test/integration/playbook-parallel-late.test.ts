/**
 * A branch `join: any` withdraws while its action job is already running: the job finishes,
 * and if its step declared an undo the effect is taken back (timeline `late-effect`), whether
 * the run has moved on or ended resolved meanwhile. Real runner, action processor, built-in
 * connectors and Redis; queues simulated in memory (see run-harness), where a job marked
 * active stands for one a worker is running (a withdraw removes only waiting jobs).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRunHarness, type RunHarness } from '../helpers/run-harness.js';
import { createTestRedis } from '../helpers/redis.js';

const store = createTestRedis('par-late');
afterAll(async () => {
  await store.cleanup();
});

let n = 0;
function harness(text: string): RunHarness {
  n += 1;
  return createRunHarness(store, `pl${n}`, text);
}

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
