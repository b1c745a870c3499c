/**
 * `call` in a whole in-process Cordon (real Redis, real BullMQ): the child run appears in
 * GET /v1/runs with `parent` set, the parent's timeline names it and resumes with its outputs;
 * cancelling the parent over HTTP cancels the child, whose effect is taken back.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { createTestRedis } from '../helpers/redis.js';

const CONTENT = fileURLToPath(new URL('../fixtures/content/call-runtime/', import.meta.url));
const store = createTestRedis('callapi');
let t: TestCordon;

beforeAll(async () => {
  t = await startTestCordon({ contentDir: CONTENT, store, env: { CORDON_LOG_LEVEL: 'error' } });
});
afterAll(async () => {
  await t.stop();
  await store.cleanup();
});

type Run = Record<string, any>;

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

async function runsOf(user: string): Promise<{ parent?: Run; child?: Run }> {
  const runs = (await t.call('GET', '/v1/runs?limit=100', TOKENS.analyst)).json().runs as Run[];
  const mine = runs.filter((r) => r.context?.incident?.group?.user === user);
  return {
    parent: mine.find((r) => r.playbookId === 'contain-by-call'),
    child: mine.find((r) => r.playbookId === 'block-user'),
  };
}

describe('call over the API', () => {
  it('lists the child with its parent and resumes the parent with the outputs', async () => {
    await failLogins('call-ann');
    const { parent, child } = await eventually(async () => {
      const found = await runsOf('call-ann');
      return found.parent?.status === 'resolved' ? found : undefined;
    }, 'the parent to resolve');
    expect(child).toMatchObject({
      status: 'resolved',
      parent: { runId: parent?.id, state: 'contain', depth: 1 },
    });
    expect(child?.context.run.inputs).toEqual({ user: 'call-ann' });
    const detail = (await t.call('GET', `/v1/runs/${parent?.id}`, TOKENS.analyst)).json();
    expect(detail.timeline).toContainEqual(
      expect.objectContaining({ type: 'call.started', childRunId: child?.id }),
    );
    expect(detail.context.steps.contain.result.outcome).toBe('resolved');
    expect(detail.context.steps.contain.result.ticket).toEqual(
      child?.context.steps.open_case.result,
    );
    const childDetail = (await t.call('GET', `/v1/runs/${child?.id}`, TOKENS.analyst)).json();
    expect(childDetail.parent.runId).toBe(parent?.id);
  });

  it('cancelling the parent cancels the child and undoes its throttle', async () => {
    await failLogins('hold-bob');
    const { parent } = await eventually(async () => {
      const found = await runsOf('hold-bob');
      return found.child?.status === 'waiting' ? found : undefined;
    }, 'the child to wait for its approval');
    expect(parent?.status).toBe('running');
    const res = await t.call('POST', `/v1/runs/${parent?.id}/cancel`, TOKENS.approver, {});
    expect(res.statusCode, res.body).toBe(200);
    const done = await eventually(async () => {
      const found = await runsOf('hold-bob');
      return found.child?.status === 'cancelled' && found.parent?.status === 'cancelled'
        ? found
        : undefined;
    }, 'both runs cancelled');
    const childDetail = (await t.call('GET', `/v1/runs/${done.child?.id}`, TOKENS.analyst)).json();
    expect(childDetail.timeline).toContainEqual(
      expect.objectContaining({ type: 'cancelled', by: `run:${parent?.id}` }),
    );
    expect(childDetail.approvals.map((a: Run) => a.status)).toEqual(['cancelled']);
    const history = await eventually(async () => {
      const h = (await t.call('GET', '/v1/limiter/keys/call-hold-bob', TOKENS.analyst)).json()
        .history as { op: string }[];
      return h.length === 2 ? h : undefined;
    }, 'the throttle to be undone');
    expect(history.map((h) => h.op)).toEqual(['undo', 'set']);
  });
});
