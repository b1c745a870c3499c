/**
 * access.deny / access.allow on Kong: the consumer joins an ACL group that the service's acl
 * plugin denies (the plugin made once, or the group added to its deny list), the data plane
 * then answers 403, and the undo takes the consumer out again; 409 on add means applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { kongFake } from '../../../src/demo/fakes/kong.js';

const ADMIN = 'kong-admin-token-acl-77';
const fake = kongFake(['alice', 'bob', 'carol', 'dave'], ADMIN, ['models', 'legacy']);
let h: ConnectorHarness;
const AUTH = 'auth: { header: { name: Kong-Admin-Token, value: { env: KONG_TOKEN } } }';

beforeAll(async () => {
  await fake.server.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: gw\ntype: kong\nurl: ${fake.server.url}\n${AUTH}\noptions: { acl_service: models }`,
      `name: gw-slow\ntype: kong\nurl: ${fake.server.url}\n${AUTH}\ntimeout: 300ms\noptions: { acl_service: models }`,
      `name: gw-legacy\ntype: kong\nurl: ${fake.server.url}\n${AUTH}\noptions: { acl_service: legacy, acl_group: soar-blocked }`,
    ),
    { KONG_TOKEN: ADMIN },
  );
});

afterAll(async () => {
  await h.cleanup();
  await fake.server.stop();
});

const undo = (result: unknown) => ({
  undoOf: { effectKey: 'e', operation: 'access.deny', inputs: {}, result },
});

describe('access.deny on Kong', () => {
  it('creates the deny plugin once, refuses the consumer at the proxy, and the undo lets it back', async () => {
    expect(fake.proxy('alice', 'models').status).toBe(200);
    const result = await h.run('kong', 'access.deny', { key: 'alice' });
    expect(result).toEqual({
      consumer: 'alice',
      group: 'cordon-denied',
      added: true,
      plugin: 'created',
    });
    expect(fake.proxy('alice', 'models')).toEqual({
      status: 403,
      body: { message: 'You cannot consume this service' },
    });
    expect(fake.proxy('bob', 'models').status).toBe(200);
    const second = await h.run('kong', 'access.deny', { key: 'bob' });
    expect(second).toMatchObject({ plugin: 'present', added: true });
    expect(fake.plugins.filter((p) => p.service === 'models')).toHaveLength(1);
    await h.run('kong', 'access.allow', { key: 'alice' }, undo(result));
    expect(fake.proxy('alice', 'models').status).toBe(200);
    expect(fake.proxy('bob', 'models').status).toBe(403);
  });

  it('an add that timed out after Kong applied it is retried, and the 409 counts as applied', async () => {
    // GET acls and GET plugins answer at once; the POST lands but its answer comes too late.
    fake.server.delayNext(0);
    fake.server.delayNext(0);
    fake.server.delayNext(600);
    const result = await h.run('kong', 'access.deny', { key: 'carol' }, { connector: 'gw-slow' });
    expect(result).toMatchObject({ consumer: 'carol', added: true });
    expect(fake.server.calls('POST', '/consumers/carol/acls')).toHaveLength(2);
    expect(fake.acls.filter((a) => a.consumer === 'carol')).toHaveLength(1);
    await h.run('kong', 'access.allow', { key: 'carol' }, undo(result));
    expect(fake.acls.some((a) => a.consumer === 'carol')).toBe(false);
  });

  it('leaves a consumer that was in the group before in it on undo', async () => {
    fake.acls.push({ id: 'pre', consumer: 'carol', group: 'cordon-denied' });
    const result = await h.run('kong', 'access.deny', { key: 'carol' });
    expect(result).toMatchObject({ added: false });
    await h.run('kong', 'access.allow', { key: 'carol' }, undo(result));
    expect(fake.acls.some((a) => a.consumer === 'carol')).toBe(true);
  });

  it('adds its group to an existing deny plugin instead of a second plugin (409 per scope)', async () => {
    fake.plugins.push({
      id: 'pre-acl',
      name: 'acl',
      consumer: '',
      service: 'legacy',
      enabled: true,
      config: { deny: ['old-group'] },
    });
    const result = await h.run('kong', 'access.deny', { key: 'dave' }, { connector: 'gw-legacy' });
    expect(result).toMatchObject({ group: 'soar-blocked', plugin: 'extended' });
    expect(fake.plugins.find((p) => p.id === 'pre-acl')?.config.deny).toEqual([
      'old-group',
      'soar-blocked',
    ]);
    expect(fake.proxy('dave', 'legacy').status).toBe(403);
  });

  it('refuses a service whose acl plugin uses an allow list, and adds nobody to the group', async () => {
    const plugin = fake.plugins.find((p) => p.id === 'pre-acl');
    if (plugin) plugin.config = { allow: ['paying'] };
    const before = fake.acls.length;
    const err = (await h
      .run('kong', 'access.deny', { key: 'bob' }, { connector: 'gw-legacy' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(err.message).toContain('mutually exclusive');
    expect(fake.acls.length).toBe(before);
  });

  it("reports an unknown consumer as rejected with Kong's message, never the admin token", async () => {
    const err = (await h
      .run('kong', 'access.deny', { key: 'mallory' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(err.message).toContain('Not found');
    expect(err.message).not.toContain(ADMIN);
  });

  it('retries a 429 with Retry-After from the Admin API', async () => {
    const n = h.sleeps.length;
    fake.server.failNext({
      status: 429,
      headers: { 'retry-after': '3' },
      body: { message: 'API rate limit exceeded' },
    });
    await h.run('kong', 'access.allow', { key: 'bob' });
    expect(h.sleeps.slice(n)).toContain(3000);
    expect(fake.proxy('bob', 'models').status).toBe(200);
  });
});
