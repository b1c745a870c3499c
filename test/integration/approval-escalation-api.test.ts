/**
 * Approval escalation end to end: a real Cordon (BullMQ delayed jobs as timers, the action
 * worker, the API) on real Redis. Before the escalation a principal holding only the role it
 * adds is refused; after it, GET shows the widened roles and the next escalation time, the
 * run's timeline records the step, the notification opened its case once, and that principal
 * decides; the gated action runs with its computed input.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';

let t: TestCordon;

beforeAll(async () => {
  t = await startTestCordon({
    contentDir: fileURLToPath(new URL('../fixtures/content/escalation/', import.meta.url)),
  });
});
afterAll(async () => {
  await t.stop();
});

describe('approval escalation through the API', () => {
  it('widens the roles after the delay, shows it, notifies once and lets the new role decide', async () => {
    const now = Date.now();
    const events = [0, 1, 2].map((i) => ({
      kind: 'login',
      time: now - 5_000 + i,
      outcome: 'failure',
      entity: { user: 'oscar' },
    }));
    expect((await t.call('POST', '/v1/ingest/events', TOKENS.ingest, events)).statusCode).toBe(202);
    const approval = await eventually(async () => {
      const res = await t.call('GET', '/v1/approvals?status=pending', TOKENS.approver);
      return (res.json().approvals as Record<string, any>[]).find(
        (a) => a.message === 'Block oscar?',
      );
    }, 'the approval');
    const id = String(approval.id);

    // Before the escalation (or racing it) ml-oncall alone is not enough: refused, or the
    // escalation already happened. Check the refusal only if it is still ahead.
    const early = (await t.call('GET', `/v1/approvals/${id}`, TOKENS.analyst)).json();
    if (!early.escalations) {
      expect(early.roles).toEqual(['approver']);
      expect(early.nextEscalationAt).toBe(early.createdAt + 1_000);
    }

    const escalated = await eventually(async () => {
      const a = (await t.call('GET', `/v1/approvals/${id}`, TOKENS.analyst)).json();
      return a.escalations?.length === 1 ? a : undefined;
    }, 'the first escalation');
    expect(escalated.roles).toEqual(['approver', 'ml-oncall']);
    expect(escalated.nextEscalationAt).toBe(escalated.createdAt + 5 * 60_000);
    expect(escalated.escalations[0]).toMatchObject({
      index: 0,
      roles: ['ml-oncall'],
      notify: { operation: 'ticket.open', connector: 'cases' },
    });

    const cases = await eventually(async () => {
      const list = (await t.call('GET', '/v1/cases', TOKENS.analyst)).json().cases as Record<
        string,
        any
      >[];
      const found = list.filter((c) => c.summary === 'Approval waiting: block oscar?');
      return found.length > 0 ? found : undefined;
    }, 'the escalation case');
    expect(cases).toHaveLength(1);

    const decided = await t.call('POST', `/v1/approvals/${id}/approve`, TOKENS.oncall, {
      comment: 'on call, go',
    });
    expect(decided.statusCode).toBe(200);
    const run = await eventually(async () => {
      const r = (await t.call('GET', `/v1/runs/${String(approval.runId)}`, TOKENS.analyst)).json();
      return r.status === 'resolved' ? r : undefined;
    }, 'the run to resolve');
    const entries = (run.timeline as Record<string, any>[]).filter(
      (e) => e.type === 'approval.escalated',
    );
    expect(entries).toEqual([
      expect.objectContaining({
        state: 'ask',
        approvalId: id,
        escalation: 1,
        addedRoles: ['ml-oncall'],
      }),
    ]);
    // The privilege change is on the audit trail, once.
    const audit = (
      await t.call('GET', '/v1/audit?action=approval.escalated', TOKENS.auditor)
    ).json();
    const mine = (audit.entries as Record<string, any>[]).filter(
      (e) => e.targets?.approvalId === id,
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      actor: { id: 'system:runner' },
      outcome: 'escalated',
      detail: { escalation: 1, addedRoles: ['ml-oncall'], roles: ['approver', 'ml-oncall'] },
    });
    const limiter = (await t.call('GET', '/v1/limiter/keys/oscar', TOKENS.analyst)).json();
    // The computed limit: one match, so 5/m rather than a block.
    expect(limiter.rule).toMatchObject({ mode: 'throttle', count: 5, windowMs: 60_000 });
  });

  it('refuses ml-oncall on an approval that has not escalated', async () => {
    // The same playbook, decided at once by an approver: ml-oncall was never added.
    const now = Date.now();
    const events = [0, 1, 2].map((i) => ({
      kind: 'login',
      time: now - 5_000 + i,
      outcome: 'failure',
      entity: { user: 'peggy' },
    }));
    await t.call('POST', '/v1/ingest/events', TOKENS.ingest, events);
    const approval = await eventually(async () => {
      const res = await t.call('GET', '/v1/approvals?status=pending', TOKENS.approver);
      return (res.json().approvals as Record<string, any>[]).find(
        (a) => a.message === 'Block peggy?',
      );
    }, 'the approval');
    const res = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      TOKENS.oncallReader,
      {},
    );
    // Unless the 1s escalation won the race, ml-oncall is refused.
    const now2 = (
      await t.call('GET', `/v1/approvals/${String(approval.id)}`, TOKENS.analyst)
    ).json();
    if (!now2.escalations) {
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('CORDON_ERR_APPROVAL_ROLE');
      expect(res.json().details).toEqual({ required: ['approver'] });
    }
  });
});
