/**
 * Overlapping holds (actions/connectors/holds.ts) when an answer or a reply is lost: a call that
 * landed keeps the target for the effect's retry, a retry answered from the ledger gives it
 * back, an undo that did nothing outside gives it back at once, and the last undo restores the
 * first block's credentials after that run's ledger entry is swept. Each failed on the design
 * before (a reviewer's scenarios).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  effectSteps,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { kongFake } from '../../../src/demo/fakes/kong.js';
import { litellmFake } from '../../../src/demo/fakes/litellm.js';
import { Keys } from '../../../src/store/keys.js';

const ADMIN = 'kong-admin-token-races';
const kong = kongFake(['r-1', 'r-2', 'r-3', 'r-4', 'r-5'], ADMIN);
const K1 = '1'.repeat(64);
const K2 = '2'.repeat(64);
const llm = litellmFake('sk-master-races', { [K1]: {}, [K2]: {} });
let h: ConnectorHarness;

beforeAll(async () => {
  for (const f of [kong.server, llm.server]) await f.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: gw\ntype: kong\nurl: ${kong.server.url}\nauth: { header: { name: Kong-Admin-Token, value: { env: KONG_TOKEN } } }`,
      `name: proxy\ntype: litellm-proxy\nurl: ${llm.server.url}\nauth: { bearer: { env: LITELLM_KEY } }`,
    ),
    { KONG_TOKEN: ADMIN, LITELLM_KEY: 'sk-master-races' },
  );
});
afterAll(async () => {
  await h.cleanup();
  for (const f of [kong.server, llm.server]) await f.stop();
});

const { act, undo } = effectSteps(() => h);
const abortAfter = (ms: number): AbortSignal => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), ms);
  return ac.signal;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Aborts once `server` has received one more `method` request under `path` than now: the
 * call has landed (its answer is held back by delayNext), whatever the machine's speed.
 */
function abortOnceReceived(
  server: { calls(method: string, path?: string): unknown[] },
  method: string,
  path: string,
): AbortSignal {
  const ac = new AbortController();
  const before = server.calls(method, path).length;
  const poll = setInterval(() => {
    if (server.calls(method, path).length > before) {
      clearInterval(poll);
      ac.abort();
    }
  }, 5);
  return ac.signal;
}
const kongLimit = (consumer: string) =>
  kong.plugins.find((p) => p.consumer === consumer && p.name === 'rate-limiting')?.config;

describe('a step whose call landed but whose answer was lost (timeout)', () => {
  it('LiteLLM: a block that landed keeps the target; another run must not take it as "blocked before"', async () => {
    // a's block: /key/info answers at once, /key/block lands at the proxy but its answer is late.
    llm.server.delayNext(0);
    llm.server.delayNext(600);
    await expect(
      act(
        'litellm-proxy',
        'key.block',
        { key: K1 },
        'rv-a',
        abortOnceReceived(llm.server, 'POST', '/key/block'),
      ),
    ).rejects.toThrow();
    await sleep(600);
    expect(llm.keys.get(K1)?.blocked).toBe(true);
    // Run b blocks the same key meanwhile: it waits for a's retry (it times out here and is
    // retried after a), so it cannot take a's block for "blocked before".
    await act('litellm-proxy', 'key.block', { key: K1 }, 'rv-b', abortAfter(300)).catch(
      () => undefined,
    );
    const a = await act('litellm-proxy', 'key.block', { key: K1 }, 'rv-a');
    const b = await act('litellm-proxy', 'key.block', { key: K1 }, 'rv-b');
    await undo('litellm-proxy', 'key.unblock', a);
    await undo('litellm-proxy', 'key.unblock', b);
    // Both runs undone: the key was not blocked before either.
    expect(llm.keys.get(K1)?.blocked).toBe(false);
  });

  it('Kong: an undo whose DELETE landed but whose answer was lost lets another run in under a stale base', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'r-1', limit: '10/m' }, 'rv-ka');
    // a's undo (last): DELETE of a's plugin lands, its answer is late.
    kong.server.delayNext(700);
    await expect(
      undo('kong', 'ratelimit.clear', a, abortOnceReceived(kong.server, 'DELETE', '/plugins/')),
    ).rejects.toThrow();
    await sleep(700);
    expect(kongLimit('r-1')).toBeUndefined();
    // Run c throttles r-1 meanwhile: it waits (it would create a plugin under a stale base).
    await act(
      'kong',
      'ratelimit.set',
      { key: 'r-1', limit: '2/s' },
      'rv-kc',
      abortAfter(300),
    ).catch(() => undefined);
    await undo('kong', 'ratelimit.clear', a); // the retry: still last, recorded
    const c = await act('kong', 'ratelimit.set', { key: 'r-1', limit: '2/s' }, 'rv-kc');
    await undo('kong', 'ratelimit.clear', c); // last: runs the base's (a's) undo
    expect(kongLimit('r-1')).toBeUndefined();
  });
});

