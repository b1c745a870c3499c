import { createHash } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Match } from '../../../src/correlate/match.js';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { Keys } from '../../../src/store/keys.js';
import { createTestRedis, type TestRedis } from '../../helpers/redis.js';

/**
 * Shared set-up for the store integration tests: one Redis connection and one random key
 * prefix per test file, every key deleted in afterAll. `fresh()` hands out a further
 * prefix under the file's prefix (so cleanup still covers it) for tests that need empty state.
 */
export interface StoreEnv {
  readonly t: TestRedis;
  readonly keys: Keys;
  fresh(label: string): Keys;
}

export function useStoreRedis(label: string): StoreEnv {
  let test: TestRedis | undefined;
  let keys: Keys | undefined;
  let n = 0;
  beforeAll(() => {
    test = createTestRedis(label);
    keys = new Keys(test.prefix);
  });
  afterAll(async () => {
    await test?.cleanup();
  });
  return {
    get t(): TestRedis {
      if (!test) throw new Error('Redis not set up yet (use inside a test)');
      return test;
    },
    get keys(): Keys {
      if (!keys) throw new Error('Redis not set up yet (use inside a test)');
      return keys;
    },
    fresh(sub: string): Keys {
      if (!test) throw new Error('Redis not set up yet (use inside a test)');
      n += 1;
      return new Keys(`${test.prefix}:${sub}${n}`);
    },
  };
}

/** A fixed, realistic epoch-ms base (13 digits) so JSON number precision is exercised. */
export const BASE = Date.UTC(2026, 0, 1);

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function makeEvent(overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  return {
    id: 'evt-1',
    time: BASE,
    received: BASE,
    source: 'gateway',
    kind: 'inference',
    name: 'completion',
    severity: 'info',
    outcome: 'success',
    entity: { api_key: 'k-1' },
    measures: { tokens_in: 12 },
    labels: {},
    ...overrides,
  };
}

export function makeMatch(overrides: Partial<Match> = {}): Match {
  return {
    matchId: 'm_0001',
    rule: 'extraction',
    ruleTitle: 'Model extraction',
    ruleType: 'event_count',
    level: 'high',
    tags: ['atlas.t0024'],
    groupKey: '["k-1"]',
    group: { api_key: 'k-1' },
    count: 3,
    firstTime: BASE,
    lastTime: BASE + 2_000,
    windowStart: BASE - 58_000,
    windowEnd: BASE + 2_000,
    firedAt: BASE + 5_000,
    late: false,
    partial: false,
    approximate: false,
    suppressedCount: 0,
    aggregate: { count: 3 },
    refs: ['gateway/e1', 'gateway/e2', 'gateway/e3'],
    ...overrides,
  };
}
