import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildRuleSet, loadRuleSources } from '../../../src/correlate/rule/index.js';
import type { ErrorCode } from '../../../src/shared/error-codes.js';

/**
 * Every fixture under invalid/ holds exactly one defect. Each must yield exactly one error, with
 * the expected code, on the expected line of the expected file, saying the expected thing.
 */
const INVALID = 'test/fixtures/correlations/invalid';
const VALID = 'test/fixtures/correlations/valid';
const WARNINGS = 'test/fixtures/correlations/warnings';

interface Case {
  readonly fixture: string;
  readonly code: ErrorCode;
  readonly line: number;
  readonly phrase: string;
  /** File the error is reported in, when the fixture is a folder. */
  readonly file?: string;
}

const CASES: readonly Case[] = [
  // Detection rules: modifiers and values.
  {
    fixture: 'unknown-modifier.yaml',
    code: 'CORDON_ERR_RULE_MODIFIER',
    line: 6,
    phrase: 'unknown modifier "contians"; got "prompt|contians". Did you mean "contains"?',
  },
  {
    fixture: 'undefined-placeholder.yaml',
    code: 'CORDON_ERR_RULE_PLACEHOLDER',
    line: 6,
    phrase: 'which no processing pipeline gives values',
  },
  {
    fixture: 'unsupported-modifier.yaml',
    code: 'CORDON_ERR_RULE_UNSUPPORTED',
    line: 6,
    phrase: 'the Sigma modifier "hour"',
  },
  {
    fixture: 'base64offset-without-contains.yaml',
    code: 'CORDON_ERR_RULE_MODIFIER',
    line: 6,
    phrase:
      'uses "base64offset" without "contains", but its offset variants only match inside a longer base64 string; got "prompt|base64offset". Write "prompt|base64offset|contains".',
  },
  {
    fixture: 're-flag-without-re.yaml',
    code: 'CORDON_ERR_RULE_MODIFIER',
    line: 6,
    phrase: 'Write "prompt|re|i"',
  },
  {
    fixture: 'conflicting-modifiers.yaml',
    code: 'CORDON_ERR_RULE_MODIFIER',
    line: 6,
    phrase: 'combines "contains" and "re"',
  },
  {
    fixture: 'all-with-single-value.yaml',
    code: 'CORDON_ERR_RULE_MODIFIER',
    line: 6,
    phrase: '"all" with a single value',
  },
  {
    fixture: 'bad-regex.yaml',
    code: 'CORDON_ERR_RULE_DETECTION',
    line: 6,
    phrase:
      'invalid regular expression (Invalid regular expression: /([a-z]+/: Unterminated group)',
  },
  {
    fixture: 'lookahead-regex.yaml',
    code: 'CORDON_ERR_RULE_DETECTION',
    line: 6,
    phrase: 'lookahead "(?="',
  },
  {
    fixture: 'invalid-cidr.yaml',
    code: 'CORDON_ERR_RULE_DETECTION',
    line: 6,
    phrase: 'needs an IPv4 or IPv6 network; got "10.0.0.0/33"',
  },
  {
    fixture: 'exists-not-boolean.yaml',
    code: 'CORDON_ERR_RULE_DETECTION',
    line: 6,
    phrase: 'must be true or false; got "yes"',
  },
  {
    fixture: 'null-in-list.yaml',
    code: 'CORDON_ERR_RULE_DETECTION',
    line: 8,
    phrase: 'lists null among other values',
  },
  {
    fixture: 'unknown-field.yaml',
    code: 'CORDON_ERR_RULE_FIELD',
    line: 6,
    phrase: 'field "apikey_hash" maps to no canonical event path',
  },
  {
    fixture: 'detection-timeframe.yaml',
    code: 'CORDON_ERR_RULE_UNSUPPORTED',
    line: 7,
    phrase: '"timeframe"',
  },
  // Detection rules: conditions.
  {
    fixture: 'unknown-condition-identifier.yaml',
    code: 'CORDON_ERR_RULE_CONDITION',
    line: 9,
    phrase:
      'unknown search identifier "selction" at character 1 of "selction"; got "selction". Did you mean "selection"?',
  },
  {
    fixture: 'condition-syntax-error.yaml',
    code: 'CORDON_ERR_RULE_CONDITION',
    line: 9,
    phrase: 'has a "(" that is never closed at character 19',
  },
  {
    fixture: 'pattern-matches-nothing.yaml',
    code: 'CORDON_ERR_RULE_CONDITION',
    line: 7,
    phrase:
      'pattern that matches no search identifier at character 24 of "selection and not 1 of filter*"; got "filter*"',
  },
  {
    fixture: 'aggregation-condition.yaml',
    code: 'CORDON_ERR_RULE_CONDITION',
    line: 7,
    phrase: 'Sigma v1 aggregation',
  },
  // Correlation rules.
  {
    fixture: 'unknown-correlation-reference.yaml',
    code: 'CORDON_ERR_RULE_UNKNOWN_REFERENCE',
    line: 16,
    phrase: 'Did you mean "inference_request"?',
  },
  {
    fixture: 'unknown-correlation-type.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 12,
    phrase: 'Did you mean "event_count"?',
  },
  {
    fixture: 'timespan-without-unit.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 15,
    phrase: 'got the number 60 without a unit',
  },
  {
    fixture: 'timespan-too-long.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 15,
    phrase: 'exceeds the 2d limit of event_count windows',
  },
  {
    fixture: 'chain-cycle.yaml',
    code: 'CORDON_ERR_RULE_CYCLE',
    line: 13,
    phrase: 'got burst_a → burst_b → burst_a',
  },
  {
    fixture: 'chained-unknown-field.yaml',
    code: 'CORDON_ERR_RULE_FIELD',
    line: 22,
    phrase:
      'reads "user" from the correlation "fail_burst", whose matches carry only its group-by fields "region"',
  },
  {
    fixture: 'extension-as-sigma-type.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 12,
    phrase:
      'Write "correlation.type: value_count" (what a plain Sigma backend runs) and "cordon: { type: new_terms }"',
  },
  {
    fixture: 'anomaly-unknown-feature.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 19,
    phrase:
      'cordon.features names an unknown feature; got "error_rate". Did you mean "error_ratio"?',
  },
  {
    fixture: 'anomaly-threshold.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 19,
    phrase: 'Write e.g. "threshold: 0.7"',
  },
  {
    fixture: 'anomaly-baseline-scope.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 19,
    phrase: 'Write "scope: group"',
  },
  {
    fixture: 'anomaly-top-k.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 19,
    phrase: 'cordon.top_k must be a whole number from 1 to 1000',
  },
  {
    fixture: 'risk-half-life.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 20,
    phrase: 'cordon.half_life must be at least 1/64 of the timespan (1350s); got 1m',
  },
  {
    fixture: 'extension-wrong-base.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 12,
    phrase: 'refines the Sigma type "event_count" or "value_sum"',
  },
  {
    fixture: 'risk-unknown-rule.yaml',
    code: 'CORDON_ERR_RULE_UNKNOWN_REFERENCE',
    line: 29,
    phrase:
      'cordon.risk names "scrapping", which correlation.rules does not list (did you mean "scraping"?)',
  },
  {
    fixture: 'risk-missing-score.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 28,
    phrase: 'cordon.risk has no score for "scraping"',
  },
  {
    fixture: 'risk-two-score-sources.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 27,
    phrase: 'either from cordon.risk or from condition.field, not both',
  },
  {
    fixture: 'risk-tiers-out-of-order.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 30,
    phrase:
      'cordon.tiers.critical must be above the total of the level below it (high: 200); got 150',
  },
  {
    fixture: 'risk-lt.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 24,
    phrase: 'compares the risk total with gt or gte',
  },
  {
    fixture: 'session-without-gap.yaml',
    code: 'CORDON_ERR_DEFINITION_REQUIRED',
    line: 18,
    phrase: 'session windows need cordon.gap',
  },
  {
    fixture: 'eager-lt.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 18,
    phrase: 'cannot fire eagerly',
  },
  {
    fixture: 'value-count-without-field.yaml',
    code: 'CORDON_ERR_DEFINITION_REQUIRED',
    line: 16,
    phrase: 'condition needs "field" for value_count',
  },
  {
    fixture: 'temporal-condition-unknown-rule.yaml',
    code: 'CORDON_ERR_RULE_CONDITION',
    line: 21,
    phrase: 'unknown rule name "feature_drfit"',
  },
  {
    fixture: 'absence-bad-condition.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 21,
    phrase: 'absence needs the condition "<trigger> and not <expected>"',
  },
  {
    fixture: 'group-by-unknown-field.yaml',
    code: 'CORDON_ERR_RULE_FIELD',
    line: 15,
    phrase: 'group-by field "apikey_hash"',
  },
  {
    fixture: 'alias-unknown-rule.yaml',
    code: 'CORDON_ERR_RULE_UNKNOWN_REFERENCE',
    line: 20,
    phrase: 'maps rule "login_fail", which correlation rules does not list',
  },
  {
    fixture: 'unknown-cordon-key.yaml',
    code: 'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
    line: 18,
    phrase: 'Did you mean "lateness"?',
  },
  // Documents and the set as a whole.
  {
    fixture: 'duplicate-name-across-files',
    file: `${INVALID}/duplicate-name-across-files/b.yaml`,
    code: 'CORDON_ERR_DEFINITION_DUPLICATE',
    line: 3,
    phrase: `is already the name of the rule at ${INVALID}/duplicate-name-across-files/a.yaml:2; got a second definition at ${INVALID}/duplicate-name-across-files/b.yaml:3`,
  },
  {
    fixture: 'yaml-syntax-error.yaml',
    code: 'CORDON_ERR_YAML_SYNTAX',
    line: 7,
    phrase: 'YAML syntax error',
  },
  {
    fixture: 'duplicate-yaml-key.yaml',
    code: 'CORDON_ERR_YAML_DUPLICATE_KEY',
    line: 7,
    phrase: 'repeats the key',
  },
  {
    fixture: 'empty-document.yaml',
    code: 'CORDON_ERR_YAML_NOT_MAPPING',
    line: 8,
    phrase: 'got an empty document',
  },
  {
    fixture: 'missing-title.yaml',
    code: 'CORDON_ERR_DEFINITION_REQUIRED',
    line: 2,
    phrase: 'missing required key "title"',
  },
  {
    fixture: 'detection-and-correlation.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 2,
    phrase: 'both "detection" and "correlation"',
  },
  {
    fixture: 'invalid-level.yaml',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 4,
    phrase: 'Did you mean "high"?',
  },
];

