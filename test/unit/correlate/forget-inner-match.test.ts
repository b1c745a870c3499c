/**
 * RuleRuntime.forget for the types that wrap a window (value_count, baseline_spike,
 * temporal_ordered with `until`): a withdrawn inner match leaves what the type keeps, so a later
 * event alone does not fire on it. (The window kinds themselves: the chaining conformance cases.)
 */
import { describe, expect, it } from 'vitest';
import type {
  Contribution,
  RuleRuntime,
  RuntimeContext,
} from '../../../src/correlate/engine/runtime.js';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';
import { correlationType } from '../../../src/correlate/types/registry.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const CTX: RuntimeContext = { maxEventsPerGroup: 10_000, maxDistinctExact: 1_000 };

function runtimeOf(text: string, name: string): RuleRuntime {
  const { ruleSet, diagnostics } = buildRuleSet([{ file: 'rules.yaml', text }]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([]);
  const rule = ruleSet?.correlations.find((c) => c.key === name);
  if (!rule) throw new Error(`${name} did not compile`);
  const module = correlationType(rule.type);
  if (!module) throw new Error(`no type ${rule.type}`);
  return module.runtime(rule, { ...CTX, innerSpanMs: 0 });
}

const c = (t: number, ref: string, value?: number | string, input = 0): Contribution => ({
  t: T0 + t,
  ref,
  input,
  value,
  late: false,
});

const INNER = `title: Request
name: req
logsource: { category: inference }
detection: { sel: { api_key|exists: true }, condition: sel }
---
title: Requests per key
name: burst
correlation: { type: event_count, rules: [req], group-by: [api_key], timespan: 5m, condition: { gte: 1 } }
---
`;

describe('forget, for a type around a window', () => {
  it('value_count: a withdrawn value no longer counts among the distinct ones', () => {
    const rt = runtimeOf(
      `${INNER}title: Keys per key
name: models
correlation:
  type: value_count
  rules: [burst]
  group-by: [api_key]
  timespan: 1h
  condition: { field: api_key, gte: 3 }
`,
      'models',
    );
    const g = rt.create();
    expect(rt.add(g, c(0, 'cordon/m1', 'a'), CTX)).toHaveLength(0);
    expect(rt.add(g, c(MIN, 'cordon/m2', 'b'), CTX)).toHaveLength(0);
    expect(rt.forget?.(g, 'cordon/m2').map((x) => x.ref)).toEqual(['cordon/m2']);
    expect(rt.add(g, c(2 * MIN, 'cordon/m3', 'c'), CTX)).toHaveLength(0); // a, c: two
    expect(rt.add(g, c(3 * MIN, 'cordon/m4', 'd'), CTX)).toHaveLength(1);
  });

  it('baseline_spike: a withdrawn amount leaves the window; the baseline keeps it', () => {
    const rt = runtimeOf(
      `${INNER}title: Burst spike
name: spike
correlation:
  type: event_count
  rules: [burst]
  group-by: [api_key]
  timespan: 10m
  condition: { gte: 2 }
cordon:
  type: baseline_spike
  baseline: { window: 1h, sigma: 1, ratio: 1 }
`,
      'spike',
    );
    const g = rt.create();
    const before = JSON.stringify(rt.encode(g));
    rt.add(g, c(0, 'cordon/m1'), CTX);
    expect(rt.forget?.(g, 'cordon/m1')).toHaveLength(1);
    // The window is as if the match never came; the history (decided by events, not by whether
    // a sweep emptied the window first) still counts it.
    const after = rt.encode(g) as { w: unknown; t: [number, number][] };
    expect(after.t).toEqual([[Math.floor(T0 / (10 * MIN)), 1]]);
    expect(JSON.stringify(after.w)).toBe(JSON.stringify((JSON.parse(before) as { w: unknown }).w));
    expect(rt.add(g, c(MIN, 'cordon/m2'), CTX)).toHaveLength(0); // one in the window, not two
  });

  it('temporal_ordered with until: a withdrawn first step no longer starts the sequence', () => {
    const rt = runtimeOf(
      `${INNER}title: Big response
name: big
logsource: { category: llm }
detection: { sel: { measures.tokens_out|gte: 4000 }, condition: sel }
---
title: Blocked
name: blocked
logsource: { category: llm }
detection: { sel: { labels.guardrail: blocked }, condition: sel }
---
title: A burst then a big response, nothing blocked between
name: exfil
correlation:
  type: temporal_ordered
  rules: [burst, big, blocked]
  group-by: [api_key]
  timespan: 1h
  condition: burst and big and not blocked
`,
      'exfil',
    );
    const g = rt.create();
    rt.add(g, c(0, 'cordon/m1', undefined, 0), CTX);
    expect(rt.forget?.(g, 'cordon/m1').map((x) => x.ref)).toEqual(['cordon/m1']);
    expect(rt.forget?.(g, 'cordon/m1')).toEqual([]);
    expect(rt.add(g, c(MIN, 'gw/e2', undefined, 1), CTX)).toHaveLength(0);
    rt.add(g, c(2 * MIN, 'cordon/m3', undefined, 0), CTX);
    expect(rt.add(g, c(3 * MIN, 'gw/e4', undefined, 1), CTX)).toHaveLength(1);
  });
});
