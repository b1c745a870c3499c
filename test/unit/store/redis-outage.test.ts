import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';
import type { RedisClient } from '../../../src/store/redis.js';
import { RedisOutage } from '../../../src/store/redis-outage.js';

/** A client whose PINGs wait until released, or answer at once. */
function pingClient(): { client: RedisClient; hang(on: boolean): void; pending(): number } {
  let hanging = false;
  let pending = 0;
  const client = {
    ping: () => {
      if (!hanging) return Promise.resolve('PONG');
      pending += 1;
      return new Promise<string>(() => undefined);
    },
  } as unknown as RedisClient;
  return { client, hang: (on) => (hanging = on), pending: () => pending };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RedisOutage', () => {
  it('counts a PING that never answers as failed, declares the outage and ends it', async () => {
    const redis = pingClient();
    const outage = new RedisOutage(
      redis.client,
      10,
      systemClock,
      createLogger('silent'),
      new Metrics(),
      30,
    );
    redis.hang(true);
    outage.start();
    try {
      // Two probes past their deadline in a row make an outage.
      for (let i = 0; i < 100 && outage.available; i += 1) await sleep(10);
      expect(outage.available).toBe(false);
      expect(redis.pending()).toBeGreaterThanOrEqual(2);
      // Probing went on past the hung PINGs: the first answer ends the outage.
      redis.hang(false);
      for (let i = 0; i < 100 && !outage.available; i += 1) await sleep(10);
      expect(outage.available).toBe(true);
    } finally {
      outage.stop();
    }
  });
});
