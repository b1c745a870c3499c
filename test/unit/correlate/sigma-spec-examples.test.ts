import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';

/**
 * The correlation examples of the Sigma specification (test/fixtures/sigma/spec-correlations),
 * as a regression check: every correlation type, range and chaining in them loads, and what
 * does not is only what Cordon documents it refuses — field names it does not map without a
 * processing pipeline (Windows and ECS names), and a chained rule grouping by a field its inner
 * correlation's matches do not carry.
 */
const DIR = new URL('../../fixtures/sigma/spec-correlations/', import.meta.url);

/** Per file: the errors expected, as "code: the bad value". */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'event-count.yaml': [],
  'value-count.yaml': ['CORDON_ERR_RULE_FIELD: WorkstationName'],
  'temporal.yaml': [],
  'temporal-ordered.yaml': ['CORDON_ERR_RULE_FIELD: User'],
  'value-sum.yaml': ['CORDON_ERR_RULE_FIELD: bytes_sent'],
  'value-avg.yaml': ['CORDON_ERR_RULE_FIELD: BytesOut'],
  'value-percentile.yaml': ['CORDON_ERR_RULE_FIELD: image'],
  'aliases.yaml': [
    'CORDON_ERR_RULE_FIELD: event.category',
    'CORDON_ERR_RULE_FIELD: event.type',
    'CORDON_ERR_RULE_FIELD: destination.ip',
    'CORDON_ERR_RULE_FIELD: destination.ip',
  ],
  'chained.yaml': ['CORDON_ERR_RULE_FIELD: EventID', 'CORDON_ERR_RULE_FIELD: EventID'],
};

function errorsOf(file: string): string[] {
  const text = readFileSync(new URL(file, DIR), 'utf8');
  const { diagnostics } = buildRuleSet([{ file, text }]);
  return diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.code}: ${/got "([^"]*)"/.exec(d.message)?.[1] ?? d.message}`);
}

describe('Sigma specification correlation examples', () => {
  it('covers every example in the fixtures folder', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file} loads, but for ${expected.length === 0 ? 'nothing' : expected.join(', ')}`, () => {
      expect(errorsOf(file).sort()).toEqual([...expected].sort());
    });
  }

  it('with a processing pipeline that maps their field names beside them, every example loads as written', () => {
    const pipeline = {
      file: 'spec-fields.pipeline.yaml',
      text: readFileSync(new URL('../spec-fields.pipeline.yaml', DIR), 'utf8'),
    };
    for (const file of Object.keys(EXPECTED)) {
      if (file === 'temporal-ordered.yaml') continue; // refused for its grouping, not a name
      const text = readFileSync(new URL(file, DIR), 'utf8');
      const { ruleSet, diagnostics } = buildRuleSet([{ file, text }, pipeline]);
      expect(
        diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
        file,
      ).toEqual([]);
      expect(ruleSet?.correlations.length, file).toBeGreaterThan(0);
    }
  });
});
