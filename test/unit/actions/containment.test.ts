import { describe, expect, it } from 'vitest';
import {
  containmentReader,
  decodeCursor,
  encodeCursor,
  merge,
  type ContainmentSources,
} from '../../../src/actions/containment.js';
import type { ActionInstance } from '../../../src/actions/connectors/instance-config.js';
import { heldMember } from '../../../src/store/effect-ledger.js';
import type { LimitRule } from '../../../src/store/limiter-store.js';
import type { Scored } from '../../../src/store/newest-first.js';

const NOW = 1_000_000;

/** newestFirst's contract over an in-memory index (ties in Redis's byte order). */
function index(entries: Scored[]) {
  const sorted = [...entries].sort(
    (a, b) => b.score - a.score || Buffer.compare(Buffer.from(b.member), Buffer.from(a.member)),
  );
  return async (count: number, from?: number) => {
    const head = from === undefined ? [] : sorted.filter((e) => e.score === from);
    const below = sorted.filter((e) => from === undefined || e.score < from).slice(0, count);
    const last = below.at(-1);
    if (!last || below.length < count) return { items: [...head, ...below], more: false };
    return {
      items: [
        ...head,
        ...below.filter((e) => e.score > last.score),
        ...sorted.filter((e) => e.score === last.score),
      ],
      more: true,
    };
  };
}

const instance = (name: string, type: string, enabled = true) =>
  ({ name, type, enabled }) as unknown as ActionInstance;

const INSTANCES = [
  instance('gw', 'kong'),
  instance('limits', 'builtin-limiter'),
  instance('cases', 'builtin-cases'),
];

function rule(
  key: string,
  setAt: number,
  setBy: string,
  expiresAt = 0,
  under: LimitRule['under'] = [],
): LimitRule {
  return {
    key,
    mode: 'block',
    count: 0,
    windowMs: 0,
    expiresAt,
    setAt,
    setBy,
    reason: 'r',
    effect: `act_${key}`,
    under,
  };
}

const holdFields = (...holds: [effect: string, run: string, at: number][]) =>
  Object.fromEntries(
    holds.flatMap(([effect, run, at], i) => [
      [`h:${effect}`, JSON.stringify({ effect, run, at, operation: 'key.block' })],
      [`s:${effect}`, String(i + 1)],
    ]),
  );

function sources(over: {
  limited?: Scored[];
  rules?: Record<string, LimitRule>;
  held?: Scored[];
  holds?: Record<string, Record<string, string>>;
  runs?: Record<
    string,
    {
      status: string;
      undo?: { entries: { effectKey: string; expiresAt?: number; status: string }[] };
    }
  >;
}): ContainmentSources {
  return {
    limiter: {
      limitedKeys: index(over.limited ?? []),
      rule: async (key) => over.rules?.[key],
      forgetLifted: async () => true,
    },
    ledger: {
      heldTargets: index(over.held ?? []),
      holdsOf: async (target) =>
        over.holds?.[`${target.instance}/${target.family}/${target.key}`] ?? {},
    },
    runs: { undoView: async (id) => over.runs?.[id] },
  };
}

