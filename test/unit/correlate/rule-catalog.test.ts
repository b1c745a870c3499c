import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentAt, indexRuleTests } from '../../../src/correlate/rule-catalog.js';
import { parseRuleTests } from '../../../src/correlate/rule-tests.js';
import { REPO_ROOT } from '../../helpers/cordon.js';

describe('documentAt', () => {
  const text = [
    '# header',
    'title: a',
    'name: a',
    '---',
    'title: b',
    'name: b',
    '',
    '...',
    'x: 1',
  ].join('\n');
  it('cuts the YAML document holding a line, between document markers', () => {
    expect(documentAt(text, 2)).toBe('# header\ntitle: a\nname: a');
    expect(documentAt(text, 5)).toBe('title: b\nname: b');
    expect(documentAt(text, 9)).toBe('x: 1');
  });
});

describe('indexRuleTests', () => {
  it("reads each case's name and expected rules, and the scope, as the full parser does", () => {
    const dir = join(REPO_ROOT, 'correlations');
    const files = readdirSync(dir).filter((f) => f.endsWith('.test.yaml'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      const full = parseRuleTests(f, text).tests;
      expect(full, f).toBeDefined();
      expect(indexRuleTests(text), f).toEqual({
        scope: full?.scope,
        cases: full?.cases.map((c) => ({ name: c.name, expects: c.expect.map((e) => e.rule) })),
      });
    }
  });

  it('names an unnamed case by its index and lists nothing for a file of another shape', () => {
    expect(
      indexRuleTests('rules: [a]\ntests:\n  - events: []\n    expect: [{ rule: b }, 3]\n'),
    ).toEqual({ scope: ['a'], cases: [{ name: 'test 0', expects: ['b'] }] });
    expect(indexRuleTests('tests: [1]\n')).toBeUndefined();
    expect(indexRuleTests('tests: {}\n')).toBeUndefined();
    expect(indexRuleTests('tests: [\n')).toBeUndefined();
    expect(indexRuleTests('a: 1\n---\nb: 2\n')).toBeUndefined();
  });
});
