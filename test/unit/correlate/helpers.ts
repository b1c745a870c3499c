import { expect } from 'vitest';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import type { Diagnostic } from '../../../src/shared/diagnostics.js';
import type { CompiledDetection } from '../../../src/correlate/rule/index.js';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';

/** Removes the common indentation of a template literal, so YAML can be indented in tests. */
export function dedent(text: string): string {
  const lines = text
    .replace(/^\n/, '')
    .replace(/\n\s*$/, '\n')
    .split('\n');
  const indent = Math.min(
    ...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length),
  );
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** A canonical inference event; override what the test is about. */
export function makeEvent(overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  return {
    id: 'evt-1',
    time: Date.UTC(2026, 0, 1),
    received: Date.UTC(2026, 0, 1),
    source: 'gateway',
    kind: 'inference',
    name: 'completion',
    severity: 'info',
    outcome: 'success',
    entity: {},
    measures: {},
    labels: {},
    ...overrides,
  };
}

/** Builds one detection rule from YAML written after `title`/`name`, failing on any error. */
export function compileDetection(body: string): CompiledDetection {
  const text = `title: Test rule\nname: test_rule\n${dedent(body)}`;
  const { ruleSet, diagnostics } = buildRuleSet([{ file: 'test.yaml', text }]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  expect(errors, errors.map((d) => d.message).join('\n')).toEqual([]);
  const rule = ruleSet?.detections.get('test_rule');
  if (!rule) throw new Error('test_rule did not compile');
  return rule;
}

/** Diagnostics for a single file of rules. */
export function diagnose(text: string, file = 'test.yaml'): Diagnostic[] {
  return buildRuleSet([{ file, text: dedent(text) }]).diagnostics;
}
