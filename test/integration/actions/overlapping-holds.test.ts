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
import { Keys } from '../../../src/store/keys.js';
import { describeHeldUndo, HOLD_LEASE_MS } from '../../../src/actions/connectors/holds.js';

const ADMIN = 'kong-admin-token-holds';
const kong = kongFake(
  ['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6', 'c-7', 'c-8', 'c-9', 'c-10', 'c-11', 'c-12'],
  ADMIN,
);
const HASH = 'b'.repeat(64);
const HASH2 = 'd'.repeat(64);
const HASH3 = 'e'.repeat(64);
const llm = litellmFake('sk-master-holds', {
  [HASH]: { rpm_limit: 100, tpm_limit: null },
  [HASH2]: {},
  [HASH3]: { blocked: true },
});
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

/** The ledger's `method` fails once for `effectKey`, as a lost Redis reply would; undoes it. */
function failOnce(method: 'hold' | 'releaseHold', effectKey: string): () => void {
  const ledger = h.ledger as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = ledger[method] as (...args: unknown[]) => Promise<unknown>;
  let failed = false;
  ledger[method] = (...args: unknown[]) => {
    if (!failed && args[1] === effectKey) {
      failed = true;
      return Promise.reject(new Error(`simulated: ${method} lost`));
    }
    return original.apply(h.ledger, args);
  };
  return () => {
    ledger[method] = original;
  };
}

