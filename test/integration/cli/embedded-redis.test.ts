/**
 * The embedded default of `cordon start`: with no REDIS_URL and nothing on the default address,
 * Cordon runs a private redis-server (AOF on) and stops it on exit; a private server left by a
 * crashed Cordon is adopted, not started twice on the same data; with no redis-server at all
 * the error says how to fix it. 6379 answers on test machines, so the default address is
 * pointed at a closed port here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { resolveRedis } from '../../../src/cli/embedded-redis.js';
import { redisAnswers } from '../../../src/store/redis.js';
import { freePort, tempHome } from '../../helpers/process.js';

describe('embedded Redis', () => {
  it('starts a private redis-server with AOF when nothing answers, and stops it', async () => {
    const home = tempHome();
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const redis = await resolveRedis(undefined, home, { defaultUrl: closed });
    expect(redis.origin).toBe('private redis-server');
    expect(redis.url).not.toBe(closed);
    const client = new Redis(redis.url);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'dir')).toEqual(['dir', join(home, 'redis')]);
    await client.set('k', 'v');
    client.disconnect();

    // A second start while it still runs (a crashed Cordon left it) adopts it.
    const adopted = await resolveRedis(undefined, home, { defaultUrl: closed });
    expect(adopted.url).toBe(redis.url);

    await redis.stop();
    expect(await redisAnswers(redis.url, 300)).toBe(false);
    expect(existsSync(join(home, 'redis', 'cordon-redis.json'))).toBe(false);

    // Data written before the stop survives into the next private server (AOF).
    const again = await resolveRedis(undefined, home, { defaultUrl: closed });
    const reader = new Redis(again.url);
    expect(await reader.get('k')).toBe('v');
    reader.disconnect();
    await again.stop();
  }, 30_000);

  it('uses REDIS_URL or the default address when they are given or answer', async () => {
    expect((await resolveRedis('redis://example.invalid:6379', tempHome())).origin).toBe(
      'REDIS_URL',
    );
    const local = await resolveRedis(undefined, tempHome(), {
      defaultUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    expect(local.origin).toBe('local 6379');
  });

  it('explains how to get Redis when none is available', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    await expect(
      resolveRedis(undefined, tempHome(), { defaultUrl: closed, path: '/nonexistent' }),
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_CONFIG_REDIS_UNAVAILABLE',
      message: expect.stringContaining('apt-get install redis-server'),
    });
  });
});
