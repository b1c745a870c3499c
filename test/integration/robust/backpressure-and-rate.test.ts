/**
 * Backpressure and rate limits, on API-only processes with a manual clock:
 * - while the slowest live correlator is more than CORDON_INGEST_MAX_LAG_ENTRIES behind the
 *   log, ingest answers 503 with Retry-After, per source and counted; once it catches up,
 *   ingest accepts again; a member that stopped reporting does not hold ingest back while a
 *   live one keeps up;
 * - a principal over its request rate gets 429 with Retry-After, others and the probes don't;
 * - a running correlator publishes how far it has read.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { startCordon, type Cordon } from '../../../src/main.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import { EventLog } from '../../../src/store/event-log.js';
import { Keys } from '../../../src/store/keys.js';
import {
  eventually,
  metricValue,
  REPO_ROOT,
  startTestCordon,
  TOKENS,
  testPrincipals,
} from '../../helpers/cordon.js';
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from '../../helpers/redis.js';

interface Api {
  readonly cordon: Cordon;
  readonly app: FastifyInstance;
  readonly clock: ManualClock;
  readonly store: TestRedis;
}

async function startApi(env: Record<string, string>): Promise<Api> {
  const store = createTestRedis('limits');
  const clock = new ManualClock(Date.now());
  const config = loadConfig(
    {
      CORDON_REDIS_PREFIX: store.prefix,
      CORDON_INSTANCE_ID: `limits-${store.prefix}`,
      CORDON_ROLES: 'api',
      CORDON_LOG_LEVEL: 'silent',
      ...env,
    },
    REPO_ROOT,
  );
  const cordon = await startCordon({
    config,
    redisUrl: TEST_REDIS_URL,
    logger: createLogger('silent'),
    principals: testPrincipals(),
    clock,
  });
  return { cordon, app: cordon.app as FastifyInstance, clock, store };
}

let seq = 0;
function ingest(api: Api, token: string = TOKENS.ingest, source = 'events') {
  seq += 1;
  const body = [0, 1, 2]
    .map((i) =>
      JSON.stringify({
        id: `bp-${seq}-${i}`,
        kind: 'inference',
        time: Date.now() - 1_000 + i,
        name: 'chat.completions',
        entity: { api_key: 'k', model: 'm' },
      }),
    )
    .join('\n');
  return api.app.inject({
    method: 'POST',
    url: `/v1/ingest/${source}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    payload: body,
  });
}

describe('ingest backpressure', () => {
  let api: Api;
  let progressKey: string;
  let log: EventLog;
  beforeAll(async () => {
    api = await startApi({ CORDON_INGEST_MAX_LAG_ENTRIES: '5', CORDON_RETRY_AFTER_S: '7' });
    const keys = new Keys(api.store.prefix);
    progressKey = keys.correlatorProgress;
    log = new EventLog(api.store.redis, keys);
  });
  afterAll(async () => {
    await api.cordon.stop();
    await api.store.cleanup();
  });

  const report = (member: string, read: number, at = api.clock.now()) =>
    api.store.redis.hset(progressKey, member, `${read} ${at}`);

  it('answers 503 with Retry-After per source while correlation lags past the bound', async () => {
    await report('corr-a', 0);
    expect((await ingest(api)).statusCode).toBe(202);
    expect((await ingest(api)).statusCode).toBe(202);
    const refused = await eventually(async () => {
      api.clock.advance(1_000); // the lag is measured at most once a second
      const res = await ingest(api);
      return res.statusCode === 503 ? res : undefined;
    }, 'ingest to be refused');
    expect(refused.headers['retry-after']).toBe('7');
    expect(refused.json()).toMatchObject({
      code: 'CORDON_ERR_INGEST_BACKPRESSURE',
      message: expect.stringContaining('source "events"'),
      details: { source: 'events', lagEntries: expect.any(Number), retryAfterS: 7 },
    });
    expect(refused.json().details.lagEntries).toBeGreaterThan(5);
    // Refused means nothing of it was appended.
    const before = await log.length();
    expect((await ingest(api)).statusCode).toBe(503);
    expect(await log.length()).toBe(before);
    const res = await api.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKENS.analyst}` },
    });
    expect(res.body).toMatch(/cordon_ingest_backpressure_total\{source="events"\} [1-9]/);
    // A principal that may not post to the source still learns only that.
    expect((await ingest(api, TOKENS.eventsOnly, 'alertmanager')).statusCode).toBe(403);
  });

  it('accepts again once the correlator catches up', async () => {
    await report('corr-a', 6);
    await eventually(async () => {
      api.clock.advance(1_000);
      return (await ingest(api)).statusCode === 202 ? true : undefined;
    }, 'ingest to be accepted again');
  });

  it('ignores a member that stopped reporting while a live one keeps up', async () => {
    const { added } = await log.counters();
    await report('corr-a', 0, api.clock.now() - 60_000);
    await report('corr-b', added);
    api.clock.advance(1_000);
    await ingest(api); // starts a measurement
    await new Promise((r) => setTimeout(r, 100));
    expect((await ingest(api)).statusCode).toBe(202);
  });
});

describe('per-principal rate limit', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ CORDON_API_RATE_PER_S: '2', CORDON_API_RATE_BURST: '3' });
  });
  afterAll(async () => {
    await api.cordon.stop();
    await api.store.cleanup();
  });

  const incidents = (token: string) =>
    api.app.inject({
      method: 'GET',
      url: '/v1/incidents',
      headers: { authorization: `Bearer ${token}` },
    });

  it('answers 429 with Retry-After past the burst, refills at the rate, spares others', async () => {
    for (let i = 0; i < 3; i += 1) expect((await incidents(TOKENS.analyst)).statusCode).toBe(200);
    const limited = await incidents(TOKENS.analyst);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json()).toMatchObject({
      code: 'CORDON_ERR_API_RATE_LIMITED',
      message: expect.stringContaining('"analyst"'),
    });
    expect((await incidents(TOKENS.admin)).statusCode).toBe(200);
    const metrics = await api.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKENS.admin}` },
    });
    expect(metrics.body).toContain('cordon_api_rate_limited_total{principal="analyst"} 1');
    for (let i = 0; i < 10; i += 1) {
      expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    }
    // The gateway's limiter check is not metered: its own 429 means "key throttled".
    for (let i = 0; i < 6; i += 1) {
      const check = await api.app.inject({
        method: 'GET',
        url: '/v1/limiter/check?key=k',
        headers: { authorization: `Bearer ${TOKENS.gateway}` },
      });
      expect(check.statusCode).toBe(200);
    }
    api.clock.advance(500); // one token at 2/s
    expect((await incidents(TOKENS.analyst)).statusCode).toBe(200);
    expect((await incidents(TOKENS.analyst)).statusCode).toBe(429);
  });
});

describe('correlator progress', () => {
  it('is published by a running correlator, up to what the log holds', async () => {
    const t = await startTestCordon();
    try {
      const keys = new Keys(t.store.prefix);
      const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, {
        kind: 'inference',
        time: Date.now(),
        name: 'x',
      });
      expect(res.statusCode).toBe(202);
      const { added } = await new EventLog(t.store.redis, keys).counters();
      await eventually(async () => {
        const value = await t.store.redis.hget(keys.correlatorProgress, `test-${t.store.prefix}`);
        return value && Number(value.split(' ')[0]) === added ? true : undefined;
      }, 'the correlator to publish its progress');
      expect(await metricValue(t, 'cordon_redis_up')).toBe(1);
    } finally {
      await t.stop();
    }
  });
});
