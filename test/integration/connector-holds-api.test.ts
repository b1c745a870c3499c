/**
 * GET /v1/connectors/:name/holds/:key: which runs keep a target of an outbound gateway
 * contained (overlapping containment, actions/connectors/holds.ts), read from the holds the
 * connectors placed in Redis; never an entry's inputs, results or the base's kept values.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EffectLedger, type HoldEntry } from '../../src/store/effect-ledger.js';
import { Keys } from '../../src/store/keys.js';
import { REPO_ROOT, startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOKEN_VAR = 'CORDON_TEST_HOLDS_API_KONG_TOKEN';
let t: TestCordon;
let ledger: EffectLedger;

function content(): string {
  const dir = tempDir('holds-api');
  cpSync(join(REPO_ROOT, 'correlations'), join(dir, 'correlations'), { recursive: true });
  mkdirSync(join(dir, 'connectors'));
  mkdirSync(join(dir, 'playbooks'));
  writeFileSync(
    join(dir, 'connectors', 'kong.yaml'),
    `name: gw\ntype: kong\nurl: http://127.0.0.1:9\nauth: { header: { name: Kong-Admin-Token, value: { env: ${TOKEN_VAR} } } }\n`,
  );
  writeFileSync(join(dir, 'connectors', 'cases.yaml'), 'name: cases\ntype: builtin-cases\n');
  writeFileSync(
    join(dir, 'connectors', 'off.yaml'),
    `name: off\ntype: kong\nenabled: false\nurl: http://127.0.0.1:9\nauth: { header: { name: Kong-Admin-Token, value: { env: ${TOKEN_VAR} } } }\n`,
  );
  return dir;
}

const entry = (effect: string, run: string, at: number): HoldEntry => ({
  effect,
  operation: 'key.block',
  inputs: { key: 'alice' },
  result: { blocked: true, credentials: 'SECRET-CREDENTIAL-VALUE' },
  run,
  at,
});

beforeAll(async () => {
  process.env[TOKEN_VAR] = 'kong-admin-token-holds-api';
  t = await startTestCordon({ contentDir: content() });
  ledger = new EffectLedger(t.store.redis, new Keys(t.store.prefix));
  const target = { instance: 'gw', family: 'key', key: 'alice' };
  await ledger.remember('act_a', 'run_a', 'saved', 'SECRET-KEPT-VALUE', 1_000);
  await ledger.hold(target, 'act_a', 'run_a', entry('act_a', 'run_a', 1_000), { ok: 1 }, 1_000);
  await ledger.hold(target, 'act_b', 'run_b', entry('act_b', 'run_b', 2_000), { ok: 1 }, 2_000);
});

afterAll(async () => {
  await t.stop();
  delete process.env[TOKEN_VAR];
});

describe('GET /v1/connectors/:name/holds/:key', () => {
  it('lists who holds the target, newest first, and says it is contained', async () => {
    const res = await t.call('GET', '/v1/connectors/gw/holds/alice', TOKENS.analyst);
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      contained: boolean;
      holds: { family: string; holders: { effect: string; run: string }[] }[];
    }>();
    expect(body).toMatchObject({ connector: 'gw', key: 'alice', contained: true });
    expect(body.holds).toHaveLength(1);
    expect(body.holds[0]).toMatchObject({
      family: 'key',
      holders: [
        // These runs exist in the holds only: their status is unknown.
        {
          effect: 'act_b',
          run: 'run_b',
          runStatus: 'unknown',
          operation: 'key.block',
          at: 2_000,
          place: 2,
        },
        {
          effect: 'act_a',
          run: 'run_a',
          runStatus: 'unknown',
          operation: 'key.block',
          at: 1_000,
          place: 1,
        },
      ],
      dropped: [],
      takenBy: null,
    });
    // Who and when only: not the inputs, results or the values the base kept for its undo.
    expect(res.body).not.toContain('SECRET');
    expect(res.body).not.toContain('credentials');
  });

  it('shows the effect acting on the target now and the holds a release dropped', async () => {
    const target = { instance: 'gw', family: 'key', key: 'bob' };
    await ledger.hold(target, 'act_c', 'run_c', entry('act_c', 'run_c', 3_000), {}, 3_000);
    await ledger.dropHolds(target, 'act_rel', 'run_d', { released: true }, 4_000);
    const now = Date.now();
    expect(await ledger.lockHolds(target, 'act_e', now, 60_000)).toBe(0);
    const body = (await t.call('GET', '/v1/connectors/gw/holds/bob', TOKENS.analyst)).json<{
      contained: boolean;
      holds: { holders: unknown[]; dropped: string[]; takenBy: { effect: string } | null }[];
    }>();
    expect(body.contained).toBe(false);
    expect(body.holds[0]).toMatchObject({
      holders: [],
      dropped: ['act_c'],
      takenBy: { effect: 'act_e' },
    });
  });

  it('answers an empty list for a target no run holds', async () => {
    const res = await t.call('GET', '/v1/connectors/gw/holds/nobody', TOKENS.analyst);
    expect(res.json()).toEqual({ connector: 'gw', key: 'nobody', contained: false, holds: [] });
  });

  it('is a 404 naming the fix for a connector that is unknown or keeps no holds', async () => {
    for (const [name, says] of [
      ['nope', 'No action connector "nope"'],
      ['cases', 'Connector "cases" keeps no holds'],
    ] as const) {
      const res = await t.call('GET', `/v1/connectors/${name}/holds/alice`, TOKENS.analyst);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        code: 'CORDON_ERR_API_NOT_FOUND',
        message: expect.stringContaining(says),
      });
    }
  });

  it("reads a disabled connector's holds: they stay until undone", async () => {
    const target = { instance: 'off', family: 'key', key: 'hank' };
    await ledger.hold(target, 'act_off', 'run_off', entry('act_off', 'run_off', 5_000), {}, 5_000);
    const res = await t.call('GET', '/v1/connectors/off/holds/hank', TOKENS.analyst);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ connector: 'off', key: 'hank', contained: true });
  });

  it('needs a token with a read role', async () => {
    expect((await t.call('GET', '/v1/connectors/gw/holds/alice', undefined)).statusCode).toBe(401);
    expect((await t.call('GET', '/v1/connectors/gw/holds/alice', TOKENS.ingest)).statusCode).toBe(
      403,
    );
  });
});