describe('containmentReader', () => {
  it('gives each holder its run status and, for holds, the expiry its run schedules', async () => {
    const reader = containmentReader(
      INSTANCES,
      sources({
        held: [{ member: heldMember({ instance: 'gw', family: 'key', key: 'alice' }), score: 20 }],
        holds: { 'gw/key/alice': holdFields(['act_a', 'run_a', 10], ['act_b', 'run_b', 20]) },
        limited: [{ member: 'k1', score: 5 }],
        rules: {
          k1: rule('k1', 5, 'run_l', NOW + 900, [
            { ...rule('k1', 4, 'analyst', NOW + 800), key: undefined } as never,
          ]),
        },
        runs: {
          run_a: {
            status: 'waiting',
            undo: { entries: [{ effectKey: 'act_a', expiresAt: NOW + 5_000, status: 'applied' }] },
          },
          run_b: {
            status: 'resolved',
            undo: { entries: [{ effectKey: 'act_b', expiresAt: NOW + 7_000, status: 'applied' }] },
          },
          run_l: {
            status: 'running',
            undo: { entries: [{ effectKey: 'act_k1', expiresAt: NOW + 900, status: 'applied' }] },
          },
        },
      }),
    );
    const page = await reader.page({ limit: 10 }, NOW);
    expect(page.next).toBeNull();
    expect(page.items.map((i) => i.key)).toEqual(['alice', 'k1']);
    expect(page.items[0]).toMatchObject({
      connector: 'gw',
      type: 'kong',
      kind: 'key',
      at: 20,
      // Free when the last holder lets go.
      expiresAt: NOW + 7_000,
      holders: [
        {
          run: 'run_b',
          runStatus: 'resolved',
          effect: 'act_b',
          at: 20,
          expiresAt: NOW + 7_000,
          undo: 'applied',
        },
        {
          run: 'run_a',
          runStatus: 'waiting',
          effect: 'act_a',
          at: 10,
          expiresAt: NOW + 5_000,
          undo: 'applied',
        },
      ],
    });
    expect(page.items[1]).toMatchObject({
      connector: null,
      type: 'builtin-limiter',
      kind: 'block',
      expiresAt: NOW + 900,
      holders: [
        { run: 'run_l', runStatus: 'running', expiresAt: NOW + 900, undo: 'applied' },
        // Set by a person: no run to look up.
        { run: 'analyst', runStatus: 'unknown', expiresAt: NOW + 800, undo: null },
      ],
    });
  });

  it('says a target never frees by itself when one holder has no expiry', async () => {
    const reader = containmentReader(
      INSTANCES,
      sources({
        held: [{ member: heldMember({ instance: 'gw', family: 'key', key: 'alice' }), score: 20 }],
        holds: { 'gw/key/alice': holdFields(['act_a', 'run_a', 10], ['act_b', 'run_b', 20]) },
        runs: {
          run_b: {
            status: 'resolved',
            undo: { entries: [{ effectKey: 'act_b', expiresAt: NOW + 7_000, status: 'applied' }] },
          },
        },
      }),
    );
    const [item] = (await reader.page({ limit: 10 }, NOW)).items;
    expect(item?.expiresAt).toBeNull();
    expect(item?.holders.map((h) => h.expiresAt)).toEqual([NOW + 7_000, null]);
  });

  it('tells an undo that failed from a run that ended, and gives it no expiry', async () => {
    const reader = containmentReader(
      INSTANCES,
      sources({
        held: [{ member: heldMember({ instance: 'gw', family: 'key', key: 'alice' }), score: 30 }],
        holds: {
          'gw/key/alice': holdFields(
            ['act_a', 'run_a', 10],
            ['act_b', 'run_b', 20],
            ['act_c', 'run_c', 30],
          ),
        },
        runs: {
          // Its expiry came and its undo failed: the run stays resolved, the hold in force.
          run_a: {
            status: 'resolved',
            undo: { entries: [{ effectKey: 'act_a', expiresAt: NOW - 1, status: 'undo-failed' }] },
          },
          // Cancelled, but the step declared no undo: nothing to try again.
          run_b: { status: 'cancelled', undo: { entries: [] } },
          // An expiry due but not yet run (its worker behind): the time, past, it was due.
          run_c: {
            status: 'resolved',
            undo: { entries: [{ effectKey: 'act_c', expiresAt: NOW - 5, status: 'applied' }] },
          },
        },
      }),
    );
    const [item] = (await reader.page({ limit: 10 }, NOW)).items;
    expect(item?.holders.map((h) => [h.effect, h.runStatus, h.undo, h.expiresAt])).toEqual([
      ['act_c', 'resolved', 'applied', NOW - 5],
      ['act_b', 'cancelled', null, null],
      ['act_a', 'resolved', 'undo-failed', null],
    ]);
    expect(item?.expiresAt).toBeNull();
  });

  it("gives a limiter holder the earlier of the limiter's expiry and its run's undo", async () => {
    const reader = containmentReader(
      INSTANCES,
      sources({
        limited: [{ member: 'k', score: 5 }],
        rules: { k: rule('k', 5, 'run_l', NOW + 3_600_000) },
        runs: {
          run_l: {
            status: 'resolved',
            undo: {
              entries: [{ effectKey: 'act_k', expiresAt: NOW + 600_000, status: 'applied' }],
            },
          },
        },
      }),
    );
    const [item] = (await reader.page({ limit: 10 }, NOW)).items;
    expect(item?.holders[0]?.expiresAt).toBe(NOW + 600_000);
    expect(item?.expiresAt).toBe(NOW + 600_000);
  });

  it("skips another connector's held targets by name without spending the page's budget", async () => {
    const held = Array.from({ length: 3_000 }, (_, i) => ({
      member: heldMember({ instance: 'gw2', family: 'key', key: `k${i}` }),
      score: 10_000 - i,
    }));
    held.push({ member: heldMember({ instance: 'gw', family: 'key', key: 'mine' }), score: 1 });
    let reads = 0;
    const base = sources({ held, holds: { 'gw/key/mine': holdFields(['e', 'r', 1]) } });
    const reader = containmentReader([...INSTANCES, instance('gw2', 'kong')], {
      ...base,
      ledger: {
        ...base.ledger,
        holdsOf: (target) => {
          reads += 1;
          return base.ledger.holdsOf(target);
        },
      },
    });
    const page = await reader.page({ limit: 5, connector: 'gw' }, NOW);
    expect(page.items.map((i) => i.key)).toEqual(['mine']);
    expect(page.next).toBeNull();
    // Only the one of its own was read.
    expect(reads).toBe(1);
  });

  it('forgets a lifted limit from the index as it skips it', async () => {
    const forgotten: string[] = [];
    const base = sources({
      limited: [
        { member: 'gone', score: 9 },
        { member: 'live', score: 1 },
      ],
      rules: { live: rule('live', 1, 'run_x') },
    });
    const reader = containmentReader(INSTANCES, {
      ...base,
      limiter: {
        ...base.limiter,
        forgetLifted: async (key) => {
          forgotten.push(key);
          return true;
        },
      },
    });
    expect((await reader.page({ limit: 10 }, NOW)).items.map((i) => i.key)).toEqual(['live']);
    expect(forgotten).toEqual(['gone']);
  });

  it('reads a page that skips many lifted entries in a few rounds', async () => {
    const limited = Array.from({ length: 4_000 }, (_, i) => ({
      member: `gone${i}`,
      score: 10_000 - i,
    }));
    limited.push({ member: 'live', score: 1 });
    const base = sources({ limited, rules: { live: rule('live', 1, 'run_x') } });
    let reads = 0;
    const reader = containmentReader(INSTANCES, {
      ...base,
      limiter: {
        ...base.limiter,
        limitedKeys: (count, from) => {
          reads += 1;
          return base.limiter.limitedKeys(count, from);
        },
      },
    });
    const page = await reader.page({ limit: 500 }, NOW);
    expect(page.items.map((i) => i.key)).toEqual(['live']);
    expect(page.next).toBeNull();
    expect(reads).toBeLessThanOrEqual(5);
  });

  it('skips lifted entries, and ends a page short with `next` once it has looked at enough', async () => {
    const limited = Array.from({ length: 40 }, (_, i) => ({ member: `gone${i}`, score: 100 - i }));
    limited.push({ member: 'live', score: 1 });
    const reader = containmentReader(
      INSTANCES,
      sources({ limited, rules: { live: rule('live', 1, 'run_x') } }),
    );
    // limit 2: at most 20 entries looked at.
    const first = await reader.page({ limit: 2 }, NOW);
    expect(first.items).toEqual([]);
    expect(first.next).toEqual({ score: 81, id: 'lgone19' });
    const second = await reader.page({ limit: 2, after: first.next! }, NOW);
    expect(second.items).toEqual([]);
    const third = await reader.page({ limit: 2, after: second.next! }, NOW);
    expect(third.items.map((i) => i.key)).toEqual(['live']);
    expect(third.next).toBeNull();
  });

  it('filters by connector and refuses one that keeps nothing contained', async () => {
    const reader = containmentReader(
      [...INSTANCES, instance('gw2', 'kong'), instance('off', 'kong', false)],
      sources({
        held: [
          { member: heldMember({ instance: 'gw', family: 'key', key: 'a' }), score: 3 },
          { member: heldMember({ instance: 'gw2', family: 'key', key: 'b' }), score: 2 },
        ],
        holds: {
          'gw/key/a': holdFields(['e1', 'r1', 3]),
          'gw2/key/b': holdFields(['e2', 'r2', 2]),
        },
        limited: [{ member: 'k', score: 1 }],
        rules: { k: rule('k', 1, 'r3') },
      }),
    );
    const keys = async (connector: string) =>
      (await reader.page({ limit: 10, connector }, NOW)).items.map((i) => i.key);
    expect(await keys('gw2')).toEqual(['b']);
    expect(await keys('limits')).toEqual(['k']);
    await expect(reader.page({ limit: 10, connector: 'cases' }, NOW)).rejects.toMatchObject({
      code: 'CORDON_ERR_API_NOT_FOUND',
    });
    // A disabled connector's holds stay until undone: it may be asked for.
    expect(await keys('off')).toEqual([]);
    await expect(reader.page({ limit: 10, connector: 'nope' }, NOW)).rejects.toThrow(
      /No action connector "nope"/,
    );
  });
});

