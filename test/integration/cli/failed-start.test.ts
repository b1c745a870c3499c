/**
 * A start that fails part-way (here: a token file naming an unset environment variable) must
 * leave nothing running: no connection to Redis, no worker taking jobs without an API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { startCordon } from '../../../src/main.js';
import { createLogger } from '../../../src/shared/logger.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { createTestRedis, TEST_REDIS_URL } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/temp-dir.js';

const store = createTestRedis('failed-start');
afterAll(() => store.cleanup());

describe('a failed start', () => {
  it('rejects with the cause and leaves no connection open', async () => {
    const dir = tempDir('failed');
    const tokens = join(dir, 'tokens.json');
    writeFileSync(
      tokens,
      JSON.stringify({
        principals: [{ id: 'x', roles: ['admin'], token_env: 'CORDON_TEST_UNSET_VAR' }],
      }),
    );
    const instance = `failed-${store.prefix}`;
    const config = loadConfig(
      {
        CORDON_REDIS_PREFIX: store.prefix,
        CORDON_TOKENS_FILE: tokens,
        CORDON_INSTANCE_ID: instance,
        CORDON_LOG_LEVEL: 'silent',
      },
      REPO_ROOT,
    );
    await expect(
      startCordon({ config, redisUrl: TEST_REDIS_URL, logger: createLogger('silent'), env: {} }),
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_CONFIG_INVALID',
      message: expect.stringContaining('CORDON_TEST_UNSET_VAR'),
    });
    const clients = (await store.redis.client('LIST')) as string;
    expect(clients).not.toContain(`name=cordon:${instance}`);
  });

  it('closes what it opened when Redis fails after the roles started', async () => {
    const instance = `failed2-${store.prefix}`;
    const config = loadConfig(
      {
        CORDON_REDIS_PREFIX: store.prefix,
        CORDON_INSTANCE_ID: instance,
        CORDON_LOG_LEVEL: 'silent',
        CORDON_ROLES: 'correlator,runner,worker',
      },
      REPO_ROOT,
    );
    const cordon = await startCordon({
      config,
      redisUrl: TEST_REDIS_URL,
      logger: createLogger('silent'),
    });
    expect((await store.redis.client('LIST')) as string).toContain(`name=cordon:${instance}`);
    await cordon.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect((await store.redis.client('LIST')) as string).not.toContain(`name=cordon:${instance}`);
  });
});

/** A port held by another server (close it with `blocker`). */
async function busyPort(): Promise<{ blocker: Server; port: number }> {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  return { blocker, port: (blocker.address() as { port: number }).port };
}

/**
 * Starts Cordon listening with `env` (under a prefix of its own, `<file prefix>-<name>`),
 * expects it refused with CORDON_ERR_CONFIG_INVALID and `message`, and that the refusal came
 * before any role started: nothing written under its prefix (no correlation partition taken
 * from a Cordon already running there). Gives the instance id.
 */
async function refusedStart(
  name: string,
  env: Record<string, string>,
  message: unknown,
): Promise<string> {
  const prefix = `${store.prefix}-${name}`;
  const instance = `${name}-${store.prefix}`;
  const config = loadConfig(
    {
      CORDON_REDIS_PREFIX: prefix,
      CORDON_INSTANCE_ID: instance,
      CORDON_LOG_LEVEL: 'silent',
      ...env,
    },
    REPO_ROOT,
  );
  const { testPrincipals } = await import('../../helpers/cordon.js');
  await expect(
    startCordon({
      config,
      redisUrl: TEST_REDIS_URL,
      logger: createLogger('silent'),
      principals: testPrincipals(),
      listen: true,
    }),
  ).rejects.toMatchObject({ code: 'CORDON_ERR_CONFIG_INVALID', message });
  expect(await store.redis.keys(`${prefix}*`)).toEqual([]);
  return instance;
}

describe('a busy port', () => {
  it('fails with one clear line and stops what it started', async () => {
    const { blocker, port } = await busyPort();
    const instance = await refusedStart(
      'busy',
      { CORDON_PORT: String(port), CORDON_CONSOLE_PORT: '0' },
      `Cannot listen on 127.0.0.1:${port} (another process is using it). Stop that process or set CORDON_PORT / CORDON_HOST.`,
    );
    blocker.close();
    await new Promise((r) => setTimeout(r, 100));
    expect((await store.redis.client('LIST')) as string).not.toContain(`name=cordon:${instance}`);
  });
});

describe('ports checked before any role starts', () => {
  it('the ops port of a process without the API', async () => {
    const { blocker, port } = await busyPort();
    await refusedStart(
      'ops',
      { CORDON_ROLES: 'correlator', CORDON_OPS_PORT: String(port) },
      expect.stringContaining(`127.0.0.1:${port}`),
    );
    blocker.close();
  });

  it('an API and a console port that are the same', async () => {
    const { blocker, port } = await busyPort();
    // Free the port, then name it twice: the second probe finds the first holding it.
    await new Promise((r) => blocker.close(r));
    await refusedStart(
      'same',
      { CORDON_PORT: String(port), CORDON_CONSOLE_PORT: String(port) },
      expect.stringContaining('CORDON_CONSOLE_PORT'),
    );
  });
});
