import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE, SECOND, perKeyRule, tick } from '../conformance-case.js';

function rule(cordon: string, condition = '{ gte: 1 }'): string {
  return perKeyRule({
    title: 'Unusual key',
    name: 'odd',
    type: 'event_count',
    condition,
    timespan: '1m',
    cordon: `{ type: anomaly, lateness: 0s, warmup: 5, threshold: 0.7, ${cordon} }`,
  });
}

/** `n` requests of `key` in minute `m`, 2 s apart from 5 s in; `extra` on each. */
function minute(m: number, n: number, key = 'k1', extra: Partial<CaseEvent> = {}): CaseEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    t: m * MINUTE + 5 * SECOND + i * 2 * SECOND,
    id: `${key}-${m}-${i}`,
    entity: { api_key: key, model: 'm1' },
    measures: { tokens_in: 100 },
    ...extra,
  }));
}

/** Ten ordinary minutes of `key`: 3 or 4 requests, one model. */
function ordinary(key = 'k1', from = 0): CaseEvent[] {
  return Array.from({ length: 10 }, (_, m) => minute(from + m, 3 + (m % 2), key)).flat();
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'a burst far above the group’s own windows fires when its window closes, explained',
    rules: rule('features: [requests, distinct_models, tokens]'),
    events: [...ordinary(), ...minute(10, 25), tick(11 * MINUTE + 40 * SECOND)],
    expect: [
      {
        rule: 'odd',
        group: { api_key: 'k1' },
        count: 25,
        windowStart: 10 * MINUTE,
        windowEnd: 11 * MINUTE,
        first: 10 * MINUTE + 5 * SECOND,
        last: 10 * MINUTE + 53 * SECOND,
        late: false,
        partial: false,
        aggregate: {
          // Tokens grow with requests here, and further from their baseline.
          driver: 'tokens',
          features: { requests: 25, distinct_models: 1, tokens: 2500 },
          windows: 10,
        },
        // The window closes once the watermark (tick − 30 s) passes its end.
        at: ordinary().length + 25,
      },
    ],
  },
  {
    name: 'ordinary windows after warm-up stay silent',
    rules: rule('features: [requests, distinct_models, tokens]'),
    events: [...ordinary(), ...ordinary('k1', 10)],
    expect: [],
  },
  {
    name: 'windows before warm-up are never scored, however unusual',
    rules: rule('features: [requests]'),
    events: [...minute(0, 3), ...minute(1, 3), ...minute(2, 3), ...minute(3, 40)],
    expect: [],
  },
  {
    name: 'a new region names new_regions; the same region later is known',
    rules: rule('features: [requests, new_regions]'),
    events: [
      ...Array.from({ length: 10 }, (_, m) =>
        minute(m, 3, 'k1', { entity: { api_key: 'k1', geo: { region: 'eu-west' } } }),
      ).flat(),
      ...minute(10, 3, 'k1', { entity: { api_key: 'k1', geo: { region: 'ap-south' } } }),
      ...minute(11, 3, 'k1', { entity: { api_key: 'k1', geo: { region: 'ap-south' } } }),
    ],
    expect: [
      {
        rule: 'odd',
        windowStart: 10 * MINUTE,
        aggregate: { driver: 'new_regions', features: { requests: 3, new_regions: 1 } },
      },
    ],
  },
  {
    name: 'groups are scored against their own history: a heavy key is not a burst',
    rules: rule('features: [requests]'),
    events: [
      ...Array.from({ length: 11 }, (_, m) => [
        ...minute(m, 25, 'heavy'),
        ...minute(m, 3 + (m % 2), 'light'),
      ]).flat(),
    ],
    expect: [],
  },
  {
    name: 'the Sigma condition is the minimum volume of a scored window',
    rules: rule('features: [requests]', '{ gte: 30 }'),
    events: [...ordinary(), ...minute(10, 25)],
    expect: [],
  },
  {
    name: 'error ratio: a window of failures is explained by error_ratio',
    rules: rule('features: [requests, error_ratio]'),
    events: [...ordinary(), ...minute(10, 4, 'k1', { outcome: 'failure' })],
    expect: [
      {
        rule: 'odd',
        count: 4,
        aggregate: { driver: 'error_ratio', features: { requests: 4, error_ratio: 1 } },
      },
    ],
  },
  {
    name: 'population baseline: a key never seen before is judged from its first window',
    rules: rule('features: [requests, tokens], baseline: { scope: population }'),
    events: [
      ...Array.from({ length: 11 }, (_, m) =>
        ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'].flatMap((k, i) => minute(m, 3 + ((m + i) % 2), k)),
      ).flat(),
      ...minute(10, 20, 'fresh'),
      tick(12 * MINUTE),
    ],
    expect: [
      {
        rule: 'odd',
        group: { api_key: 'fresh' },
        count: 20,
        windowStart: 10 * MINUTE,
        aggregate: {
          baseline: 'population',
          features: { requests: 20, tokens: 2000 },
          // Every key's windows of minutes 0–9 (six keys), at most the reservoir's 64.
          windows: 60,
        },
      },
    ],
  },
  {
    name: 'per-group baseline: the same fresh key is still warming up, so nothing fires',
    rules: rule('features: [requests, tokens]'),
    events: [
      ...Array.from({ length: 11 }, (_, m) =>
        ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'].flatMap((k, i) => minute(m, 3 + ((m + i) % 2), k)),
      ).flat(),
      ...minute(10, 20, 'fresh'),
      tick(12 * MINUTE),
    ],
    expect: [],
  },
  {
    name: 'top_k: of three keys bursting in one minute, only the two highest scores fire, ranked',
    rules: rule('features: [requests, tokens], top_k: 2'),
    events: [
      ...Array.from({ length: 10 }, (_, m) =>
        ['a', 'b', 'c'].flatMap((k) => minute(m, 3 + (m % 2), k)),
      ).flat(),
      // In time order, so no burst is behind another's watermark.
      ...[...minute(10, 12, 'a'), ...minute(10, 18, 'b'), ...minute(10, 24, 'c')].sort(
        (x, y) => x.t - y.t,
      ),
      tick(12 * MINUTE),
    ],
    expect: [
      // All three scored over the threshold (three candidates); the smallest burst ranked out.
      { rule: 'odd', group: { api_key: 'b' }, count: 18, aggregate: { candidates: 3, rank: 2 } },
      { rule: 'odd', group: { api_key: 'c' }, count: 24, aggregate: { candidates: 3, rank: 1 } },
    ],
  },
];
