/**
 * Ingest worker threads (CORDON_INGEST_WORKERS): every batch source's samples give the same
 * answers, stored bytes, dead letters and `_bulk` per-item answers on a worker thread as on
 * the main thread; a thread that dies is replaced and its bodies answered 503; a full queue
 * refuses at once (503) instead of growing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elasticBulk } from '../../../src/api/drop-in/elastic-bulk.js';
import { IngestService } from '../../../src/ingest/ingest-service.js';
import type { IngestOutcome, SourceInfo } from '../../../src/ingest/ingest-service.js';
import { DEFAULT_KEEP_POLICY } from '../../../src/ingest/keep-policy.js';
import { IngestPool, poolForSources } from '../../../src/ingest/pool/ingest-pool.js';
import { bulkActionsRead } from '../../../src/ingest/sources/elastic-bulk/index.js';
import { getSourceKind } from '../../../src/ingest/sources/registry.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { CordonError } from '../../../src/shared/errors.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';
import { DeadLetterStore } from '../../../src/store/dead-letters.js';
import { EventLog } from '../../../src/store/event-log.js';
import type { Keys } from '../../../src/store/keys.js';
import { SAMPLES } from '../../helpers/cordon.js';
import { useStoreRedis } from '../store/store-helpers.js';

const env = useStoreRedis('ingest-pool');
const NOW = Date.UTC(2026, 11, 3, 12);
const sample = (name: string): Buffer => readFileSync(join(SAMPLES, 'ingest', name));

function compiled(type: string): unknown {
  return getSourceKind(type)?.options?.compile(undefined, () => undefined);
}

const SOURCES: ReadonlyMap<string, SourceInfo> = new Map(
  (
    [
      { name: 'bulk', type: 'elastic-bulk' },
      { name: 'hec', type: 'splunk-hec' },
      { name: 'events', type: 'generic' },
      {
        name: 'events-redact',
        type: 'generic',
        keep: { raw: 'sampled', rawSample: 0.5, text: 'redact', textMs: 3_600_000 },
      },
      { name: 'hec-drop', type: 'splunk-hec', keep: { ...DEFAULT_KEEP_POLICY, text: 'drop' } },
      { name: 'bulk-none', type: 'elastic-bulk', keep: { ...DEFAULT_KEEP_POLICY, raw: 'none' } },
    ] as const
  ).map((s) => [s.name, { ...s, options: compiled(s.type) }]),
);

interface Case {
  readonly title: string;
  readonly source: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly endpoint?: string;
  readonly query?: Record<string, string>;
}

const canonical = (n: number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    id: `c-${n}`,
    kind: 'llm',
    time: NOW - n * 1000,
    name: 'chat ü 日本 😀',
    entity: { api_key: `k-${n % 3}`, user: 'alice@example.com' },
    measures: { tokens_in: n },
    text: { prompt: `my key is sk-proj-ABCDEFGHIJKLMNOPQRST and mail bob${n}@example.com` },
    ...extra,
  });

const GENERIC_NDJSON = Buffer.from(
  `${canonical(1)}\n${canonical(2)}\n{"id":"bad","kind":"nope","time":"x"}\n${canonical(3, { source: 'exported' })}\n`,
);

const HEC_ENVELOPES = Buffer.from(
  [
    {
      time: 1733227200.5,
      host: 'gw',
      sourcetype: '_json',
      event: { kind: 'inference', request_id: 'r1', api_key: 'k1' },
    },
    {
      time: 1733227201,
      sourcetype: 'aws:cloudtrail',
      event: JSON.parse(sample('cloudtrail-consolelogin-success.json').toString()) as unknown,
    },
    { time: 1733227202, event: 'plain line with prompt text' },
    { time: 'not-a-time', event: { kind: 'inference' } },
  ]
    .map((e) => JSON.stringify(e))
    .join('\n'),
);

const CASES: readonly Case[] = [
  {
    title: 'Filebeat _bulk',
    source: 'bulk',
    body: sample('elastic-bulk-filebeat.ndjson'),
    contentType: 'application/x-ndjson',
    endpoint: 'bulk',
  },
  {
    title: 'Fluent Bit _bulk',
    source: 'bulk',
    body: sample('elastic-bulk-fluent-bit.ndjson'),
    contentType: 'application/x-ndjson',
    endpoint: 'bulk',
  },
  {
    title: 'Fluent Bit _bulk, raw none',
    source: 'bulk-none',
    body: sample('elastic-bulk-fluent-bit.ndjson'),
    contentType: 'application/x-ndjson',
    endpoint: 'bulk',
  },
  {
    title: '_bulk with bad items',
    source: 'bulk',
    body: sample('bad/elastic-bulk-mixed.ndjson'),
    contentType: 'application/x-ndjson',
    endpoint: 'bulk',
  },
  {
    title: '_bulk with a bad action line',
    source: 'bulk',
    body: sample('bad/elastic-bulk-bad-action.ndjson'),
    contentType: 'application/x-ndjson',
    endpoint: 'bulk',
  },
  {
    title: '_bulk not UTF-8',
    source: 'bulk',
    body: Buffer.from([0x7b, 0xff, 0xfe, 0x0a]),
    contentType: 'application/x-ndjson',
    endpoint: 'bulk',
  },
  {
    title: 'HEC concatenated batch',
    source: 'hec',
    body: sample('splunk-hec-batch-concatenated.txt'),
    contentType: 'application/json',
    endpoint: 'event',
  },
  {
    title: 'HEC single event',
    source: 'hec',
    body: sample('splunk-hec-event-single.json'),
    contentType: 'application/json',
    endpoint: 'event',
  },
  {
    title: 'HEC raw lines',
    source: 'hec',
    body: sample('splunk-hec-raw-lines.txt'),
    contentType: 'text/plain',
    endpoint: 'raw',
    query: { host: 'gw-1' },
  },
  {
    title: 'HEC raw CEF by sourcetype',
    source: 'hec',
    body: sample('cef-samples.log'),
    contentType: 'text/plain',
    endpoint: 'raw',
    query: { sourcetype: 'cef' },
  },
  {
    title: 'HEC envelopes, mapped sourcetype and a bad time',
    source: 'hec',
    body: HEC_ENVELOPES,
    contentType: 'application/json',
    endpoint: 'event',
  },
  {
    title: 'HEC envelopes, text dropped',
    source: 'hec-drop',
    body: HEC_ENVELOPES,
    contentType: 'application/json',
    endpoint: 'event',
  },
  {
    title: 'HEC batch as an array (refused)',
    source: 'hec',
    body: sample('bad/splunk-hec-batch-as-array.json'),
    contentType: 'application/json',
    endpoint: 'event',
  },
  {
    title: 'HEC missing event',
    source: 'hec',
    body: sample('bad/splunk-hec-missing-event.json'),
    contentType: 'application/json',
    endpoint: 'event',
  },
  {
    title: 'HEC time in ms, nested fields',
    source: 'hec',
    body: sample('bad/splunk-hec-time-in-ms-and-nested-fields.json'),
    contentType: 'application/json',
    endpoint: 'event',
  },
  {
    title: 'canonical NDJSON with a bad line',
    source: 'events',
    body: GENERIC_NDJSON,
    contentType: 'application/x-ndjson',
  },
  {
    title: 'canonical NDJSON, redacted and sampled',
    source: 'events-redact',
    body: GENERIC_NDJSON,
    contentType: 'application/x-ndjson',
  },
  {
    title: 'canonical JSON array',
    source: 'events',
    body: Buffer.from(`[${canonical(7)},${canonical(8)}]`),
    contentType: 'application/json',
  },
  {
    title: 'canonical, not JSON',
    source: 'events',
    body: Buffer.from('{"id": '),
    contentType: 'application/json',
  },
];

function service(
  keys: Keys,
  pool?: IngestPool,
): { service: IngestService; log: EventLog; dead: DeadLetterStore } {
  const log = new EventLog(env.t.redis, keys);
  const dead = new DeadLetterStore(env.t.redis, keys, {
    maxEntries: 100,
    bodyLimitBytes: 1 << 20,
    maxBytes: 1 << 24,
    maxAgeMs: 86_400_000,
  });
  return {
    log,
    dead,
    service: new IngestService({
      sources: SOURCES,
      log,
      deadLetters: dead,
      clock: new ManualClock(NOW),
      metrics: new Metrics(),
      logger: createLogger('silent'),
      dedupeWindowMs: 86_400_000,
      ...(pool === undefined ? {} : { pool, poolMinBytes: 0 }),
    }),
  };
}

/** Everything a sender and a reader of the store can see of one ingest. */
async function observe(keys: Keys, pool: IngestPool | undefined, c: Case) {
  const { service: svc, dead } = service(keys, pool);
  // The route's body, as the drop-in answer reads it afterwards.
  const body = Buffer.from(c.body);
  const request = {
    body,
    contentType: c.contentType,
    ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
    ...(c.query === undefined ? {} : { query: c.query }),
  };
  const context = { body, endpoint: c.endpoint ?? '', params: {}, headers: {}, query: {} };
  let outcome: (Omit<IngestOutcome, 'events' | 'deadLetterId'> & { events: unknown[] }) | undefined;
  let error: { code: string; message: string; errors: unknown } | undefined;
  let answer: unknown;
  try {
    const o = await svc.ingest(c.source, request, 'tester');
    const { deadLetterId: _id, events, ...rest } = o;
    outcome = { ...rest, events: events.map((e) => ({ id: e.id, duplicate: e.duplicate })) };
    answer = elasticBulk.accepted(o, context);
  } catch (err) {
    if (!(err instanceof CordonError)) throw err;
    error = {
      code: err.code,
      message: err.message.replace(/dead letter \S+/, 'dead letter <id>'),
      errors: err.details?.errors,
    };
    answer = elasticBulk.refused(400, { code: err.code, message: err.message }, context);
  }
  const entries = await env.t.redis.xrange(keys.eventLog, '-', '+');
  const texts = await env.t.redis.hvals(keys.eventText);
  const letters = (await dead.list({ limit: 10 })).map((l) => ({
    source: l.source,
    reason: l.reason,
    errors: l.errors,
    size: l.size,
  }));
  return {
    outcome,
    error,
    stored: entries.map(([, fields]) => fields),
    texts: texts.sort(),
    letters,
    // What the reader remembered of the body (the `_bulk` answer lists these, not a re-parse).
    actions: bulkActionsRead(body),
    answer: JSON.stringify(answer).replace(/dead letter \S+/g, 'dead letter <id>'),
  };
}

