/**
 * A connector instance's outbound rate_limit holds across processes: clients built separately
 * (as two workers would) share one token bucket in Redis, so together they send at the rate,
 * not twice it. A booking beyond max_retry_after is refused (retryable) without being made; a
 * Redis failure falls back to pacing per process.
 */
import type { RedisClient as Redis } from '../../../src/store/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundClient } from '../../../src/actions/http/outbound-client.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { instancesFromYaml } from '../../helpers/action-connectors.js';
import { FakeServer } from '../../../src/demo/fakes/fake-server.js';
import { createTestRedis, type TestRedis } from '../../helpers/redis.js';

const server = new FakeServer(() => ({ status: 200, body: { ok: true } }));
let t: TestRedis;

beforeAll(async () => {
  await server.start();
  t = createTestRedis('pacing');
});

afterAll(async () => {
  await t.cleanup();
  await server.stop();
});

function worker(clock: ManualClock, yaml: string, redis: Redis = t.redis) {
  const sleeps: number[] = [];
  const [instance] = instancesFromYaml(yaml);
  if (!instance) throw new Error('no instance');
  const client = new OutboundClient(instance, {
    clock,
    secrets: { env: {}, readFile: () => '' },
    pacing: { redis, prefix: t.prefix },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const call = () =>
    client.request({ method: 'GET', path: '/x', idempotent: true }, new AbortController().signal);
  return { sleeps, call };
}

describe('outbound rate limit shared across processes', () => {
  it('two workers together get the burst once, then one request per interval between them', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const yaml = `name: shared-a\ntype: http\nurl: ${server.url}\nrate_limit: 2/s`;
    const a = worker(clock, yaml);
    const b = worker(clock, yaml);
    await a.call();
    await b.call();
    // The burst of 2 is spent by both together: the next of either waits.
    await a.call();
    await b.call();
    expect([...a.sleeps, ...b.sleeps]).toEqual([500, 1000]);
    // Half a second later one token has come back, already booked by a's wait: b's next
    // booking still waits behind both.
    clock.set(clock.now() + 500);
    await b.call();
    expect(b.sleeps.at(-1)).toBe(1000);
  });

  it('refuses a booking further ahead than max_retry_after, retryable, and books nothing', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const yaml = `name: shared-b\ntype: http\nurl: ${server.url}\nrate_limit: 1/m\nretry: { max_retry_after: 10s }`;
    const a = worker(clock, yaml);
    const b = worker(clock, yaml);
    await a.call();
    const sent = server.requests.length;
    await expect(b.call()).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_UNAVAILABLE',
      message: expect.stringContaining('across all Cordon processes') as unknown,
    });
    expect(server.requests.length).toBe(sent);
    // Nothing was booked by the refusal: a minute later one request goes at once.
    clock.set(clock.now() + 60_000);
    await a.call();
    expect(a.sleeps).toEqual([]);
  });

  it('paces this process alone when Redis fails, instead of stopping the action', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const broken = {
      evalsha: () => Promise.reject(new Error('Connection is closed.')),
      eval: () => Promise.reject(new Error('Connection is closed.')),
    } as unknown as Redis;
    const w = worker(
      clock,
      `name: shared-c\ntype: http\nurl: ${server.url}\nrate_limit: 1/s`,
      broken,
    );
    await w.call();
    await w.call();
    expect(w.sleeps).toEqual([1000]);
  });
});
