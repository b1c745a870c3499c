import { describe, expect, it } from 'vitest';
import { RedisStateStore } from '../../../src/store/correlation-state-store.js';
import { BASE, useStoreRedis } from './store-helpers.js';

/** RedisStateStore's commit at sizes a busy partition reaches. */
const env = useStoreRedis('store-corrstate');

describe('RedisStateStore.commit', () => {
  it('commits a checkpoint with more changed groups than a JavaScript call takes arguments', async () => {
    const store = new RedisStateStore(env.t.redis, env.fresh('big'));
    const acquired = await store.acquire(0, 'm1', BASE, 30_000);
    if (!acquired) throw new Error('partition not acquired');
    // 150,000 sets and 50,000 deletions: ~350,000 script arguments.
    const groups: [string, string | null][] = [];
    for (let i = 0; i < 150_000; i += 1) groups.push([`r\u0000v\u0000k${i}`, `[${i}]`]);
    for (let i = 0; i < 50_000; i += 1) groups.push([`r\u0000v\u0000gone${i}`, null]);
    const ok = await store.commit(
      acquired.lease,
      'm1',
      { offset: '5-0', read: 5, engine: { watermarks: {} }, groups, rules: [], outbox: [] },
      BASE,
      30_000,
    );
    expect(ok).toBe(true);
    let n = 0;
    let last: string | undefined;
    for await (const chunk of store.groups(0))
      for (const [field, value] of chunk) {
        n += 1;
        if (field === 'r\u0000v\u0000k149999') last = value;
      }
    expect(n).toBe(150_000);
    expect(last).toBe('[149999]');
  });
});
