/**
 * POST /v1/runs/:id/cancel and /retry over HTTP (in-process Cordon, real Redis, real BullMQ):
 * roles, 404/409 with stable codes, the timeline and the audit trail name who did it.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { createTestRedis } from '../helpers/redis.js';

const CONTENT = fileURLToPath(new URL('../fixtures/content/kill-runtime/', import.meta.url));
const store = createTestRedis('runctl');
let t: TestCordon;

beforeAll(async () => {
  t = await startTestCordon({ contentDir: CONTENT, store, env: { CORDON_LOG_LEVEL: 'error' } });
});
afterAll(async () => {
  await t.stop();
  await store.cleanup();
});

async function failLogins(user: string): Promise<void> {
  const now = Date.now();
  const events = [0, 1, 2].map((i) => ({
    kind: 'login',
    time: now - 5_000 + i,
    outcome: 'failure',
    entity: { user },
  }));
  expect((await t.call('POST', '/v1/ingest/events', TOKENS.ingest, events)).statusCode).toBe(202);
}

async function waitingRun(user: string): Promise<Record<string, any>> {
  await failLogins(user);
  return eventually(async () => {
    const runs = (await t.call('GET', '/v1/runs?limit=100', TOKENS.analyst)).json().runs as Record<
      string,
      any
    >[];
    const run = runs.find((r) => r.context?.incident?.group?.user === user);
    return run?.status === 'waiting' ? run : undefined;
  }, `a waiting run for ${user}`);
}

describe('POST /v1/runs/:id/cancel', () => {
  it('needs the responder role, answers 404 for an unknown run and 409 once ended', async () => {
    const run = await waitingRun('undo-api');
    const analyst = await t.call('POST', `/v1/runs/${run.id}/cancel`, TOKENS.analyst, {});
    expect(analyst.statusCode).toBe(403);
    const unknown = await t.call(
      'POST',
      '/v1/runs/run_000000000000000000000000/cancel',
      TOKENS.approver,
    );
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('CORDON_ERR_API_NOT_FOUND');

    const res = await t.call('POST', `/v1/runs/${run.id}/cancel`, TOKENS.approver, {
      comment: 'false positive',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(['undoing', 'cancelled']).toContain(res.json().status);
    const done = await eventually(async () => {
      const r = (await t.call('GET', `/v1/runs/${run.id}`, TOKENS.analyst)).json();
      return r.status === 'cancelled' ? r : undefined;
    }, 'the run to be cancelled');
    expect(done.timeline.find((e: any) => e.type === 'cancelled')).toMatchObject({
      by: 'approver',
      comment: 'false positive',
    });
    expect(done.approvals.map((a: any) => a.status)).toEqual(['cancelled']);
    const history = (await t.call('GET', '/v1/limiter/keys/undo-api', TOKENS.analyst)).json()
      .history as { op: string }[];
    expect(history.map((h) => h.op)).toEqual(['undo', 'set']);
    // Each undo is counted once, by the process that saved its outcome (this run throttles twice).
    const undone = done.timeline.filter((e: any) => e.type === 'undo.succeeded').length;
    expect(undone).toBe(2);
    const metrics = (await t.call('GET', '/metrics', TOKENS.analyst)).body;
    expect(metrics).toContain(
      `cordon_undos_total{playbook="${run.playbookId}",outcome="succeeded"} ${undone}\n`,
    );
    expect(metrics).toContain(
      `cordon_undos_total{playbook="${run.playbookId}",outcome="failed"} 0`,
    );

    const again = await t.call('POST', `/v1/runs/${run.id}/cancel`, TOKENS.approver);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CORDON_ERR_RUN_STATE');
    const retry = await t.call('POST', `/v1/runs/${run.id}/retry`, TOKENS.admin);
    expect(retry.statusCode).toBe(409);
    expect(retry.json().message).toContain('only a failed run can be retried');
    // Its undo succeeded: nothing to try again (a failed one is, playbook-undo.test.ts).
    const undoAgain = await t.call('POST', `/v1/runs/${run.id}/retry-undo`, TOKENS.approver, {});
    expect(undoAgain.statusCode).toBe(409);
    expect(undoAgain.json()).toMatchObject({
      code: 'CORDON_ERR_RUN_STATE',
      message: `Run ${run.id} has no undo that failed; nothing to try again.`,
    });
    expect(
      (await t.call('POST', `/v1/runs/${run.id}/retry-undo`, TOKENS.analyst, {})).statusCode,
    ).toBe(403);
    expect(
      (await t.call('POST', '/v1/runs/run_000000000000000000000000/retry-undo', TOKENS.approver))
        .statusCode,
    ).toBe(404);

    const audit = (await t.call('GET', '/v1/audit?action=run.cancelled', TOKENS.auditor)).json();
    expect(audit.entries).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ id: 'approver' }),
        targets: expect.objectContaining({ runId: run.id }),
        detail: expect.objectContaining({ comment: 'false positive' }),
      }),
    ]);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/docs/openapi.json', undefined)).json();
    expect(doc.paths['/v1/runs/{id}/cancel'].post.operationId).toBe('cancelRun');
    expect(doc.paths['/v1/runs/{id}/retry'].post.operationId).toBe('retryRun');
    expect(doc.paths['/v1/runs/{id}/retry-undo'].post.operationId).toBe('retryRunUndos');
  });
});

describe('expires, through BullMQ', () => {
  it('undoes the throttle after its duration, after the run resolved; the timeline says so', async () => {
    await failLogins('exp-kim');
    const run = await eventually(async () => {
      const runs = (await t.call('GET', '/v1/runs?limit=100', TOKENS.analyst)).json()
        .runs as Record<string, any>[];
      const found = runs.find((r) => r.context?.incident?.group?.user === 'exp-kim');
      return found?.status === 'resolved' ? found : undefined;
    }, 'the run to resolve');
    const undone = await eventually(async () => {
      const r = (await t.call('GET', `/v1/runs/${run.id}`, TOKENS.analyst)).json();
      return r.timeline.some((e: any) => e.type === 'undo.succeeded') ? r : undefined;
    }, 'the expiry to undo the throttle');
    expect(undone.status).toBe('resolved');
    const set = undone.timeline.find((e: any) => e.type === 'expiry.set');
    expect(set.fireAt - set.at).toBe(2_000);
    expect(undone.timeline.find((e: any) => e.type === 'undo.succeeded')).toMatchObject({
      state: 'brief_throttle',
      message: 'undone on expiry',
    });
    const history = (await t.call('GET', '/v1/limiter/keys/exp-kim', TOKENS.analyst)).json()
      .history as { op: string }[];
    expect(history.map((h) => h.op)).toEqual(['undo', 'set']);
  });
});
