/**
 * GET /v1/playbooks (versions and the runs pinned to each), /v1/playbooks/:id, its graph and
 * /v1/schemas/:name, on an in-process Cordon with the shipped content and a real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaybookDefinition } from '../../src/playbook/definition/types.js';
import { playbookHash } from '../../src/playbook/definition/compile-playbook.js';
import type { RunRecord } from '../../src/playbook/runtime/run-record.js';
import { Keys } from '../../src/store/keys.js';
import { RunStore } from '../../src/store/run-store.js';
import { startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';

let t: TestCordon;
let runs: RunStore;
let currentHash: string;
let oldHash: string;

function run(id: string, hash: string, ended: boolean): RunRecord {
  return {
    id,
    playbookId: 'contain-abusive-key',
    playbookHash: hash,
    incidentId: `inc_${id}`,
    initiator: 'correlation:test',
    status: ended ? 'resolved' : 'waiting',
    state: ended ? 'done' : 'ask_case',
    step: 3,
    version: 1,
    context: {
      incident: {},
      run: { id, playbook: 'contain-abusive-key', startedAt: 1 },
      steps: {},
      approvals: {},
      gate: null,
    },
    pendingEffects: [],
    createdAt: 1_000,
    updatedAt: 1_000,
    endedAt: ended ? 2_000 : undefined,
  };
}

beforeAll(async () => {
  t = await startTestCordon();
  runs = new RunStore(t.store.redis, new Keys(t.store.prefix));
  const listed = await t.call('GET', '/v1/playbooks', TOKENS.analyst);
  currentHash =
    (listed.json().playbooks as { id: string; hash: string }[]).find(
      (p) => p.id === 'contain-abusive-key',
    )?.hash ?? '';
  // An older version (another approval timeout) that two runs are still pinned to.
  const current = (await t.call('GET', '/v1/playbooks/contain-abusive-key', TOKENS.analyst)).json()
    .definition as PlaybookDefinition;
  const old: PlaybookDefinition = {
    ...current,
    states: {
      ...current.states,
      ask_case: { ...(current.states.ask_case as object), timeoutMs: 600_000 } as never,
    },
  };
  oldHash = playbookHash(old);
  await runs.storePlaybook(oldHash, JSON.stringify(old));
  await runs.create(run('run_old_1', oldHash, false), []);
  await runs.create(run('run_old_2', oldHash, true), []);
  await runs.create(run('run_new_1', currentHash, true), []);
});
afterAll(async () => {
  await t.stop();
});

describe('GET /v1/playbooks', () => {
  it('lists each playbook with its versions and the runs pinned to each', async () => {
    const res = await t.call('GET', '/v1/playbooks', TOKENS.analyst);
    expect(res.statusCode, res.body).toBe(200);
    const listed = res.json().playbooks as Record<string, any>[];
    // Every shipped playbook is listed; contain-abusive-key is the one with runs pinned here.
    expect(listed.map((p) => p.id as string).sort()).toEqual([
      'block-credential-stuffing',
      'contain-abusive-key',
      'respond-to-prompt-injection',
      'rollback-poisoned-model',
      'suspected-stolen-key',
    ]);
    const pb = listed.find((p) => p.id === 'contain-abusive-key');
    expect(pb).toMatchObject({
      id: 'contain-abusive-key',
      title: 'Contain an abusive API key',
      hash: currentHash,
    });
    expect(currentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(pb?.versions).toEqual([
      { hash: currentHash, current: true, runs: 1, active: 0 },
      { hash: oldHash, current: false, runs: 2, active: 1 },
    ]);
  });

  it('answers one playbook with its definition, and 404 for an unknown one', async () => {
    const res = await t.call('GET', '/v1/playbooks/contain-abusive-key', TOKENS.approver);
    expect(res.statusCode).toBe(200);
    expect(res.json().definition.start).toBe('throttle');
    expect(res.json().versions).toHaveLength(2);
    const missing = await t.call('GET', '/v1/playbooks/no-such-playbook', TOKENS.analyst);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('CORDON_ERR_API_NOT_FOUND');
  });

  it('needs a token and a reading role', async () => {
    expect((await t.call('GET', '/v1/playbooks', undefined)).statusCode).toBe(401);
    expect((await t.call('GET', '/v1/playbooks', TOKENS.ingest)).statusCode).toBe(403);
    expect(
      (await t.call('GET', '/v1/playbooks/contain-abusive-key/graph', TOKENS.gateway)).statusCode,
    ).toBe(403);
  });
});

describe('GET /v1/playbooks/:id/graph', () => {
  it('answers JSON with the Mermaid text, or the text alone', async () => {
    const json = await t.call('GET', '/v1/playbooks/contain-abusive-key/graph', TOKENS.analyst);
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json()).toMatchObject({ playbook: 'contain-abusive-key', hash: currentHash });
    expect(json.json().mermaid).toContain('ask_case --> closed_without_case : timeout after 30m');
    const text = await t.call(
      'GET',
      '/v1/playbooks/contain-abusive-key/graph?format=text',
      TOKENS.analyst,
    );
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body).toBe(json.json().mermaid);
    const accept = await t.call(
      'GET',
      '/v1/playbooks/contain-abusive-key/graph',
      TOKENS.analyst,
      undefined,
      { accept: 'text/plain' },
    );
    expect(accept.body).toBe(json.json().mermaid);
  });

  it('draws a pinned older version, and refuses a version of another playbook', async () => {
    const res = await t.call(
      'GET',
      `/v1/playbooks/contain-abusive-key/graph?version=${oldHash}`,
      TOKENS.analyst,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().mermaid).toContain('timeout after 10m');
    const unknown = await t.call(
      'GET',
      `/v1/playbooks/contain-abusive-key/graph?version=${'0'.repeat(64)}`,
      TOKENS.analyst,
    );
    expect(unknown.statusCode).toBe(404);
    const bad = await t.call(
      'GET',
      '/v1/playbooks/contain-abusive-key/graph?version=nothex',
      TOKENS.analyst,
    );
    expect(bad.statusCode).toBe(400);
  });
});

describe('GET /v1/schemas/:name', () => {
  it('serves the schemas to any authenticated principal, not to anonymous callers', async () => {
    const res = await t.call('GET', '/v1/schemas/playbook', TOKENS.ingest);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/schema\+json/);
    const schema = res.json();
    expect(schema.$id).toMatch(/playbook\.schema\.json$/);
    expect(
      Object.keys(schema.properties.states.additionalProperties.oneOf[0].properties),
    ).toContain('action');
    expect(
      (await t.call('GET', '/v1/schemas/connector.schema.json', TOKENS.analyst)).statusCode,
    ).toBe(200);
    expect((await t.call('GET', '/v1/schemas/playbook', undefined)).statusCode).toBe(401);
    const missing = await t.call('GET', '/v1/schemas/nothing', TOKENS.analyst);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toMatch(/schemas: playbook, playbook-test, correlation/);
  });
});
