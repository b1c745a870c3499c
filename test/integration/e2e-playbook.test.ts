/**
 * The product end to end through the HTTP API only: inference events in → the shipped
 * correlation fires → an incident opens → the shipped playbook throttles the key at the
 * built-in limiter → an approval waits → approving opens a case (rejecting does not).
 * Runs against the single Redis and a local Redis Cluster (vitest.config.ts), and checks that
 * every script, MULTI and pipeline of the flow touched one cluster slot (test/helpers/slot-check.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  correlated,
  eventually,
  inferenceEvents,
  metricValue,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../helpers/cordon.js';
import { TEST_REDIS_IS_CLUSTER } from '../helpers/redis.js';
import { installSlotCheck, type SlotCheck } from '../helpers/slot-check.js';
import { isCluster } from '../../src/store/redis.js';

let t: TestCordon;
let slots: SlotCheck;

beforeAll(async () => {
  slots = installSlotCheck();
  t = await startTestCordon();
});
afterAll(async () => {
  await t.stop();
  slots.uninstall();
});

async function postEvents(body: string): Promise<{ accepted: number; duplicates: number }> {
  const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, body, {
    'content-type': 'application/x-ndjson',
  });
  expect(res.statusCode, res.body).toBe(202);
  return res.json();
}

async function incidentFor(apiKey: string): Promise<Record<string, any> | undefined> {
  const res = await t.call('GET', '/v1/incidents?limit=500', TOKENS.analyst);
  return (res.json().incidents as Record<string, any>[]).find((i) => i.group.api_key === apiKey);
}

async function pendingApprovalFor(incidentId: string): Promise<Record<string, any> | undefined> {
  const res = await t.call('GET', '/v1/approvals?status=pending', TOKENS.approver);
  return (res.json().approvals as Record<string, any>[]).find((a) => a.incidentId === incidentId);
}

async function runOf(incidentId: string): Promise<Record<string, any>> {
  const list = await t.call('GET', `/v1/runs?incident=${incidentId}`, TOKENS.analyst);
  const [run] = list.json().runs as Record<string, any>[];
  const res = await t.call('GET', `/v1/runs/${String(run?.id)}`, TOKENS.analyst);
  return res.json();
}

async function checkLimiter(
  key: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, any> }> {
  const res = await t.call(
    'GET',
    `/v1/limiter/check?key=${encodeURIComponent(key)}`,
    TOKENS.gateway,
  );
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

describe('inference flood → incident → throttle → approval', () => {
  it('approve path: the key is throttled, an approval waits, approving ends the run resolved with a case', async () => {
    const key = 'key-approve';
    expect((await checkLimiter(key)).status).toBe(200);
    const before = await metricValue(t, 'cordon_correlator_events_total');
    expect((await postEvents(inferenceEvents(key, 100, Date.now() - 30_000))).accepted).toBe(100);
    // 100 requests in the minute is not "more than 100": once all are correlated, nothing fired.
    await correlated(t, before + 100);
    expect(await incidentFor(key)).toBeUndefined();

    await postEvents(inferenceEvents(key, 1, Date.now() - 20_000));
    const incident = await eventually(() => incidentFor(key), 'the incident');
    expect(incident).toMatchObject({
      rule: 'model_extraction_by_query_volume',
      severity: 'high',
      status: 'open',
      matchCount: 1,
      eventCount: 101,
    });

    const approval = await eventually(
      () => pendingApprovalFor(incident.id),
      'the pending approval',
    );
    expect(approval.roles).toEqual(['approver']);
    expect(approval.message).toContain(`API key ${key} sent 101 inference requests`);
    expect(approval.gated).toMatchObject({
      operation: 'ticket.open',
      connector: 'cases',
      inputs: { dedupe: incident.id, severity: 'high' },
    });

    // The throttle is in force: 10 requests per minute pass, the 11th is refused with Retry-After.
    for (let i = 0; i < 10; i += 1) expect((await checkLimiter(key)).status).toBe(200);
    const limited = await checkLimiter(key);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ decision: 'throttle', limit: 10, remaining: 0 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Other keys are untouched.
    expect((await checkLimiter('key-someone-else')).status).toBe(200);

    const waiting = await runOf(incident.id);
    expect(waiting).toMatchObject({
      status: 'waiting',
      state: 'ask_case',
      playbookId: 'contain-abusive-key',
    });
    expect(waiting.context.steps.throttle).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { applied: true, key, mode: 'throttle', count: 10, windowMs: 60_000 },
    });

    const approved = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      TOKENS.approver,
      { comment: 'confirmed scraping pattern' },
    );
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({
      status: 'approved',
      votes: [
        {
          by: 'approver',
          role: 'approver',
          decision: 'approved',
          comment: 'confirmed scraping pattern',
        },
      ],
    });

    const done = await eventually(async () => {
      const run = await runOf(incident.id);
      return run.status === 'resolved' ? run : undefined;
    }, 'the run to end');
    expect(done.state).toBe('done');
    const caseId = done.context.steps.open_case.result.caseId as string;
    const kase = await t.call('GET', `/v1/cases/${caseId}`, TOKENS.analyst);
    expect(kase.statusCode).toBe(200);
    expect(kase.json()).toMatchObject({
      status: 'open',
      incidentId: incident.id,
      dedupe: incident.id,
      severity: 'high',
      summary: incident.title,
    });

    const types = (done.timeline as { type: string; event?: string }[]).map((e) =>
      e.type === 'transition' ? `${e.type}:${String(e.event)}` : e.type,
    );
    expect(types).toEqual([
      'started',
      'action.queued',
      'transition:action.succeeded',
      'approval.requested',
      'timer.set',
      'transition:approval.approved',
      'timer.cancelled',
      'action.queued',
      'transition:action.succeeded',
      'ended',
    ]);

    // A decided approval cannot be decided again.
    const again = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/reject`,
      TOKENS.approver2,
      { comment: 'too late' },
    );
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CORDON_ERR_APPROVAL_NOT_PENDING');
  });

  it('reject path: the run ends without a case and the throttle stays', async () => {
    const key = 'key-reject';
    await postEvents(inferenceEvents(key, 101, Date.now() - 30_000));
    const incident = await eventually(() => incidentFor(key), 'the incident');
    const approval = await eventually(
      () => pendingApprovalFor(incident.id),
      'the pending approval',
    );

    const noComment = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/reject`,
      TOKENS.approver,
      {},
    );
    expect(noComment.statusCode).toBe(400);
    expect(noComment.json()).toMatchObject({
      code: 'CORDON_ERR_API_INVALID_REQUEST',
      details: { errors: [{ path: 'body/comment' }] },
    });

    const rejected = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/reject`,
      TOKENS.approver,
      { comment: 'false positive: load test' },
    );
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json().status).toBe('rejected');

    const done = await eventually(async () => {
      const run = await runOf(incident.id);
      return run.status === 'resolved' ? run : undefined;
    }, 'the run to end');
    expect(done.state).toBe('closed_without_case');
    expect(done.context.steps.open_case).toBeUndefined();
    expect(done.context.approvals.ask_case).toMatchObject({
      decision: 'rejected',
      by: ['approver'],
    });
    const cases = await t.call('GET', '/v1/cases?limit=500', TOKENS.analyst);
    expect(
      (cases.json().cases as { incidentId: string }[]).some((c) => c.incidentId === incident.id),
    ).toBe(false);
    const limiter = await t.call('GET', `/v1/limiter/keys/${key}`, TOKENS.analyst);
    expect(limiter.json().rule).toMatchObject({ key, mode: 'throttle', count: 10 });
  });

  it('counts a redelivered event once', async () => {
    const key = 'key-dupes';
    const start = Date.now() - 30_000;
    const body = inferenceEvents(key, 100, start);
    expect(await postEvents(body)).toMatchObject({ accepted: 100, duplicates: 0 });
    // The same 100 events again (an at-least-once sender retrying): all recognised.
    expect(await postEvents(body)).toMatchObject({ accepted: 0, duplicates: 100 });
    // An explicit id sent twice in one request is also one event.
    const withId = JSON.stringify({
      id: 'evt-fixed-1',
      kind: 'inference',
      time: start + 5_000,
      entity: { api_key: key },
    });
    expect(await postEvents(`${withId}\n${withId}\n`)).toMatchObject({
      accepted: 1,
      duplicates: 1,
    });
    const incident = await eventually(() => incidentFor(key), 'the incident');
    expect(incident.eventCount).toBe(101);
  });

  it('gives one incident per key while open and records further matches on it', async () => {
    const key = 'key-repeat';
    await postEvents(inferenceEvents(key, 101, Date.now() - 50_000));
    const first = await eventually(() => incidentFor(key), 'the incident');
    await postEvents(inferenceEvents(key, 101, Date.now() - 20_000));
    const updated = await eventually(async () => {
      const inc = await incidentFor(key);
      return inc && inc.matchCount === 2 ? inc : undefined;
    }, 'the second match');
    expect(updated.id).toBe(first.id);
    const runs = await t.call('GET', `/v1/runs?incident=${String(first.id)}`, TOKENS.analyst);
    expect(runs.json().runs).toHaveLength(1);

    // Analysts read; resolving takes the responder role.
    const readOnly = await t.call(
      'POST',
      `/v1/incidents/${String(first.id)}/resolve`,
      TOKENS.analyst,
      { comment: 'key revoked' },
    );
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json().code).toBe('CORDON_ERR_API_FORBIDDEN');
    const resolved = await t.call(
      'POST',
      `/v1/incidents/${String(first.id)}/resolve`,
      TOKENS.approver,
      { comment: 'key revoked' },
    );
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolvedBy: 'approver' });
    await postEvents(inferenceEvents(key, 101, Date.now() - 10_000));
    const next = await eventually(async () => {
      const res = await t.call('GET', '/v1/incidents?status=open&limit=500', TOKENS.analyst);
      return (res.json().incidents as Record<string, any>[]).find((i) => i.group.api_key === key);
    }, 'a new incident');
    expect(next.id).not.toBe(first.id);
  });

  it('enforces who may decide an approval', async () => {
    const key = 'key-authz';
    await postEvents(inferenceEvents(key, 101, Date.now() - 30_000));
    const incident = await eventually(() => incidentFor(key), 'the incident');
    const approval = await eventually(
      () => pendingApprovalFor(incident.id),
      'the pending approval',
    );

    const analyst = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      TOKENS.analyst,
      { comment: 'x' },
    );
    expect(analyst.statusCode).toBe(403);
    expect(analyst.json()).toMatchObject({ code: 'CORDON_ERR_APPROVAL_ROLE' });
    expect(analyst.json().message).toContain('no role that can decide approvals');
    // Refusals that do not depend on the approval do not reveal whether it exists.
    const missing = `apr_${'0'.repeat(24)}`;
    for (const token of [TOKENS.analyst, TOKENS.gateway, TOKENS.admin]) {
      const [real, made] = await Promise.all(
        [String(approval.id), missing].map((id) =>
          t.call('POST', `/v1/approvals/${id}/approve`, token),
        ),
      );
      expect([real?.statusCode, real?.json().message.replace(String(approval.id), '')]).toEqual([
        made?.statusCode,
        made?.json().message.replace(missing, ''),
      ]);
    }
    // A principal with a custom role this approval does not name, who cannot read approvals,
    // gets the same 404 as for an id that does not exist.
    const oncall = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      TOKENS.oncall,
    );
    expect(oncall.statusCode).toBe(404);
    expect(oncall.json().message).toBe(`No approval ${String(approval.id)}.`);
    // One who may read approvals is told which role this one takes.
    const wrongRole = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      TOKENS.oncallReader,
    );
    expect(wrongRole.statusCode).toBe(403);
    expect(wrongRole.json()).toMatchObject({
      code: 'CORDON_ERR_APPROVAL_ROLE',
      details: { required: ['approver'] },
    });
    // Admin can do everything except stand in for the roles a playbook names.
    const admin = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      TOKENS.admin,
    );
    expect(admin.statusCode).toBe(403);
    // An identity that can submit events may never approve what they trigger.
    const ingest = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      TOKENS.approverIngest,
    );
    expect(ingest.statusCode).toBe(403);
    expect(ingest.json().message).toContain('separation of duties');
    const anonymous = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      undefined,
    );
    expect(anonymous.statusCode).toBe(401);
    expect(
      (await t.call('GET', `/v1/approvals/${String(approval.id)}`, TOKENS.approver)).json().status,
    ).toBe('pending');

    // A bare POST with no body approves.
    const ok = await t.call(
      'POST',
      `/v1/approvals/${String(approval.id)}/approve`,
      TOKENS.approver2,
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.json().votes).toEqual([expect.objectContaining({ by: 'approver-2', comment: '' })]);
  });

  it('touched one cluster slot in every script, MULTI and pipeline of the flow', () => {
    // The flow above ran the ingest, correlation, incident, run, approval, limiter, case and
    // audit scripts: a cross-slot one would fail on Redis Cluster with CROSSSLOT.
    expect(slots.calls.scripts).toBeGreaterThan(50);
    expect(slots.calls.pipelines + slots.calls.transactions).toBeGreaterThan(0);
    expect(slots.violations).toEqual([]);
  });

  it('ran against the Redis the project names (a cluster in the cluster project)', async () => {
    const info = TEST_REDIS_IS_CLUSTER ? String(await t.store.redis.cluster('INFO')) : '';
    if (TEST_REDIS_IS_CLUSTER) expect(info).toContain('cluster_state:ok');
    expect(isCluster(t.store.redis)).toBe(TEST_REDIS_IS_CLUSTER);
  });
});
