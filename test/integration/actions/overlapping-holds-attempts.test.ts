/**
 * Overlapping holds with two attempts of one effect at once (one that timed out but runs on,
 * a stalled job's duplicate) and with a refusal no retry follows: the later attempt answers
 * from the record the first made instead of acting, and a final refusal gives the target back.
 * A reviewer's scenarios; each failed on the code before.
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

const ADMIN = 'kong-admin-token-attempts';
const kong = kongFake(['v-1', 'v-2', 'v-3', 'v-4'], ADMIN);
const K1 = '7'.repeat(64);
const llm = litellmFake('sk-master-attempts', { [K1]: {} });
let h: ConnectorHarness;

beforeAll(async () => {
  for (const f of [kong.server, llm.server]) await f.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: gw\ntype: kong\nurl: ${kong.server.url}\nauth: { header: { name: Kong-Admin-Token, value: { env: KONG_TOKEN } } }`,
      `name: proxy\ntype: litellm-proxy\nurl: ${llm.server.url}\nauth: { bearer: { env: LITELLM_KEY } }`,
    ),
    { KONG_TOKEN: ADMIN, LITELLM_KEY: 'sk-master-attempts' },
  );
});
afterAll(async () => {
  await h.cleanup();
  for (const f of [kong.server, llm.server]) await f.stop();
});

const { act, undo } = effectSteps(() => h);
const kongLimit = (consumer: string) =>
  kong.plugins.find((p) => p.consumer === consumer && p.name === 'rate-limiting')?.config;

/** The next ledger.result() for `key` answers "not recorded" (it was read before another attempt's script landed). */
function staleResultOnce(key: string): () => void {
  const ledger = h.ledger as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = ledger.result as (...args: unknown[]) => Promise<unknown>;
  let done = false;
  ledger.result = (...args: unknown[]) => {
    if (!done && args[0] === key) {
      done = true;
      return Promise.resolve(undefined);
    }
    return original.apply(h.ledger, args);
  };
  return () => {
    ledger.result = original;
  };
}

describe('two attempts of one undo (a timed-out attempt still finishing, or a stalled job)', () => {
  it("the second, whose ledger check preceded the first's record, must not run the effect's own undo", async () => {
    const a = await act('kong', 'ratelimit.set', { key: 'v-1', limit: '10/m' }, 'rv6-a');
    await act('kong', 'ratelimit.set', { key: 'v-1', limit: '2/s' }, 'rv6-b');
    // attempt 1 of a's undo: kept beneath (b holds), nothing outside; recorded, hold off.
    expect(await undo('kong', 'ratelimit.clear', a)).toMatchObject({
      holds: { released: 'beneath' },
    });
    expect(kongLimit('v-1')).toMatchObject({ second: 2 });
    // attempt 2 read the ledger before attempt 1's script ran, then took the (same-owner) lease.
    const restore = staleResultOnce('undo:rv6-a');
    let second: unknown;
    try {
      second = await undo('kong', 'ratelimit.clear', a);
    } finally {
      restore();
    }
    expect(second).toMatchObject({ holds: { released: 'beneath' } });
    // b still holds v-1: its 2/s must still be in force.
    expect(kongLimit('v-1')).toMatchObject({ second: 2 });
  });
});

describe('two attempts of one set', () => {
  it("the second, whose ledger check preceded the first's record, must not put its limit over a newer hold", async () => {
    await act('kong', 'ratelimit.set', { key: 'v-3', limit: '10/m' }, 'rv6-sa');
    await act('kong', 'ratelimit.set', { key: 'v-3', limit: '2/s' }, 'rv6-sb');
    expect(kongLimit('v-3')).toMatchObject({ second: 2 });
    const restore = staleResultOnce('rv6-sa');
    try {
      await act('kong', 'ratelimit.set', { key: 'v-3', limit: '10/m' }, 'rv6-sa');
    } finally {
      restore();
    }
    expect(kongLimit('v-3')).toMatchObject({ second: 2 });
  });
});

describe('a step refused by the vendor before it changed anything (non-retryable)', () => {
  it('gives the target back: another run is not kept waiting for a retry that never comes', async () => {
    // a's first call (GET of the consumer's plugins) is refused: 400, CORDON_ERR_ACTION_REJECTED,
    // failed at once by the action worker (not retried). Nothing changed in Kong.
    kong.server.failNext({ status: 400, body: { message: 'bad request' } });
    await expect(
      act('kong', 'ratelimit.set', { key: 'v-4', limit: '10/m' }, 'rv6-na'),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_REJECTED' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 400);
    await expect(
      h.run(
        'kong',
        'ratelimit.set',
        { key: 'v-4', limit: '2/s' },
        { effectKey: 'rv6-nb', runId: 'run-nb', signal: ac.signal },
      ),
    ).resolves.toBeDefined();
  });
});

describe("a step's last attempt", () => {
  it('gives the target back when it fails, even after acting: no retry of it follows', async () => {
    // a's set fails after its first call (every answer a 5xx): retryable, but this is the last
    // attempt, so a run retried through the API (a new effect key) must not wait for it.
    const server = kong.server as unknown as { handler: (req: unknown) => unknown };
    const handler = server.handler;
    server.handler = () => ({ status: 503, body: { message: 'unavailable' } });
    try {
      await expect(
        h.run(
          'kong',
          'ratelimit.set',
          { key: 'v-2', limit: '10/m' },
          { effectKey: 'rv6-la', runId: 'run-la', lastAttempt: true },
        ),
      ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_UNAVAILABLE' });
    } finally {
      server.handler = handler;
    }
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 400);
    await expect(
      h.run(
        'kong',
        'ratelimit.set',
        { key: 'v-2', limit: '2/s' },
        { effectKey: 'rv6-lb', runId: 'run-lb', signal: ac.signal },
      ),
    ).resolves.toBeDefined();
  });
});