const pools: IngestPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('ingest worker threads', () => {
  it('give every batch source the same answers, stored bytes and dead letters as the main thread', async () => {
    const pool = poolForSources(SOURCES.values(), {
      workers: 2,
      maxQueued: 16,
      maxDepth: undefined,
    });
    expect(pool).toBeDefined();
    pools.push(pool as IngestPool);
    let stored = 0;
    for (const c of CASES) {
      const inline = await observe(env.fresh('inline'), undefined, c);
      const pooled = await observe(env.fresh('pooled'), pool, c);
      expect(pooled, c.title).toEqual(inline);
      stored += inline.stored.length;
    }
    // The cases are not vacuous: events were stored, items refused, bodies refused whole.
    expect(stored).toBeGreaterThan(20);
    expect(pool?.pending).toBe(0);
  });

  it('keeps a source on the main thread when its kind or options need it', () => {
    const pool = poolForSources(
      [
        { name: 'kserve', type: 'kserve', options: compiled('kserve') },
        { name: 'whylabs', type: 'whylabs', options: compiled('whylabs') },
        { name: 'am', type: 'alertmanager' },
      ],
      { workers: 1, maxQueued: 1, maxDepth: undefined },
    );
    expect(pool).toBeUndefined();
  });

  it('replaces a thread that dies and answers the bodies it held 503, appending none of them', async () => {
    const lost: number[] = [];
    const pool = new IngestPool({
      workers: 1,
      maxQueued: 4,
      init: {
        sources: [{ name: 'events', type: 'generic', options: undefined, keep: undefined }],
        maxDepth: undefined,
      },
      workerUrl: new URL('../../fixtures/ingest/pool/crashing-ingest-worker.mjs', import.meta.url),
      onWorkerLost: (_err, jobs) => lost.push(jobs),
    });
    pools.push(pool);
    const keys = env.fresh('crash');
    const { service: svc, log } = service(keys, pool);
    const send = (name: string) =>
      svc.ingest(
        'events',
        {
          body: Buffer.from(`${canonical(1, { name })}\n${canonical(2)}\n`),
          contentType: 'application/x-ndjson',
        },
        'tester',
      );
    // Both go to the one thread at once (two per thread): the crash takes the other with it.
    const results = await Promise.allSettled([send('CRASH-THE-WORKER'), send('fine')]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as CordonError;
      expect(err.code).toBe('CORDON_ERR_INGEST_WORKER_FAILED');
      expect(err.message).toMatch(/nothing from source "events" was accepted/);
    }
    expect(lost).toEqual([2]);
    expect(await log.length()).toBe(0);
    // The replacement reads the next body.
    const ok = await send('fine');
    expect(ok.accepted).toBe(2);
    expect(await log.length()).toBe(2);
  });

  it('refuses at once when every thread is busy and the queue is full, then takes bodies again', async () => {
    const pool = new IngestPool({
      workers: 1,
      perWorker: 1,
      maxQueued: 1,
      init: {
        sources: [{ name: 'events', type: 'generic', options: undefined, keep: undefined }],
        maxDepth: undefined,
      },
    });
    pools.push(pool);
    const { service: svc } = service(env.fresh('busy'), pool);
    const send = (n: number) =>
      svc.ingest(
        'events',
        { body: Buffer.from(`${canonical(n)}\n`), contentType: 'application/x-ndjson' },
        'tester',
      );
    const results = await Promise.allSettled([send(1), send(2), send(3), send(4)]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    for (const r of results.slice(2)) {
      const err = (r as PromiseRejectedResult).reason as CordonError;
      expect(err.code).toBe('CORDON_ERR_INGEST_BUSY');
      expect(err.details?.retryAfterS).toBe(1);
    }
    expect(pool.pending).toBe(0);
    expect((await send(5)).accepted).toBe(1);
  });
});
