/**
 * A start that fails part-way (here: a token file naming an unset environment variable) must
 * leave nothing running: no connection to Redis, no worker taking jobs without an API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('a busy port', () => {
  it('fails with one clear line and stops what it started', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const instance = `busy-${store.prefix}`;
    const config = loadConfig(
      {
        // Its own prefix: the starts above wrote under the file's.
        CORDON_REDIS_PREFIX: `${store.prefix}-busy`,
        CORDON_INSTANCE_ID: instance,
        CORDON_LOG_LEVEL: 'silent',
        CORDON_PORT: String(port),
        CORDON_CONSOLE_PORT: '0',
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
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_CONFIG_INVALID',
      message: `Cannot listen on 127.0.0.1:${port} (another process is using it). Stop that process or set CORDON_PORT / CORDON_HOST.`,
    });
    blocker.close();
    await new Promise((r) => setTimeout(r, 100));
    expect((await store.redis.client('LIST')) as string).not.toContain(`name=cordon:${instance}`);
    // Found before any role started: nothing was written (no correlation partition taken from
    // a Cordon already running there).
    expect(await store.redis.keys(`${store.prefix}-busy*`)).toEqual([]);
  });
});

describe('ports checked before any role starts', () => {
  const busyPort = async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    return { blocker, port: (blocker.address() as { port: number }).port };
  };

  it('the ops port of a process without the API', async () => {
    const { blocker, port } = await busyPort();
    const prefix = `${store.prefix}-ops`;
    const config = loadConfig(
      {
        CORDON_REDIS_PREFIX: prefix,
        CORDON_INSTANCE_ID: `ops-${store.prefix}`,
        CORDON_LOG_LEVEL: 'silent',
        CORDON_ROLES: 'correlator',
        CORDON_OPS_PORT: String(port),
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
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_CONFIG_INVALID',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
    blocker.close();
    expect(await store.redis.keys(`${prefix}*`)).toEqual([]);
  });

  it('an API and a console port that are the same', async () => {
    const { blocker, port } = await busyPort();
    // Free the port, then name it twice: the second probe finds the first holding it.
    await new Promise((r) => blocker.close(r));
    const prefix = `${store.prefix}-same`;
    const config = loadConfig(
      {
        CORDON_REDIS_PREFIX: prefix,
        CORDON_INSTANCE_ID: `same-${store.prefix}`,
        CORDON_LOG_LEVEL: 'silent',
        CORDON_PORT: String(port),
        CORDON_CONSOLE_PORT: String(port),
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
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_CONFIG_INVALID',
      message: expect.stringContaining('CORDON_CONSOLE_PORT'),
    });
    expect(await store.redis.keys(`${prefix}*`)).toEqual([]);
  });
});
