/**
 * Overlapping containment on outbound gateways (actions/connectors/holds.ts): two runs throttle
 * or block the same target; undoing one, in either order, takes back only its own hold. Against
 * the Kong, LiteLLM and API Gateway fakes, with the effects ledger on real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { apiGatewayFake } from '../../../src/demo/fakes/aws-apigateway.js';
import { kongFake } from '../../../src/demo/fakes/kong.js';
import { litellmFake } from '../../../src/demo/fakes/litellm.js';

const ADMIN = 'kong-admin-token-holds';
const kong = kongFake(['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6'], ADMIN);
const HASH = 'b'.repeat(64);
const llm = litellmFake('sk-master-holds', { [HASH]: { rpm_limit: 100, tpm_limit: null } });
const CREDS = {
  accessKeyId: 'AKIDHOLDS0001',
  secretAccessKey: 'holds-secret/+',
  region: 'eu-west-1',
};
const aws = apiGatewayFake(CREDS);
let h: ConnectorHarness;

beforeAll(async () => {
  for (const f of [kong.server, llm.server, aws.server]) await f.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: gw\ntype: kong\nurl: ${kong.server.url}\nauth: { header: { name: Kong-Admin-Token, value: { env: KONG_TOKEN } } }`,
      `name: proxy\ntype: litellm-proxy\nurl: ${llm.server.url}\nauth: { bearer: { env: LITELLM_KEY } }`,
      `name: apigw\ntype: aws-apigateway\nurl: ${aws.server.url}\nauth: { sigv4: { access_key_id: { env: AWS_ID }, secret_access_key: { env: AWS_SECRET }, region: eu-west-1, service: apigateway } }\noptions: { throttle_plans: { "10/m": thr10, "1/s": thr1 }, release_plan: standard }`,
    ),
    {
      KONG_TOKEN: ADMIN,
      LITELLM_KEY: 'sk-master-holds',
      AWS_ID: CREDS.accessKeyId,
      AWS_SECRET: CREDS.secretAccessKey,
    },
  );
});

afterAll(async () => {
  await h.cleanup();
  for (const f of [kong.server, llm.server, aws.server]) await f.stop();
});

/** Runs `operation` as run `runId`'s effect `effectKey`; answers its result. */
async function act(
  type: string,
  operation: string,
  inputs: Record<string, unknown>,
  effectKey: string,
): Promise<{
  effectKey: string;
  operation: string;
  inputs: Record<string, unknown>;
  result: unknown;
}> {
  const result = await h.run(type, operation, inputs, { effectKey, runId: `run-${effectKey}` });
  return { effectKey, operation, inputs, result };
}

/** The undo of an effect `act` answered, as the runtime runs it (its own effect key). */
function undo(
  type: string,
  undoOperation: string,
  of: Awaited<ReturnType<typeof act>>,
  undoKey = `undo:${of.effectKey}`,
): Promise<unknown> {
  return h.run(type, undoOperation, of.inputs, {
    effectKey: undoKey,
    runId: `run-${of.effectKey}`,
    undoOf: of,
  });
}

const kongLimit = (consumer: string): Record<string, unknown> | undefined =>
  kong.plugins.find((p) => p.consumer === consumer && p.name === 'rate-limiting')?.config;

