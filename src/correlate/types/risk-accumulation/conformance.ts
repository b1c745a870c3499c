import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE } from '../conformance-case.js';

const HOUR = 60 * MINUTE;

/**
 * Three detections on inference events of an API key, each naming different tactics: an
 * injection attempt (ATT&CK initial access and an ATLAS tactic), scraping (collection) and a
 * probe tagged with a technique only (no tactic).
 */
const DETECTIONS = `
title: Injection attempt
name: injection
tags: [attack.initial-access, atlas.AML.TA0005]
logsource: { category: inference }
detection: { sel: { name: injection }, condition: sel }
---
title: Scraping
name: scraping
tags: [attack.collection, attack.t1119]
logsource: { category: inference }
detection: { sel: { name: scraping }, condition: sel }
---
title: Probe
name: probe
tags: [attack.t1595]
logsource: { category: inference }
detection: { sel: { name: probe }, condition: sel }
`;

const RISK = '{ injection: 50, scraping: 30, probe: 10 }';

function rule(cordon: string, condition = '{ gte: 100 }', timespan = '1h'): string {
  return `${DETECTIONS}---
title: Risky API key
name: risky_key
level: medium
correlation:
  type: value_sum
  rules: [injection, scraping, probe]
  group-by: [api_key]
  timespan: ${timespan}
  condition: ${condition}
cordon: { type: risk_accumulation, ${cordon} }
`;
}

function alert(t: number, name: string, key = 'k1', extra: Partial<CaseEvent> = {}): CaseEvent {
  return { t, kind: 'inference', name, entity: { api_key: key }, ...extra };
}

