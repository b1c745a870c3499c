/**
 * Kong Admin API through the kong connector against a fake of the documented contract:
 * consumer-scoped rate-limiting (PATCH an existing plugin, 409 on add = applied), undo that
 * removes or restores, key-auth credentials removed and re-created by key.block's undo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { kongFake } from '../../../src/demo/fakes/kong.js';

const ADMIN = 'kong-admin-token-4242';
const fake = kongFake(['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d'], ADMIN);
let h: ConnectorHarness;

beforeAll(async () => {
  await fake.server.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: gw\ntype: kong\nurl: ${fake.server.url}\nauth: { header: { name: Kong-Admin-Token, value: { env: KONG_TOKEN } } }\ntimeout: 300ms`,
    ),
    { KONG_TOKEN: ADMIN },
  );
});

afterAll(async () => {
  await h.cleanup();
  await fake.server.stop();
});

describe('ratelimit.set on Kong', () => {
  it('adds a consumer rate-limiting plugin and the undo removes it', async () => {
    const result = (await h.run('kong', 'ratelimit.set', {
      key: 'tenant-a',
      limit: '10/m',
    })) as Record<string, unknown>;
    expect(result).toMatchObject({ consumer: 'tenant-a', created: true, replaced: null });
    const plugin = fake.plugins.find((p) => p.consumer === 'tenant-a');
    expect(plugin?.config).toMatchObject({
      minute: 10,
      second: null,
      limit_by: 'consumer',
      policy: 'local',
    });
    await h.run(
      'kong',
      'ratelimit.clear',
      { key: 'tenant-a' },
      { undoOf: { effectKey: 'e', operation: 'ratelimit.set', inputs: {}, result } },
    );
    expect(fake.plugins.find((p) => p.consumer === 'tenant-a')).toBeUndefined();
  });

  it('PATCHes an existing plugin and the undo restores the windows it replaced', async () => {
    fake.plugins.push({
      id: 'p-b',
      name: 'rate-limiting',
      consumer: 'tenant-b',
      enabled: true,
      config: { hour: 1000, minute: null, limit_by: 'consumer' },
    });
    const result = (await h.run('kong', 'ratelimit.set', {
      key: 'tenant-b',
      limit: '5/s',
    })) as Record<string, unknown>;
    expect(result).toMatchObject({
      pluginId: 'p-b',
      created: false,
      replaced: { enabled: true, config: { hour: 1000, second: null } },
    });
    expect(fake.plugins.find((p) => p.id === 'p-b')?.config).toMatchObject({
      second: 5,
      hour: null,
    });
    expect(fake.server.calls('POST', '/consumers/tenant-b/plugins')).toHaveLength(0);
    await h.run(
      'kong',
      'ratelimit.clear',
      { key: 'tenant-b' },
      { undoOf: { effectKey: 'e', operation: 'ratelimit.set', inputs: {}, result } },
    );
    expect(fake.plugins.find((p) => p.id === 'p-b')?.config).toMatchObject({
      hour: 1000,
      second: null,
    });
  });

  it('creates one plugin when retried after a timeout mid-create (409 on add = applied)', async () => {
    fake.server.delayNext(0); // list plugins
    fake.server.delayNext(0); // list again
    fake.server.delayNext(800); // the POST lands; its answer is late
    const err = (await h
      .run('kong', 'ratelimit.set', { key: 'tenant-c', limit: '10/m' }, { effectKey: 'kong-slow' })
      .catch((e: unknown) => e)) as { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_TIMEOUT');
    const retried = await h.run(
      'kong',
      'ratelimit.set',
      { key: 'tenant-c', limit: '10/m' },
      { effectKey: 'kong-slow' },
    );
    expect(retried).toMatchObject({ created: true, replaced: null });
    expect(fake.plugins.filter((p) => p.consumer === 'tenant-c')).toHaveLength(1);
  });

  it('treats a 409 from a concurrent add as applied and PATCHes that plugin', async () => {
    fake.server.failNext(
      { status: 200, body: { data: [], next: null } },
      { status: 200, body: { data: [], next: null } },
    );
    fake.plugins.push({
      id: 'p-d',
      name: 'rate-limiting',
      consumer: 'tenant-d',
      enabled: false,
      config: { minute: 99 },
    });
    const result = await h.run('kong', 'ratelimit.set', { key: 'tenant-d', limit: '3/m' });
    expect(result).toMatchObject({ pluginId: 'p-d', created: true });
    expect(fake.plugins.find((p) => p.id === 'p-d')).toMatchObject({
      enabled: true,
      config: { minute: 3 },
    });
  });

  it('refuses limits Kong cannot express, before calling it', async () => {
    const n = fake.server.requests.length;
    await expect(
      h.run('kong', 'ratelimit.set', { key: 'tenant-a', limit: 'block' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_INPUT' });
    await expect(
      h.run('kong', 'ratelimit.set', { key: 'tenant-a', limit: '5/30s' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_INPUT' });
    expect(fake.server.requests.length).toBe(n);
  });

  it("reports an unknown consumer as rejected with Kong's message", async () => {
    await expect(
      h.run('kong', 'ratelimit.set', { key: 'nobody', limit: '1/m' }),
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_REJECTED',
      message: expect.stringContaining('Not found') as unknown,
    });
  });
});

describe('key.block / key.unblock on Kong', () => {
  it("removes the consumer's credentials, keeps key values out of the result, and the undo restores them", async () => {
    fake.credentials.push(
      { id: 'cred-1', key: 'customer-api-key-aaaa', consumer: 'tenant-a' },
      { id: 'cred-2', key: 'customer-api-key-bbbb', consumer: 'tenant-a' },
    );
    const result = await h.run(
      'kong',
      'key.block',
      { key: 'tenant-a', reason: 'abuse' },
      { effectKey: 'block-a' },
    );
    expect(result).toEqual({ consumer: 'tenant-a', disabled: ['cred-1', 'cred-2'] });
    expect(JSON.stringify(result)).not.toContain('customer-api-key');
    expect(fake.credentials.filter((c) => c.consumer === 'tenant-a')).toHaveLength(0);
    await h.run(
      'kong',
      'key.unblock',
      { key: 'tenant-a', reason: 'abuse' },
      {
        effectKey: 'block-a:undo',
        undoOf: { effectKey: 'block-a', operation: 'key.block', inputs: {}, result },
      },
    );
    expect(
      fake.credentials.filter((c) => c.consumer === 'tenant-a').map((c) => [c.id, c.key]),
    ).toEqual([
      ['cred-1', 'customer-api-key-aaaa'],
      ['cred-2', 'customer-api-key-bbbb'],
    ]);
  });

  it('key.unblock outside an undo explains it has nothing to restore', async () => {
    await expect(h.run('kong', 'key.unblock', { key: 'tenant-a' })).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_INPUT',
    });
  });
});
