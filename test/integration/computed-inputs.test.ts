/**
 * Computed action inputs (`${{ <CEL> }}`) through the real runner and action processor on real
 * Redis (queues simulated on a manual clock, see run-harness): the value is computed before the
 * approval is asked for and bound into its hash like a templated input, the action runs with
 * exactly that value, and a value that cannot be computed fails the step with a typed error.
 */
import { describe, expect, it } from 'vitest';
import { runHarnesses } from '../helpers/run-harness.js';

const { harness } = runHarnesses('computed');

const GATED = `
id: computed
on: { correlation: r }
start: ticket
states:
  ticket:
    action: ticket.open
    with:
      summary: '\${{ "Key " + incident.group.user + " seen " + string(int(incident.matchCount)) + " times" }}'
      severity: '\${{ incident.matchCount > 3.0 ? "critical" : "medium" }}'
    next: ask
  ask:
    approval: { roles: [approver], timeout: 1h, message: '\${{ "Block " + incident.group.user + "?" }}' }
    on: { approved: block, rejected: done }
  block:
    action: ratelimit.set
    with:
      key: "{{ incident.group.user }}"
      limit: '\${{ incident.matchCount > 3.0 ? "block" : "10/m" }}'
      expires: '\${{ steps.ticket.status == "succeeded" ? duration("2h") : duration("1h") }}'
    undo: ratelimit.clear
    next: done
  done: { end: resolved }
`;

describe('computed inputs', () => {
  it('computes values before the approval, binds them by hash and runs exactly them', async () => {
    const h = harness(GATED);
    const runId = 'run_alice';
    await h.start(runId, { id: 'inc_alice', group: { user: 'alice' }, matchCount: 5 });
    await h.settle();
    expect(h.calls[0]).toMatchObject({
      operation: 'ticket.open',
      inputs: { summary: 'Key alice seen 5 times', severity: 'critical' },
    });
    const [approval] = await h.approvals.list({ limit: 10, runId });
    expect(approval?.message).toBe('Block alice?');
    expect(approval?.gated?.inputs).toEqual({ key: 'alice', limit: 'block', expires: '7200s' });

    expect(
      await h.approvals.decide(approval?.id ?? '', 'approve', 'bob', 'approver', '', h.clock.now()),
    ).toMatchObject({ kind: 'decided' });
    const decided = await h.approvals.get(approval?.id ?? '');
    if (decided) await h.runner.deliverDecision(decided);
    await h.settle();
    expect(h.calls[1]).toMatchObject({
      operation: 'ratelimit.set',
      inputs: { key: 'alice', limit: 'block', expires: '7200s' },
    });
    // The action ran under the approval that bound it (a differing hash would refuse it).
    expect((await h.runs.get(runId))?.context.steps.block).toMatchObject({ status: 'succeeded' });
    expect((await h.runs.get(runId))?.status).toBe('resolved');
  });

  it('fails the step with CORDON_ERR_ACTION_INPUT when a value cannot be computed', async () => {
    const h = harness(GATED);
    const runId = 'run_mallory';
    // No matchCount: the summary cannot be computed, so nothing is called.
    await h.start(runId, { id: 'inc_mallory', group: { user: 'mallory' } });
    await h.settle();
    expect(h.calls).toEqual([]);
    const run = await h.runs.get(runId);
    expect(run?.status).toBe('failed');
    expect(run?.context.steps.ticket).toMatchObject({
      status: 'failed',
      error: { code: 'CORDON_ERR_ACTION_INPUT' },
    });
    const error = (run?.context.steps.ticket as { error: { message: string } }).error;
    expect(error.message).toMatch(
      /^State "ticket" input "summary": \$\{\{ .* \}\} could not be computed: .*matchCount/,
    );
  });
});
