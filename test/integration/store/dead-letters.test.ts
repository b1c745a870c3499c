import { describe, expect, it } from 'vitest';
import { DeadLetterStore, type DeadLetterInput } from '../../../src/store/dead-letters.js';
import { BASE, useStoreRedis } from './store-helpers.js';

/** DeadLetterStore against a real Redis. */
const env = useStoreRedis('store-dlq');

function input(overrides: Partial<DeadLetterInput> = {}): DeadLetterInput {
  return {
    source: 'splunk',
    reason: 'parse',
    errors: [{ path: '/0/time', reason: 'must be an RFC 3339 timestamp; got "yesterday"' }],
    contentType: 'application/json',
    body: Buffer.from('{"time":"yesterday"}'),
    principal: 'key:splunk-hec',
    received: BASE,
    ...overrides,
  };
}

describe('DeadLetterStore', () => {
  it('add then get returns every field', async () => {
    const store = new DeadLetterStore(env.t.redis, env.fresh('get'), {
      maxEntries: 1_000,
      bodyLimitBytes: 1_024,
    });
    const id = await store.add(input());
    expect(id).toMatch(/^\d+-\d+$/);
    expect(await store.get(id)).toEqual({
      id,
      source: 'splunk',
      reason: 'parse',
      errors: [{ path: '/0/time', reason: 'must be an RFC 3339 timestamp; got "yesterday"' }],
      contentType: 'application/json',
      principal: 'key:splunk-hec',
      received: BASE,
      size: 20,
      truncated: false,
      encoding: 'utf8',
      body: '{"time":"yesterday"}',
    });
    expect(await store.get('not-an-id')).toBeUndefined();
    expect(await store.get('1-1')).toBeUndefined();
  });

  it('lists newest first, pages with before, filters by source, and keeps totals per source', async () => {
    const store = new DeadLetterStore(env.t.redis, env.fresh('list'), {
      maxEntries: 1_000,
      bodyLimitBytes: 1_024,
    });
    const ids: string[] = [];
    const sources = ['a', 'b', 'a', 'c', 'a', 'b', 'a'];
    for (const [i, source] of sources.entries())
      ids.push(await store.add(input({ source, received: BASE + i })));

    const all = await store.list({ limit: 100 });
    expect(all.map((d) => d.id)).toEqual([...ids].reverse());
    expect(all.map((d) => d.received)).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => BASE + i));

    const page1 = await store.list({ limit: 3 });
    expect(page1.map((d) => d.id)).toEqual([ids[6], ids[5], ids[4]]);
    const page2 = await store.list({ limit: 3, before: page1[2]!.id });
    expect(page2.map((d) => d.id)).toEqual([ids[3], ids[2], ids[1]]);
    const page3 = await store.list({ limit: 3, before: page2[2]!.id });
    expect(page3.map((d) => d.id)).toEqual([ids[0]]);
    expect(await store.list({ limit: 3, before: ids[0]! })).toEqual([]);

    expect((await store.list({ limit: 10, source: 'a' })).map((d) => d.id)).toEqual([
      ids[6],
      ids[4],
      ids[2],
      ids[0],
    ]);
    expect((await store.list({ limit: 1, source: 'b' })).map((d) => d.id)).toEqual([ids[5]]);
    expect(
      (await store.list({ limit: 10, source: 'b', before: ids[5]! })).map((d) => d.id),
    ).toEqual([ids[1]]);
    expect(await store.list({ limit: 10, source: 'nobody' })).toEqual([]);

    expect(await store.totals()).toEqual({ a: 4, b: 2, c: 1 });
  });

  it('a source filter keeps scanning past the first batch of 100', async () => {
    const store = new DeadLetterStore(env.t.redis, env.fresh('scan'), {
      maxEntries: 10_000,
      bodyLimitBytes: 64,
    });
    const old = [
      await store.add(input({ source: 'rare' })),
      await store.add(input({ source: 'rare' })),
    ];
    for (let i = 0; i < 150; i += 1)
      await store.add(input({ source: 'noisy', body: Buffer.from(`n${i}`) }));
    expect((await store.list({ limit: 5, source: 'rare' })).map((d) => d.id)).toEqual([
      old[1],
      old[0],
    ]);
    expect(await store.list({ limit: 120, source: 'noisy' })).toHaveLength(120);
    expect(await store.totals()).toEqual({ rare: 2, noisy: 150 });
  });

  it('keeps bodies beyond bodyLimitBytes truncated, with the original size', async () => {
    const store = new DeadLetterStore(env.t.redis, env.fresh('trunc'), {
      maxEntries: 1_000,
      bodyLimitBytes: 16,
    });
    const long = await store.get(
      await store.add(input({ body: Buffer.from('0123456789abcdefXYZ-tail') })),
    );
    expect(long).toEqual(
      expect.objectContaining({
        size: 24,
        truncated: true,
        encoding: 'utf8',
        body: '0123456789abcdef',
      }),
    );
    const exact = await store.get(
      await store.add(input({ body: Buffer.from('0123456789abcdef') })),
    );
    expect(exact).toEqual(
      expect.objectContaining({
        size: 16,
        truncated: false,
        encoding: 'utf8',
        body: '0123456789abcdef',
      }),
    );
    const empty = await store.get(await store.add(input({ body: Buffer.alloc(0) })));
    expect(empty).toEqual(
      expect.objectContaining({ size: 0, truncated: false, encoding: 'utf8', body: '' }),
    );
  });

  it('stores non-UTF-8 bodies as base64', async () => {
    const store = new DeadLetterStore(env.t.redis, env.fresh('b64'), {
      maxEntries: 1_000,
      bodyLimitBytes: 4,
    });
    const raw = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const dl = await store.get(
      await store.add(input({ body: raw, contentType: 'application/octet-stream' })),
    );
    expect(dl).toEqual(
      expect.objectContaining({
        size: 4,
        truncated: false,
        encoding: 'base64',
        body: raw.toString('base64'),
      }),
    );
    expect(Buffer.from(dl!.body, 'base64')).toEqual(raw);

    const longer = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0x41, 0x42]);
    const cut = await store.get(await store.add(input({ body: longer })));
    expect(cut).toEqual(
      expect.objectContaining({
        size: 6,
        truncated: true,
        encoding: 'base64',
        body: longer.subarray(0, 4).toString('base64'),
      }),
    );
  });

  it('a valid UTF-8 body cut by truncation stays utf8 (cut at a character boundary)', async () => {
    // DeadLetter.encoding: "utf8 when the body was valid UTF-8, else base64".
    const store = new DeadLetterStore(env.t.redis, env.fresh('utf8cut'), {
      maxEntries: 1_000,
      bodyLimitBytes: 5,
    });
    const text = 'éééééééééé'; // 20 bytes; 5 bytes would split the third character
    const dl = await store.get(await store.add(input({ body: Buffer.from(text) })));
    expect(dl).toEqual(expect.objectContaining({ size: 20, truncated: true, encoding: 'utf8' }));
    expect(text.startsWith(dl!.body)).toBe(true);
    expect(Buffer.byteLength(dl!.body)).toBeLessThanOrEqual(5);
    expect(Buffer.byteLength(dl!.body)).toBeGreaterThanOrEqual(2);
  });

  it('caps the stream near maxEntries (MAXLEN ~), evicting the oldest, while totals count every rejection', async () => {
    const keys = env.fresh('cap');
    const store = new DeadLetterStore(env.t.redis, keys, { maxEntries: 10, bodyLimitBytes: 64 });
    const ids: string[] = [];
    for (let i = 0; i < 300; i += 1)
      ids.push(
        await store.add(input({ source: i % 2 ? 'odd' : 'even', body: Buffer.from(`body-${i}`) })),
      );
    const length = await env.t.redis.xlen(keys.deadLetters);
    // Approximate trimming frees whole stream nodes: never fewer than maxEntries, and fewer
    // than maxEntries plus one node (stream-node-max-entries is 100 by default).
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(10 + 100);
    const listed = await store.list({ limit: 1_000 });
    expect(listed).toHaveLength(length);
    expect(listed.map((d) => d.id)).toEqual(ids.slice(-length).reverse());
    expect(await store.get(ids[0]!)).toBeUndefined();
    expect(listed[0]!.body).toBe('body-299');
    expect(await store.totals()).toEqual({ even: 150, odd: 150 });
  });
});
