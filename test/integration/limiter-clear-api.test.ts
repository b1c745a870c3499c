/**
 * POST /v1/limiter/keys/{key}/clear: a person lifts every limit on a key of the built-in
 * limiter at once (an explicit release), with a comment kept in the key's history and the
 * audit trail (the key's sha256, never the key); idempotent with an Idempotency-Key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rate } from '../../src/actions/operations.js';
import { Keys } from '../../src/store/keys.js';
import { LimiterStore } from '../../src/store/limiter-store.js';
import { sha256Hex } from '../../src/shared/hash.js';
import { startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';

const throttle: Rate = { mode: 'throttle', count: 10, windowMs: 60_000 };
const block: Rate = { mode: 'block', count: 0, windowMs: 0 };
let t: TestCordon;
let limiter: LimiterStore;

beforeAll(async () => {
  t = await startTestCordon();
  limiter = new LimiterStore(t.store.redis, new Keys(t.store.prefix));
});

afterAll(async () => {
  await t.stop();
});

const clear = (key: string, token: string | undefined, body: unknown, idem?: string) =>
  t.call(
    'POST',
    `/v1/limiter/keys/${encodeURIComponent(key)}/clear`,
    token,
    body,
    idem ? { 'idempotency-key': idem } : undefined,
  );

const decision = async (key: string) => (await limiter.check(key, Date.now())).decision;

describe('POST /v1/limiter/keys/{key}/clear', () => {
  it('lifts every limit on the key, whoever set it, and records who and why', async () => {
    const key = 'sk-live-customer-key-1';
    const now = Date.now();
    await limiter.set('act_a', key, throttle, 0, 'run_a', 'test', now - 2);
    await limiter.set('act_b', key, block, 0, 'run_b', 'test', now - 1);
    expect(await decision(key)).toBe('block');

    const res = await clear(key, TOKENS.approver, {
      comment: 'false positive, customer confirmed',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ key, existed: true, repeated: false, by: 'approver' });
    expect(await decision(key)).toBe('allow');
    // The runs' own undos now find nothing to take back.
    const undo = await limiter.undo('act_b-undo', key, 'act_b', 'run_b', 'undo', Date.now());
    expect(undo.existed).toBe(false);
    expect(await decision(key)).toBe('allow');

    const [latest] = await limiter.history(key);
    expect(latest).toMatchObject({
      op: 'undo',
    });
    const cleared = (await limiter.history(key)).find((h) => h.op === 'clear');
    expect(cleared).toMatchObject({ by: 'approver', reason: 'false positive, customer confirmed' });

    const containment = await t.call('GET', '/v1/containment', TOKENS.analyst);
    expect(containment.json<{ items: { key: string }[] }>().items.map((i) => i.key)).not.toContain(
      key,
    );

    const audit = await t.call('GET', '/v1/audit?action=limiter.cleared', TOKENS.auditor);
    expect(audit.statusCode, audit.body).toBe(200);
    const entries = audit.json<{
      entries: { actor: { id: string }; outcome: string; detail: Record<string, unknown> }[];
    }>().entries;
    expect(entries.at(-1)).toMatchObject({
      actor: { id: 'approver' },
      outcome: 'ok',
      detail: { keySha256: sha256Hex(key), comment: 'false positive, customer confirmed' },
    });
    // The key may be a customer's API key: never in the trail.
    expect(audit.body).not.toContain(key);
  });

  it('answers a repeat with the same Idempotency-Key from the first, clearing nothing set since', async () => {
    const key = 'k-idem';
    await limiter.set('act_c', key, throttle, 0, 'run_c', 'test', Date.now() - 1);
    const first = await clear(key, TOKENS.approver, { comment: 'lift' }, 'lift-1');
    expect(first.json()).toMatchObject({ existed: true, repeated: false });
    await limiter.set('act_d', key, block, 0, 'run_d', 'test', Date.now());
    const again = await clear(key, TOKENS.approver, { comment: 'lift' }, 'lift-1');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      existed: true,
      repeated: true,
      effect: first.json<{ effect: string }>().effect,
    });
    expect(again.json()).not.toHaveProperty('clearedAt');
    expect(await decision(key)).toBe('block');
    // One audit entry for the clear, however often it is asked (the effect is its once-key).
    const audit = await t.call('GET', '/v1/audit?action=limiter.cleared', TOKENS.auditor);
    const effect = first.json<{ effect: string }>().effect;
    expect(
      audit
        .json<{ entries: { targets: { effect: string } }[] }>()
        .entries.filter((e) => e.targets.effect === effect),
    ).toHaveLength(1);
    // Another key, or no header: a clear of its own.
    const fresh = await clear(key, TOKENS.approver, { comment: 'lift again' });
    expect(fresh.json()).toMatchObject({ existed: true, repeated: false });
    expect(await decision(key)).toBe('allow');
  });

  it('says nothing was in force on a key whose limits had all lifted, and deletes them', async () => {
    const key = 'k-lifted';
    await limiter.set(
      'act_e',
      key,
      throttle,
      Date.now() - 1_000,
      'run_e',
      'test',
      Date.now() - 5_000,
    );
    const res = await clear(key, TOKENS.approver, { comment: 'tidy' });
    expect(res.json()).toMatchObject({ existed: false, repeated: false });
    expect(await limiter.rule(key)).toBeUndefined();
  });

  it('says nothing was in force on a key with no limit', async () => {
    const res = await clear('never-limited', TOKENS.admin, { comment: 'check' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ existed: false, repeated: false, by: 'admin' });
  });

  it('needs a comment, and a responder or admin', async () => {
    const missing = await clear('k', TOKENS.approver, {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ message: string }>().message).toMatch(/comment/);
    expect((await clear('k', TOKENS.approver, { comment: '' })).statusCode).toBe(400);
    expect((await clear('k', TOKENS.analyst, { comment: 'x' })).statusCode).toBe(403);
    expect((await clear('k', undefined, { comment: 'x' })).statusCode).toBe(401);
  });
});
