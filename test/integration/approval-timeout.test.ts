/**
 * Paths the shipped playbook rarely takes: an approval that times out (the timer is a
 * durable delayed job, and a late decision is refused), and an action whose templated inputs
 * turn out invalid at run time (the run ends failed, saying why, without retrying).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { failLogins, startShortTimeoutCordon } from '../helpers/short-timeout.js';

let t: TestCordon;

beforeAll(async () => {
  t = await startShortTimeoutCordon();
});
afterAll(async () => {
  await t.stop();
});

async function endedRun(runId: string): Promise<Record<string, any>> {
  return eventually(async () => {
    const run = (await t.call('GET', `/v1/runs/${runId}`, TOKENS.analyst)).json();
    return ['resolved', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  }, `run ${runId} to end`);
}

describe('approval timeout', () => {
  it('takes the timeout path when nobody decides, and refuses a late decision', async () => {
    const approval = await failLogins(t, 'mallory');
    expect(approval.expiresAt - approval.createdAt).toBe(1_000);
    const run = await endedRun(approval.runId);
    expect(run).toMatchObject({ status: 'cancelled', state: 'timed_out' });
    expect(run.context.approvals.ask).toMatchObject({ id: approval.id, decision: 'timeout' });
    expect(
      (await t.call('GET', `/v1/approvals/${String(approval.id)}`, TOKENS.approver)).json().status,
    ).toBe('expired');

    const late = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      TOKENS.approver,
      { comment: 'sorry, was at lunch' },
    );
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('CORDON_ERR_APPROVAL_NOT_PENDING');
    const limiter = (await t.call('GET', '/v1/limiter/keys/mallory', TOKENS.analyst)).json();
    expect(limiter).toEqual({ key: 'mallory', rule: null, history: [] });
  });
});

describe('action failure', () => {
  it('ends the run failed with the reason when inputs are invalid after templating', async () => {
    const approval = await failLogins(t, 'trudy');
    const rejected = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/reject`,
      TOKENS.approver,
      { comment: 'take the other branch' },
    );
    expect(rejected.statusCode).toBe(200);
    const run = await endedRun(approval.runId);
    expect(run).toMatchObject({ status: 'failed', state: '__failed' });
    expect(run.context.steps.broken_throttle).toMatchObject({
      status: 'failed',
      error: { code: 'CORDON_ERR_ACTION_INPUT' },
    });
    expect(run.context.steps.broken_throttle.error.message).toContain(
      'limit: got "Login failures per user (user=trudy)"',
    );
    const ended = (run.timeline as Record<string, any>[]).at(-1);
    expect(ended).toMatchObject({ type: 'ended', outcome: 'failed' });
    // Nothing reached the limiter.
    expect((await t.call('GET', '/v1/limiter/keys/trudy', TOKENS.analyst)).json().history).toEqual(
      [],
    );
  });

  it('runs the approved action with exactly the inputs the approver saw', async () => {
    const approval = await failLogins(t, 'eve');
    expect(approval.gated).toMatchObject({
      operation: 'ratelimit.set',
      connector: 'gateway',
      inputs: { key: 'eve', limit: 'block' },
    });
    await t.call('POST', `/v1/approvals/${String(approval.id)}/approve`, TOKENS.approver, {
      comment: 'block',
    });
    const run = await endedRun(approval.runId);
    expect(run.status).toBe('resolved');
    const check = await t.call('GET', '/v1/limiter/check?key=eve', TOKENS.gateway);
    expect(check.statusCode).toBe(403);
    expect(check.json().decision).toBe('block');
  });
});
