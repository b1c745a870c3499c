/**
 * What a detection needs of an event's outcome, severity and name (so a replay may skip parsing
 * lines that hold none of it) is only ever a necessary condition: a detection never matches an
 * event its needs rule out, whatever the condition, modifiers and values. Checked on random
 * rules compiled as Cordon compiles them, and on the shapes a rule pack uses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { OUTCOMES, SEVERITIES } from '../../../src/ingest/canonical-event.js';
import {
  allows,
  type FieldNeeds,
  type TextField,
} from '../../../src/correlate/rule/detection/required-values.js';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';
import type { CompiledDetection } from '../../../src/correlate/rule/types.js';

function compile(detection: string): CompiledDetection {
  const text = `title: T\nname: t\nlogsource: { category: login }\ndetection:\n${detection}\n`;
  const { ruleSet, diagnostics } = buildRuleSet([{ file: 'rule.yaml', text }]);
  const rule = ruleSet?.detections.get('t');
  if (!rule) throw new Error(`does not compile:\n${text}\n${JSON.stringify(diagnostics)}`);
  return rule;
}

/** The needs as plain data: field → sorted exact and folded values. */
function shown(needs: FieldNeeds | undefined): Record<string, [string[], string[]]> {
  return Object.fromEntries(
    [...(needs ?? [])].map(([field, v]) => [field, [[...v.exact].sort(), [...v.folded].sort()]]),
  );
}

function event(fields: { outcome: string; severity: string; name: string }): CanonicalEvent {
  return {
    id: 'e',
    time: 0,
    received: 0,
    source: 'replay',
    kind: 'login',
    severity: fields.severity as CanonicalEvent['severity'],
    outcome: fields.outcome as CanonicalEvent['outcome'],
    name: fields.name,
    entity: { user: 'u' },
    measures: {},
    labels: { reason: 'Timeout' },
  };
}

describe('requiredValues', () => {
  it('follows plain values through selections, lists, and, or and x of', () => {
    expect(shown(compile('  sel: { outcome: failure }\n  condition: sel').requires)).toEqual({
      outcome: [[], ['failure']],
    });
    expect(
      shown(
        compile('  sel: { outcome: [failure, Success], name|cased: SSHD }\n  condition: sel')
          .requires,
      ),
    ).toEqual({ outcome: [[], ['failure', 'success']], name: [['SSHD'], []] });
    // and: each side's needs; not: none.
    expect(
      shown(
        compile(
          '  sel: { outcome: failure }\n  filter: { severity: high }\n  condition: sel and not filter',
        ).requires,
      ),
    ).toEqual({ outcome: [[], ['failure']] });
    // or: only what both sides need, with the values of either.
    expect(
      shown(
        compile(
          '  a: { outcome: failure, severity: high }\n  b: { outcome: success }\n  condition: a or b',
        ).requires,
      ),
    ).toEqual({ outcome: [[], ['failure', 'success']] });
    expect(
      shown(
        compile('  sel_a: { name: a }\n  sel_b: { name: b }\n  condition: 1 of sel_*').requires,
      ),
    ).toEqual({ name: [[], ['a', 'b']] });
    expect(
      shown(
        compile('  sel_a: { name: a }\n  sel_b: { outcome: failure }\n  condition: all of sel_*')
          .requires,
      ),
    ).toEqual({ name: [[], ['a']], outcome: [[], ['failure']] });
    // A list of maps is an or.
    expect(
      shown(
        compile('  sel:\n    - { outcome: failure }\n    - { outcome: firing }\n  condition: sel')
          .requires,
      ),
    ).toEqual({ outcome: [[], ['failure', 'firing']] });
  });

  it('needs nothing of what it cannot follow exactly', () => {
    for (const detection of [
      '  sel: { outcome|contains: fail }\n  condition: sel',
      '  sel: { outcome: fail* }\n  condition: sel',
      '  sel: { outcome|re: ^fail }\n  condition: sel',
      '  sel: { outcome|neq: success }\n  condition: sel',
      '  sel: { outcome|exists: true }\n  condition: sel',
      '  sel: { outcome|all: [failure, success] }\n  condition: sel',
      '  sel: { labels.reason: timeout }\n  condition: sel',
      '  sel: [failure]\n  condition: sel',
      '  sel: { outcome: failure }\n  condition: not sel',
      '  a: { outcome: failure }\n  b: { severity: high }\n  condition: a or b',
    ])
      expect(shown(compile(detection).requires), detection).toEqual({});
  });

  const vocabulary = ['failure', 'FAILURE', 'success', 'high', 'info', 'sshd', 'SSHD', 'fail'];
  const value = fc.constantFrom(...vocabulary);
  const field = fc.constantFrom('outcome', 'severity', 'name', 'labels.reason');
  const modifier = fc.constantFrom(
    '',
    '|cased',
    '|contains',
    '|startswith',
    '|endswith',
    '|neq',
    '|re',
    '|all',
  );
  const entry = fc
    .tuple(field, modifier, fc.array(value, { minLength: 1, maxLength: 3 }))
    .map(([f, m, values]) => {
      // `all` takes two values or more (Sigma refuses it on one).
      const several = m === '|all' && values.length < 2 ? [...values, 'fail'] : values;
      const list = m === '|re' ? several.map((v) => `^${v}`) : several;
      return `${f}${m}: [${list.map((v) => JSON.stringify(v)).join(', ')}]`;
    });
  const selection = fc.array(entry, { minLength: 1, maxLength: 3 }).map((entries) => {
    const unique = new Map(entries.map((e) => [e.split(':')[0], e]));
    return `{ ${[...unique.values()].join(', ')} }`;
  });
  const condition: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('s1', 's2', 's3', '1 of s*', 'all of s*'),
      tie('node').map((n) => `not (${n})`),
      fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(${a}) and (${b})`),
      fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(${a}) or (${b})`),
    ),
  })).node;
  const detection = fc
    .tuple(selection, selection, selection, condition)
    .map(([a, b, c, cond]) => `  s1: ${a}\n  s2: ${b}\n  s3: ${c}\n  condition: ${cond}`);
  const fields = fc.record({
    outcome: fc.constantFrom(...OUTCOMES),
    severity: fc.constantFrom(...SEVERITIES),
    name: fc.constantFrom(...vocabulary, 'Fail', 'login'),
  });

  it('never rules out an event the detection matches (random rules and events)', () => {
    fc.assert(
      fc.property(detection, fc.array(fields, { minLength: 1, maxLength: 8 }), (text, events) => {
        const rule = compile(text);
        const needs = rule.requires ?? new Map();
        for (const f of events) {
          const read = (name: TextField): string => f[name];
          if (rule.matches(event(f)))
            expect(allows(needs, read), `${text}\n${JSON.stringify(f)}`).toBe(true);
        }
      }),
      { numRuns: 1_500 },
    );
  });
});
