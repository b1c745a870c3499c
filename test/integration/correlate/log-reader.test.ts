/**
 * The correlator's log readers against real Redis: the reader thread hands out exactly what
 * reading and routing on the correlator's own thread gives (same events, refs, sequence ids and
 * routes, in order), drops what it read ahead when sought elsewhere, and reports a Redis it
 * cannot reach as a connection error the correlator recovers from.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../src/correlate/engine/engine.js';
import { InlineLogReader } from '../../../src/correlate/log-reader/inline-log-reader.js';
import type { LogReader } from '../../../src/correlate/log-reader/log-reader.js';
import { FIRST_READ_ENTRIES } from '../../../src/correlate/log-reader/read-size.js';
import { ThreadedLogReader } from '../../../src/correlate/log-reader/threaded-log-reader.js';
import {
  RoutedCursor,
  seqAt,
  type RoutedBatch,
} from '../../../src/correlate/routing/routed-batch.js';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { EventLog } from '../../../src/store/event-log.js';
import { Keys } from '../../../src/store/keys.js';
import { createRedis, isRedisConnectionError } from '../../../src/store/redis.js';
import { compileRules, TEST_LIMITS, TEST_TIMING } from '../../helpers/correlation-harness.js';
import { createTestRedis, TEST_REDIS_URL } from '../../helpers/redis.js';

const env = createTestRedis('log-reader');
afterAll(() => env.cleanup());
let n = 0;
const freshKeys = (): Keys => new Keys(`${env.prefix}-${(n += 1)}`);

// Group-bys of one field (the key is the value), of two fields, case-insensitive, with a
// number field and with a text field, and a standalone detection grouped by the entity.
const RULES = `
title: Request
name: req
logsource: { category: inference }
detection: { sel: { api_key|exists: true }, condition: sel }
---
title: Failure
name: fail
level: high
logsource: { category: inference }
detection: { sel: { outcome: failure }, condition: sel }
---
title: Burst
name: burst
correlation: { type: event_count, rules: [req], group-by: [api_key], timespan: 60s, condition: { gte: 3 } }
---
title: Models per key and region
name: spread
correlation: { type: value_count, rules: [req], group-by: [api_key, geo.region], timespan: 60s, condition: { gte: 2, field: model } }
---
title: Tokens
name: tokens
correlation: { type: value_sum, rules: [req], group-by: [user], timespan: 60s, condition: { gte: 1000, field: tokens_in } }
`;

const ENGINE = { limits: { ...TEST_LIMITS, partitions: 4 }, timing: TEST_TIMING };
const T0 = Date.now() - 60_000;

function events(count: number): CanonicalEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `e${i}`,
    time: T0 + i * 10,
    received: T0 + i * 10 + 1,
    source: i % 5 === 0 ? 'gw-b' : 'gw',
    kind: 'inference',
    name: 'request',
    severity: 'info',
    outcome: i % 7 === 0 ? 'failure' : 'success',
    entity: {
      api_key: `k${i % 4}`,
      user: `User-${i % 3}`,
      model: `m${i % 6}`,
      geo: { region: i % 2 === 0 ? 'eu-west-1' : 'us-east-1' },
    },
    measures: { tokens_in: 100 + i },
    labels: {},
  }));
}

/** Everything a reader hands out until it has nothing more, as plain data. */
async function drain(reader: LogReader): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const { batch } = await reader.next();
    if (batch.count === 0) return out;
    out.push(...flatten(batch));
  }
}

function flatten(batch: RoutedBatch): unknown[] {
  const out: unknown[] = [];
  // The cursor and its routes are reused from one event to the next: copy what they hold.
  for (const e = new RoutedCursor(batch); e.next();)
    out.push({
      stream: e.stream,
      time: e.time,
      received: e.received,
      ref: e.ref,
      seq: seqAt(batch, e.index),
      routes: e.routes.map((r) => ({
        slot: r.slot,
        input: r.input,
        key: r.key,
        values: r.values,
        value: r.value,
        partition: r.partition,
      })),
    });
  return out;
}