const INITIAL = ['attack.initial-access', 'atlas.AML.TA0005'];

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'the total of the rules’ scores fires at the alert that reaches the threshold',
    rules: rule(`risk: ${RISK}`),
    events: [
      alert(0, 'probe'),
      alert(MINUTE, 'injection'),
      alert(2 * MINUTE, 'scraping'),
      alert(3 * MINUTE, 'scraping'),
    ],
    expect: [
      {
        rule: 'risky_key',
        level: 'medium',
        group: { api_key: 'k1' },
        count: 4,
        first: 0,
        last: 3 * MINUTE,
        windowStart: 3 * MINUTE - HOUR,
        windowEnd: 3 * MINUTE,
        refs: ['gw/e0', 'gw/e1', 'gw/e2', 'gw/e3'],
        aggregate: {
          value: 120,
          rules: { injection: 1, scraping: 2, probe: 1 },
          distinctRules: 3,
          tactics: [...INITIAL, 'attack.collection'],
        },
        at: 3,
      },
    ],
  },
  {
    name: 'min_rules: one noisy rule alone never fires, however high its total',
    rules: rule(`risk: ${RISK}, min_rules: 2`),
    events: [
      ...[0, 1, 2, 3, 4].map((i) => alert(i * MINUTE, 'injection')),
      alert(5 * MINUTE, 'probe'),
    ],
    expect: [
      {
        rule: 'risky_key',
        count: 6,
        last: 5 * MINUTE,
        aggregate: { value: 260, rules: { injection: 5, probe: 1 }, distinctRules: 2 },
        at: 5,
      },
    ],
  },
  {
    name: 'min_tactics counts tactic tags of the contributing rules; technique tags name none',
    rules: rule(`risk: ${RISK}, min_tactics: 3`),
    events: [
      alert(0, 'injection'),
      alert(MINUTE, 'injection'),
      alert(2 * MINUTE, 'probe'),
      alert(3 * MINUTE, 'scraping'),
    ],
    expect: [
      {
        rule: 'risky_key',
        count: 4,
        last: 3 * MINUTE,
        aggregate: { value: 140, tactics: [...INITIAL, 'attack.collection'] },
        at: 3,
      },
    ],
  },
  {
    name: 'sliding: scores older than the timespan leave the total',
    rules: rule(`risk: ${RISK}, min_rules: 2`),
    events: [
      alert(0, 'probe'),
      alert(10 * MINUTE, 'injection'),
      // At 65 min the probe has left: 50 + 30 = 80.
      alert(65 * MINUTE, 'scraping'),
      alert(66 * MINUTE, 'scraping'),
    ],
    expect: [
      {
        rule: 'risky_key',
        count: 3,
        first: 10 * MINUTE,
        last: 66 * MINUTE,
        refs: ['gw/e1', 'gw/e2', 'gw/e3'],
        aggregate: { value: 110, distinctRules: 2 },
        at: 3,
      },
    ],
  },
  {
    name: 'tiers raise the match level with the total',
    rules: rule(`risk: ${RISK}, tiers: { high: 140, critical: 200 }`),
    events: [
      alert(0, 'injection'),
      alert(MINUTE, 'injection'),
      alert(2 * MINUTE, 'scraping', 'k2'),
      alert(3 * MINUTE, 'scraping', 'k2'),
      alert(4 * MINUTE, 'scraping', 'k2'),
      alert(5 * MINUTE, 'injection', 'k2'),
    ],
    expect: [
      // k1 reaches 100: below every tier, so the rule's own level.
      {
        rule: 'risky_key',
        level: 'medium',
        group: { api_key: 'k1' },
        aggregate: { value: 100 },
        at: 1,
      },
      // k2 goes from 90 to 140 at once.
      {
        rule: 'risky_key',
        level: 'high',
        group: { api_key: 'k2' },
        aggregate: { value: 140, tier: 'high' },
        at: 5,
      },
    ],
  },
  {
    name: 'condition.field reads each alert’s own score; alerts without one are skipped',
    rules: `${DETECTIONS}---
title: Risky API key
name: risky_key
correlation:
  type: value_sum
  rules: [injection, scraping, probe]
  group-by: [api_key]
  timespan: 1h
  condition: { field: measures.risk_score, gte: 100 }
cordon: { type: risk_accumulation }
`,
    events: [
      alert(0, 'probe', 'k1', { measures: { risk_score: 40 } }),
      alert(MINUTE, 'scraping'),
      alert(2 * MINUTE, 'injection', 'k1', { measures: { risk_score: 60 } }),
    ],
    expect: [
      {
        rule: 'risky_key',
        count: 2,
        refs: ['gw/e0', 'gw/e2'],
        aggregate: { value: 100, rules: { probe: 1, injection: 1 } },
        at: 2,
      },
    ],
    stats: { rule: 'risky_key', withoutValue: 1 },
  },
  {
    name: 'chained: an inner correlation’s matches add its score, tagged with its tactics',
    rules: `${DETECTIONS}---
title: Probe burst
name: probe_burst
tags: [attack.discovery]
correlation:
  type: event_count
  rules: [probe]
  group-by: [api_key]
  timespan: 1m
  condition: { gte: 3 }
---
title: Risky API key
name: risky_key
correlation:
  type: value_sum
  rules: [injection, probe_burst]
  group-by: [api_key]
  timespan: 1h
  condition: { gte: 100 }
cordon: { type: risk_accumulation, risk: { injection: 50, probe_burst: 60 }, min_tactics: 3 }
`,
    events: [
      alert(0, 'injection'),
      alert(MINUTE, 'probe'),
      alert(MINUTE + 1_000, 'probe'),
      alert(MINUTE + 2_000, 'probe'),
    ],
    expect: [
      {
        rule: 'risky_key',
        count: 2,
        first: 0,
        last: MINUTE + 2_000,
        aggregate: {
          value: 110,
          rules: { injection: 1, probe_burst: 1 },
          tactics: [...INITIAL, 'attack.discovery'],
        },
      },
    ],
  },
  {
    name: 'groups add up apart',
    rules: rule(`risk: ${RISK}`),
    events: [
      alert(0, 'injection', 'k1'),
      alert(MINUTE, 'injection', 'k2'),
      alert(2 * MINUTE, 'scraping', 'k1'),
      alert(3 * MINUTE, 'scraping', 'k2'),
    ],
    expect: [],
  },
  {
    name: 'half_life: an alert counts less as it ages; two alerts 6 h apart stay under the line',
    rules: rule(`risk: ${RISK}, min_rules: 1, half_life: 6h`, '{ gte: 90 }', '12h'),
    events: [
      alert(0, 'injection'),
      // 50 · 2^−1 + 50 = 75 < 90.
      alert(6 * HOUR, 'injection'),
      // An hour later: 50 · 2^−(7/6) + 50 · 2^−(1/6) + 50 = 22.3 + 44.5 + 50 ≈ 116.8 ≥ 90.
      alert(7 * HOUR, 'injection'),
    ],
    expect: [
      {
        rule: 'risky_key',
        count: 3,
        first: 0,
        last: 7 * HOUR,
        aggregate: { value: 116.817404, rules: { injection: 3 }, distinctRules: 1 },
        at: 2,
      },
    ],
  },
  {
    name: 'half_life: without it the same alerts cross the line at the second',
    rules: rule(`risk: ${RISK}, min_rules: 1`, '{ gte: 90 }', '12h'),
    events: [alert(0, 'injection'), alert(6 * HOUR, 'injection')],
    expect: [{ rule: 'risky_key', count: 2, aggregate: { value: 100 }, at: 1 }],
  },
];
