/**
 * Every correlation type's conformance cases (src/correlate/types/<type>/conformance.ts), run
 * four ways that must agree: in memory (the replay path, with emission timing checked), with
 * checkpoints and crashes on the memory state store, the same on the Redis state store (real
 * Redis), and on two workers sharing partitions.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineLimits } from '../../../src/correlate/engine/engine.js';
import { MemoryStateStore } from '../../../src/correlate/state-store.js';
import type { ConformanceCase } from '../../../src/correlate/types/conformance-case.js';
import { Keys } from '../../../src/store/keys.js';
import { RedisStateStore } from '../../../src/store/correlation-state-store.js';
import {
  TEST_LIMITS,
  compileRules,
  expectMatches,
  expectRetractions,
  runInMemory,
  runOnTwoWorkers,
  runWithCheckpoints,
  toEvents,
} from '../../helpers/correlation-harness.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { createTestRedis } from '../../helpers/redis.js';

const typesDir = join(REPO_ROOT, 'src', 'correlate', 'types');
const suites: [string, readonly ConformanceCase[]][] = await Promise.all(
  readdirSync(typesDir, { withFileTypes: true })
    .filter(
      (d) => d.isDirectory() && readdirSync(join(typesDir, d.name)).includes('conformance.ts'),
    )
    .map(async (d) => {
      const module = (await import(join(typesDir, d.name, 'conformance.ts'))) as {
        CASES: ConformanceCase[];
      };
      return [d.name, module.CASES] as [string, readonly ConformanceCase[]];
    }),
);

const redis = createTestRedis('conformance');
afterAll(() => redis.cleanup());
let store = 0;

function limitsOf(c: ConformanceCase, partitions = 1): EngineLimits {
  return { ...TEST_LIMITS, ...c.limits, partitions };
}

it('finds the conformance cases of every window-based and extension type', () => {
  expect(suites.map(([name]) => name).sort()).toEqual(expect.arrayContaining(['event-count']));
});

for (const [type, cases] of suites) {
  describe(`${type} conformance`, () => {
    for (const c of cases) {
      describe(c.name, () => {
        const rules = compileRules(c.rules);
        const events = toEvents(c.events);

        it('in memory', () => {
          const result = runInMemory(rules, events, limitsOf(c));
          expectMatches(result, c.expect, true);
          expectRetractions(result, c.retract ?? []);
          if (c.stats) {
            const { rule, ...figures } = c.stats;
            expect(result.stats.get(rule)).toMatchObject(figures);
          }
        });

        it('with checkpoints and crashes (memory store)', async () => {
          const crashes = events.map((_, i) => i).filter((i) => i % 3 === 1);
          const result = await runWithCheckpoints(rules, events, new MemoryStateStore(), {
            every: 2,
            crashes,
            limits: limitsOf(c, 4),
          });
          expectMatches(result, c.expect, false);
          expectRetractions(result, c.retract ?? []);
        });

        it('with checkpoints and crashes (Redis store)', async () => {
          store += 1;
          const crashes = events.map((_, i) => i).filter((i) => i % 2 === 0);
          const result = await runWithCheckpoints(
            rules,
            events,
            new RedisStateStore(redis.redis, new Keys(`${redis.prefix}-${store}`)),
            { every: 3, crashes, limits: limitsOf(c, 4) },
          );
          expectMatches(result, c.expect, false);
          expectRetractions(result, c.retract ?? []);
        });

        it('on two workers', () => {
          const result = runOnTwoWorkers(rules, events, limitsOf(c, 8));
          expectMatches(result, c.expect, false);
          expectRetractions(result, c.retract ?? []);
        });
      });
    }
  });
}
