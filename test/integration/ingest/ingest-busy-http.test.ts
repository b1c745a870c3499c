/**
 * The ingest worker pool's bound over HTTP: with every thread holding its bodies and no room
 * in the queue, the next body is answered 503 CORDON_ERR_INGEST_BUSY with Retry-After at once
 * (the Elasticsearch `_bulk` drop-in in its own error shape), and nothing of it is appended.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../../src/store/keys.js';
import { startTestCordon, TOKENS, type TestCordon } from '../../helpers/cordon.js';

let t: TestCordon;
const channel = new BroadcastChannel('cordon-test-ingest-hold');
const NOW = Date.now();

beforeAll(async () => {
  t = await startTestCordon({
    env: {
      // One thread holding two bodies, nothing may wait: the third body is one too many.
      CORDON_INGEST_WORKERS: '1',
      CORDON_INGEST_WORKER_QUEUE: '0',
      CORDON_INGEST_WORKER_MIN_BYTES: '0',
    },
    ingestWorkerUrl: new URL(
      '../../fixtures/ingest/pool/holding-ingest-worker.mjs',
      import.meta.url,
    ),
  });
});
afterAll(async () => {
  channel.close();
  await t?.stop();
});

const event = (id: string, name = 'chat'): string =>
  JSON.stringify({ id, kind: 'inference', time: NOW, name, entity: { api_key: 'k-1' } });

const ndjson = (ids: string[], name?: string) =>
  t.call('POST', '/v1/ingest/events', TOKENS.ingest, ids.map((id) => event(id, name)).join('\n'), {
    'content-type': 'application/x-ndjson',
  });

const ecs = (id: string): string =>
  JSON.stringify({
    '@timestamp': new Date(NOW).toISOString(),
    event: { id, kind: 'event', category: ['authentication'], outcome: 'failure' },
    user: { name: 'alice' },
  });

/** Resolves once the worker holds `count` answers back. */
function held(count: number): Promise<void> {
  return new Promise((resolve) => {
    channel.onmessage = (message: unknown) => {
      if ((message as { data: { held: number } }).data.held >= count) resolve();
    };
  });
}

async function loggedIds(): Promise<string[]> {
  const entries = await t.store.redis.xrange(new Keys(t.store.prefix).eventLog, '-', '+');
  return entries.map(([, fields]) => (JSON.parse(fields[1] as string) as { id: string }).id);
}

describe('the ingest worker pool over HTTP', () => {
  it('answers 503 busy with Retry-After when every thread is full and appends nothing of it', async () => {
    const holding = held(2);
    const first = ndjson(['held-1a', 'held-1b'], 'HOLD-THE-WORKER');
    const second = ndjson(['held-2a'], 'HOLD-THE-WORKER');
    await holding;

    const refused = await ndjson(['refused-1', 'refused-2']);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({
      code: 'CORDON_ERR_INGEST_BUSY',
      message: expect.stringContaining('nothing from source "events" was accepted'),
      details: { source: 'events', retryAfterS: 1 },
    });

    // Filebeat gets an Elasticsearch error with the status, and the same Retry-After.
    const bulk = await t.call(
      'POST',
      '/_bulk',
      TOKENS.ingest,
      `{"create":{"_index":"filebeat-8"}}\n${ecs('refused-bulk')}\n`,
      { 'content-type': 'application/x-ndjson' },
    );
    expect(bulk.statusCode).toBe(503);
    expect(bulk.headers['retry-after']).toBe('1');
    expect(bulk.json()).toMatchObject({
      status: 503,
      error: { type: 'cordon_exception', reason: expect.stringContaining('Ingest is busy') },
    });

    // Nothing was appended while the thread held its bodies; once it lets them go, exactly
    // the two held bodies are in the log.
    expect(await loggedIds()).toEqual([]);
    channel.postMessage('release');
    const answers = await Promise.all([first, second]);
    expect(answers.map((a) => [a.statusCode, a.json().accepted])).toEqual([
      [202, 2],
      [202, 1],
    ]);
    expect((await loggedIds()).sort()).toEqual(['held-1a', 'held-1b', 'held-2a']);

    // The refused body, sent again now that there is room, is accepted.
    const retried = await ndjson(['refused-1', 'refused-2']);
    expect(retried.statusCode).toBe(202);
    expect(retried.json()).toMatchObject({ accepted: 2, duplicates: 0 });
  });
});
