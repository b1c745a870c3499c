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
import { kserveFake } from '../../../src/demo/fakes/kserve.js';

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

describe('serving.rollback with wait (Ready at the new generation)', () => {
  it('polls with doubling delays until observedGeneration catches up and Ready=True', async () => {
    fake.services.set('models/slow', {
      metadata: { name: 'slow', generation: 3 },
      spec: { predictor: { model: { storageUri: 's3://m/v5' }, canaryTrafficPercent: 10 } },
    });
    fake.controller.readsUntilReady = 3;
    const n = h.sleeps.length;
    const result = await h.run('kserve-isvc', 'serving.rollback', {
      service: 'slow',
      wait: '2m',
    });
    expect(result).toMatchObject({ patched: 'canaryTrafficPercent', readyAfterMs: 7000 });
    // Three not-ready reads (1s, 2s, 4s apart), then the ready one.
    expect(h.sleeps.slice(n)).toEqual([1000, 2000, 4000]);
    const gets = fake.server.calls(
      'GET',
      '/apis/serving.kserve.io/v1beta1/namespaces/models/inferenceservices/slow',
    );
    expect(gets).toHaveLength(5); // the read before the patch, then four polls
    fake.controller.readsUntilReady = 0;
  });

  it('fails as a timeout naming the last Ready condition when it never comes, the patch applied', async () => {
    fake.services.set('models/stuck', {
      metadata: { name: 'stuck', generation: 1 },
      spec: { predictor: { model: { storageUri: 's3://m/v9' }, canaryTrafficPercent: 50 } },
    });
    fake.controller.stuck = true;
    const n = h.sleeps.length;
    const err = (await h
      .run('kserve-isvc', 'serving.rollback', { service: 'stuck', wait: '30s' })
      .catch((e: unknown) => e)) as Error & { code: string };
    fake.controller.stuck = false;
    expect(err.code).toBe('CORDON_ERR_ACTION_TIMEOUT');
    expect(err.message).toContain('models/stuck did not report Ready within 30s');
    expect(err.message).toContain('Ready=False (RevisionMissing');
    expect(err.message).toContain('observedGeneration 1 of generation 2');
    expect(err.message).not.toContain('sa-token-k8s-1');
    // Bounded by the wait: 1+2+4+8+10 = 25s, then the 5s left.
    expect(h.sleeps.slice(n)).toEqual([1000, 2000, 4000, 8000, 10000, 5000]);
    expect(predictor('models/stuck')).toMatchObject({ canaryTrafficPercent: 0 });
  });

  it('the undo waits too when the rollback did', async () => {
    fake.services.set('models/back', {
      metadata: { name: 'back', generation: 1 },
      spec: { predictor: { model: { storageUri: 's3://m/v1' }, canaryTrafficPercent: 25 } },
    });
    const result = await h.run('kserve-isvc', 'serving.rollback', { service: 'back', wait: '1m' });
    fake.controller.readsUntilReady = 1;
    const n = h.sleeps.length;
    const undone = await h.run(
      'kserve-isvc',
      'serving.restore',
      { service: 'back' },
      {
        undoOf: {
          effectKey: 'e',
          operation: 'serving.rollback',
          inputs: { service: 'back', wait: '1m' },
          result,
        },
      },
    );
    fake.controller.readsUntilReady = 0;
    expect(undone).toMatchObject({ restored: { canaryTrafficPercent: 25 }, readyAfterMs: 1000 });
    expect(h.sleeps.slice(n)).toEqual([1000]);
    expect(predictor('models/back')).toMatchObject({ canaryTrafficPercent: 25 });
  });

  it('waits out a 429 from API Priority and Fairness (Retry-After 1)', async () => {
    const n = h.sleeps.length;
    fake.server.failNext({
      status: 429,
      headers: { 'retry-after': '1' },
      body: {
        kind: 'Status',
        status: 'Failure',
        message: 'Too many requests',
        reason: 'TooManyRequests',
        code: 429,
      },
    });
    await expect(
      h.run('kserve-isvc', 'serving.rollback', { service: 'back', wait: '1m' }),
    ).resolves.toMatchObject({ readyAfterMs: 0 });
    expect(h.sleeps.slice(n)).toEqual([1000]);
  });

  it('refuses a wait that is not a duration before calling the cluster', async () => {
    const n = fake.server.requests.length;
    await expect(
      h.run('kserve-isvc', 'serving.rollback', { service: 'back', wait: 'soon' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_INPUT' });
    expect(fake.server.requests.length).toBe(n);
  });
});
