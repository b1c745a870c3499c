/**
 * Undo across a `call` and its sub-run, through the real runner, action processor and
 * built-in connectors on real Redis (queues simulated in memory, see run-harness): whatever
 * ends a parent resting at a call (cancel, a timeout with no on_failure), the sub-run's effects
 * are taken back before the parent's own, newest first, including a sub-run that had just
 * resolved (its end still on the way, or lost), one in the middle of a rejection, and nested
 * calls where the middle run has nothing of its own.
 */
import { describe, expect, it } from 'vitest';
import { childRunId } from '../../src/playbook/kinds/call/call-runtime.js';
import type { ActionJob } from '../../src/playbook/runtime/jobs.js';
import {
  breakUndoReportOnce,
  crashOnceAt,
  runHarnesses,
  type RunHarness,
} from '../helpers/run-harness.js';

const { harness } = runHarnesses('call-undo');

const clears = (h: RunHarness): string[] =>
  h.calls.filter((c) => c.operation === 'ratelimit.clear').map((c) => String(c.inputs.key));

/** A parent that calls a child and waits for a review; the child's block expires after 1 h. */
const REVIEWED_EXPIRING_CHILD = `id: parent
on: { correlation: r }
start: contain
states:
  contain:
    call: { playbook: child, inputs: { user: "{{ incident.group.user }}" } }
    next: review
  review:
    approval: { roles: [approver], timeout: 3h, message: "Review?" }
    on: { approved: done, rejected: done, timeout: done }
  done: { end: resolved }
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
    expires: 1h
    next: done
  done: { end: resolved }
`;

const CHILD = `
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

const THROTTLE = `  throttle:
    action: ratelimit.set
    automatic: true
    with: { key: "p-{{ incident.group.user }}", limit: 10/m }
    undo: ratelimit.clear
    next: contain
`;

/**
 * Starts `runId` (incident `incidentId`, user `user`) and holds every `ratelimit.clear` in the
 * queue; then the sub-run's block expires and the parent is cancelled, in that order, both
 * undos waiting in the queue.
 */
async function expiryThenCancel(h: RunHarness, runId: string, incidentId: string, user: string) {
  await h.start(runId, { id: incidentId, group: { user } });
  await h.settle();
  h.held.add('ratelimit.clear');
  h.clock.advance(60 * 60_000 + 1);
  await h.settle();
  expect((await h.runner.cancel(runId, 'alice')).ok).toBe(true);
  await h.settle();
}

/** As expiryThenCancel, the other way round: the parent is cancelled, then the block expires. */
async function cancelThenExpiry(h: RunHarness, runId: string, incidentId: string, user: string) {
  await h.start(runId, { id: incidentId, group: { user } });
  await h.settle();
  h.held.add('ratelimit.clear');
  expect((await h.runner.cancel(runId, 'alice')).ok).toBe(true);
  await h.settle();
  h.clock.advance(60 * 60_000 + 1);
  await h.settle();
}

describe('a parent with nothing of its own to undo', () => {
  it('cancelled as its child resolves: the child’s effects are still taken back', async () => {
    const h = harness(
      `id: parent
on: { correlation: r }
start: contain
states:
  contain:
    call: { playbook: child, inputs: { user: "{{ incident.group.user }}" } }
    next: done
  done: { end: resolved }
---${CHILD}`,
      { crash: crashOnceAt('call.before-resume') },
    );
    await h.start('run_thin', { id: 'inc_thin', group: { user: 'tia' } });
    await h.settle();
    const childId = childRunId('run_thin', 'contain', 1);
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    expect((await h.runner.cancel('run_thin', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get('run_thin')).toMatchObject({ status: 'undoing' });
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.get('run_thin')).toMatchObject({ status: 'cancelled' });
    expect(clears(h)).toEqual(['c-tia']);
    expect(await h.limiter.rule('c-tia')).toBeUndefined();
  });

  it('in the middle of nested calls: the innermost run’s undo still goes first', async () => {
    const h = harness(`id: parent
on: { correlation: r }
start: throttle
states:
${THROTTLE}  contain:
    call: { playbook: mid, inputs: { user: "{{ incident.group.user }}" } }
    next: done
  done: { end: resolved }
