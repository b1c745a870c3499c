import { describe, expect, it } from 'vitest';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';

const rule = (value: string): string =>
  `title: t\nname: r\nlogsource: { category: llm }\ndetection:\n  s:\n    text.prompt|contains|all: ${value}\n  condition: s\n`;

describe('the all modifier', () => {
  it.each([
    ['a bare value', 'secret'],
    ['a one-item list', '[secret]'],
  ])('is rejected on %s, naming the field and the fix', (_label, value) => {
    const { ruleSet, diagnostics } = buildRuleSet([{ file: 'r.yaml', text: rule(value) }]);
    expect(ruleSet).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['CORDON_ERR_RULE_MODIFIER', 6]]);
    expect(diagnostics[0]!.message).toContain('uses "all" with a single value');
    expect(diagnostics[0]!.message).toContain(
      'Sigma allows "all" only on lists of two or more values; remove it.',
    );
  });

  it('requires every listed value when there are two or more', () => {
    const { ruleSet, diagnostics } = buildRuleSet([
      { file: 'r.yaml', text: rule('[secret, key]') },
    ]);
    expect(diagnostics).toEqual([]);
    const event = (prompt: string) => ({ kind: 'llm', text: { prompt } }) as never;
    expect(ruleSet?.detections.get('r')?.matches(event('the secret key'))).toBe(true);
    expect(ruleSet?.detections.get('r')?.matches(event('the secret'))).toBe(false);
  });
});
