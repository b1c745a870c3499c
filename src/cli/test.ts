import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { engineOptions } from '../correlate/engine-options.js';
import { buildRuleSet, loadRuleSources } from '../correlate/rule/index.js';
import { isRuleTestFile } from '../correlate/rule/load-rules.js';
import type { RuleTestOutcome } from '../correlate/rule-tests.js';
import { parseRuleTests, runRuleTest, siblingRuleFile } from '../correlate/rule-tests.js';
import { formatDiagnostic } from '../shared/diagnostics.js';

/**
 * `cordon test [dir]`: runs the rule tests (`*.test.yaml`) beside the rules under dir's
 * correlations/ (or dir itself when it has no correlations/). Exit 1 if any test fails or any
 * file has errors.
 */
export async function runTest(dir = '.'): Promise<number> {
  const root = resolve(dir);
  if (!(await isDir(root))) {
    console.error(
      `cordon test: ${root} is not a folder. Name the folder that holds correlations/.`,
    );
    return 1;
  }
  const rulesDir = (await isDir(join(root, 'correlations'))) ? join(root, 'correlations') : root;
  const { ruleSet: rules, diagnostics } = buildRuleSet(await loadRuleSources(rulesDir));
  for (const d of diagnostics)
    if (d.severity === 'error' || !rules) console.error(formatDiagnostic(d));
  if (!rules) {
    console.error(`cordon test: the rules under ${rulesDir} have errors.`);
    return 1;
  }
  const files = await testFiles(rulesDir);
  if (files.length === 0) {
    console.error(`cordon test: no *.test.yaml files under ${rulesDir}.`);
    return 1;
  }
  const config = loadConfig();
  const options = engineOptions(config.correlate, [], 1);
  const allRules = [...rules.detections.values(), ...rules.correlations];
  let failed = 0;
  let passed = 0;
  let broken = 0;
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    const parsed = parseRuleTests(shown, await readFile(file, 'utf8'));
    for (const d of parsed.diagnostics) console.error(formatDiagnostic(d));
    if (!parsed.tests) {
      broken += 1;
      continue;
    }
    const sibling = resolve(siblingRuleFile(file));
    const scope = new Set(
      parsed.tests.scope ??
        allRules
          .filter((r) => resolve(r.origin.replace(/:\d+$/, '')) === sibling)
          .map((r) => r.key),
    );
    const unknown = [...scope].filter((k) => !allRules.some((r) => r.key === k));
    if (unknown.length > 0 || scope.size === 0) {
      console.error(
        `${shown}: ${scope.size === 0 ? `no rules to check: ${relative(process.cwd(), sibling)} defines none; name them with "rules: [...]"` : `names unknown rules ${unknown.join(', ')}`}.`,
      );
      broken += 1;
      continue;
    }
    for (const test of parsed.tests.cases) {
      const outcome: RuleTestOutcome = runRuleTest(rules, options, scope, test);
      if (outcome.passed) {
        passed += 1;
        console.log(`ok    ${shown}:${test.line} ${test.name}`);
      } else {
        failed += 1;
        console.log(`FAIL  ${shown}:${test.line} ${test.name}`);
        for (const p of outcome.problems) console.log(`        ${p}`);
      }
    }
  }
  console.log(
    `\n${passed} passed, ${failed} failed${broken > 0 ? `, ${broken} file(s) with errors` : ''}.`,
  );
  return failed > 0 || broken > 0 ? 1 : 0;
}

async function testFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await testFiles(full)));
    else if (isRuleTestFile(entry.name)) out.push(full);
  }
  return out.sort();
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