---
id: mid
on: { call: true }
inputs:
  user: { description: The user. }
start: inner
states:
  inner:
    call: { playbook: child, inputs: { user: "{{ run.inputs.user }}" } }
    next: done
  done: { end: resolved }
---${CHILD}`);
    h.held.add('ticket.open');
    await h.start('run_nest', { id: 'inc_nest', group: { user: 'ned' } });
    await h.settle();
    const midId = childRunId('run_nest', 'contain', 2);
    const leafId = childRunId(midId, 'inner', 1);
    expect(await h.runs.get(leafId)).toMatchObject({ state: 'open_case' });
    h.held.add('ratelimit.clear');
    expect((await h.runner.cancel('run_nest', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get(midId)).toMatchObject({ status: 'undoing' });
    expect(h.queuedActions()).toEqual(['block']);
    h.held.delete('ratelimit.clear');
    await h.settle();
    for (const id of ['run_nest', midId, leafId])
      expect(await h.runs.get(id)).toMatchObject({ status: 'cancelled' });
    expect(clears(h)).toEqual(['c-ned', 'p-ned']);
  });
});

describe('a call timeout as the child resolves', () => {
  it('waits for the child’s end and takes its effects back first', async () => {
    const h = harness(
      `id: parent
on: { correlation: r }
start: throttle
states:
${THROTTLE}  contain:
    call: { playbook: child, inputs: { user: "{{ incident.group.user }}" }, timeout: 5m }
    next: done
  done: { end: resolved }
---${CHILD}`,
      { crash: crashOnceAt('call.before-resume') },
    );
    await h.start('run_to', { id: 'inc_to', group: { user: 'tom' } });
    await h.settle();
    const childId = childRunId('run_to', 'contain', 2);
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    // The timeout is applied before the child's end (lost here; reconcile brings it).
    h.clock.advance(6 * 60_000);
    await h.settle();
    expect(await h.runs.get('run_to')).toMatchObject({ status: 'undoing' });
    expect(clears(h)).toEqual([]);
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.get('run_to')).toMatchObject({ status: 'failed' });
    expect(clears(h)).toEqual(['c-tom', 'p-tom']);
  });
});

describe('a cancel that reaches a child undoing a rejection', () => {
  it('takes the child’s pass over: the child ends cancelled, not along its rejected path', async () => {
    const h = harness(`id: parent
on: { correlation: r }
start: throttle
states:
${THROTTLE}  contain:
    call: { playbook: child, inputs: { user: "{{ incident.group.user }}" } }
    next: done
  done: { end: resolved }
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
    undo_on_reject: true
    next: mark
  mark:
    action: ratelimit.set
    automatic: true
    with: { key: "m-{{ run.inputs.user }}", limit: 100/m }
    undo: ratelimit.clear
    next: ask
  ask:
    approval: { roles: [approver], timeout: 1h, message: "Keep?" }
    on: { approved: done, rejected: again, timeout: done }
  again:
    approval: { roles: [approver], timeout: 30d, message: "Again?" }
    on: { approved: done, rejected: done, timeout: done }
  done: { end: resolved }
`);
    await h.start('run_rej', { id: 'inc_rej', group: { user: 'rex' } });
    await h.settle();
    const childId = childRunId('run_rej', 'contain', 2);
    expect(await h.runs.get(childId)).toMatchObject({ state: 'ask' });
    h.held.add('ratelimit.clear');
    await h.decideFirst(childId, 'reject');
    await h.settle();
    expect(await h.runs.get(childId)).toMatchObject({ status: 'undoing' });
    expect((await h.runner.cancel('run_rej', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.timeline(childId)).toContainEqual(
      expect.objectContaining({ type: 'undo.started', reason: 'cancelled', during: 'rejected' }),
    );
    expect(h.queuedActions()).toEqual(['block']);
    h.held.delete('ratelimit.clear');
    await h.settle();
    const child = await h.runs.get(childId);
    expect(child).toMatchObject({ status: 'cancelled' });
    expect(await h.approvals.list({ limit: 10, runId: childId })).toHaveLength(1);
    expect(await h.runs.get('run_rej')).toMatchObject({ status: 'cancelled' });
    // The rejection's undo first (in flight), then the child's other effect, then the parent's.
    expect(clears(h)).toEqual(['c-rex', 'm-rex', 'p-rex']);
  });
});

describe('a resolved child whose outputs do not render', () => {
  it('fails the call, and the parent’s failure takes back the child’s effects too', async () => {
    const h = harness(`id: parent