describe('two runs rate-limit one Kong consumer', () => {
  it('undoing the first leaves the second in force; undoing the second restores the state before both', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'c-1', limit: '10/m' }, 'k1-a');
    const b = await act('kong', 'ratelimit.set', { key: 'c-1', limit: '2/s' }, 'k1-b');
    expect(kongLimit('c-1')).toMatchObject({ second: 2, minute: null });

    const first = await undo('kong', 'ratelimit.clear', a);
    expect(first).toMatchObject({
      holds: { released: 'beneath', key: 'c-1', keptBy: ['k1-b'], keptByRuns: ['run-k1-b'] },
    });
    // What the run's timeline says of this undo (undo-runtime.ts): not a lifted containment.
    expect(describeHeldUndo(first)).toContain('"c-1" stays contained: run run-k1-b still holds it');
    expect(kongLimit('c-1')).toMatchObject({ second: 2, minute: null });

    const second = await undo('kong', 'ratelimit.clear', b);
    expect(second).toMatchObject({
      removed: true,
      holds: { released: 'last', key: 'c-1', restoredFrom: 'k1-a', restoredFromRun: 'run-k1-a' },
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
    expect(top).toMatchObject({
      holds: { released: 'top', keptBy: ['k2-a'], keptByRuns: ['run-k2-a'], reapplied: 'k2-a' },
    });
    expect(describeHeldUndo(top)).toContain('(effect k2-a) is in force again');
    expect(kongLimit('c-2')).toMatchObject({ minute: 10, second: null, hour: null });
    await undo('kong', 'ratelimit.clear', a);
    expect(kongLimit('c-2')).toMatchObject({ hour: 500, minute: null, second: null });
  });

  it('an undo retried after it acted decides again from the stack as it is then', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'c-3', limit: '10/m' }, 'k3-a');
    const b = await act('kong', 'ratelimit.set', { key: 'c-3', limit: '2/s' }, 'k3-b');
    // b's undo puts a's limit back, then fails to take its hold off (a lost Redis reply)...
    const restore = failOnce('releaseHold', 'k3-b');
    await expect(undo('kong', 'ratelimit.clear', b)).rejects.toThrow(/simulated/);
    restore();
    expect(kongLimit('c-3')).toMatchObject({ minute: 10 });
    // The target stays taken for b's retry until its lease runs out (the attempt's timeout,
    // here the default, plus a margin); then run c throttles the consumer harder.
    h.clock.set(h.clock.now() + HOLD_LEASE_MS + 5_001);
    const c = await act('kong', 'ratelimit.set', { key: 'c-3', limit: '5/s' }, 'k3-c');
    // (c took the target and gave it back: it went in only once the lease had run out.)
    // b's retry finds c above it: nothing to do outside, c's limit stays.
    const retried = await undo('kong', 'ratelimit.clear', b);
    expect(retried).toMatchObject({ holds: { released: 'beneath', keptBy: ['k3-c', 'k3-a'] } });
    expect(kongLimit('c-3')).toMatchObject({ second: 5 });
    await undo('kong', 'ratelimit.clear', c);
    expect(kongLimit('c-3')).toMatchObject({ minute: 10 });
    await undo('kong', 'ratelimit.clear', a);
    expect(kongLimit('c-3')).toBeUndefined();
  });

  it('two undos at once go one after the other: the last one finds itself last', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'c-7', limit: '10/m' }, 'k7-a');
    const b = await act('kong', 'ratelimit.set', { key: 'c-7', limit: '2/s' }, 'k7-b');
    // b's undo (top: a's limit back) is slow at Kong; a's undo comes meanwhile.
    kong.server.delayNext(150);
    const [top, last] = await Promise.all([
      undo('kong', 'ratelimit.clear', b),
      new Promise((r) => setTimeout(r, 20)).then(() => undo('kong', 'ratelimit.clear', a)),
    ]);
    expect(top).toMatchObject({ holds: { released: 'top', reapplied: 'k7-a' } });
    expect(last).toMatchObject({ holds: { released: 'last', restoredFrom: 'k7-a' } });
    expect(kongLimit('c-7')).toBeUndefined();
  });

  it('a hold and its record land together: a retry after a lost one places both, then answers from the ledger', async () => {
    const restore = failOnce('hold', 'k8-a');
    await expect(
      act('kong', 'ratelimit.set', { key: 'c-8', limit: '10/m' }, 'k8-a'),
    ).rejects.toThrow(/simulated/);
    restore();
    // Neither the hold nor the record is there: the retry acts again (idempotently) and
    // places both; a further retry answers from the ledger without calling Kong.
    expect(await h.ledger.result('k8-a')).toBeUndefined();
    const a = await act('kong', 'ratelimit.set', { key: 'c-8', limit: '10/m' }, 'k8-a');
    const calls = kong.server.requests.length;
    const again = await act('kong', 'ratelimit.set', { key: 'c-8', limit: '10/m' }, 'k8-a');
    expect(kong.server.requests.length).toBe(calls);
    expect(again.result).toEqual(a.result);
    expect(kong.plugins.filter((p) => p.consumer === 'c-8')).toHaveLength(1);
    const last = await undo('kong', 'ratelimit.clear', a);
    expect(last).toMatchObject({ holds: { released: 'last', restoredFrom: 'k8-a' } });
    expect(kongLimit('c-8')).toBeUndefined();
  });

  it('an undo that acted but was not recorded keeps the target for its retry: no stale base', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'c-11', limit: '10/m' }, 'k11-a');
    const restore = failOnce('releaseHold', 'k11-a');
    await expect(undo('kong', 'ratelimit.clear', a)).rejects.toThrow(/simulated/);
    restore();
    expect(kongLimit('c-11')).toBeUndefined();
    // Another run cannot go in before a's undo is recorded (it would take a's stale base)...
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 250);
    await expect(
      h.run(
        'kong',
        'ratelimit.set',
        { key: 'c-11', limit: '2/s' },
        { effectKey: 'k11-b', runId: 'run-k11-b', signal: ac.signal },
      ),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_TIMEOUT' });
    // ...the undo's retry goes in, finds itself last again and is recorded; then b holds.
    await undo('kong', 'ratelimit.clear', a);
    const b = await act('kong', 'ratelimit.set', { key: 'c-11', limit: '2/s' }, 'k11-b');
    expect(kongLimit('c-11')).toMatchObject({ second: 2 });
    const last = await undo('kong', 'ratelimit.clear', b);
    expect(last).toMatchObject({ holds: { released: 'last', restoredFrom: 'k11-b' } });
    expect(kongLimit('c-11')).toBeUndefined();
  });

  it('a target taken by an attempt that died stays taken for its timeout, and its retry takes it at once', async () => {
    const target = { instance: 'gw', family: 'ratelimit', key: 'c-10' };
    // An attempt of k10-a took the target (timeout 2 s) and died.
    expect(await h.ledger.lockHolds(target, 'k10-a', h.clock.now(), 7_000)).toBe(0);
    // Another run's attempt waits, then gives up at its own deadline (retried later).
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 250);
    await expect(
      h.run(
        'kong',
        'ratelimit.set',
        { key: 'c-10', limit: '2/s' },
        {
          effectKey: 'k10-b',
          runId: 'run-k10-b',
          signal: ac.signal,
        },
      ),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_TIMEOUT' });
    expect(kongLimit('c-10')).toBeUndefined();
    // Once the lease has run out, the other run goes in.
    h.clock.set(h.clock.now() + 7_001);
    await act('kong', 'ratelimit.set', { key: 'c-10', limit: '2/s' }, 'k10-b');
    expect(kongLimit('c-10')).toMatchObject({ second: 2 });
    // Before it runs out, the dead attempt's own retry (same effect) goes in at once.
    expect(await h.ledger.lockHolds(target, 'k10-c', h.clock.now(), 7_000)).toBe(0);
    await act('kong', 'ratelimit.set', { key: 'c-10', limit: '10/m' }, 'k10-c');
    expect(kongLimit('c-10')).toMatchObject({ minute: 10 });
  });

  it('an explicit ratelimit.clear lifts every hold: a later undo of one does nothing outside', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'c-4', limit: '10/m' }, 'k4-a');
    await act('kong', 'ratelimit.set', { key: 'c-4', limit: '2/s' }, 'k4-b');
    await act('kong', 'ratelimit.clear', { key: 'c-4' }, 'k4-clear');
    expect(kongLimit('c-4')).toBeUndefined();
    // a's undo finds its hold dropped: nothing outside, nothing comes back into force.
    const calls = kong.server.requests.length;
    const r = await undo('kong', 'ratelimit.clear', a);
    expect(r).toMatchObject({ holds: { released: 'dropped' } });
    expect(kong.server.requests.length).toBe(calls);
    expect(kongLimit('c-4')).toBeUndefined();
  });

  it('a hold dropped by an explicit release does not lift a hold placed since', async () => {
    const a = await act('litellm-proxy', 'key.block', { key: HASH2 }, 'x-a');
    await act('litellm-proxy', 'key.unblock', { key: HASH2 }, 'x-release');
    await act('litellm-proxy', 'key.block', { key: HASH2 }, 'x-c');
    // a's run ends later (cancel, expiry): c still holds the key.
    await undo('litellm-proxy', 'key.unblock', a);
    expect(llm.keys.get(HASH2)?.blocked).toBe(true);
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

  it('a LiteLLM key blocked before any run stays blocked after the last undo', async () => {
    const a = await act('litellm-proxy', 'key.block', { key: HASH3 }, 'l3-a');
    expect(a.result).toMatchObject({ wasBlocked: true });
    await undo('litellm-proxy', 'key.unblock', a);
    expect(llm.keys.get(HASH3)?.blocked).toBe(true);
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

describe('a Kong block that fails part-way', () => {
  it('puts back the credentials it deleted before failing, so none is lost to a retry', async () => {
    kong.credentials.push(
      { id: 'c-12-a', key: 'secret-c-12-a', consumer: 'c-12' },
      { id: 'c-12-b', key: 'secret-c-12-b', consumer: 'c-12' },
    );
    // Kong refuses every delete of the second credential (5xx: retried, then given up).
    const server = kong.server as unknown as {
      handler: (req: { method: string; path: string }) => unknown;
    };
    const handler = server.handler;
    server.handler = (req) =>
      req.method === 'DELETE' && req.path.endsWith('/c-12-b')
        ? { status: 500, body: { message: 'An unexpected error occurred' } }
        : handler(req);
    try {
      await expect(act('kong', 'key.block', { key: 'c-12' }, 'k12-a')).rejects.toMatchObject({
        code: 'CORDON_ERR_ACTION_UNAVAILABLE',
      });
    } finally {
      server.handler = handler;
    }
    expect(
      kong.credentials
        .filter((c) => c.consumer === 'c-12')
        .map((c) => c.id)
        .sort(),
    ).toEqual(['c-12-a', 'c-12-b']);
  });
});

describe('a Kong block whose ledger entry is gone', () => {
  it('the last undo restores the credentials from what the holds kept of the first block', async () => {
    kong.credentials.push({ id: 'c-9-cred', key: 'secret-c-9', consumer: 'c-9' });
    const a = await act('kong', 'key.block', { key: 'c-9' }, 'k9-a');
    // Effect retention swept a's ledger entry (the credentials it kept went with it).
    await h.redis.redis.del(new Keys(h.redis.prefix).effect('k9-a'));
    const r = await undo('kong', 'key.unblock', a);
    expect(r).toMatchObject({ holds: { released: 'last', restoredFrom: 'k9-a' } });
    expect(kong.credentials.filter((c) => c.consumer === 'c-9').map((c) => c.key)).toEqual([
      'secret-c-9',
    ]);
    // Secrets stay out of the result.
    expect(JSON.stringify(r)).not.toContain('secret-c-9');
  });

  it('an undo with nothing kept anywhere says so and fails rather than restoring nothing', async () => {
    // An effect placed before holds were kept, its ledger entry swept.
    const undone = h.run(
      'kong',
      'key.unblock',
      { key: 'c-9' },
      {
        effectKey: 'undo:k9-old',
        runId: 'run-k9-old',
        undoOf: {
          effectKey: 'k9-old',
          operation: 'key.block',
          inputs: { key: 'c-9' },
          result: { consumer: 'c-9', disabled: ['c-9-cred'] },
        },
      },
    );
    await expect(undone).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_INPUT',
      message: expect.stringContaining('k9-old') as unknown,
    });
  });
});
