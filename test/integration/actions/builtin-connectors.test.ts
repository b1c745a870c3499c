/**
 * The built-in limiter and case store as connector types: through `builtinExecutors` (no
 * connectors/ instances, as embedders and the playbook harness use them) and through the full
 * table; a retried effect key answers from the ledger written by the same Lua script.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildExecutorTable } from '../../../src/actions/connectors/executor-table.js';
import { builtinExecutors, type ActionContext } from '../../../src/actions/executors.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { CaseStore } from '../../../src/store/case-store.js';
import { EffectLedger } from '../../../src/store/effect-ledger.js';
import { Keys } from '../../../src/store/keys.js';
import { LimiterStore } from '../../../src/store/limiter-store.js';
import { createTestRedis } from '../../helpers/redis.js';

const store = createTestRedis('builtin-connectors');
const keys = new Keys(store.prefix);
const limiter = new LimiterStore(store.redis, keys);
const cases = new CaseStore(store.redis, keys);
afterAll(() => store.cleanup());

const ctx = (effectKey: string, extra: Partial<ActionContext> = {}): ActionContext => ({
  effectKey,
  runId: 'run_b',
  incidentId: 'inc_b',
  now: Date.UTC(2026, 0, 1),
  signal: new AbortController().signal,
  ...extra,
});

describe('built-in connector types', () => {
  it('throttle, block and open a case through builtinExecutors, once per effect key', async () => {
    const table = builtinExecutors({ limiter, cases });
    const set = table['builtin-limiter']?.['ratelimit.set'];
    const first = await set?.({ key: 'k1', limit: '10/m', expires: '1h' }, ctx('e1'));
    expect(first).toMatchObject({ applied: true, key: 'k1', mode: 'throttle', count: 10 });
    await expect(set?.({ key: 'k1', limit: '10/m' }, ctx('e1'))).resolves.toMatchObject({
      applied: false,
    });
    await expect(
      table['builtin-limiter']?.['key.block']?.({ key: 'k2' }, ctx('e2')),
    ).resolves.toMatchObject({ mode: 'block' });
    const opened = await table['builtin-cases']?.['ticket.open']?.(
      { summary: 'S', dedupe: 'd1' },
      ctx('e3'),
    );
    expect(opened).toMatchObject({ applied: true, created: true });
    await expect(set?.({ key: 'k1', limit: 'nonsense' }, ctx('e4'))).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_INPUT',
    });
  });

  it('run from the full table by instance name, the same as without one', async () => {
    const table = buildExecutorTable([], {
      limiter,
      cases,
      clock: new ManualClock(),
      ledger: new EffectLedger(store.redis, keys),
      secrets: { env: {}, readFile: () => '' },
    });
    const cleared = await table['builtin-limiter']?.['key.unblock']?.(
      { key: 'k2' },
      ctx('e5', { connector: 'gateway' }),
    );
    expect(cleared).toMatchObject({ applied: true });
  });

  it('an atomic effect names its connector (memo:connector) in its own script, and a refusal before it acts rejects the call and names nothing', async () => {
    const ledger = new EffectLedger(store.redis, keys);
    const table = buildExecutorTable([], {
      limiter,
      cases,
      clock: new ManualClock(),
      ledger,
      secrets: { env: {}, readFile: () => '' },
    });
    const set = table['builtin-limiter']?.['ratelimit.set'];
    await expect(
      set?.({ key: 'k6', limit: '5/m' }, ctx('e6', { connector: 'gateway' })),
    ).resolves.toMatchObject({ applied: true, count: 5 });
    await expect(ledger.recall('e6', 'connector')).resolves.toBe('gateway');
    await expect(ledger.result('e6')).resolves.toMatchObject({ result: { applied: true } });
    // ratelimit.set refuses a bad limit synchronously, before its script is sent: nothing acted.
    await expect(
      set?.({ key: 'k7', limit: 'nonsense' }, ctx('e7', { connector: 'gateway' })),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_INPUT' });
    await expect(ledger.recall('e7', 'connector')).resolves.toBeUndefined();
    await expect(ledger.result('e7')).resolves.toBeUndefined();
  });
});
