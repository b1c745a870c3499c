/**
 * Approval escalation through the real runner and action processor on real Redis (queues
 * simulated on a manual clock, see run-harness): after each declared delay a pending approval
 * notifies and widens its roles, once per step however often its timer is delivered (twice at
 * once, or again after a crash between recording the step and queueing the notification), the
 * timeline records each step, and a decided approval escalates no more.
 */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/playbook/definition/compile-playbook.js';
import { escalationDelayName } from '../../src/playbook/kinds/approval/approval-escalation.js';
import { approvalEffectId, timerEffectId } from '../../src/playbook/runtime/effects.js';
import { runHarnesses, type RunHarness } from '../helpers/run-harness.js';

const harnesses = runHarnesses('escalate');

const ESCALATING = `
id: escalating
on: { correlation: r }
start: ask
states:
  ask:
    approval:
      roles: [approver]
      timeout: 1h
      message: "Block {{ incident.group.user }}?"
      escalate:
        - after: 15m
          notify: { action: ticket.open, with: { summary: "Still waiting: block {{ incident.group.user }}?" } }
          roles: [soc-lead]
        - after: 30m
          roles: [ciso, soc-lead]
    on: { approved: block, rejected: done, timeout: done }
  block:
    action: ratelimit.set
    with: { key: "{{ incident.group.user }}", limit: block }
    undo: ratelimit.clear
    next: done
  done: { end: resolved }
`;

const MINUTE = 60_000;
const IN_BRANCH = `
id: branchy
on: { correlation: r }
start: both
states:
  both:
    parallel:
      branches:
        asking:
          start: ask
          states:
            ask:
              approval:
                timeout: 1h
                escalate: [ { after: 10m, roles: [soc-lead], notify: { action: ticket.open, with: { summary: "still asking" } } } ]
              on: { approved: asked, rejected: asked }
            asked: { end: resolved }
        casing:
          start: open_case
          states:
            open_case: { action: ticket.open, with: { summary: "case" }, next: cased }
            cased: { end: resolved }
    next: done
  done: { end: resolved }
`;

function harness(text = ESCALATING): RunHarness {
  return harnesses.harness(text);
}

async function started(
  h: RunHarness,
  user: string,
): Promise<{ runId: string; approvalId: string }> {
  const runId = `run_${user}`;
  await h.start(runId, { id: `inc_${user}`, group: { user } });
  await h.settle();
  return { runId, approvalId: approvalEffectId(runId, 'ask', 1) };
}

/** The escalation timer's run job, as the runner queued it (for redelivering it by hand). */
function timerJob(h: RunHarness, runId: string, index: number) {
  const type = `xstate.after.${escalationDelayName('ask', index)}.${h.playbook.nodeIds.ask ?? 'escalating.ask'}`;
  return {
    type: 'event' as const,
    runId,
    eventId: timerEffectId(runId, type, 1),
    event: { type } as RunEvent,
    expect: { state: 'ask', step: 1 },
  };
}

const escalatedEntries = async (h: RunHarness, runId: string) =>
  (await h.runs.timeline(runId)).filter((e) => e.type === 'approval.escalated');