on: { correlation: r }
start: throttle
states:
${THROTTLE}  contain:
    call:
      playbook: child
      inputs: { user: "{{ incident.group.user }}" }
      outputs: { ticket: "{{ steps.block.result.nothing_here }}" }
    next: done
  done: { end: resolved }
---${CHILD}`);
    await h.start('run_out', { id: 'inc_out', group: { user: 'ola' } });
    await h.settle();
    const childId = childRunId('run_out', 'contain', 2);
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    const parent = await h.runs.get('run_out');
    expect(parent).toMatchObject({ status: 'failed' });
    expect(parent?.context.steps.contain?.error?.message).toContain('outputs do not render');
    expect(clears(h)).toEqual(['c-ola', 'p-ola']);
  });
});

describe('a taken-over effect its sub-run’s own expiry undid first', () => {
  it('the parent’s cancel still ends: it learns the shared undo’s outcome', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await h.start('run_exp', { id: 'inc_exp', group: { user: 'eve' } });
    await h.settle();
    expect((await h.runs.get('run_exp'))?.undo?.entries.map((e) => e.state)).toEqual([
      'contain/block',
    ]);
    h.clock.advance(60 * 60_000 + 1);
    await h.settle(); // the child's expiry takes the block back
    expect(clears(h)).toEqual(['c-eve']);
    expect((await h.runner.cancel('run_exp', 'alice')).ok).toBe(true);
    await h.settle();
    // The parent's undo is the same job, done already: the parent is told as it adds it (no
    // reconcile needed), and a reconcile after changes nothing.
    expect(await h.runs.get('run_exp')).toMatchObject({ status: 'cancelled' });
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.get('run_exp')).toMatchObject({ status: 'cancelled' });
    expect(clears(h)).toEqual(['c-eve']);
  });
});

describe('a sub-run’s end that comes after its call timed out to on_failure', () => {
  it('takes back what the sub-run left in force (the parent had left the call)', async () => {
    const h = harness(
      `id: parent
on: { correlation: r }
start: contain
states:
  contain:
    call: { playbook: child, inputs: { user: "{{ incident.group.user }}" }, timeout: 5m }
    next: done
    on_failure: escalate
  escalate:
    action: ticket.open
    with: { summary: "escalate {{ incident.group.user }}" }
    next: done
  done: { end: resolved }
