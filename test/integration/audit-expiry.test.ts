/**
 * Decisions Cordon takes on its own reach the audit trail too: an approval nobody decided
 * expires (`system:runner`), a rejection is recorded with its comment, and an action whose
 * inputs are invalid at run time is recorded as failed with its code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-entry.js';
import { eventually, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { failLogins, startShortTimeoutCordon } from '../helpers/short-timeout.js';

let t: TestCordon;

beforeAll(async () => {
  t = await startShortTimeoutCordon();
});
afterAll(async () => {
  await t.stop();
});

async function entryFor(action: string, approvalId: string): Promise<AuditRecord> {
  return eventually(async () => {
    const res = await t.call('GET', `/v1/audit?action=${action}&limit=500`, TOKENS.auditor);
    return (res.json().entries as AuditRecord[]).find((e) => e.targets.approvalId === approvalId);
  }, `${action} for ${approvalId}`);
}

describe('audit of decisions Cordon takes', () => {
  it('records an approval that expired as the runner’s decision', async () => {
    const approval = await failLogins(t, 'mallory');
    const expired = await entryFor('approval.expired', approval.id as string);
    expect(expired).toMatchObject({
      actor: { id: 'system:runner', roles: [] },
      outcome: 'expired',
      targets: { runId: approval.runId, incidentId: approval.incidentId },
    });
  });

  it('records a rejection and the action that then failed on invalid inputs', async () => {
    const approval = await failLogins(t, 'trudy');
    const rejected = await t.call('POST', `/v1/approvals/${approval.id}/reject`, TOKENS.approver, {
      comment: 'take the other branch',
    });
    expect(rejected.statusCode).toBe(200);
    expect(await entryFor('approval.decided', approval.id as string)).toMatchObject({
      actor: { id: 'approver' },
      outcome: 'rejected',
      detail: { comment: 'take the other branch' },
    });
    const failed = await eventually(async () => {
      const res = await t.call('GET', '/v1/audit?action=action.failed', TOKENS.auditor);
      return (res.json().entries as AuditRecord[]).find((e) => e.targets.runId === approval.runId);
    }, 'the failed action');
    // The runner refuses it before any job is queued.
    expect(failed).toMatchObject({
      actor: { id: 'system:runner' },
      outcome: 'refused',
      detail: { operation: 'ratelimit.set', code: 'CORDON_ERR_ACTION_INPUT' },
    });
  });
});
