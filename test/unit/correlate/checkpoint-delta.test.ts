import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../src/correlate/engine/engine.js';
import { BASE, TEST_LIMITS, TEST_TIMING, compileRules } from '../../helpers/correlation-harness.js';
import { makeEvent } from './helpers.js';

// What a checkpoint writes: each changed group once, deletions as null, nothing twice, and
// nothing when nothing changed.
const RULES = compileRules(`title: Inference
name: inference
logsource: { category: inference }
detection: { sel: { outcome: success }, condition: sel }
---
title: Busy key
name: busy_key
correlation: { type: event_count, rules: [inference], group-by: [entity.api_key], timespan: 1m, condition: { gte: 100 } }
`);

function engine(): CorrelationEngine {
  return new CorrelationEngine(RULES, {
    limits: TEST_LIMITS,
    timing: { ...TEST_TIMING, outOfOrdernessMs: 0 },
  });
}

const event = (id: string, key: string, t: number) =>
  makeEvent({ id, time: BASE + t, received: BASE + t, entity: { api_key: key } });

const keysOf = (groups: [string, string | null][]): string[] =>
  groups.map(([field]) => field.slice(field.lastIndexOf('\u0000') + 1)).sort();

describe('checkpoint deltas', () => {
  it('lists a group once however often it changed, and nothing once written', () => {
    const e = engine();
    for (let i = 0; i < 5; i += 1) e.process(event(`a${i}`, 'k1', i), BASE + i);
    e.process(event('b0', 'k2', 10), BASE + 10);
    expect(e.changedGroups(0)).toBe(2);
    const delta = e.takeDelta(0);
    expect(keysOf(delta.groups)).toEqual(['k1', 'k2']);
    expect(delta.groups.every(([, v]) => v !== null)).toBe(true);
    expect(e.hasChanges(0)).toBe(false);
    expect(e.takeDelta(0).groups).toEqual([]);
  });

  it('writes a swept group as deleted, and a group swept then made anew once, as it is now', () => {
    const e = engine();
    e.process(event('a0', 'k1', 0), BASE);
    // k1 changed, then its window is long past and sweeping forgets it: one deletion.
    e.process(event('x0', 'k2', 10 * 60_000), BASE + 10 * 60_000);
    e.advance(BASE + 10 * 60_000);
    const swept = e.takeDelta(0).groups.filter(([f]) => f.endsWith('\u0000k1'));
    expect(swept).toEqual([[expect.any(String), null]]);

    e.process(event('a1', 'k3', 11 * 60_000), BASE + 11 * 60_000);
    e.advance(BASE + 30 * 60_000); // k3 swept (deleted) ...
    e.process(event('a2', 'k3', 30 * 60_000), BASE + 30 * 60_000); // ... and made anew
    const groups = e.takeDelta(0).groups.filter(([f]) => f.endsWith('\u0000k3'));
    expect(groups).toHaveLength(1);
    const [, value] = groups[0] as [string, string | null];
    expect(value).not.toBeNull();
    expect(value).toContain('gateway/a2');
    expect(value).not.toContain('gateway/a1');
  });

  it('encodes in chunks of the size asked for, covering every changed group', () => {
    const e = engine();
    for (let i = 0; i < 25; i += 1) e.process(event(`a${i}`, `k${i}`, i), BASE + i);
    const chunks = [...e.deltaGroups(0, 10)];
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(new Set(chunks.flat().map(([f]) => f)).size).toBe(25);
    expect(e.changedGroups(0)).toBe(0);
  });
});
