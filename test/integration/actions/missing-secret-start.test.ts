/**
 * `cordon start` with an enabled action connector whose secret is not set refuses to start,
 * naming the variable (never a value) before opening anything; the same content with the
 * connector disabled starts.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { startCordon } from '../../../src/main.js';
import { createLogger } from '../../../src/shared/logger.js';
import { REPO_ROOT, testPrincipals } from '../../helpers/cordon.js';
import { createTestRedis, TEST_REDIS_URL } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/temp-dir.js';

const store = createTestRedis('missing-secret');
afterAll(() => store.cleanup());

function contentWith(enabled: boolean): string {
  const dir = tempDir('missing-secret');
  cpSync(join(REPO_ROOT, 'correlations'), join(dir, 'correlations'), { recursive: true });
  mkdirSync(join(dir, 'connectors'));
  mkdirSync(join(dir, 'playbooks'));
  writeFileSync(
    join(dir, 'connectors', 'jira.yaml'),
    `name: jira\ntype: jira\nenabled: ${String(enabled)}\nurl: https://acme.atlassian.net\nauth: { basic: { username: bot@acme.io, password: { env: CORDON_TEST_JIRA_TOKEN_UNSET } } }\noptions: { project: SEC }\n`,
  );
  return dir;
}

describe('a connector secret missing at start', () => {
  it('is reported by variable name and nothing stays connected', async () => {
    const instance = `missing-${store.prefix}`;
    const config = loadConfig(
      {
        CORDON_REDIS_PREFIX: store.prefix,
        CORDON_CONTENT_DIR: contentWith(true),
        CORDON_INSTANCE_ID: instance,
        CORDON_LOG_LEVEL: 'silent',
      },
      REPO_ROOT,
    );
    await expect(
      startCordon({
        config,
        redisUrl: TEST_REDIS_URL,
        logger: createLogger('silent'),
        principals: testPrincipals(),
        env: {},
      }),
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_CONNECTOR_SECRET',
      message: expect.stringContaining(
        'Connector "jira" needs a secret from environment variable CORDON_TEST_JIRA_TOKEN_UNSET, which is not set',
      ) as unknown,
    });
    expect((await store.redis.client('LIST')) as string).not.toContain(`name=cordon:${instance}`);
  });

  it('is not needed while the connector is disabled', async () => {
    const config = loadConfig(
      {
        CORDON_REDIS_PREFIX: store.prefix,
        CORDON_CONTENT_DIR: contentWith(false),
        CORDON_INSTANCE_ID: `disabled-${store.prefix}`,
        CORDON_LOG_LEVEL: 'silent',
      },
      REPO_ROOT,
    );
    const cordon = await startCordon({
      config,
      redisUrl: TEST_REDIS_URL,
      logger: createLogger('silent'),
      principals: testPrincipals(),
      env: {},
    });
    await cordon.stop();
  });
});