describe('two runs rate-limit one Kong consumer', () => {
  it('undoing the first leaves the second in force; undoing the second restores the state before both', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'c-1', limit: '10/m' }, 'k1-a');
    const b = await act('kong', 'ratelimit.set', { key: 'c-1', limit: '2/s' }, 'k1-b');
    expect(kongLimit('c-1')).toMatchObject({ second: 2, minute: null });

    const first = await undo('kong', 'ratelimit.clear', a);
    expect(first).toMatchObject({ holds: { released: 'beneath', keptBy: ['k1-b'] } });
    expect(kongLimit('c-1')).toMatchObject({ second: 2, minute: null });

    const second = await undo('kong', 'ratelimit.clear', b);
    expect(second).toMatchObject({
      removed: true,
      holds: { released: 'last', restoredFrom: 'k1-a' },
    });
    expect(kongLimit('c-1')).toBeUndefined();
  });

  it('undoing the newest puts the one beneath back in force, then the last undo restores the original windows', async () => {
    kong.plugins.push({
      id: 'p-c2',
      name: 'rate-limiting',
      consumer: 'c-2',
      enabled: true,
      config: { hour: 500, minute: null, second: null, limit_by: 'consumer' },
    });
    const a = await act('kong', 'ratelimit.set', { key: 'c-2', limit: '10/m' }, 'k2-a');
    const b = await act('kong', 'ratelimit.set', { key: 'c-2', limit: '2/s' }, 'k2-b');
    const top = await undo('kong', 'ratelimit.clear', b);
    expect(top).toMatchObject({ holds: { released: 'top', keptBy: ['k2-a'], reapplied: 'k2-a' } });
    expect(kongLimit('c-2')).toMatchObject({ minute: 10, second: null, hour: null });
    await undo('kong', 'ratelimit.clear', a);
    expect(kongLimit('c-2')).toMatchObject({ hour: 500, minute: null, second: null });
  });

  it('an undo retried after its decision was taken gets the same decision and takes nothing else back', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'c-3', limit: '10/m' }, 'k3-a');
    const b = await act('kong', 'ratelimit.set', { key: 'c-3', limit: '2/s' }, 'k3-b');
    // The first try of a's undo decides (b keeps it) and then "crashes" before the ledger
    // records its result: the retry must not see a stack without a and take b's limit away.
    await h.ledger.releaseHold(
      { instance: 'gw', family: 'ratelimit', key: 'c-3' },
      'k3-a',
      'undo:k3-a',
      'run-k3-a',
      h.clock.now(),
    );
    const retried = await undo('kong', 'ratelimit.clear', a);
    expect(retried).toMatchObject({ holds: { released: 'beneath', keptBy: ['k3-b'] } });
    expect(kongLimit('c-3')).toMatchObject({ second: 2 });
    await undo('kong', 'ratelimit.clear', b);
    expect(kongLimit('c-3')).toBeUndefined();
  });

  it('an explicit ratelimit.clear lifts every hold: a later undo runs on its own', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'c-4', limit: '10/m' }, 'k4-a');
    await act('kong', 'ratelimit.set', { key: 'c-4', limit: '2/s' }, 'k4-b');
    await act('kong', 'ratelimit.clear', { key: 'c-4' }, 'k4-clear');
    expect(kongLimit('c-4')).toBeUndefined();
    // a's undo finds no hold: its own undo runs (the plugin it created is gone: 404 is fine)
    // and nothing comes back into force.
    const r = await undo('kong', 'ratelimit.clear', a);
    expect(r).not.toHaveProperty('holds');
    expect(kongLimit('c-4')).toBeUndefined();
  });
});

describe('two runs block one Kong consumer', () => {
  it('the credentials come back only when the last block is undone, whichever goes first', async () => {
    for (const [consumer, order] of [
      ['c-5', 'first'],
      ['c-6', 'newest'],
    ] as const) {
      kong.credentials.push({ id: `${consumer}-cred`, key: `secret-${consumer}`, consumer });
      const a = await act('kong', 'key.block', { key: consumer }, `${consumer}-a`);
      const b = await act('kong', 'key.block', { key: consumer }, `${consumer}-b`);
      expect(b.result).toEqual({ consumer, disabled: [] });
      const [one, two] = order === 'first' ? [a, b] : [b, a];
      await undo('kong', 'key.unblock', one);
      expect(kong.credentials.filter((c) => c.consumer === consumer)).toHaveLength(0);
      await undo('kong', 'key.unblock', two);
      expect(kong.credentials.filter((c) => c.consumer === consumer).map((c) => c.id)).toEqual([
        `${consumer}-cred`,
      ]);
    }
  });
});

describe('LiteLLM and API Gateway', () => {
  it('a LiteLLM key blocked by two runs stays blocked until both are undone', async () => {
    const a = await act('litellm-proxy', 'key.block', { key: HASH }, 'l-a');
    const b = await act('litellm-proxy', 'key.block', { key: HASH }, 'l-b');
    await undo('litellm-proxy', 'key.unblock', b);
    expect(llm.keys.get(HASH)?.blocked).toBe(true);
    await undo('litellm-proxy', 'key.unblock', a);
    expect(llm.keys.get(HASH)?.blocked).toBe(false);
  });

  it('an API Gateway key throttled by two runs returns to its own plan only after both', async () => {
    aws.keys.set('kh1', { enabled: true });
    for (const id of ['standard', 'gold', 'thr10', 'thr1']) {
      const members = aws.plans.get(id) ?? new Set<string>();
      members.delete('kh1');
      aws.plans.set(id, members);
    }
    aws.plans.get('gold')?.add('kh1');
    const planOf = (): string[] => [...aws.plans].filter(([, m]) => m.has('kh1')).map(([id]) => id);
    const a = await act('aws-apigateway', 'ratelimit.set', { key: 'kh1', limit: '10/m' }, 'g-a');
    const b = await act('aws-apigateway', 'ratelimit.set', { key: 'kh1', limit: '1/s' }, 'g-b');
    expect(planOf()).toEqual(['thr1']);
    await undo('aws-apigateway', 'ratelimit.clear', a);
    expect(planOf()).toEqual(['thr1']);
    await undo('aws-apigateway', 'ratelimit.clear', b);
    expect(planOf()).toEqual(['gold']);
  });
});
