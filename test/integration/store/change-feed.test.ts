import { afterAll, describe, expect, it } from 'vitest';
import { ChangeFeed } from '../../../src/store/change-feed.js';
import { Keys } from '../../../src/store/keys.js';
import { createTestRedis } from '../../helpers/redis.js';

/** The change feed's reads against a real Redis stream. */
const t = createTestRedis('feed');
afterAll(() => t.cleanup());

describe('ChangeFeed', () => {
  it('reads after a cursor, and tells a resume point it no longer holds', async () => {
    const keys = new Keys(t.prefix);
    const feed = new ChangeFeed(t.redis, keys);
    expect(await feed.head()).toBe('0-0');
    expect(await feed.lostAfter('0-0')).toBe(false);
    expect(await feed.lostAfter('5-0')).toBe(true);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1)
      ids.push(
        (await t.redis.xadd(keys.changes, '*', 'k', i % 2 ? 'run' : 'incident', 'id', `x${i}`)) ??
          '',
      );
    await t.redis.xadd(keys.changes, '*', 'k', 'unknown-kind', 'id', 'y');
    expect(await feed.head()).not.toBe(ids[4]);
    const after = await feed.after(ids[1] ?? '', 10);
    expect(after.map((x) => x.id)).toEqual(['x2', 'x3', 'x4']);
    expect(after[0]).toEqual({ cursor: ids[2], kind: 'incident', id: 'x2' });
    expect(await feed.lostAfter(ids[0] ?? '')).toBe(false);
    // Trimmed past the first two: a reader at the first missed the second.
    await t.redis.xtrim(keys.changes, 'MAXLEN', 4);
    expect(await feed.lostAfter(ids[0] ?? '')).toBe(true);
    // From the oldest entry held on, nothing was missed.
    expect(await feed.lostAfter(ids[2] ?? '')).toBe(false);
    expect(await feed.lostAfter(ids[4] ?? '')).toBe(false);
  });
});
