/**
 * Redis outages, on a private redis-server: one that stops answering (SIGSTOP) and one that is
 * killed (SIGKILL) and started again on its AOF. While Redis is away ingest answers 503 with
 * Retry-After within the command timeout and /readyz answers "not ready" at once; when Redis is
 * back both recover by themselves; every event acknowledged with 202 is still there; and each
 * outage is logged as one line when it starts and one when it ends, without stack traces.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { startCordon, type Cordon } from '../../../src/main.js';
import { createLogger } from '../../../src/shared/logger.js';
import { eventually, REPO_ROOT, TOKENS, testPrincipals } from '../../helpers/cordon.js';
import { createPrivateRedis, type PrivateRedis } from '../../helpers/private-redis.js';

const COMMAND_TIMEOUT_MS = 1_000;
let redis: PrivateRedis;
let cordon: Cordon;
let app: FastifyInstance;
const logLines: string[] = [];
const acknowledged: string[] = [];
let batch = 0;

beforeAll(async () => {
  redis = await createPrivateRedis();
  await redis.start();
  const config = loadConfig(
    {
      CORDON_REDIS_PREFIX: 'outage',
      CORDON_INSTANCE_ID: 'outage-test',
      CORDON_LOG_LEVEL: 'info',
      CORDON_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      CORDON_RETRY_AFTER_S: '3',
      CORDON_CORRELATE_LEASE_MS: '2000',
    },
    REPO_ROOT,
  );
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  cordon = await startCordon({
    config,
    redisUrl: redis.url,
    logger: createLogger(config.logLevel, sink),
    principals: testPrincipals(),
  });
  app = cordon.app as FastifyInstance;
});

afterAll(async () => {
  redis.resume();
  await cordon?.stop();
  await redis?.cleanup();
  if (process.env.DUMP_LOG)
    (await import('node:fs')).writeFileSync(process.env.DUMP_LOG, logLines.join('\n'));
});

/** Posts a batch of 10 events with fresh ids; records them when the answer is 202. */
async function ingest(): Promise<{ status: number; retryAfter: unknown; ms: number }> {
  batch += 1;
  const ids = Array.from({ length: 10 }, (_, i) => `outage-${batch}-${i}`);
  const body = ids
    .map((id, i) =>
      JSON.stringify({
        id,
        kind: 'inference',
        time: Date.now() - 1_000 + i,
        name: 'chat.completions',
        entity: { api_key: `k-${batch}`, model: 'm' },
      }),
    )
    .join('\n');
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/v1/ingest/events',
    headers: { authorization: `Bearer ${TOKENS.ingest}`, 'content-type': 'application/x-ndjson' },
    payload: body,
  });
  const ms = performance.now() - started;
  if (res.statusCode === 202) acknowledged.push(...ids);
  else expect(res.json()).toMatchObject({ code: 'CORDON_ERR_API_UNAVAILABLE' });
  return { status: res.statusCode, retryAfter: res.headers['retry-after'], ms };
}

/** Waits until the private Redis has written its AOF buffer out (INFO aof_buffer_length 0). */
async function aofWritten(): Promise<void> {
  const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await probe.connect();
    await eventually(
      async () =>
        /^aof_buffer_length:0\r?$/m.test(await probe.info('persistence')) ? true : undefined,
      'the AOF buffer to be written',
      10_000,
    );
  } finally {
    probe.disconnect();
  }
}

async function readyz(): Promise<{ status: number; redis: boolean; ms: number }> {
  const started = performance.now();
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  const ms = performance.now() - started;
  return {
    status: res.statusCode,
    redis: res.json<{ checks: { redis: boolean } }>().checks.redis,
    ms,
  };
}

const untilStatus = (probe: () => Promise<{ status: number }>, status: number, what: string) =>
  eventually(async () => ((await probe()).status === status ? true : undefined), what, 20_000);
const untilRedis = (up: boolean) =>
  eventually(
    async () => ((await readyz()).redis === up ? true : undefined),
    `/readyz to report redis ${up ? 'up' : 'down'}`,
    20_000,
  );

describe('a Redis outage', () => {
  it('answers 503 with Retry-After while Redis does not answer, and recovers by itself', async () => {
    expect((await ingest()).status).toBe(202);
    redis.pause();
    const during = await ingest();
    expect(during.status).toBe(503);
    expect(during.retryAfter).toBe('3');
    // Within the command timeout (twice, behind an auto-pipelined batch; plus scheduling
    // slack), not parked for the length of the outage.
    expect(during.ms).toBeLessThan(2 * COMMAND_TIMEOUT_MS + 2_000);
    await untilRedis(false);
    const probe = await readyz();
    expect(probe).toMatchObject({ status: 503, redis: false });
    expect(probe.ms).toBeLessThan(1_000);
    // Metrics need no Redis: they keep answering, and say so.
    const metrics = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKENS.analyst}` },
    });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('\ncordon_redis_up 0\n');
    const refused = await ingest();
    expect(refused).toMatchObject({ status: 503, retryAfter: '3' });
    expect(refused.ms).toBeLessThan(1_000);

    redis.resume();
    await untilRedis(true);
    await untilStatus(readyz, 200, '/readyz to report ready again');
    expect((await ingest()).status).toBe(202);
  });

  it('survives Redis killed and restarted on its AOF, losing nothing acknowledged', async () => {
    expect((await ingest()).status).toBe(202);
    // With appendfsync everysec Redis may hold its AOF write back (up to 2 s) while a slow
    // fsync runs, and still answer: a SIGKILL then loses what it answered (Redis's own window,
    // see the README next to appendonly; it failed this test once on a loaded machine). Killed
    // once Redis has written what it answered, the test checks Cordon's part: nothing it
    // acknowledged had not reached Redis.
    await aofWritten();
    await redis.kill();
    await untilStatus(ingest, 503, 'ingest to answer 503');
    await untilRedis(false);
    await redis.start();
    await untilStatus(readyz, 200, '/readyz to report ready again');
    await untilStatus(ingest, 202, 'ingest to accept again');

    // A 503 here is the outage detector flapping on a loaded machine, not a lost event: ask
    // again. A lost event answers 404, which fails.
    for (const id of acknowledged) {
      const status = await eventually(
        async () => {
          const res = await app.inject({
            method: 'GET',
            url: `/v1/events/events/${id}`,
            headers: { authorization: `Bearer ${TOKENS.analyst}` },
          });
          return res.statusCode === 503 ? undefined : res.statusCode;
        },
        `event ${id}`,
        20_000,
      );
      expect(status, id).toBe(200);
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(40);
  });

  it('logged each outage as one line when it began and one when it ended, without stacks', () => {
    const transitions = logLines
      .map((l) => (JSON.parse(l) as { event?: string }).event)
      .filter((e) => e === 'redis-unavailable' || e === 'redis-available');
    // Two outages (more only if a loaded machine stalled this process past the timeout), and
    // one line per transition: never two "began" or two "ended" in a row.
    expect(transitions.filter((e) => e === 'redis-unavailable').length).toBeGreaterThanOrEqual(2);
    expect(transitions[0]).toBe('redis-unavailable');
    transitions.forEach((e, i) => {
      if (i > 0) expect(e, `line ${i}`).not.toBe(transitions[i - 1]);
    });
    expect(logLines.filter((l) => l.includes('"stack"'))).toEqual([]);
  });
});
