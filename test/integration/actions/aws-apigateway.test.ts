/**
 * AWS API Gateway key disable/enable through SigV4-signed calls against a fake that checks the
 * signature; the undo re-enables only a key that was enabled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { apiGatewayFake } from '../../../src/demo/fakes/aws-apigateway.js';

const CREDS = {
  accessKeyId: 'AKIDCORDONTEST01',
  secretAccessKey: 'aws-secret-access-key-xyz/+',
  region: 'eu-west-1',
};
const fake = apiGatewayFake(CREDS);
let h: ConnectorHarness;

beforeAll(async () => {
  await fake.server.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: apigw\ntype: aws-apigateway\nurl: ${fake.server.url}\nauth: { sigv4: { access_key_id: { env: AWS_ID }, secret_access_key: { env: AWS_SECRET }, region: eu-west-1, service: apigateway } }`,
    ),
    { AWS_ID: CREDS.accessKeyId, AWS_SECRET: CREDS.secretAccessKey },
  );
});

afterAll(async () => {
  await h.cleanup();
  await fake.server.stop();
});

describe('key.block on AWS API Gateway', () => {
  it('disables a key with a signed string-valued patch, and the undo re-enables it', async () => {
    fake.keys.set('k1abc', { enabled: true });
    const result = await h.run('aws-apigateway', 'key.block', { key: 'k1abc' });
    expect(result).toEqual({ key: 'k1abc', enabled: false, wasEnabled: true });
    expect(fake.keys.get('k1abc')?.enabled).toBe(false);
    expect(fake.server.calls('PATCH').at(-1)?.json).toEqual({
      patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }],
    });
    await h.run(
      'aws-apigateway',
      'key.unblock',
      { key: 'k1abc' },
      { undoOf: { effectKey: 'e', operation: 'key.block', inputs: {}, result } },
    );
    expect(fake.keys.get('k1abc')?.enabled).toBe(true);
  });

  it('leaves a key that was already disabled disabled on undo', async () => {
    fake.keys.set('k2off', { enabled: false });
    const result = await h.run('aws-apigateway', 'key.block', { key: 'k2off' });
    await h.run(
      'aws-apigateway',
      'key.unblock',
      { key: 'k2off' },
      { undoOf: { effectKey: 'e', operation: 'key.block', inputs: {}, result } },
    );
    expect(fake.keys.get('k2off')?.enabled).toBe(false);
  });

  it('classifies a bad signature as unauthorized and never shows the secret key', async () => {
    const bad = connectorHarness(
      instancesFromYaml(
        `name: apigw\ntype: aws-apigateway\nurl: ${fake.server.url}\nauth: { sigv4: { access_key_id: { env: AWS_ID }, secret_access_key: { env: AWS_SECRET }, region: eu-west-1, service: apigateway } }`,
      ),
      { AWS_ID: CREDS.accessKeyId, AWS_SECRET: 'wrong-secret-value-1' },
    );
    const err = (await bad
      .run('aws-apigateway', 'key.block', { key: 'k1abc' })
      .catch((e: unknown) => e)) as Error & { code: string };
    await bad.cleanup();
    expect(err.code).toBe('CORDON_ERR_ACTION_UNAUTHORIZED');
    expect(err.message).toContain('signature');
    expect(err.message).not.toContain('wrong-secret-value-1');
  });

  it('reports an unknown key as rejected', async () => {
    await expect(h.run('aws-apigateway', 'key.block', { key: 'nope' })).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_REJECTED',
    });
  });
});

describe('ratelimit.set on AWS API Gateway (usage-plan moves)', () => {
  const plansYaml = (url: string): string =>
    `name: apigw-plans\ntype: aws-apigateway\nurl: ${url}\nauth: { sigv4: { access_key_id: { env: AWS_ID }, secret_access_key: { env: AWS_SECRET }, region: eu-west-1, service: apigateway } }\noptions: { throttle_plans: { "10/m": thr10, "1/s": thr1 }, release_plan: standard }`;
  let p: ConnectorHarness;
  beforeAll(() => {
    p = connectorHarness(instancesFromYaml(plansYaml(fake.server.url)), {
      AWS_ID: CREDS.accessKeyId,
      AWS_SECRET: CREDS.secretAccessKey,
    });
  });
  afterAll(async () => {
    await p.cleanup();
  });
  const reset = (key: string, plan: string): void => {
    fake.keys.set(key, { enabled: true });
    for (const id of ['standard', 'gold', 'thr10', 'thr1']) {
      const members = fake.plans.get(id) ?? new Set<string>();
      members.delete(key);
      fake.plans.set(id, members);
    }
    fake.plans.get(plan)?.add(key);
  };
  const planOf = (key: string): string[] =>
    [...fake.plans].filter(([, m]) => m.has(key)).map(([id]) => id);

  it('moves the key to the plan for the limit, and the undo moves it back to the plan it was on', async () => {
    reset('kp1', 'gold');
    const result = await p.run('aws-apigateway', 'ratelimit.set', { key: 'kp1', limit: '10/m' });
    expect(result).toEqual({ key: 'kp1', plan: 'thr10', previousPlans: ['gold'] });
    expect(planOf('kp1')).toEqual(['thr10']);
    // Removed from its plan before being added (AWS refuses two plans on one stage).
    const moves = fake.server.requests.filter((r) => r.path.startsWith('/usageplans/'));
    expect(moves.slice(-2).map((r) => `${r.method} ${r.path}`)).toEqual([
      'DELETE /usageplans/gold/keys/kp1',
      'POST /usageplans/thr10/keys',
    ]);
    expect(moves.at(-1)?.json).toEqual({ keyId: 'kp1', keyType: 'API_KEY' });
    await p.run(
      'aws-apigateway',
      'ratelimit.clear',
      { key: 'kp1' },
      { undoOf: { effectKey: 'e', operation: 'ratelimit.set', inputs: {}, result } },
    );
    expect(planOf('kp1')).toEqual(['gold']);
  });

  it('a retry after a failure mid-move still knows the original plan and moves once', async () => {
    reset('kp2', 'gold');
    const effectKey = 'effect-apigw-retry';
    // The DELETE lands, then every try of the POST answers 503: the action fails, retryable.
    fake.server.failNext(
      { status: 200, body: { item: [{ id: 'gold' }] } },
      { status: 202 },
      ...Array.from({ length: 3 }, () => ({
        status: 503,
        headers: { 'x-amzn-errortype': 'ServiceUnavailableException' },
        body: { message: 'Service Unavailable' },
      })),
    );
    fake.plans.get('gold')?.delete('kp2');
    await expect(
      p.run('aws-apigateway', 'ratelimit.set', { key: 'kp2', limit: '1/s' }, { effectKey }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_UNAVAILABLE' });
    expect(planOf('kp2')).toEqual([]);
    const result = await p.run(
      'aws-apigateway',
      'ratelimit.set',
      { key: 'kp2', limit: '1/s' },
      { effectKey },
    );
    expect(result).toEqual({ key: 'kp2', plan: 'thr1', previousPlans: ['gold'] });
    expect(planOf('kp2')).toEqual(['thr1']);
  });

  it('reads back a 409: a conflict with another plan is an error, not "already added"', async () => {
    reset('kp3', 'standard');
    // The listing misses the plan (as a stale read would): the add then conflicts.
    fake.server.failNext({ status: 200, body: { item: [] } });
    const err = (await p
      .run('aws-apigateway', 'ratelimit.set', { key: 'kp3', limit: '10/m' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(err.message).toContain('only one plan per API stage');
    expect(planOf('kp3')).toEqual(['standard']);
  });

  it('waits out a 429 TooManyRequestsException Retry-After', async () => {
    reset('kp4', 'gold');
    const n = p.sleeps.length;
    fake.server.failNext({
      status: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException', 'retry-after': '5' },
      body: { message: 'Too Many Requests' },
    });
    await p.run('aws-apigateway', 'ratelimit.set', { key: 'kp4', limit: '10/m' });
    expect(p.sleeps.slice(n)).toContain(5000);
    expect(planOf('kp4')).toEqual(['thr10']);
  });

  it('refuses a limit with no configured plan, naming those it has, before calling AWS', async () => {
    const sent = fake.server.requests.length;
    const err = (await p
      .run('aws-apigateway', 'ratelimit.set', { key: 'kp1', limit: '5/h' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_INPUT');
    expect(err.message).toContain('no usage plan for limit "5/h"');
    expect(err.message).toContain('10/60s');
    expect(fake.server.requests.length).toBe(sent);
  });

  it('ratelimit.clear outside an undo moves the key from the throttle plan to release_plan', async () => {
    reset('kp5', 'thr10');
    await p.run('aws-apigateway', 'ratelimit.clear', { key: 'kp5' });
    expect(planOf('kp5')).toEqual(['standard']);
  });

  it('validates options: a usage plan id must be an id and a limit must be a rate', () => {
    expect(() =>
      instancesFromYaml(
        `name: x\ntype: aws-apigateway\nurl: https://apigateway.eu-west-1.amazonaws.com\nauth: { sigv4: { access_key_id: { env: A }, secret_access_key: { env: B }, region: eu-west-1, service: apigateway } }\noptions: { throttle_plans: { "ten": thr10, "10/m": "not an id" } }`,
      ),
    ).toThrow(/throttle_plans keys are limits such as "10\/m"[\s\S]*is a usage plan id/);
  });
});
