/**
 * Escalation steps with a computed delay (`after: ${{ <CEL duration> }}`) and a step that
 * replaces the roles (`roles: { set: [...] }`), through the real runner and action processor
 * on real Redis (queues simulated on a manual clock, see run-harness); plus the load-time
 * checks of both.
 */
import { describe, expect, it } from 'vitest';
import { approvalEffectId } from '../../src/playbook/runtime/effects.js';
import { build } from '../unit/playbook/kinds/helpers.js';
import { runHarnesses, type RunHarness } from '../helpers/run-harness.js';

const harnesses = runHarnesses('escalate2');

const MINUTE = 60_000;
const PLAYBOOK = `
id: escalating
on: { correlation: r }
start: ask
states:
  ask:
    approval:
      roles: [approver]
      timeout: 1h
      message: "Block {{ incident.title }}?"
      escalate:
        - after: '\${{ incident.severity == "critical" ? duration("5m") : duration("20m") }}'
          roles: [soc-lead]
        - after: 40m
          roles: { set: [ciso] }
    on: { approved: done, rejected: done, timeout: done }
  done: { end: resolved }
`;

function harness(): RunHarness {
  return harnesses.harness(PLAYBOOK);
}

async function started(h: RunHarness, user: string, severity: string) {
  const runId = `run_${user}`;
  await h.start(runId, { id: `inc_${user}`, severity, group: { user } });
  await h.settle();
  return { runId, approvalId: approvalEffectId(runId, 'ask', 1) };
}

const escalated = async (h: RunHarness, runId: string) =>
  (await h.runs.timeline(runId)).filter((e) => e.type === 'approval.escalated');

describe('a computed escalation delay', () => {
  it('is computed from the incident when the approval is asked for', async () => {
    const h = harness();
    const t0 = h.clock.now();
    const critical = await started(h, 'crit', 'critical');
    const high = await started(h, 'high', 'high');
    expect((await h.approvals.get(critical.approvalId))?.nextEscalationAt).toBe(t0 + 5 * MINUTE);
    expect((await h.approvals.get(high.approvalId))?.nextEscalationAt).toBe(t0 + 20 * MINUTE);

    h.clock.advance(5 * MINUTE);
    await h.settle();
    expect((await h.approvals.get(critical.approvalId))?.roles).toEqual(['approver', 'soc-lead']);
    expect((await h.approvals.get(high.approvalId))?.roles).toEqual(['approver']);
    expect(await escalated(h, critical.runId)).toEqual([
      expect.objectContaining({ escalation: 1, after: 5 * MINUTE, addedRoles: ['soc-lead'] }),
    ]);

    h.clock.advance(15 * MINUTE);
    await h.settle();
    expect((await h.approvals.get(high.approvalId))?.roles).toEqual(['approver', 'soc-lead']);
    expect((await h.approvals.get(high.approvalId))?.nextEscalationAt).toBe(t0 + 40 * MINUTE);
  });

  it('a lost computed timer is re-queued by reconcile at its computed time, once', async () => {
    const h = harness();
    const { runId, approvalId } = await started(h, 'lost', 'critical');
    h.loseQueuedRunJobs();
    h.clock.advance(6 * MINUTE);
    await h.settle();
    expect((await h.approvals.get(approvalId))?.roles).toEqual(['approver']);
    await h.runner.reconcile();
    await h.runner.reconcile();
    await h.settle();
    expect((await h.approvals.get(approvalId))?.roles).toEqual(['approver', 'soc-lead']);
    expect(await escalated(h, runId)).toHaveLength(1);
  });
});

describe('roles: { set }', () => {
  it('replaces who may decide: the roles before it can no longer vote', async () => {
    const h = harness();
    const { runId, approvalId } = await started(h, 'setr', 'high');
    h.clock.advance(40 * MINUTE);
    await h.settle();
    const approval = await h.approvals.get(approvalId);
    expect(approval).toMatchObject({
      status: 'pending',
      roles: ['ciso'],
      escalations: [
        expect.objectContaining({ index: 0, roles: ['soc-lead'] }),
        expect.objectContaining({ index: 1, roles: ['ciso'], set: true }),
      ],
    });
    expect((await escalated(h, runId)).at(-1)).toMatchObject({
      escalation: 2,
      setRoles: ['ciso'],
      roles: ['ciso'],
    });
    // Votes are checked against the roles the approval holds (GET /v1/approvals shows them):
    // from here on an approver's vote is refused, a ciso's counts.
    expect(approval?.roles).not.toContain('approver');
  });
});

describe('load-time checks', () => {
  const errorsOf = (escalate: string) =>
    build(
      PLAYBOOK.replace(
        /      escalate:\n[\s\S]*?    on:/,
        `      escalate:\n${escalate}    on:`,
      ).replace('correlation: r', 'correlation: model_extraction_by_query_volume'),
    ).diagnostics.filter((d) => d.severity === 'error');

  it('type-checks a computed after as a duration, located at its path', () => {
    expect(
      errorsOf(
        "        - after: '${{ incident.matchCount > 3.0 }}'\n          roles: [soc-lead]\n",
      ),
    ).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_EXPRESSION',
        path: 'states.ask.approval.escalate[0].after',
      }),
    );
    expect(
      errorsOf('        - after: \'${{ duration("5m") }}\'\n          roles: [soc-lead]\n'),
    ).toEqual([]);
  });

  it('refuses an empty set, a set with add, and machine roles in a set', () => {
    const codes = (e: string) => errorsOf(e).map((d) => [d.code, d.path]);
    expect(codes('        - after: 5m\n          roles: { set: [] }\n')).toContainEqual([
      'CORDON_ERR_DEFINITION_TYPE',
      'states.ask.approval.escalate[0].roles',
    ]);
    expect(codes('        - after: 5m\n          roles: { set: [a], add: [b] }\n')).toContainEqual([
      'CORDON_ERR_DEFINITION_VALUE',
      'states.ask.approval.escalate[0].roles',
    ]);
    expect(codes('        - after: 5m\n          roles: { set: [admin] }\n')).toContainEqual([
      'CORDON_ERR_DEFINITION_VALUE',
      'states.ask.approval.escalate[0].roles',
    ]);
  });
});
