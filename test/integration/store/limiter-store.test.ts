import { describe, expect, it } from 'vitest';
import { LimiterStore } from '../../../src/store/limiter-store.js';
import { useStoreRedis } from './store-helpers.js';

/** LimiterStore (setLimit-6, checkLimit-2, clearLimit-6) against a real Redis. */
const env = useStoreRedis('store-lim');

// setLimit gives the rule key a cleanup TTL of expiresAt + 1 day (PEXPIREAT), so times must be
// real epoch ms for the key to exist; decisions still use only the `now` passed in. A minute
// boundary an hour ahead keeps 1 s windows aligned.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 + 3_600_000;
const THROTTLE = { mode: 'throttle', count: 3, windowMs: 1_000 } as const;
const BLOCK = { mode: 'block', count: 0, windowMs: 0 } as const;

describe('LimiterStore', () => {
  it('allows with no rule', async () => {
    const store = new LimiterStore(env.t.redis, env.fresh('none'));
    expect(await store.check('k-1', T0)).toEqual({ decision: 'allow' });
    expect(await store.rule('k-1')).toBeUndefined();
    expect(await store.history('k-1')).toEqual([]);
  });

  it('throttle: count requests per fixed window, then throttle with resetMs; a new window resets', async () => {
    const keys = env.fresh('throttle');
    const store = new LimiterStore(env.t.redis, keys);
    expect(await store.set('eff-1', 'k-1', THROTTLE, 0, 'run_1', 'extraction', T0)).toEqual({
      applied: true,
      key: 'k-1',
      mode: 'throttle',
      count: 3,
      windowMs: 1_000,
      expiresAt: 0,
      setAt: T0,
    });
    expect(await store.rule('k-1')).toEqual({
      key: 'k-1',
      mode: 'throttle',
      count: 3,
      windowMs: 1_000,
      expiresAt: 0,
      setAt: T0,
      setBy: 'run_1',
      reason: 'extraction',
      effect: 'eff-1',
      under: [],
    });
    expect(await env.t.redis.pttl(keys.limiterRule('k-1'))).toBe(-1);

    const allow = (remaining: number, resetMs: number) => ({
      decision: 'allow',
      limit: 3,
      remaining,
      resetMs,
      expiresAt: 0,
    });
    const throttle = (resetMs: number) => ({
      decision: 'throttle',
      limit: 3,
      remaining: 0,
      resetMs,
      expiresAt: 0,
    });
    expect(await store.check('k-1', T0)).toEqual(allow(2, 1_000));
    expect(await store.check('k-1', T0 + 100)).toEqual(allow(1, 900));
    expect(await store.check('k-1', T0 + 200)).toEqual(allow(0, 800));
    expect(await store.check('k-1', T0 + 300)).toEqual(throttle(700));
    expect(await store.check('k-1', T0 + 999)).toEqual(throttle(1));
    // Other keys are not limited.
    expect(await store.check('k-2', T0 + 999)).toEqual({ decision: 'allow' });
    // The next window starts fresh.
    expect(await store.check('k-1', T0 + 1_000)).toEqual(allow(2, 1_000));
    expect(await store.check('k-1', T0 + 1_500)).toEqual(allow(1, 500));
    // A skipped window does not carry over either.
    expect(await store.check('k-1', T0 + 5_250)).toEqual(allow(2, 750));
  });

  it('block, and expiry compares expiresAt with the passed now while the key still exists', async () => {
    const keys = env.fresh('block');
    const store = new LimiterStore(env.t.redis, keys);
    const expiresAt = T0 + 60_000;
    expect(await store.set('eff-b', 'k-b', BLOCK, expiresAt, 'run_1', 'abuse', T0)).toEqual({
      applied: true,
      key: 'k-b',
      mode: 'block',
      count: 0,
      windowMs: 0,
      expiresAt,
      setAt: T0,
    });
    expect(await store.check('k-b', T0)).toEqual({ decision: 'block', expiresAt });
    expect(await store.check('k-b', expiresAt - 1)).toEqual({ decision: 'block', expiresAt });
    expect(await store.check('k-b', expiresAt)).toEqual({ decision: 'allow' });
    expect(await store.check('k-b', expiresAt + 10_000)).toEqual({ decision: 'allow' });
    expect(await env.t.redis.exists(keys.limiterRule('k-b'))).toBe(1);
    expect(await env.t.redis.pexpiretime(keys.limiterRule('k-b'))).toBe(expiresAt + 86_400_000);

    await store.set('eff-t', 'k-t', THROTTLE, expiresAt, 'run_1', 'abuse', T0);
    expect(await store.check('k-t', expiresAt - 1)).toEqual({
      decision: 'allow',
      limit: 3,
      remaining: 2,
      resetMs: 1,
      expiresAt,
    });
    expect(await store.check('k-t', expiresAt)).toEqual({ decision: 'allow' });
  });

  it('set is applied once per effect key; another effect key applies again; history is newest first', async () => {
    const keys = env.fresh('idem');
    const store = new LimiterStore(env.t.redis, keys);
    const first = await store.set('eff-1', 'k-1', THROTTLE, 0, 'run_1', 'first', T0);
    expect(first.applied).toBe(true);
    // A retried action: nothing applied, the first result returned.
    expect(await store.set('eff-1', 'k-1', BLOCK, T0 + 5, 'run_1', 'retry', T0 + 10)).toEqual({
      ...first,
      applied: false,
    });
    expect(await store.rule('k-1')).toEqual(
      expect.objectContaining({ mode: 'throttle', setAt: T0, reason: 'first' }),
    );
    expect(await store.history('k-1')).toEqual([
      {
        op: 'set',
        at: T0,
        effect: 'eff-1',
        mode: 'throttle',
        count: 3,
        windowMs: 1_000,
        expiresAt: 0,
        by: 'run_1',
        reason: 'first',
      },
    ]);

    const second = await store.set('eff-2', 'k-1', BLOCK, T0 + 60_000, 'run_2', 'second', T0 + 20);
    expect(second).toEqual({
      applied: true,
      key: 'k-1',
      mode: 'block',
      count: 0,
      windowMs: 0,
      expiresAt: T0 + 60_000,
      setAt: T0 + 20,
    });
    expect(await store.check('k-1', T0 + 30)).toEqual({
      decision: 'block',
      expiresAt: T0 + 60_000,
    });
    expect(await store.rule('k-1')).toEqual({
      key: 'k-1',
      mode: 'block',
      count: 0,
      windowMs: 0,
      expiresAt: T0 + 60_000,
      setAt: T0 + 20,
      setBy: 'run_2',
      reason: 'second',
      effect: 'eff-2',
      // The throttle it went over, in force again if this block is undone or lifts.
      under: [
        {
          mode: 'throttle',
          count: 3,
          windowMs: 1_000,
          expiresAt: 0,
          setAt: T0,
          setBy: 'run_1',
          reason: 'first',
          effect: 'eff-1',
        },
      ],
    });
    expect(await store.history('k-1')).toEqual([
      {
        op: 'set',
        at: T0 + 20,
        effect: 'eff-2',
        mode: 'block',
        count: 0,
        windowMs: 0,
        expiresAt: T0 + 60_000,
        by: 'run_2',
        reason: 'second',
      },
      {
        op: 'set',
        at: T0,
        effect: 'eff-1',
        mode: 'throttle',
        count: 3,
        windowMs: 1_000,
        expiresAt: 0,
        by: 'run_1',
        reason: 'first',
      },
    ]);
    expect(await env.t.redis.zscore(keys.limiterIndex, 'k-1')).toBe(String(T0 + 20));
  });

  it('clear removes the limit, once per effect key, and is recorded in history', async () => {
    const keys = env.fresh('clear');
    const store = new LimiterStore(env.t.redis, keys);
    await store.set('eff-set', 'k-1', BLOCK, 0, 'run_1', 'abuse', T0);
    expect(await store.check('k-1', T0 + 1)).toEqual({ decision: 'block', expiresAt: 0 });

    expect(await store.clear('eff-clear', 'k-1', 'alice', 'resolved', T0 + 10)).toEqual({
      applied: true,
      key: 'k-1',
      existed: true,
    });
    expect(await store.check('k-1', T0 + 11)).toEqual({ decision: 'allow' });
    expect(await store.rule('k-1')).toBeUndefined();
    expect(await env.t.redis.zscore(keys.limiterIndex, 'k-1')).toBeNull();

    expect(await store.clear('eff-clear', 'k-1', 'alice', 'retry', T0 + 20)).toEqual({
      applied: false,
      key: 'k-1',
      existed: true,
    });
    expect(await store.clear('eff-clear-2', 'k-1', 'bob', 'again', T0 + 30)).toEqual({
      applied: true,
      key: 'k-1',
      existed: false,
    });

    expect(await store.history('k-1')).toEqual([
      {
        op: 'clear',
        at: T0 + 30,
        effect: 'eff-clear-2',
        existed: false,
        by: 'bob',
        reason: 'again',
      },
      {
        op: 'clear',
        at: T0 + 10,
        effect: 'eff-clear',
        existed: true,
        by: 'alice',
        reason: 'resolved',
      },
      {
        op: 'set',
        at: T0,
        effect: 'eff-set',
        mode: 'block',
        count: 0,
        windowMs: 0,
        expiresAt: 0,
        by: 'run_1',
        reason: 'abuse',
      },
    ]);
  });

  describe('a limit goes over the one in place, and undoing it takes back that limit only', () => {
    const throttle = (count: number) => ({ mode: 'throttle', count, windowMs: 1_000 }) as const;
    // Whether `key` is throttled at `at`: its limit over the first window of `at`.
    const limitAt = async (store: LimiterStore, key: string, at: number): Promise<unknown> => {
      const d = await store.check(key, at);
      return d.decision === 'block' ? 'block' : (d.limit ?? 'none');
    };

    it('undoing the limit on top puts the one it went over back in force; undoing it twice does nothing more', async () => {
      const keys = env.fresh('undo-top');
      const store = new LimiterStore(env.t.redis, keys);
      await store.set('eff-a', 'k', throttle(10), 0, 'run_a', 'a', T0);
      await store.set('eff-b', 'k', BLOCK, 0, 'run_b', 'b', T0 + 1);
      expect(await limitAt(store, 'k', T0 + 2)).toBe('block');

      const undone = await store.undo('undo-b', 'k', 'eff-b', 'run_b', 'cancelled', T0 + 3);
      expect(undone).toEqual({ applied: true, key: 'k', existed: true, restored: 'eff-a' });
      expect(await limitAt(store, 'k', T0 + 4_000)).toBe(10);
      expect(await store.rule('k', T0 + 4_000)).toEqual(
        expect.objectContaining({ mode: 'throttle', count: 10, effect: 'eff-a', under: [] }),
      );
      expect((await store.history('k'))[0]).toEqual({
        op: 'undo',
        at: T0 + 3,
        effect: 'undo-b',
        of: 'eff-b',
        existed: true,
        restored: 'eff-a',
        by: 'run_b',
        reason: 'cancelled',
      });
      // A retried undo: the first result, nothing changed.
      expect(await store.undo('undo-b', 'k', 'eff-b', 'run_b', 'cancelled', T0 + 5)).toEqual({
        ...undone,
        applied: false,
      });
      expect(await limitAt(store, 'k', T0 + 5_000)).toBe(10);
      // The last limit undone: none is left, and the key leaves the index.
      await store.undo('undo-a', 'k', 'eff-a', 'run_a', 'cancelled', T0 + 6);
      expect(await store.check('k', T0 + 6_000)).toEqual({ decision: 'allow' });
      expect(await store.rule('k', T0 + 6_000)).toBeUndefined();
      expect(await env.t.redis.zscore(keys.limiterIndex, 'k')).toBeNull();
    });

    it('undoing a limit set under another leaves the one on top in force', async () => {
      const store = new LimiterStore(env.t.redis, env.fresh('undo-under'));
      await store.set('eff-a', 'k', throttle(10), 0, 'run_a', 'a', T0);
      await store.set('eff-b', 'k', throttle(2), 0, 'run_b', 'b', T0 + 1);
      expect(await store.undo('undo-a', 'k', 'eff-a', 'run_a', 'r', T0 + 2)).toEqual({
        applied: true,
        key: 'k',
        existed: true,
        restored: 'eff-b',
      });
      expect(await limitAt(store, 'k', T0 + 3_000)).toBe(2);
      expect((await store.rule('k', T0 + 3_000))?.under).toEqual([]);
      // Then the one on top: nothing of eff-a comes back.
      await store.undo('undo-b', 'k', 'eff-b', 'run_b', 'r', T0 + 4);
      expect(await store.check('k', T0 + 4_000)).toEqual({ decision: 'allow' });
    });

    it('an undo finds nothing once the limit is cleared, and changes nothing', async () => {
      const store = new LimiterStore(env.t.redis, env.fresh('undo-cleared'));
      await store.set('eff-a', 'k', throttle(10), 0, 'run_a', 'a', T0);
      await store.clear('clr', 'k', 'operator', 'done', T0 + 1);
      await store.set('eff-c', 'k', throttle(4), 0, 'run_c', 'c', T0 + 2);
      expect(await store.undo('undo-a', 'k', 'eff-a', 'run_a', 'r', T0 + 3)).toEqual({
        applied: true,
        key: 'k',
        existed: false,
        restored: 'eff-c',
      });
      expect(await limitAt(store, 'k', T0 + 3_000)).toBe(4);
    });

    it('when the limit on top lifts, the newest one under it that has not applies, and the key lives as long as it', async () => {
      const keys = env.fresh('under-expiry');
      const store = new LimiterStore(env.t.redis, keys);
      await store.set('eff-a', 'k', throttle(10), 0, 'run_a', 'a', T0);
      await store.set('eff-b', 'k', throttle(8), T0 + 5_000, 'run_b', 'b', T0 + 1);
      await store.set('eff-c', 'k', BLOCK, T0 + 60_000, 'run_c', 'c', T0 + 2);
      // Never-lifting throttle beneath: the key is kept, whatever the top's expiry.
      expect(await env.t.redis.pttl(keys.limiterRule('k'))).toBe(-1);
      expect(await limitAt(store, 'k', T0 + 3)).toBe('block');
      // eff-b lifted before eff-c did: eff-a applies.
      expect(await limitAt(store, 'k', T0 + 61_000)).toBe(10);
      expect(await store.rule('k', T0 + 61_000)).toEqual(
        expect.objectContaining({ effect: 'eff-a', under: [] }),
      );
      // Without `now`, the rule as stored.
      expect(await store.rule('k')).toEqual(expect.objectContaining({ effect: 'eff-c' }));
    });

    it('keeps at most 32 limits under the one on top, dropping the oldest', async () => {
      const store = new LimiterStore(env.t.redis, env.fresh('under-cap'));
      for (let i = 0; i < 40; i += 1)
        await store.set(`eff-${i}`, 'k', throttle(i + 1), 0, `run_${i}`, 'r', T0 + i);
      const rule = await store.rule('k', T0 + 100);
      expect(rule?.effect).toBe('eff-39');
      expect(rule?.under.map((l) => l.effect)).toEqual(
        Array.from({ length: 32 }, (_, i) => `eff-${38 - i}`),
      );
    });
  });
});
