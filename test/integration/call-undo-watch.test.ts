/**
 * A parent whose undo finds its sub-run's own undo of the same effect still queued, in a whole
 * in-process Cordon (real Redis, real BullMQ): adding the parent's undo job adds nothing (the
 * sub-run's job has the id), and the parent is told how that job ended by the action worker's
 * 'completed' listener, not by reconcile (here once an hour).
 */
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_QUEUE } from '../../src/main.js';
import { Keys } from '../../src/store/keys.js';
import { eventually, startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { createTestRedis } from '../helpers/redis.js';

const CONTENT = fileURLToPath(new URL('../fixtures/content/call-undo-watch/', import.meta.url));
const store = createTestRedis('undowatch');
let t: TestCordon;
let actions: Queue;

beforeAll(async () => {
  t = await startTestCordon({
    contentDir: CONTENT,
    store,
    env: { CORDON_LOG_LEVEL: 'error', CORDON_RECONCILE_INTERVAL_MS: '3600000' },
  });
  actions = new Queue(ACTION_QUEUE, {
    connection: store.redis.duplicate(),
    prefix: new Keys(store.prefix).bullPrefix,
  });
});
afterAll(async () => {
  await actions.close();
  await t.stop();
  await store.cleanup();
});

type Run = Record<string, any>;

async function runOf(playbookId: string, user: string): Promise<Run | undefined> {
  const runs = (await t.call('GET', '/v1/runs?limit=100', TOKENS.analyst)).json().runs as Run[];
  const summary = runs.find(
    (r) => r.playbookId === playbookId && r.context?.incident?.group?.user === user,
  );
  return summary && (await t.call('GET', `/v1/runs/${summary.id}`, TOKENS.analyst)).json();
}

describe('a parent whose undo waits on its sub-run’s own undo job', () => {
  it('is told as that job completes', async () => {
    const now = Date.now();
    const events = [0, 1, 2].map((i) => ({
      kind: 'login',
      time: now - 5_000 + i,
      outcome: 'failure',
      entity: { user: 'wes' },
    }));
    expect((await t.call('POST', '/v1/ingest/events', TOKENS.ingest, events)).statusCode).toBe(202);
    const parent = await eventually(async () => {
      const run = await runOf('hold-and-review', 'wes');
      return run?.status === 'waiting' ? run : undefined;
    }, 'the parent to wait for its review');
    const childId = (await runOf('block-briefly', 'wes'))?.id as string;

    // The sub-run's expiry queues its undo; no worker takes it while the queue is paused.
    await actions.pause();
    await eventually(async () => {
      const child = await runOf('block-briefly', 'wes');
      return child?.undo?.entries?.[0]?.status === 'undoing' ? child : undefined;
    }, 'the sub-run’s block to expire');
    const cancel = await t.call('POST', `/v1/runs/${parent.id}/cancel`, TOKENS.approver, {});
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect((await runOf('hold-and-review', 'wes'))?.status).toBe('undoing');

    await actions.resume();
    const cancelled = await eventually(
      async () => {
        const run = await runOf('hold-and-review', 'wes');
        return run?.status === 'cancelled' ? run : undefined;
      },
      'the parent to end cancelled',
      8_000,
    );
    expect(cancelled.timeline).toContainEqual(
      expect.objectContaining({ type: 'undo.succeeded', by: `run:${childId}` }),
    );
    const history = (await t.call('GET', '/v1/limiter/keys/watch-wes', TOKENS.analyst)).json()
      .history as { op: string }[];
    expect(history.map((h) => h.op)).toEqual(['undo', 'set']);
  });
});
