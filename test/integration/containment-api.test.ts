/**
 * GET /v1/containment: everything Cordon keeps contained now, the built-in limiter's keys and
 * the targets runs hold on outbound gateways, as one newest-first list paged by a cursor, read
 * from the indexes the limiter's and the holds' scripts keep in the same atomic step.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainmentItem } from '../../src/actions/containment.js';
import type { Rate } from '../../src/actions/operations.js';
import { EffectLedger, type HoldEntry, type HoldTarget } from '../../src/store/effect-ledger.js';
import { Keys } from '../../src/store/keys.js';
import { LimiterStore } from '../../src/store/limiter-store.js';
import { newestFirst } from '../../src/store/newest-first.js';
import { ScriptRunner } from '../../src/store/redis-scripts.js';
import { REPO_ROOT, startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOKEN_VAR = 'CORDON_TEST_CONTAINMENT_KONG_TOKEN';
// Near the clock the API reads: a limit past its expiry has lifted.
const T = Date.now();
let t: TestCordon;
let ledger: EffectLedger;
let limiter: LimiterStore;

const throttle: Rate = { mode: 'throttle', count: 10, windowMs: 60_000 };
const block: Rate = { mode: 'block', count: 0, windowMs: 0 };

type Item = ContainmentItem;
interface Page {
  items: Item[];
  next: string | null;
}

function content(): string {
  const dir = tempDir('containment-api');
  cpSync(join(REPO_ROOT, 'correlations'), join(dir, 'correlations'), { recursive: true });
  mkdirSync(join(dir, 'connectors'));
  mkdirSync(join(dir, 'playbooks'));
  const kong = (name: string, extra = '') =>
    `name: ${name}\ntype: kong\n${extra}url: http://127.0.0.1:9\nauth: { header: { name: Kong-Admin-Token, value: { env: ${TOKEN_VAR} } } }\n`;
  writeFileSync(join(dir, 'connectors', 'gw.yaml'), kong('gw'));
  writeFileSync(join(dir, 'connectors', 'gw2.yaml'), kong('gw2'));
  writeFileSync(join(dir, 'connectors', 'off.yaml'), kong('off', 'enabled: false\n'));
  writeFileSync(join(dir, 'connectors', 'limits.yaml'), 'name: limits\ntype: builtin-limiter\n');
  writeFileSync(join(dir, 'connectors', 'cases.yaml'), 'name: cases\ntype: builtin-cases\n');
  return dir;
}

const entry = (effect: string, run: string, at: number): HoldEntry => ({
  effect,
  operation: 'key.block',
  inputs: { key: 'x' },
  result: { blocked: true, credentials: 'SECRET-CREDENTIAL-VALUE' },
  run,
  at,
});

async function hold(target: HoldTarget, effect: string, run: string, at: number): Promise<void> {
  await ledger.hold(target, effect, run, entry(effect, run, at), { ok: 1 }, at);
}

async function page(query: string): Promise<Page> {
  const res = await t.call('GET', `/v1/containment${query}`, TOKENS.analyst);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>();
}

/** Every page of the list, `limit` at a time. */
async function all(limit: number, filter = ''): Promise<Item[]> {
  const out: Item[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i += 1) {
    const p: Page = await page(
      `?limit=${limit}${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...p.items);
    cursor = p.next;
    if (!cursor) return out;
  }
  throw new Error('the list did not end in 100 pages');
}

const id = (i: Item) => `${i.connector ?? 'limiter'}/${i.kind}/${i.key}`;

beforeAll(async () => {
  process.env[TOKEN_VAR] = 'kong-admin-token-containment';
  t = await startTestCordon({ contentDir: content() });
  const keys = new Keys(t.store.prefix);
  ledger = new EffectLedger(t.store.redis, keys);
  limiter = new LimiterStore(t.store.redis, keys);
  // Many at one millisecond, on both indexes, so pages split ties between the two.
  await limiter.set('act_l1', 'k1', throttle, 0, 'run_l1', 'test', T);
  await limiter.set('act_l2', 'k2', block, T + 3_600_000, 'run_l2', 'test', T);
  await limiter.set('act_l3', 'ключ', block, 0, 'analyst', 'test', T);
  await limiter.set('act_l4', 'k2', throttle, T + 600_000, 'run_l4', 'test', T + 1);
  // Lifted: its expiry has passed (its index entry stays until retention).
  await limiter.set('act_old', 'gone', throttle, T - 1, 'run_old', 'test', T - 10_000);
  await hold({ instance: 'gw', family: 'key', key: 'alice' }, 'act_a', 'run_a', T - 5_000);
  await hold({ instance: 'gw', family: 'key', key: 'alice' }, 'act_b', 'run_b', T);
  await hold({ instance: 'gw', family: 'ratelimit', key: 'alice' }, 'act_c', 'run_c', T);
  await hold({ instance: 'gw2', family: 'key', key: 'bob' }, 'act_d', 'run_d', T);
  await hold({ instance: 'gw', family: 'key', key: 'ü-user' }, 'act_e', 'run_e', T);
  await hold({ instance: 'gw', family: 'access', key: 'carol' }, 'act_f', 'run_f', T + 2);
  await hold({ instance: 'gw2', family: 'key', key: 'dave' }, 'act_g', 'run_g', T - 1);
});

afterAll(async () => {
  await t.stop();
  delete process.env[TOKEN_VAR];
});

const LIVE = [
  'gw/access/carol',
  'limiter/throttle/k2',
  'gw/key/alice',
  'gw/ratelimit/alice',
  'gw2/key/bob',
  'gw/key/ü-user',
  'limiter/throttle/k1',
  'limiter/block/ключ',
  'gw2/key/dave',
].sort();

describe('GET /v1/containment', () => {
  it('lists the limited keys and the held targets, newest first, on one page', async () => {
    const p = await page('');
    expect(p.next).toBeNull();
    expect(p.items.map(id).sort()).toEqual(LIVE);
    const ats = p.items.map((i) => i.at);
    expect(ats).toEqual([...ats].sort((a, b) => b - a));
    expect(p.items[0]).toMatchObject({ connector: 'gw', kind: 'access', key: 'carol', at: T + 2 });
    // The limiter's key with a limit over another: both, newest first, and it is free when
    // the last one lifts.
    expect(p.items.find((i) => i.key === 'k2')).toEqual({
      connector: null,
      type: 'builtin-limiter',
      kind: 'throttle',
      key: 'k2',
      at: T + 1,
      expiresAt: T + 3_600_000,
      holders: [
        {
          run: 'run_l4',
          runStatus: 'unknown',
          effect: 'act_l4',
          at: T + 1,
          expiresAt: T + 600_000,
          undo: null,
        },
        {
          run: 'run_l2',
          runStatus: 'unknown',
          effect: 'act_l2',
          at: T,
          expiresAt: T + 3_600_000,
          undo: null,
        },
      ],
      detail: '/v1/limiter/keys/k2',
    });
    expect(p.items.find((i) => i.key === 'k1')?.expiresAt).toBeNull();
    expect(p.items.find((i) => id(i) === 'gw/key/alice')).toEqual({
      connector: 'gw',
      type: 'kong',
      kind: 'key',
      key: 'alice',
      at: T,
      // Outbound holds lift when their runs undo them; these runs are not known.
      expiresAt: null,
      holders: [
        { run: 'run_b', runStatus: 'unknown', effect: 'act_b', at: T, expiresAt: null, undo: null },
        {
          run: 'run_a',
          runStatus: 'unknown',
          effect: 'act_a',
          at: T - 5_000,
          expiresAt: null,
          undo: null,
        },
      ],
      detail: '/v1/connectors/gw/holds/alice',
    });
    expect(p.items.find((i) => i.key === 'ü-user')?.detail).toBe(
      `/v1/connectors/gw/holds/${encodeURIComponent('ü-user')}`,
    );
    expect(JSON.stringify(p)).not.toContain('SECRET');
  });

  it('pages through ties across both lists without losing or repeating one', async () => {
    for (const limit of [1, 2, 3, 4]) {
      const items = await all(limit);
      expect(items.map(id).sort(), `limit ${limit}`).toEqual(LIVE);
      const ats = items.map((i) => i.at);
      expect(ats, `limit ${limit}`).toEqual([...ats].sort((a, b) => b - a));
    }
  });

  it('filters by connector: an outbound gateway, or a builtin-limiter connector for the limiter', async () => {
    expect((await all(2, '&connector=gw2')).map(id).sort()).toEqual([
      'gw2/key/bob',
      'gw2/key/dave',
    ]);
    expect((await all(2, '&connector=limits')).map(id).sort()).toEqual(
      ['limiter/throttle/k1', 'limiter/throttle/k2', 'limiter/block/ключ'].sort(),
    );
  });

  it('drops a target once its last hold is taken back or a release drops its holds', async () => {
    const target = { instance: 'gw', family: 'key', key: 'erin' };
    await hold(target, 'act_h', 'run_h', T + 10);
    await hold(target, 'act_i', 'run_i', T + 11);
    expect((await page('?limit=1')).items.map(id)).toEqual(['gw/key/erin']);
    await ledger.releaseHold(target, 'act_i', 'act_i-undo', 'run_i', { ok: 1 }, T + 12);
    expect((await page('?limit=1')).items[0]?.holders.map((h) => h.effect)).toEqual(['act_h']);
    await ledger.releaseHold(target, 'act_h', 'act_h-undo', 'run_h', { ok: 1 }, T + 13);
    expect((await page('')).items.map(id)).not.toContain('gw/key/erin');
    const held = new Keys(t.store.prefix).heldTargets;
    expect(await t.store.redis.zscore(held, '["gw","key","erin"]')).toBeNull();

    const other = { instance: 'gw', family: 'key', key: 'frank' };
    await hold(other, 'act_j', 'run_j', T + 20);
    expect((await page('?limit=1')).items.map(id)).toEqual(['gw/key/frank']);
    await ledger.dropHolds(other, 'act_rel', 'run_k', { released: true }, T + 21);
    expect((await page('')).items.map(id).sort()).toEqual(LIVE);
    expect(await t.store.redis.zscore(held, '["gw","key","frank"]')).toBeNull();
  });

  it('answers 404 naming the fix for a connector that is unknown or keeps nothing', async () => {
    for (const [name, says] of [
      ['nope', 'No action connector "nope"'],
      ['cases', 'Connector "cases" (builtin-cases) keeps nothing contained'],
    ] as const) {
      const res = await t.call('GET', `/v1/containment?connector=${name}`, TOKENS.analyst);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        code: 'CORDON_ERR_API_NOT_FOUND',
        message: expect.stringContaining(says),
      });
    }
  });

  it('takes a limit whose every layer lifted off the index as it skips it; its rule stays', async () => {
    const keys = new Keys(t.store.prefix);
    await page('');
    expect(await t.store.redis.zscore(keys.limiterIndex, 'gone')).toBeNull();
    expect(await t.store.redis.hget(keys.limiterRule('gone'), 'key')).toBe('gone');
    // Limits in force stay indexed.
    expect(await t.store.redis.zscore(keys.limiterIndex, 'k1')).not.toBeNull();
    // Set again, it is listed again.
    await limiter.set('act_again', 'gone', throttle, 0, 'run_again', 'test', T + 30);
    expect((await page('?limit=1')).items.map(id)).toEqual(['limiter/throttle/gone']);
    await limiter.undo('act_again-undo', 'gone', 'act_again', 'run_again', 'test', T + 31);
  });

  it('never moves a held target down the list (a hold placed by a process whose clock is behind)', async () => {
    const target = { instance: 'gw', family: 'key', key: 'ivan' };
    await hold(target, 'act_i1', 'run_i1', T + 40);
    await hold(target, 'act_i2', 'run_i2', T + 35);
    const keys = new Keys(t.store.prefix);
    expect(Number(await t.store.redis.zscore(keys.heldTargets, '["gw","key","ivan"]'))).toBe(
      T + 40,
    );
    await ledger.releaseHold(target, 'act_i1', 'act_i1-undo', 'run_i1', {}, T + 41);
    await ledger.releaseHold(target, 'act_i2', 'act_i2-undo', 'run_i2', {}, T + 42);
  });

  it("lists a disabled connector's holds: they stay until undone", async () => {
    await hold({ instance: 'off', family: 'key', key: 'gail' }, 'act_off', 'run_off', T - 3);
    expect((await page('?connector=off')).items.map(id)).toEqual(['off/key/gail']);
    expect((await page('')).items.find((i) => i.key === 'gail')).toMatchObject({
      connector: 'off',
      type: 'kong',
    });
    await ledger.releaseHold(
      { instance: 'off', family: 'key', key: 'gail' },
      'act_off',
      'act_off-undo',
      'run_off',
      {},
      T,
    );
  });

  it('answers 400 naming the parameter for a cursor it did not give', async () => {
    const res = await t.call('GET', '/v1/containment?cursor=not-a-cursor', TOKENS.analyst);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'CORDON_ERR_API_INVALID_REQUEST',
      message: expect.stringContaining('querystring/cursor'),
    });
  });

  it('needs a token with a read role', async () => {
    expect((await t.call('GET', '/v1/containment', undefined)).statusCode).toBe(401);
    expect((await t.call('GET', '/v1/containment', TOKENS.ingest)).statusCode).toBe(403);
  });
});

describe('newestFirst (the two indexes are read through it)', () => {
  it('answers every member at or above the lowest score it answers, ties read whole', async () => {
    const key = `${t.store.prefix}:test:newest-first`;
    const scripts = new ScriptRunner(t.store.redis);
    // Redis orders ties by bytes, JavaScript by UTF-16 units: these two disagree on 😀 and Ａ.
    await t.store.redis.zadd(key, 9, 'top', 5, 'a', 5, '😀', 5, 'Ａ', 5, 'ü', 1, 'low');
    const first = await newestFirst(scripts, key, 2);
    expect(first.more).toBe(true);
    expect(first.items.map((i) => i.member).sort()).toEqual(['top', 'a', '😀', 'Ａ', 'ü'].sort());
    // From a page's last score: all of that score again (the caller drops those shown), then below.
    const from = await newestFirst(scripts, key, 1, 5);
    expect(from.items.map((i) => `${i.member}@${i.score}`).sort()).toEqual(
      ['a@5', '😀@5', 'Ａ@5', 'ü@5', 'low@1'].sort(),
    );
    expect(from.more).toBe(true);
    const end = await newestFirst(scripts, key, 5, 1);
    expect(end).toEqual({ items: [{ member: 'low', score: 1 }], more: false });
  });
});
