/**
 * `cordon test` on the shipped rule pack: every rule test beside the shipped rules passes (each
 * test file has attacks that must fire and platform look-alikes that must stay silent), and
 * every shipped rule file has its tests.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRuleSet, loadRuleSources } from '../../../src/correlate/rule/index.js';
import { parseRuleTests, runRuleTest, siblingRuleFile } from '../../../src/correlate/rule-tests.js';
import { formatDiagnostic } from '../../../src/shared/diagnostics.js';
import { REPO_ROOT } from '../../helpers/cordon.js';

const DIR = join(REPO_ROOT, 'correlations');
const { ruleSet } = buildRuleSet(await loadRuleSources('correlations'));
const rules = [...(ruleSet?.detections.values() ?? []), ...(ruleSet?.correlations ?? [])];
const options = {
  limits: {
    partitions: 1,
    maxGroupsPerRule: 100_000,
    maxEventsPerGroup: 10_000,
    maxDistinctExact: 1_000,
    maxRefsPerMatch: 50,
  },
  timing: { outOfOrdernessMs: 30_000, idleMs: 60_000 },
};
const testFiles = readdirSync(DIR)
  .filter((f) => f.endsWith('.test.yaml'))
  .sort();

it('has a test file for every rule file', () => {
  const ruleFiles = readdirSync(DIR).filter(
    (f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'),
  );
  for (const f of ruleFiles) expect(testFiles, f).toContain(f.replace(/\.yaml$/, '.test.yaml'));
});

for (const file of testFiles) {
  describe(file, () => {
    const parsed = parseRuleTests(`correlations/${file}`, readFileSync(join(DIR, file), 'utf8'));
    it('parses', () => expect(parsed.diagnostics.map(formatDiagnostic)).toEqual([]));
    const sibling = siblingRuleFile(`correlations/${file}`);
    const scope = new Set(
      parsed.tests?.scope ??
        rules.filter((r) => r.origin.replace(/:\d+$/, '') === sibling).map((r) => r.key),
    );
    it('has an attack that fires and a look-alike that stays silent', () => {
      const cases = parsed.tests?.cases ?? [];
      expect(cases.some((c) => c.expect.length > 0)).toBe(true);
      expect(cases.some((c) => c.expect.length === 0)).toBe(true);
    });
    for (const test of parsed.tests?.cases ?? []) {
      it(test.name, () => {
        if (!ruleSet) throw new Error('the shipped rules do not build');
        const outcome = runRuleTest(ruleSet, options, scope, test);
        expect(outcome.problems).toEqual([]);
      });
    }
  });
}