describe('merge', () => {
  const c = (source: 'l' | 'h', member: string, score: number) => ({
    source,
    member,
    score,
    id: source + member,
  });

  it('stops where a source that may have more stops, so nothing below it jumps ahead', () => {
    const limiter = { candidates: [c('l', 'a', 9), c('l', 'b', 1)], more: false };
    const held = { candidates: [c('h', 'x', 8), c('h', 'y', 5)], more: true };
    const out = merge(limiter, held, undefined);
    expect(out.candidates.map((x) => x.member)).toEqual(['a', 'x', 'y']);
    expect(out.complete).toBe(false);
  });

  it('orders ties by id and drops what comes before the cursor', () => {
    const out = merge(
      { candidates: [c('l', 'a', 5), c('l', 'b', 5)], more: false },
      { candidates: [c('h', 'z', 5)], more: false },
      { score: 5, id: 'lb' },
    );
    // 'hz' sorts below 'lb' among ties: after the cursor.
    expect(out.candidates.map((x) => x.id)).toEqual(['la', 'hz']);
    expect(out.complete).toBe(true);
  });
});

describe('cursors', () => {
  it('round-trip, and a foreign one is refused naming the parameter', () => {
    const cursor = { score: 1_700_000_000_123, id: 'h["gw","key","ü"]' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of [
      'x',
      encodeCursor({ score: 1, id: 'a' }).slice(2),
      Buffer.from('[1]').toString('base64url'),
    ])
      expect(() => decodeCursor(bad)).toThrow(
        /querystring\/cursor .* is not a cursor this API gave/,
      );
  });
});