describe('a step whose script ran but whose reply was lost', () => {
  it('the retry answers from the ledger and gives the target back', async () => {
    const ledger = h.ledger as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const original = ledger.hold as (...args: unknown[]) => Promise<unknown>;
    ledger.hold = async (...args: unknown[]) => {
      const r = await original.apply(h.ledger, args);
      if (args[1] === 'rv-la') throw new Error('simulated: reply lost after the script ran');
      return r;
    };
    try {
      await expect(
        act('kong', 'ratelimit.set', { key: 'r-2', limit: '10/m' }, 'rv-la'),
      ).rejects.toThrow(/simulated/);
    } finally {
      ledger.hold = original;
    }
    // The retry answers from the ledger (recorded with the hold).
    await act('kong', 'ratelimit.set', { key: 'r-2', limit: '10/m' }, 'rv-la');
    // Another run's effect on r-2 goes in now (the retry gave the target back).
    await expect(
      act('kong', 'ratelimit.set', { key: 'r-2', limit: '2/s' }, 'rv-lb', abortAfter(400)),
    ).resolves.toBeDefined();
  });
});

describe("the base's undo after the base's run is over", () => {
  it('Kong key.block: after the first run is undone and its entry swept, the last undo still restores', async () => {
    kong.credentials.push({ id: 'r-3-cred', key: 'secret-r-3', consumer: 'r-3' });
    const a = await act('kong', 'key.block', { key: 'r-3' }, 'rv-ba');
    const b = await act('kong', 'key.block', { key: 'r-3' }, 'rv-bb');
    await undo('kong', 'key.unblock', a); // a's run ends (cancelled): its entry may be swept
    await h.redis.redis.del(new Keys(h.redis.prefix).effect('rv-ba'));
    // b's run is still active; its own entry is intact. Its undo needs a's memo.
    await undo('kong', 'key.unblock', b);
    expect(kong.credentials.filter((c) => c.consumer === 'r-3').map((c) => c.id)).toEqual([
      'r-3-cred',
    ]);
  });
});

describe('an undo that did nothing outside', () => {
  it('a dropped hold whose release was lost gives the target back (nothing outside to protect)', async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'r-4', limit: '10/m' }, 'rv-da');
    await act('kong', 'ratelimit.clear', { key: 'r-4' }, 'rv-dx');
    const ledger = h.ledger as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const original = ledger.releaseHold as (...args: unknown[]) => Promise<unknown>;
    ledger.releaseHold = () => Promise.reject(new Error('simulated: releaseHold lost'));
    try {
      await expect(undo('kong', 'ratelimit.clear', a)).rejects.toThrow(/simulated/);
    } finally {
      ledger.releaseHold = original;
    }
    const calls = kong.server.requests.length;
    await expect(
      act('kong', 'ratelimit.set', { key: 'r-4', limit: '2/s' }, 'rv-dc', abortAfter(400)),
    ).resolves.toBeDefined();
    expect(kong.server.requests.length).toBeGreaterThan(calls);
  });
});