describe('invalid rule fixtures', () => {
  it('has a case for every fixture and a fixture for every case', () => {
    expect(readdirSync(INVALID).sort()).toEqual(CASES.map((c) => c.fixture).sort());
  });

  it.each(CASES)(
    '$fixture → $code at line $line',
    async ({ fixture, code, line, phrase, file }) => {
      const { ruleSet, diagnostics } = buildRuleSet(await loadRuleSources(`${INVALID}/${fixture}`));
      const errors = diagnostics.filter((d) => d.severity === 'error');
      expect(ruleSet).toBeUndefined();
      expect(errors, errors.map((d) => `${d.line}: ${d.message}`).join('\n')).toHaveLength(1);
      const [error] = errors;
      expect(error).toMatchObject({ code, line, file: file ?? `${INVALID}/${fixture}` });
      expect(error?.message).toContain(phrase);
      expect(error?.column).toBeGreaterThan(0);
    },
  );
});

describe('rule fixtures with warnings', () => {
  it.each([
    {
      fixture: 'unknown-top-level-key.yaml',
      line: 4,
      phrase:
        'has key "descripton", which Cordon does not use (Sigma allows custom attributes). Did you mean "description"?',
    },
    {
      fixture: 'missing-name-and-id.yaml',
      line: 2,
      phrase: 'Cordon refers to it as "login_failure", from its title',
    },
  ])('$fixture builds, with one warning at line $line', async ({ fixture, line, phrase }) => {
    const { ruleSet, diagnostics } = buildRuleSet(await loadRuleSources(`${WARNINGS}/${fixture}`));
    expect(ruleSet).toBeDefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'warning', line });
    expect(diagnostics[0]?.message).toContain(phrase);
  });
});

describe('valid rule fixtures', () => {
  it('build with no diagnostics at all', async () => {
    const { ruleSet, diagnostics } = buildRuleSet(await loadRuleSources(VALID));
    expect(diagnostics).toEqual([]);
    expect(ruleSet).toBeDefined();
  });
});