function threaded(keys: Keys, redisUrl = TEST_REDIS_URL, batchSize = 50): ThreadedLogReader {
  return new ThreadedLogReader({
    redisUrl,
    keyPrefix: keys.prefix,
    connectionName: 'cordon-test-reader',
    commandTimeoutMs: 1_000,
    sources: [{ file: 'rules.yaml', text: RULES }],
    engineOptions: ENGINE,
    batchSize,
    blockMs: 50,
    readAhead: 2,
  });
}

function inline(keys: Keys, batchSize = 50): InlineLogReader {
  const blocking = createRedis(TEST_REDIS_URL);
  const router = new CorrelationEngine(compileRules(RULES), {
    ...ENGINE,
    owned: [],
    checkpoints: false,
  });
  return new InlineLogReader(new EventLog(env.redis, keys), blocking, router, batchSize, 50);
}

describe('correlator log readers', () => {
  it('a reader thread hands out the same routed events as reading inline, in log order', async () => {
    const keys = freshKeys();
    const appended = await new EventLog(env.redis, keys).append(
      events(230),
      Date.now(),
      86_400_000,
    );
    const a = inline(keys);
    const b = threaded(keys);
    a.seek('0-0');
    b.seek('0-0');
    try {
      const [viaInline, viaThread] = [await drain(a), await drain(b)];
      expect(viaInline).toHaveLength(230);
      expect(viaThread).toEqual(viaInline);
      // Spot checks that the comparison is about something: sequence ids, streams, routes.
      const first = viaThread[0] as { seq: string; stream: string; ref: string; routes: unknown[] };
      expect(first.seq).toBe(appended[0]?.seq);
      expect(first.stream).toBe('gw-b');
      expect(first.ref).toBe('gw-b/e0');
      // req feeds burst, spread and tokens; e0 is also a failure (a standalone detection).
      expect(first.routes).toHaveLength(4);
      expect(first.routes).toContainEqual(
        expect.objectContaining({ key: 'k0\u001feu-west-1', values: ['k0', 'eu-west-1'] }),
      );
      expect(first.routes).toContainEqual(
        expect.objectContaining({ key: 'User-0', values: ['User-0'], value: 100 }),
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('drops what it read ahead when sought back, and reads again from there', async () => {
    const keys = freshKeys();
    const appended = await new EventLog(env.redis, keys).append(
      events(120),
      Date.now(),
      86_400_000,
    );
    const reader = threaded(keys, TEST_REDIS_URL, 20);
    try {
      reader.seek('0-0');
      const { batch: first } = await reader.next();
      expect(first.count).toBe(20);
      await new Promise((r) => setTimeout(r, 100)); // let it read ahead
      const middle = appended[59]?.seq as string;
      reader.seek(middle);
      const { batch: next } = await reader.next();
      expect(seqAt(next, 0)).toBe(appended[60]?.seq);
      const rest = await drain(reader);
      expect(rest).toHaveLength(60 - next.count);
    } finally {
      await reader.close();
    }
  });

  it('reads small batches first after a seek, growing to the batch size', async () => {
    const keys = freshKeys();
    const appended = await new EventLog(env.redis, keys).append(
      events(1_500),
      Date.now(),
      86_400_000,
    );
    const reader = threaded(keys, TEST_REDIS_URL, 600);
    try {
      reader.prepare(); // the thread starts before the first seek
      reader.seek('0-0');
      const counts: number[] = [];
      for (let read = 0; read < 1_500;) {
        const { batch } = await reader.next();
        counts.push(batch.count);
        read += batch.count;
      }
      // The first read is small (the correlator applies it while the thread reads on); each
      // next one doubles, up to the batch size.
      expect(counts).toEqual([FIRST_READ_ENTRIES, 2 * FIRST_READ_ENTRIES, 600, 132]);
      // A seek starts small again.
      reader.seek(appended[99]?.seq as string);
      const { batch } = await reader.next();
      expect(batch.count).toBe(FIRST_READ_ENTRIES);
      expect(seqAt(batch, 0)).toBe(appended[100]?.seq);
    } finally {
      await reader.close();
    }
  });

  it('reports a Redis it cannot reach as a connection error', async () => {
    const reader = threaded(freshKeys(), 'redis://127.0.0.1:1');
    try {
      reader.seek('0-0');
      const failure = await reader.next().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(isRedisConnectionError(failure)).toBe(true);
    } finally {
      await reader.close();
    }
  });
});
