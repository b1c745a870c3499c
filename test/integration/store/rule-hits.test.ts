import { afterAll, describe, expect, it } from 'vitest';
import { Keys } from '../../../src/store/keys.js';
import { HIT_BUCKET_MS, RuleHits } from '../../../src/store/rule-hits.js';
import { createTestRedis } from '../../helpers/redis.js';

const t = createTestRedis('hits');
afterAll(() => t.cleanup());

describe('RuleHits', () => {
  it('counts per half hour over the last 24 h by the time passed in, and drops buckets that left it', async () => {
    const keys = new Keys(t.prefix);
    const hits = new RuleHits(t.redis, keys);
    const t0 = Date.UTC(2026, 0, 1);
    await hits.record('r', t0, true);
    await hits.record('r', t0 + 1_000, false);
    await hits.record('r', t0 + HIT_BUCKET_MS, false);
    let read = (await hits.read(['r', 'other'], t0 + HIT_BUCKET_MS)).get('r');
    expect(read?.hits).toBe(3);
    expect(read?.incidents).toBe(1);
    expect(read?.sparkline.slice(-2)).toEqual([2, 1]);
    // A day later the first bucket is out of the window, whatever Redis still holds.
    const later = t0 + 48 * HIT_BUCKET_MS;
    read = (await hits.read(['r'], later)).get('r');
    expect(read?.sparkline.reduce((a, b) => a + b, 0)).toBe(1);
    expect(read?.sparkline[0]).toBe(1);
    await hits.record('r', later, false);
    const fields = await t.redis.hkeys(keys.ruleHits('r'));
    expect(fields.filter((f) => f.startsWith('b:'))).toHaveLength(2);
    expect((await hits.read(['other'], later)).get('other')).toEqual({
      hits: 0,
      incidents: 0,
      sparkline: new Array(48).fill(0),
    });
  });
});
