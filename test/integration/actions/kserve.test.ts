/**
 * KServe rollback through the Kubernetes API against a fake (merge-patch semantics, 415 for
 * other media types, Status errors): canary to 0 and back, storageUri pinned and restored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { kserveFake } from '../../helpers/fakes/kserve.js';

const fake = kserveFake('sa-token-k8s-1');
let h: ConnectorHarness;

beforeAll(async () => {
  await fake.server.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: cluster\ntype: kserve-isvc\nurl: ${fake.server.url}\nauth: { bearer: { env: K8S_TOKEN } }\noptions: { namespace: models }`,
    ),
    { K8S_TOKEN: 'sa-token-k8s-1' },
  );
});

afterAll(async () => {
  await h.cleanup();
  await fake.server.stop();
});

const predictor = (key: string): Record<string, unknown> | undefined =>
  (fake.services.get(key) as { spec?: { predictor?: Record<string, unknown> } } | undefined)?.spec
    ?.predictor;

describe('serving.rollback on KServe', () => {
  it('zeroes the canary and the undo removes the field it added', async () => {
    fake.services.set('models/fraud', {
      metadata: { name: 'fraud' },
      spec: { predictor: { model: { storageUri: 's3://m/v2' } } },
    });
    const result = await h.run('kserve-isvc', 'serving.rollback', {
      service: 'fraud',
      reason: 'drift',
    });
    expect(result).toEqual({
      namespace: 'models',
      service: 'fraud',
      patched: 'canaryTrafficPercent',
      replaced: { canaryTrafficPercent: null, storageUri: 's3://m/v2' },
    });
    expect(predictor('models/fraud')).toMatchObject({ canaryTrafficPercent: 0 });
    expect(fake.server.calls('PATCH').at(-1)?.headers['content-type']).toBe(
      'application/merge-patch+json',
    );
    await h.run(
      'kserve-isvc',
      'serving.restore',
      { service: 'fraud' },
      { undoOf: { effectKey: 'e', operation: 'serving.rollback', inputs: {}, result } },
    );
    expect(predictor('models/fraud')).toEqual({ model: { storageUri: 's3://m/v2' } });
  });

  it('pins storageUri in RawDeployment mode and the undo restores the previous artifact', async () => {
    fake.services.set('models/raw', {
      spec: { predictor: { model: { storageUri: 's3://m/v3' }, canaryTrafficPercent: 20 } },
    });
    const result = await h.run('kserve-isvc', 'serving.rollback', {
      service: 'raw',
      storage_uri: 's3://m/v2',
    });
    expect(predictor('models/raw')).toMatchObject({
      model: { storageUri: 's3://m/v2' },
      canaryTrafficPercent: 20,
    });
    await h.run(
      'kserve-isvc',
      'serving.restore',
      { service: 'raw' },
      { undoOf: { effectKey: 'e', operation: 'serving.rollback', inputs: {}, result } },
    );
    expect(predictor('models/raw')).toMatchObject({ model: { storageUri: 's3://m/v3' } });
  });

  it('reports a missing InferenceService as rejected and refuses names that are not Kubernetes names', async () => {
    await expect(
      h.run('kserve-isvc', 'serving.rollback', { service: 'ghost' }),
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_REJECTED',
      message: expect.stringContaining('NotFound') as unknown,
    });
    const n = fake.server.requests.length;
    await expect(
      h.run('kserve-isvc', 'serving.rollback', { service: '../../secrets' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_INPUT' });
    expect(fake.server.requests.length).toBe(n);
  });
});