describe('approval escalation', () => {
  it('notifies and widens the roles after each delay, shows the next time, and lets the new role decide', async () => {
    const h = harness();
    const t0 = h.clock.now();
    const { runId, approvalId } = await started(h, 'alice');
    expect(await h.approvals.get(approvalId)).toMatchObject({
      roles: ['approver'],
      nextEscalationAt: t0 + 15 * MINUTE,
    });

    h.clock.advance(14 * MINUTE);
    await h.settle();
    expect(await escalatedEntries(h, runId)).toEqual([]);

    h.clock.advance(MINUTE);
    await h.settle();
    const first = await h.approvals.get(approvalId);
    expect(first).toMatchObject({
      status: 'pending',
      roles: ['approver', 'soc-lead'],
      nextEscalationAt: t0 + 30 * MINUTE,
      escalations: [
        {
          index: 0,
          at: t0 + 15 * MINUTE,
          roles: ['soc-lead'],
          notify: { operation: 'ticket.open' },
        },
      ],
    });
    expect(h.calls.map((c) => [c.operation, c.inputs.summary])).toEqual([
      ['ticket.open', 'Still waiting: block alice?'],
    ]);
    expect(await escalatedEntries(h, runId)).toEqual([
      expect.objectContaining({
        at: t0 + 15 * MINUTE,
        state: 'ask',
        approvalId,
        escalation: 1,
        addedRoles: ['soc-lead'],
        roles: ['approver', 'soc-lead'],
        notify: expect.objectContaining({ operation: 'ticket.open' }),
      }),
    ]);
    // The run did not move: same state, same step, still waiting.
    expect(await h.runs.get(runId)).toMatchObject({ state: 'ask', step: 1, status: 'waiting' });

    h.clock.advance(15 * MINUTE);
    await h.settle();
    const second = await h.approvals.get(approvalId);
    expect(second?.roles).toEqual(['approver', 'soc-lead', 'ciso']);
    expect(second?.nextEscalationAt).toBeUndefined();
    expect((await escalatedEntries(h, runId)).map((e) => e.escalation)).toEqual([1, 2]);
    expect(h.calls).toHaveLength(1);

    // A vote cast after the escalation, under a role it added, decides.
    expect(
      await h.approvals.decide(approvalId, 'approve', 'lead-1', 'ciso', '', h.clock.now()),
    ).toEqual({ kind: 'decided', status: 'approved' });
    const decided = await h.approvals.get(approvalId);
    if (decided) await h.runner.deliverDecision(decided);
    await h.settle();
    expect(await h.runs.get(runId)).toMatchObject({ status: 'resolved', state: 'done' });
    expect(h.calls.map((c) => c.operation)).toEqual(['ticket.open', 'ratelimit.set']);
  });

  it('escalates once when the timer is delivered twice at once and again later', async () => {
    const h = harness();
    const { runId, approvalId } = await started(h, 'bob');
    h.clock.advance(15 * MINUTE);
    const job = timerJob(h, runId, 0);
    // Two runner processes handed the same timer (a stalled job redelivered) at once.
    await Promise.all([h.runner.apply(job), h.runner.apply(job)]);
    await h.settle();
    await h.runner.apply(job);
    await h.settle();
    expect(await escalatedEntries(h, runId)).toHaveLength(1);
    expect((await h.approvals.get(approvalId))?.escalations).toHaveLength(1);
    expect(h.calls.map((c) => c.operation)).toEqual(['ticket.open']);
  });

  it('queues the notification after a crash between recording the step and queueing it', async () => {
    const h = harness();
    const { runId, approvalId } = await started(h, 'carol');
    h.clock.advance(15 * MINUTE);
    // The step recorded by a process that died before queueing the notification.
    expect(
      await h.approvals.escalate(
        approvalId,
        runId,
        { index: 0, at: h.clock.now(), roles: ['soc-lead'] },
        undefined,
        { at: h.clock.now(), type: 'approval.escalated', state: 'ask', escalation: 1 },
      ),
    ).toBe('escalated');
    // The timer's job is redelivered: the step is not taken twice; the notification goes out.
    await h.settle();
    expect(await escalatedEntries(h, runId)).toHaveLength(1);
    expect(h.calls.map((c) => c.operation)).toEqual(['ticket.open']);
    expect((await h.approvals.get(approvalId))?.roles).toEqual(['approver', 'soc-lead']);
  });

  it('does not escalate an approval decided before the delay, nor after the run moved on', async () => {
    const h = harness();
    const { runId, approvalId } = await started(h, 'dave');
    h.clock.advance(5 * MINUTE);
    await h.approvals.decide(approvalId, 'reject', 'approver-1', 'approver', 'no', h.clock.now());
    const decided = await h.approvals.get(approvalId);
    if (decided) await h.runner.deliverDecision(decided);
    await h.settle();
    h.clock.advance(60 * MINUTE);
    await h.settle();
    // Even a timer that survived the cancel finds the run ended, past the approval.
    expect(await h.runner.apply(timerJob(h, runId, 0))).toBe('ignored');
    expect(await escalatedEntries(h, runId)).toEqual([]);
    expect(h.calls).toEqual([]);
    const after = await h.approvals.get(approvalId);
    expect(after?.roles).toEqual(['approver']);
    expect(after?.nextEscalationAt).toBeUndefined();
  });

  it('reconcile re-queues an escalation timer that was lost', async () => {
    const h = harness();
    const { runId, approvalId } = await started(h, 'erin');
    h.loseQueuedRunJobs();
    h.clock.advance(16 * MINUTE);
    await h.settle();
    expect(await escalatedEntries(h, runId)).toEqual([]);
    await h.runner.reconcile();
    await h.settle();
    expect(await escalatedEntries(h, runId)).toHaveLength(1);
    expect((await h.approvals.get(approvalId))?.roles).toEqual(['approver', 'soc-lead']);
  });

  it('escalates an approval inside a parallel branch without moving any branch', async () => {
    const h = harness(IN_BRANCH);
    const runId = 'run_frank';
    await h.start(runId, { id: 'inc_frank', group: { user: 'frank' } });
    await h.settle();
    const before = await h.runs.get(runId);
    const step = before?.leaves?.ask ?? 0;
    expect(step).toBeGreaterThan(0);
    h.clock.advance(10 * MINUTE);
    await h.settle();
    const approvalId = approvalEffectId(runId, 'ask', step);
    expect((await h.approvals.get(approvalId))?.roles).toEqual(['approver', 'soc-lead']);
    expect(await escalatedEntries(h, runId)).toHaveLength(1);
    expect(h.calls.map((c) => c.inputs.summary)).toEqual(['case', 'still asking']);
    const after = await h.runs.get(runId);
    expect(after?.leaves).toEqual(before?.leaves);
    expect(after?.step).toBe(before?.step);
  });
});
