/**
 * MLflow registry rollback/quarantine and the generic http.request through their connectors,
 * against local fakes: alias moves that remember what they replaced (undo restores it, even
 * when the first attempt timed out after moving), tags, the allowlist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { FakeServer } from '../../../src/demo/fakes/fake-server.js';
import { mlflowFake } from '../../../src/demo/fakes/mlflow.js';

const fake = mlflowFake();
const api = new FakeServer((req) => ({
  status: req.path === '/missing' ? 404 : 200,
  body: { echo: req.json ?? null, path: req.path, auth: req.headers.authorization ?? null },
}));
let h: ConnectorHarness;

function model(
  versions: Record<string, Record<string, string>>,
  aliases: Record<string, string>,
): void {
  fake.models.set('fraud-scorer', {
    versions: new Map(
      Object.entries(versions).map(([v, tags]) => [v, new Map(Object.entries(tags))]),
    ),
    aliases: new Map(Object.entries(aliases)),
  });
}

beforeAll(async () => {
  await fake.server.start();
  await api.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: registry\ntype: mlflow\nurl: ${fake.server.url}\ntimeout: 300ms`,
      `name: legacy-registry\ntype: mlflow\nurl: ${fake.server.url}\noptions: { api: stages }`,
      `name: api\ntype: http\nurl: ${api.url}\nauth: { bearer: { env: API_TOKEN } }`,
    ),
    { API_TOKEN: 'http-bearer-token-777' },
  );
});

afterAll(async () => {
  await h.cleanup();
  await fake.server.stop();
  await api.stop();
});

describe('model.rollback / model.restore on MLflow', () => {
  it('moves the alias to the previous non-quarantined version and the undo moves it back', async () => {
    model({ '1': {}, '2': { quarantined: 'true' }, '3': {} }, { champion: '3' });
    const result = await h.run('mlflow', 'model.rollback', {
      model: 'fraud-scorer',
      alias: 'champion',
      reason: 'drift',
    });
    expect(result).toEqual({
      model: 'fraud-scorer',
      alias: 'champion',
      version: '1',
      replaced: '3',
    });
    expect(fake.models.get('fraud-scorer')?.aliases.get('champion')).toBe('1');
    expect(fake.models.get('fraud-scorer')?.versions.get('3')?.get('cordon_rolled_back')).toBe(
      'drift',
    );
    await h.run(
      'mlflow',
      'model.restore',
      { model: 'fraud-scorer', alias: 'champion' },
      { undoOf: { effectKey: 'e', operation: 'model.rollback', inputs: {}, result } },
    );
    expect(fake.models.get('fraud-scorer')?.aliases.get('champion')).toBe('3');
  });

  it('rolls back to a named version, and undo deletes an alias that pointed nowhere', async () => {
    model({ '1': {}, '2': {} }, {});
    const result = await h.run('mlflow', 'model.rollback', {
      model: 'fraud-scorer',
      alias: 'champion',
      version: '2',
    });
    expect(result).toMatchObject({ version: '2', replaced: null });
    await h.run(
      'mlflow',
      'model.restore',
      { model: 'fraud-scorer', alias: 'champion' },
      { undoOf: { effectKey: 'e', operation: 'model.rollback', inputs: {}, result } },
    );
    expect(fake.models.get('fraud-scorer')?.aliases.has('champion')).toBe(false);
    expect(fake.server.calls('DELETE').at(-1)?.json).toEqual({
      name: 'fraud-scorer',
      alias: 'champion',
    });
  });

  it('still knows the replaced version when retried after a timeout that moved the alias', async () => {
    model({ '4': {}, '5': {} }, { champion: '5' });
    fake.server.delayNext(0); // read alias
    fake.server.delayNext(0); // search versions
    // The move lands but every answer is late (an idempotent call is retried in-call first).
    for (let i = 0; i < 3; i++) fake.server.delayNext(800);
    const err = (await h
      .run(
        'mlflow',
        'model.rollback',
        { model: 'fraud-scorer', alias: 'champion' },
        { effectKey: 'ml-slow' },
      )
      .catch((e: unknown) => e)) as { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_TIMEOUT');
    expect(fake.models.get('fraud-scorer')?.aliases.get('champion')).toBe('4');
    const retried = await h.run(
      'mlflow',
      'model.rollback',
      { model: 'fraud-scorer', alias: 'champion' },
      { effectKey: 'ml-slow' },
    );
    expect(retried).toMatchObject({ version: '4', replaced: '5' });
  });

  it('reports MLflow errors by error_code shape (404 RESOURCE_DOES_NOT_EXIST is rejected)', async () => {
    const err = (await h
      .run('mlflow', 'model.rollback', { model: 'nope', alias: 'champion', version: '1' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(err.message).toContain('RESOURCE_DOES_NOT_EXIST');
  });

  it('quarantines by tag, remembering the old value for release', async () => {
    model({ '1': {}, '2': { quarantined: 'false' } }, {});
    const result = await h.run('mlflow', 'model.quarantine', {
      model: 'fraud-scorer',
      version: '2',
      reason: 'poisoned',
    });
    expect(result).toEqual({ model: 'fraud-scorer', version: '2', replaced: 'false' });
    expect(fake.models.get('fraud-scorer')?.versions.get('2')?.get('quarantined')).toBe('true');
    await h.run(
      'mlflow',
      'model.release',
      { model: 'fraud-scorer', version: '2' },
      { undoOf: { effectKey: 'e', operation: 'model.quarantine', inputs: {}, result } },
    );
    expect(fake.models.get('fraud-scorer')?.versions.get('2')?.get('quarantined')).toBe('false');
  });
});

describe('model.rollback with the stages API (older servers)', () => {
  it('transitions the previous version into the stage, archiving the current, and the undo reverses it', async () => {
    model(
      { '1': { $stage: 'Archived' }, '2': { $stage: 'Archived' }, '3': { $stage: 'Production' } },
      {},
    );
    const legacy = { connector: 'legacy-registry' };
    const result = await h.run(
      'mlflow',
      'model.rollback',
      { model: 'fraud-scorer', alias: 'Production' },
      legacy,
    );
    expect(result).toEqual({
      model: 'fraud-scorer',
      alias: 'Production',
      version: '2',
      replaced: '3',
    });
    const stage = (v: string): string | undefined =>
      fake.models.get('fraud-scorer')?.versions.get(v)?.get('$stage');
    expect([stage('2'), stage('3')]).toEqual(['Production', 'Archived']);
    expect(
      fake.server.calls('POST', '/api/2.0/mlflow/model-versions/transition-stage').at(-1)?.json,
    ).toEqual({
      name: 'fraud-scorer',
      version: '2',
      stage: 'Production',
      archive_existing_versions: true,
    });
    await h.run(
      'mlflow',
      'model.restore',
      { model: 'fraud-scorer', alias: 'Production' },
      { ...legacy, undoOf: { effectKey: 'e', operation: 'model.rollback', inputs: {}, result } },
    );
    expect([stage('2'), stage('3')]).toEqual(['Archived', 'Production']);
  });
});

describe('http.request', () => {
  it('sends to a path under the connector url with its auth and returns status and body', async () => {
    const result = await h.run('http', 'http.request', {
      method: 'POST',
      url: '/hooks/contain',
      body: { key: 'k1' },
    });
    expect(result).toEqual({
      status: 200,
      body: { echo: { key: 'k1' }, path: '/hooks/contain', auth: 'Bearer [redacted]' },
    });
    // The token was sent (the fake echoed it) but is redacted from the result.
    expect(api.requests.at(-1)?.headers.authorization).toBe('Bearer http-bearer-token-777');
  });

  it('refuses another host (a templated URL cannot forge requests) without sending', async () => {
    const n = api.requests.length;
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'https://evil.example.com/x',
      'file:///etc/passwd',
    ])
      await expect(h.run('http', 'http.request', { method: 'GET', url })).rejects.toMatchObject({
        code: 'CORDON_ERR_ACTION_HOST_REFUSED',
      });
    expect(api.requests.length).toBe(n);
  });

  it('does not follow redirects', async () => {
    api.failNext({ status: 302, headers: { location: 'http://169.254.169.254/' } });
    await expect(h.run('http', 'http.request', { method: 'GET', url: '/r' })).rejects.toMatchObject(
      { code: 'CORDON_ERR_ACTION_HOST_REFUSED' },
    );
  });

  it('refuses to let a playbook override the auth header', async () => {
    await expect(
      h.run('http', 'http.request', {
        method: 'GET',
        url: '/x',
        headers: { Authorization: 'Bearer mine' },
      }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_INPUT' });
  });

  it('retries a GET on 503 with capped backoff, and honours an HTTP-date Retry-After', async () => {
    const n = h.sleeps.length;
    const at = new Date(h.clock.now() + 3000).toUTCString();
    api.failNext({ status: 503 }, { status: 429, headers: { 'retry-after': at } });
    await expect(
      h.run('http', 'http.request', { method: 'GET', url: '/ok' }),
    ).resolves.toMatchObject({ status: 200 });
    const [backoff, retryAfter] = h.sleeps.slice(n);
    expect(backoff).toBe(100); // full jitter at random 0.5 of the 200 ms base
    expect(retryAfter).toBeGreaterThan(2000);
    expect(retryAfter).toBeLessThanOrEqual(3000);
  });

  it('gives up on a Retry-After longer than max_retry_after, as retryable', async () => {
    api.failNext({ status: 429, headers: { 'retry-after': '3600' } });
    await expect(
      h.run('http', 'http.request', { method: 'GET', url: '/ok' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_UNAVAILABLE' });
  });
});