---${CHILD}`,
      { crash: crashOnceAt('call.before-resume') },
    );
    await h.start('run_slowend', { id: 'inc_slowend', group: { user: 'wes' } });
    await h.settle();
    const childId = childRunId('run_slowend', 'contain', 1);
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    h.clock.advance(6 * 60_000); // the timeout wins: the parent escalates
    await h.settle();
    expect(await h.runs.get('run_slowend')).toMatchObject({ status: 'resolved', state: 'done' });
    // The child's end, late: the position it names is gone.
    expect(
      await h.runner.apply({
        type: 'event',
        runId: 'run_slowend',
        eventId: `${childId}-ended`,
        event: { type: 'call.ended', state: 'contain', child: childId, outcome: 'resolved' },
        expect: { state: 'contain', step: 1 },
      }),
    ).toBe('applied');
    await h.settle();
    expect(clears(h)).toEqual(['c-wes']);
    expect(await h.runs.timeline('run_slowend')).toContainEqual(
      expect.objectContaining({ type: 'late-effect', child: childId }),
    );
  });
});

describe('a taken-over effect the parent takes back before its sub-run’s expiry', () => {
  it('the sub-run’s book says so at once, and its expiry takes nothing back a second time', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await h.start('run_took', { id: 'inc_took', group: { user: 'ned' } });
    await h.settle();
    const childId = childRunId('run_took', 'contain', 1);
    expect(await h.runs.get(childId)).toMatchObject({ status: 'resolved' });
    expect((await h.runs.get('run_took'))?.undo?.entries).toEqual([
      expect.objectContaining({ state: 'contain/block', status: 'applied', alsoIn: [childId] }),
    ]);
    h.clock.advance(10 * 60_000);
    expect((await h.runner.cancel('run_took', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get('run_took')).toMatchObject({ status: 'cancelled' });
    expect(clears(h)).toEqual(['c-ned']);
    // The sub-run hears it from the parent's undo job, not from its own expiry an hour on.
    const child = await h.runs.get(childId);
    expect(child).toMatchObject({ status: 'resolved' });
    expect(child?.undo?.entries).toEqual([
      expect.objectContaining({ state: 'block', status: 'undone' }),
    ]);
    expect(await h.runs.timeline(childId)).toContainEqual(
      expect.objectContaining({ type: 'undo.succeeded', state: 'block', by: 'run:run_took' }),
    );
    // Its expiry timer is gone with it.
    const [block] = child?.undo?.entries ?? [];
    expect(h.runJobState(`${block?.effectKey}-expire`)).toBe('unknown');
    h.clock.advance(60 * 60_000);
    await h.settle();
    await h.runner.reconcile();
    await h.settle();
    expect(clears(h)).toEqual(['c-ned']);
    expect((await h.runs.timeline(childId)).map((t) => t.type)).not.toContain('expired');
  });
});

describe('a taken-over effect whose undo report fails on the job’s last attempt', () => {
  it('both books still say undone: the parent and the sub-run it tells watch the job’s end', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await h.start('run_lost', { id: 'inc_lost', group: { user: 'lou' } });
    await h.settle();
    const childId = childRunId('run_lost', 'contain', 1);
    breakUndoReportOnce(h);
    expect((await h.runner.cancel('run_lost', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get('run_lost')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get('run_lost'))?.undo?.entries).toEqual([
      expect.objectContaining({ state: 'contain/block', status: 'undone' }),
    ]);
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ state: 'block', status: 'undone' }),
    ]);
    expect(await h.runs.timeline(childId)).toContainEqual(
      expect.objectContaining({ type: 'undo.succeeded', state: 'block', by: 'run:run_lost' }),
    );
    expect(clears(h)).toEqual(['c-lou']);
  });
});

describe('a taken-over effect whose undo by the parent fails', () => {
  it('the sub-run’s book says undo-failed and its expiry does not wait on the failed job', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await h.start('run_fail', { id: 'inc_fail', group: { user: 'oli' } });
    await h.settle();
    const childId = childRunId('run_fail', 'contain', 1);
    h.failures.set('ratelimit.clear', 1);
    expect((await h.runner.cancel('run_fail', 'alice')).ok).toBe(true);
    await h.settle();
    const child = await h.runs.get(childId);
    expect(child?.undo?.entries).toEqual([
      expect.objectContaining({ state: 'block', status: 'undo-failed' }),
    ]);
    expect(await h.runs.timeline(childId)).toContainEqual(
      expect.objectContaining({ type: 'undo.failed', state: 'block', by: 'run:run_fail' }),
    );
    const [block] = child?.undo?.entries ?? [];
    expect(h.runJobState(`${block?.effectKey}-expire`)).toBe('unknown');
    h.clock.advance(2 * 60 * 60_000);
    await h.settle();
    expect((await h.runs.get(childId))?.status).toBe('resolved');
    expect((await h.runs.timeline(childId)).map((t) => t.type)).not.toContain('expired');
  });
});

describe('the code of a failed undo another run is told of', () => {
  // The job's own run hears its report; the sub-run, told from the queue's record of the job's
  // end (the worker's notice, or reconcile when that was lost), reads the code there.
  const cases = [
    ['a retryable failure on its last attempt', 'CORDON_ERR_ACTION_UNAVAILABLE'],
    ['a failure a retry cannot fix', 'CORDON_ERR_ACTION_UNAUTHORIZED'],
  ] as const;
  for (const [name, code] of cases)
    for (const lost of [false, true])
      it(`${name}${lost ? ', its end notice lost' : ''}: the sub-run sees ${code}`, async () => {
        const h = harness(REVIEWED_EXPIRING_CHILD, { loseEndNotices: lost });
        const runId = `run_code_${lost ? 'l' : 'n'}${code.length}`;
        await h.start(runId, { id: `inc_${runId}`, group: { user: 'ode' } });
        await h.settle();
        const childId = childRunId(runId, 'contain', 1);
        h.failures.set('ratelimit.clear', 1);
        h.failureCodes.set('ratelimit.clear', code);
        expect((await h.runner.cancel(runId, 'alice')).ok).toBe(true);
        await h.settle();
        if (lost) {
          await h.runner.reconcile();
          await h.settle();
        }
        const failed = { type: 'undo.failed', error: expect.objectContaining({ code }) };
        expect(await h.runs.timeline(runId)).toContainEqual(
          expect.objectContaining({ ...failed, state: 'contain/block' }),
        );
        expect(await h.runs.timeline(childId)).toContainEqual(
          expect.objectContaining({ ...failed, state: 'block', by: `run:${runId}` }),
        );
        expect((await h.runs.get(childId))?.undo?.entries).toEqual([
          expect.objectContaining({ status: 'undo-failed' }),
        ]);
      });
});

/** parent → mid → leaf; the leaf's block expires after 1 h. */
const NESTED_EXPIRING_LEAF = `id: parent
on: { correlation: r }
start: contain
states:
  contain:
    call: { playbook: mid, inputs: { user: "{{ incident.group.user }}" } }
    next: review
  review:
    approval: { roles: [approver], timeout: 3h, message: "Review?" }
    on: { approved: done, rejected: done, timeout: done }
  done: { end: resolved }
