import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DeadLetterStore,
  type DeadLetterInput,
  type DeadLetterLimits,
} from '../../../src/store/dead-letters.js';
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

/** Generous defaults: each test tightens the limit it is about. */
function limits(overrides: Partial<DeadLetterLimits> = {}): DeadLetterLimits {
  return {
    maxEntries: 1_000,
    bodyLimitBytes: 1_024,
    maxBytes: 64 * 1024 * 1024,
    maxAgeMs: 86_400_000,
    ...overrides,
  };
}

describe('DeadLetterStore', () => {
  it('add then get returns every field', async () => {
    const store = new DeadLetterStore(
      env.t.redis,
      env.fresh('get'),
      limits({ maxEntries: 1_000, bodyLimitBytes: 1_024 }),
    );
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
    const store = new DeadLetterStore(
      env.t.redis,
      env.fresh('list'),
      limits({ maxEntries: 1_000, bodyLimitBytes: 1_024 }),
    );
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
    const store = new DeadLetterStore(
      env.t.redis,
      env.fresh('scan'),
      limits({ maxEntries: 10_000, bodyLimitBytes: 64 }),
    );
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
    const store = new DeadLetterStore(
      env.t.redis,
      env.fresh('trunc'),
      limits({ maxEntries: 1_000, bodyLimitBytes: 16 }),
    );
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
    const store = new DeadLetterStore(
      env.t.redis,
      env.fresh('b64'),
      limits({ maxEntries: 1_000, bodyLimitBytes: 4 }),
    );
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
    const store = new DeadLetterStore(
      env.t.redis,
      env.fresh('utf8cut'),
      limits({ maxEntries: 1_000, bodyLimitBytes: 5 }),
    );
    const text = 'éééééééééé'; // 20 bytes; 5 bytes would split the third character
    const dl = await store.get(await store.add(input({ body: Buffer.from(text) })));
    expect(dl).toEqual(expect.objectContaining({ size: 20, truncated: true, encoding: 'utf8' }));
    expect(text.startsWith(dl!.body)).toBe(true);
    expect(Buffer.byteLength(dl!.body)).toBeLessThanOrEqual(5);
    expect(Buffer.byteLength(dl!.body)).toBeGreaterThanOrEqual(2);
  });

  it('keeps exactly maxEntries, evicting the oldest, while totals count every rejection', async () => {
    const keys = env.fresh('cap');
    const store = new DeadLetterStore(
      env.t.redis,
      keys,
      limits({ maxEntries: 10, bodyLimitBytes: 64 }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 300; i += 1)
      ids.push(
        await store.add(input({ source: i % 2 ? 'odd' : 'even', body: Buffer.from(`body-${i}`) })),
      );
    expect(await env.t.redis.xlen(keys.deadLetters)).toBe(10);
    expect(await env.t.redis.hlen(keys.deadLetterBodies)).toBe(10);
    const listed = await store.list({ limit: 1_000 });
    expect(listed.map((d) => d.id)).toEqual(ids.slice(-10).reverse());
    expect(await store.get(ids[0]!)).toBeUndefined();
    expect((await store.get(ids[299]!))?.body).toBe('body-299');
    expect(await store.totals()).toEqual({ even: 150, odd: 150 });
  });

  it('bounds the total bytes of bodies and errors, evicting the oldest first', async () => {
    const keys = env.fresh('bytes');
    const errors = [{ path: '', reason: 'r' }];
    const errorBytes = JSON.stringify(errors).length;
    const maxBytes = 10 * (1_000 + errorBytes);
    const store = new DeadLetterStore(
      env.t.redis,
      keys,
      limits({ maxEntries: 1_000, bodyLimitBytes: 1_000, maxBytes }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 25; i += 1)
      ids.push(await store.add(input({ errors, body: Buffer.from(String(i).padEnd(1_000)) })));
    // Each letter stores 1,000 body bytes plus its errors: exactly ten fit.
    expect(await store.list({ limit: 100 })).toHaveLength(10);
    expect(Number(await env.t.redis.get(keys.deadLetterBytes))).toBe(maxBytes);
    expect(await store.get(ids[14]!)).toBeUndefined();
    expect((await store.get(ids[15]!))?.body.trim()).toBe('15');

    // A large letter pushes out as many small ones as it needs, and is kept itself.
    const big = await store.add(
      input({ errors, body: Buffer.from('x'.repeat(1_000)), received: BASE + 1 }),
    );
    expect((await store.list({ limit: 100 }))[0]?.id).toBe(big);
    expect(Number(await env.t.redis.get(keys.deadLetterBytes))).toBeLessThanOrEqual(maxBytes);
    expect(await env.t.redis.hlen(keys.deadLetterBodies)).toBe(
      await env.t.redis.xlen(keys.deadLetters),
    );
  });

  it('evicts letters older than maxAgeMs, judged by the time passed in', async () => {
    const keys = env.fresh('age');
    const store = new DeadLetterStore(env.t.redis, keys, limits({ maxAgeMs: 60_000 }));
    const old = await store.add(input({ received: BASE }));
    const recent = await store.add(input({ received: BASE + 50_000 }));
    expect(await store.trim(BASE + 60_000)).toEqual(
      expect.objectContaining({ evicted: 0, entries: 2 }),
    );
    expect(await store.trim(BASE + 60_001)).toEqual(
      expect.objectContaining({ evicted: 1, entries: 1 }),
    );
    expect(await store.get(old)).toBeUndefined();
    expect(await store.get(recent)).toBeDefined();
    // An add trims as of its own receipt time.
    const later = await store.add(input({ received: BASE + 200_000 }));
    expect((await store.list({ limit: 10 })).map((d) => d.id)).toEqual([later]);
    expect(await env.t.redis.hlen(keys.deadLetterBodies)).toBe(1);
  });

  it('pages summaries without bodies; the detail has the body', async () => {
    const store = new DeadLetterStore(env.t.redis, env.fresh('nobody'), limits());
    const id = await store.add(input({ body: Buffer.from('{"secret-ish":"payload"}') }));
    const [summary] = await store.list({ limit: 1 });
    expect(summary).toEqual(expect.objectContaining({ id, size: 24 }));
    expect(summary).not.toHaveProperty('body');
    expect((await store.get(id))?.body).toBe('{"secret-ish":"payload"}');
  });

  it('still reads letters written before bodies had their own hash', async () => {
    const keys = env.fresh('legacy');
    const store = new DeadLetterStore(env.t.redis, keys, limits({ maxEntries: 10 }));
    const legacy = await env.t.redis.xadd(
      keys.deadLetters,
      '*',
      'source',
      'splunk',
      'reason',
      'parse',
      'errors',
      '[]',
      'received',
      String(BASE),
      'size',
      '3',
      'truncated',
      '0',
      'encoding',
      'utf8',
      'body',
      'old',
    );
    expect(await store.get(legacy!)).toEqual(
      expect.objectContaining({ id: legacy, source: 'splunk', body: 'old' }),
    );
    for (let i = 0; i < 10; i += 1) await store.add(input());
    expect(await store.get(legacy!)).toBeUndefined();
    expect(await env.t.redis.xlen(keys.deadLetters)).toBe(10);
  });

  it('evicts a letter once its source’s text period is over, ahead of older letters', async () => {
    const keys = env.fresh('text-period');
    const HOUR = 3_600_000;
    const store = new DeadLetterStore(
      env.t.redis,
      keys,
      limits({ textMsFor: (source) => (source === 'llm' ? HOUR : 0) }),
    );
    // An older letter of a source without a text period, then two prompt-bearing ones.
    const older = await store.add(input({ received: BASE }));
    const prompt = Buffer.from('{"messages":[{"role":"user","content":"my card is 4111"}]}');
    const first = await store.add(input({ source: 'llm', body: prompt, received: BASE + 10 }));
    const second = await store.add(
      input({ source: 'llm', body: prompt, received: BASE + HOUR / 2 }),
    );
    const bytesBefore = Number(await env.t.redis.get(keys.deadLetterBytes));
    expect(await store.trim(BASE + HOUR + 9)).toMatchObject({ evicted: 0, entries: 3 });
    const after = await store.trim(BASE + HOUR + 11);
    expect(after).toMatchObject({ evicted: 1, entries: 2 });
    expect(await store.get(first)).toBeUndefined();
    expect(await env.t.redis.hexists(keys.deadLetterBodies, first)).toBe(0);
    expect(after.bytes).toBeLessThan(bytesBefore);
    expect((await store.get(second))?.body).toBe(prompt.toString());
    // The letter without a period stays until the store's own age limit.
    expect((await store.get(older))?.source).toBe('splunk');
    await store.trim(BASE + HOUR + HOUR / 2 + 1);
    expect(await store.get(second)).toBeUndefined();
    expect((await store.get(older))?.source).toBe('splunk');
    expect(await env.t.redis.zcard(keys.deadLetterExpiry)).toBe(0);
    // Totals still count every rejection.
    expect(await store.totals()).toEqual({ splunk: 1, llm: 2 });
  });
  it('withholds the body of a source that drops text, keeping why, size and digest', async () => {
    const store = new DeadLetterStore(
      env.t.redis,
      env.fresh('drop'),
      limits({ textPolicyFor: (source) => (source === 'llm' ? 'drop' : 'keep') }),
    );
    const prompt = Buffer.from('{"messages":[{"content":"my card is 4111 1111 1111 1111"}]');
    const dropped = await store.add(input({ source: 'llm', body: prompt }));
    const kept = await store.add(input({ source: 'splunk', body: prompt }));
    const letter = await store.get(dropped);
    expect(letter).toMatchObject({
      source: 'llm',
      size: prompt.length,
      body: '',
      withheld: 'keep.text: drop',
      sha256: createHash('sha256').update(prompt).digest('hex'),
    });
    expect(JSON.stringify(await store.list({ limit: 10 }))).not.toContain('4111');
    expect(await store.get(kept)).toMatchObject({ body: prompt.toString() });
    expect((await store.get(kept))?.withheld).toBeUndefined();
    // The letter still counts, for the source's totals.
    expect(await store.totals()).toEqual({ llm: 1, splunk: 1 });
  });

  it('redacts the text body of a source that redacts text, and says so', async () => {
    const store = new DeadLetterStore(
      env.t.redis,
      env.fresh('redact'),
      limits({ textPolicyFor: () => 'redact' }),
    );
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwx';
    const id = await store.add(
      input({ source: 'llm', body: Buffer.from(`{"prompt":"use ${secret} for me@example.com"`) }),
    );
    const letter = await store.get(id);
    expect(letter?.body).toBe('{"prompt":"use [REDACTED:api_key] for [REDACTED:email]"');
    expect(letter?.redacted).toBe(true);
    expect(letter?.size).toBe(Buffer.byteLength(`{"prompt":"use ${secret} for me@example.com"`));
    // Nothing to redact: stored as sent, not flagged.
    const plain = await store.add(input({ source: 'llm' }));
    expect((await store.get(plain))?.redacted).toBeUndefined();
    expect((await store.get(plain))?.body).toBe('{"time":"yesterday"}');
  });
});
