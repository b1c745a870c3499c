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
import { apiGatewayFake } from '../../helpers/fakes/aws-apigateway.js';

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