---
id: mid
on: { call: true }
inputs:
  user: { description: The user to contain. }
start: inner
states:
  inner:
    call: { playbook: leaf, inputs: { user: "{{ run.inputs.user }}" } }
    next: done
  done: { end: resolved }
---
id: leaf
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
    expires: 1h
    next: done
  done: { end: resolved }
`;

describe('a nested take-over whose innermost run’s expiry undid the effect first', () => {
  it('the parent’s cancel tells the run between, whose book no longer shows it in force', async () => {
    const h = harness(NESTED_EXPIRING_LEAF);
    await h.start('run_nest', { id: 'inc_nest', group: { user: 'pia' } });
    await h.settle();
    const midId = childRunId('run_nest', 'contain', 1);
    const leafId = childRunId(midId, 'inner', 1);
    expect((await h.runs.get('run_nest'))?.undo?.entries).toEqual([
      expect.objectContaining({ state: 'contain/inner/block', alsoIn: [leafId, midId] }),
    ]);
    h.clock.advance(60 * 60_000 + 1);
    await h.settle(); // the leaf's own expiry takes the block back
    expect(clears(h)).toEqual(['c-pia']);
    expect((await h.runs.get(midId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'applied' }),
    ]);
    expect((await h.runner.cancel('run_nest', 'alice')).ok).toBe(true);
    await h.settle();
    expect(await h.runs.get('run_nest')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get(midId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    // Named after the run that took it back: the leaf, by its own expiry.
    expect(await h.runs.timeline(midId)).toContainEqual(
      expect.objectContaining({ type: 'undo.succeeded', by: `run:${leafId}` }),
    );
    expect(clears(h)).toEqual(['c-pia']);
  });
});

describe('a taken-over effect whose sub-run’s own undo failed', () => {
  it('the parent’s cancel tries the undo again, as its own job, and both books end undone', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await h.start('run_again', { id: 'inc_again', group: { user: 'quin' } });
    await h.settle();
    const childId = childRunId('run_again', 'contain', 1);
    h.failures.set('ratelimit.clear', 1);
    h.clock.advance(60 * 60_000 + 1);
    await h.settle(); // the child's expiry tries, and fails
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undo-failed' }),
    ]);
    expect((await h.runner.cancel('run_again', 'alice')).ok).toBe(true);
    await h.settle();
    // Not the child's failure relayed: a second try, which takes the block back.
    expect(clears(h)).toEqual(['c-quin', 'c-quin']);
    expect(await h.limiter.rule('c-quin')).toBeUndefined();
    expect(await h.runs.get('run_again')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get('run_again'))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    expect(await h.runs.timeline(childId)).toContainEqual(
      expect.objectContaining({ type: 'undo.succeeded', by: 'run:run_again' }),
    );
  });
});

describe('a taken-over effect whose sub-run’s own undo was still queued when the parent asked', () => {
  it('succeeds after: the parent is told as it ends, with no reconcile', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await expiryThenCancel(h, 'run_late_ok', 'inc_late_ok', 'sol');
    const childId = childRunId('run_late_ok', 'contain', 1);
    expect(await h.runs.get('run_late_ok')).toMatchObject({ status: 'undoing' });
    h.held.delete('ratelimit.clear');
    await h.settle(); // the child's job takes the block back, and tells the parent waiting on it
    expect(clears(h)).toEqual(['c-sol']);
    expect(await h.runs.get('run_late_ok')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get('run_late_ok'))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    expect(await h.runs.timeline('run_late_ok')).toContainEqual(
      expect.objectContaining({ type: 'undo.succeeded', by: `run:${childId}` }),
    );
  });

  it('fails after: the parent tries again at once, as its own job, and both books end undone', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await expiryThenCancel(h, 'run_late_fail', 'inc_late_fail', 'rex');
    const childId = childRunId('run_late_fail', 'contain', 1);
    expect(await h.runs.get('run_late_fail')).toMatchObject({ status: 'undoing' });
    h.failures.set('ratelimit.clear', 1);
    h.held.delete('ratelimit.clear');
    await h.settle(); // the child's try fails; the parent, told, tries again
    expect(clears(h)).toEqual(['c-rex', 'c-rex']);
    expect(await h.limiter.rule('c-rex')).toBeUndefined();
    expect(await h.runs.get('run_late_fail')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get('run_late_fail'))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    expect(await h.runs.timeline('run_late_fail')).toContainEqual(
      expect.objectContaining({ type: 'undo.retried', by: `run:${childId}` }),
    );
  });

  it('fails twice: the parent’s own failure still reaches it (not taken for the relay of the first)', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await expiryThenCancel(h, 'run_twice', 'inc_twice', 'tam');
    const childId = childRunId('run_twice', 'contain', 1);
    h.failures.set('ratelimit.clear', 2);
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(clears(h)).toEqual(['c-tam', 'c-tam']);
    expect(await h.runs.get('run_twice')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get('run_twice'))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undo-failed' }),
    ]);
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undo-failed' }),
    ]);
  });
});

describe('a sub-run whose expiry finds its parent’s undo of the effect under way, which fails', () => {
  it('tries again once the failure is recorded, even when the runs move before the queue does', async () => {
    // The parent's job fails and its report is applied while the queue still shows it active.
    const h = harness(REVIEWED_EXPIRING_CHILD, { runJobsBeforeRecord: true });
    await cancelThenExpiry(h, 'run_vic', 'inc_vic', 'vic');
    const childId = childRunId('run_vic', 'contain', 1);
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undoing' }),
    ]);
    h.failures.set('ratelimit.clear', 1);
    h.held.delete('ratelimit.clear');
    await h.settle();
    // The parent's try failed; the child, told once it was recorded, tried again as its own job.
    expect(clears(h)).toEqual(['c-vic', 'c-vic']);
    expect(await h.limiter.rule('c-vic')).toBeUndefined();
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    expect((await h.runs.get('run_vic'))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    expect(await h.runs.get('run_vic')).toMatchObject({ status: 'cancelled' });
  });
});

describe('a nested take-over whose innermost run’s expiry undo was still queued when the parent asked', () => {
  it('the run between is told as the job ends, as when the leaf had finished first', async () => {
    const h = harness(NESTED_EXPIRING_LEAF);
    await expiryThenCancel(h, 'run_nw', 'inc_nw', 'nia');
    const midId = childRunId('run_nw', 'contain', 1);
    const leafId = childRunId(midId, 'inner', 1);
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(clears(h)).toEqual(['c-nia']);
    expect(await h.runs.get('run_nw')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get(midId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    expect(await h.runs.timeline(midId)).toContainEqual(
      expect.objectContaining({ type: 'undo.succeeded', by: `run:${leafId}` }),
    );
  });
});

describe('a notice of an undo job’s end lost with its process', () => {
  it('is sent by reconcile, to an ended sub-run too', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD, { loseEndNotices: true });
    await cancelThenExpiry(h, 'run_lost', 'inc_lost', 'xan');
    const childId = childRunId('run_lost', 'contain', 1);
    h.failures.set('ratelimit.clear', 1);
    h.held.delete('ratelimit.clear');
    await h.settle(); // the parent's job fails; the notice to the child is lost
    expect(await h.runs.get('run_lost')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undoing' }),
    ]);
    await h.runner.reconcile();
    await h.settle();
    // Told, the child tried again as its own job, which took the block back.
    expect(clears(h)).toEqual(['c-xan', 'c-xan']);
    expect(await h.limiter.rule('c-xan')).toBeUndefined();
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    expect((await h.runs.get('run_lost'))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
    // The child's own job's notice was lost too: the next reconcile sends it, then none is left.
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.unannounced()).toEqual([]);
  });

  it('a job failed without running (stalled too often) whose notice is lost: reconcile sends it', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD, { loseEndNotices: true });
    await h.start('run_stl', { id: 'inc_stl', group: { user: 'yul' } });
    await h.settle();
    const childId = childRunId('run_stl', 'contain', 1);
    h.held.add('ratelimit.clear');
    expect((await h.runner.cancel('run_stl', 'alice')).ok).toBe(true);
    await h.settle();
    const jobId = h.actionJobIds().find((id) => id.endsWith('-undo')) as string;
    h.setActionJobState(jobId, 'failed'); // no processor ran, no notice was sent
    h.held.delete('ratelimit.clear');
    await h.runner.reconcile();
    await h.settle();
    expect(clears(h)).toEqual([]);
    expect(await h.runs.get('run_stl')).toMatchObject({ status: 'cancelled' });
    for (const id of ['run_stl', childId])
      expect((await h.runs.get(id))?.undo?.entries).toEqual([
        expect.objectContaining({ status: 'undo-failed' }),
      ]);
    expect(await h.runs.unannounced()).toEqual([]);
  });
});

describe('an undo job the queue fails without running it (stalled too often)', () => {
  it('its own run is told by the notice of its end, and so is the sub-run that holds the effect', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await h.start('run_stall', { id: 'inc_stall', group: { user: 'wyn' } });
    await h.settle();
    const childId = childRunId('run_stall', 'contain', 1);
    h.held.add('ratelimit.clear');
    expect((await h.runner.cancel('run_stall', 'alice')).ok).toBe(true);
    await h.settle();
    const jobId = h.actionJobIds().find((id) => id.endsWith('-undo')) as string;
    const job = h.actionJob(jobId) as ActionJob;
    expect(job.runId).toBe('run_stall');
    // BullMQ fails it at its next fetch, without calling the processor: no report is sent.
    h.setActionJobState(jobId, 'failed');
    await h.runner.undoJobEnded(job, {
      ok: false,
      code: 'CORDON_ERR_ACTION_FAILED',
      message: 'job stalled more than allowable limit',
    });
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(clears(h)).toEqual([]);
    expect(await h.runs.get('run_stall')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get('run_stall'))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undo-failed' }),
    ]);
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undo-failed' }),
    ]);
  });
});

describe('a sub-run whose expiry finds its parent’s undo of the effect still running', () => {
  it('learns the outcome from the parent’s job, and the undo runs once', async () => {
    const h = harness(REVIEWED_EXPIRING_CHILD);
    await cancelThenExpiry(h, 'run_first', 'inc_first', 'uma');
    const childId = childRunId('run_first', 'contain', 1);
    h.held.delete('ratelimit.clear');
    await h.settle();
    expect(clears(h)).toEqual(['c-uma']);
    expect(await h.runs.get('run_first')).toMatchObject({ status: 'cancelled' });
    expect((await h.runs.get(childId))?.undo?.entries).toEqual([
      expect.objectContaining({ status: 'undone' }),
    ]);
  });
});
