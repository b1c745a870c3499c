import { describe, expect, it } from 'vitest';
import { CaseStore } from '../../../src/store/case-store.js';
import { BASE, useStoreRedis } from './store-helpers.js';

/** CaseStore (openCase-5.lua) against a real Redis. */
const env = useStoreRedis('store-case');

const fields = (summary: string) => ({
  summary,
  description: `Details of ${summary}`,
  severity: 'high',
  openedBy: 'run_1',
  incidentId: 'inc_1',
});

describe('CaseStore', () => {
  it('open is idempotent per effect key', async () => {
    const store = new CaseStore(env.t.redis, env.fresh('idem'));
    expect(await store.open('eff-1', 'case_1', '', fields('first'), BASE)).toEqual({
      applied: true,
      caseId: 'case_1',
      created: true,
    });
    expect(await store.open('eff-1', 'case_other', '', fields('retry'), BASE + 10)).toEqual({
      applied: false,
      caseId: 'case_1',
      created: true,
    });
    expect(await store.get('case_other')).toBeUndefined();
    expect(await store.get('case_1')).toEqual({
      id: 'case_1',
      status: 'open',
      summary: 'first',
      description: 'Details of first',
      severity: 'high',
      dedupe: '',
      openedBy: 'run_1',
      incidentId: 'inc_1',
      createdAt: BASE,
    });
    expect((await store.list(10)).map((c) => c.id)).toEqual(['case_1']);
  });

  it('a dedupe key reuses the existing case', async () => {
    const store = new CaseStore(env.t.redis, env.fresh('dedupe'));
    expect(await store.open('eff-a', 'case_a', 'api_key:k-1', fields('a'), BASE)).toEqual({
      applied: true,
      caseId: 'case_a',
      created: true,
    });
    expect(await store.open('eff-b', 'case_b', 'api_key:k-1', fields('b'), BASE + 10)).toEqual({
      applied: true,
      caseId: 'case_a',
      created: false,
    });
    expect(await store.get('case_b')).toBeUndefined();
    expect(await store.get('case_a')).toEqual(
      expect.objectContaining({ summary: 'a', dedupe: 'api_key:k-1', createdAt: BASE }),
    );
    // The second effect is recorded too: its retry returns its own outcome.
    expect(await store.open('eff-b', 'case_b', 'api_key:k-1', fields('b'), BASE + 20)).toEqual({
      applied: false,
      caseId: 'case_a',
      created: false,
    });
    // Another dedupe key: a new case.
    expect(await store.open('eff-c', 'case_c', 'api_key:k-2', fields('c'), BASE + 30)).toEqual({
      applied: true,
      caseId: 'case_c',
      created: true,
    });
    // An existing case id without a dedupe key is not overwritten.
    expect(await store.open('eff-d', 'case_c', '', fields('d'), BASE + 40)).toEqual({
      applied: true,
      caseId: 'case_c',
      created: false,
    });
    expect(await store.get('case_c')).toEqual(
      expect.objectContaining({ summary: 'c', createdAt: BASE + 30 }),
    );
  });

  it('lists newest first, up to limit', async () => {
    const store = new CaseStore(env.t.redis, env.fresh('list'));
    await store.open('e1', 'case_1', '', fields('one'), BASE + 1);
    await store.open('e3', 'case_3', '', fields('three'), BASE + 3);
    await store.open('e2', 'case_2', '', fields('two'), BASE + 2);
    expect((await store.list(10)).map((c) => [c.id, c.summary, c.createdAt])).toEqual([
      ['case_3', 'three', BASE + 3],
      ['case_2', 'two', BASE + 2],
      ['case_1', 'one', BASE + 1],
    ]);
    expect((await store.list(2)).map((c) => c.id)).toEqual(['case_3', 'case_2']);
    expect(await store.get('case_missing')).toBeUndefined();
  });
});
