import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { engineOptions } from '../correlate/engine-options.js';
import { buildRuleSet, loadRuleSources } from '../correlate/rule/index.js';
import { isRuleTestFile } from '../correlate/rule/load-rules.js';
import type { RuleTestOutcome } from '../correlate/rule-tests.js';
import { parseRuleTests, runRuleTest, siblingRuleFile } from '../correlate/rule-tests.js';
import { loadContent, type Content } from '../content.js';
import type { CompiledPlaybook } from '../playbook/definition/compile-playbook.js';
import {
  parsePlaybookTests,
  runPlaybookTest,
  siblingPlaybookId,
} from '../playbook/tooling/playbook-tests.js';
import { formatDiagnostic } from '../shared/diagnostics.js';

/**
 * `cordon test [dir]`: runs the rule tests (`*.test.yaml`) beside the rules under dir's
 * correlations/ (or dir itself when it has no correlations/), then the playbook tests beside
 * the playbooks under dir's playbooks/. Exit 1 if any test fails or any file has errors.
 */
export async function runTest(dir = '.'): Promise<number> {
  const root = resolve(dir);
  if (!(await isDir(root))) {
    console.error(
      `cordon test: ${root} is not a folder. Name the folder that holds correlations/ or playbooks/.`,
    );
    return 1;
  }
  const playbooksDir = join(root, 'playbooks');
  const hasPlaybooks = await isDir(playbooksDir);
  const rulesDir = (await isDir(join(root, 'correlations'))) ? join(root, 'correlations') : root;
  const ruleFiles = rulesDir === root && hasPlaybooks ? [] : await testFiles(rulesDir);
  const playbookFiles = hasPlaybooks ? await testFiles(playbooksDir) : [];
  if (ruleFiles.length === 0 && playbookFiles.length === 0) {
    console.error(
      `cordon test: no *.test.yaml files under ${rulesDir}${hasPlaybooks ? ` or ${playbooksDir}` : ''}.`,
    );
    return 1;
  }
  const tally: Tally = { passed: 0, failed: 0, broken: 0 };
  if (ruleFiles.length > 0 && !(await runRuleTests(rulesDir, ruleFiles, tally))) return 1;
  if (playbookFiles.length > 0) await runPlaybookTests(root, playbookFiles, tally);
  console.log(
    `\n${tally.passed} passed, ${tally.failed} failed${tally.broken > 0 ? `, ${tally.broken} file(s) with errors` : ''}.`,
  );
  return tally.failed > 0 || tally.broken > 0 ? 1 : 0;
}

interface Tally {
  passed: number;
  failed: number;
  broken: number;
}

/** The rule tests; false when the rules themselves do not build. */
async function runRuleTests(
  rulesDir: string,
  files: readonly string[],
  tally: Tally,
): Promise<boolean> {
  const { ruleSet: rules, diagnostics } = buildRuleSet(await loadRuleSources(rulesDir));
  for (const d of diagnostics)
    if (d.severity === 'error' || !rules) console.error(formatDiagnostic(d));
  if (!rules) {
    console.error(`cordon test: the rules under ${rulesDir} have errors.`);
    return false;
  }
  const config = loadConfig();
  const options = engineOptions(config.correlate, [], 1);
  const allRules = [...rules.detections.values(), ...rules.correlations];
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    const parsed = parseRuleTests(shown, await readFile(file, 'utf8'));
    for (const d of parsed.diagnostics) console.error(formatDiagnostic(d));
    if (!parsed.tests) {
      tally.broken += 1;
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
      tally.broken += 1;
      continue;
    }
    for (const test of parsed.tests.cases) {
      const outcome: RuleTestOutcome = runRuleTest(rules, options, scope, test);
      report(shown, test, outcome, tally);
    }
  }
  return true;
}

/**
 * The playbook tests beside the playbooks, on the pure interpreter: the playbooks are loaded
 * and validated with the rest of the content, as \`cordon start\` would load them.
 */
async function runPlaybookTests(
  root: string,
  files: readonly string[],
  tally: Tally,
): Promise<void> {
  const { content, diagnostics } = await loadContent(root);
  if (!content) {
    for (const d of diagnostics) if (d.severity === 'error') console.error(formatDiagnostic(d));
    console.error(`cordon test: the content under ${root} has errors; no playbook test ran.`);
    tally.broken += files.length;
    return;
  }
  const cache = new Map<string, Promise<Awaited<ReturnType<typeof loadContent>>>>();
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    const parsed = parsePlaybookTests(shown, await readFile(file, 'utf8'));
    for (const d of parsed.diagnostics) console.error(formatDiagnostic(d));
    if (!parsed.tests) {
      tally.broken += 1;
      continue;
    }
    const id = parsed.tests.playbook ?? siblingPlaybookId(file);
    const compiled = content.playbooks.find((p) => p.definition.id === id);
    if (!compiled) {
      console.error(
        `${shown}: tests playbook "${id}", which playbooks/ does not define; name it with "playbook: <id>".`,
      );
      tally.broken += 1;
      continue;
    }
    for (const test of parsed.tests.cases) {
      const withConnectors = test.connectors
        ? await contentWith(root, test.connectors, content, cache)
        : { compiled: undefined, problem: undefined };
      if (withConnectors.problem) {
        report(shown, test, { passed: false, problems: [withConnectors.problem] }, tally);
        continue;
      }
      const chosen = withConnectors.compiled?.find((p) => p.definition.id === id) ?? compiled;
      report(shown, test, runPlaybookTest(chosen, test), tally);
    }
  }
}

/**
 * The playbooks loaded again with a case's `connectors:` enabled and no other outbound one
 * (cached per set), so routes and `connectors.<name>.enabled` choose as they would with exactly
 * those switched on, whatever connectors/ enables where the tests run.
 */
async function contentWith(
  root: string,
  names: readonly string[],
  content: Content,
  cache: Map<string, Promise<Awaited<ReturnType<typeof loadContent>>>>,
): Promise<{ compiled?: readonly CompiledPlaybook[]; problem?: string }> {
  const actions = content.connectors.filter((c) => c.kind === 'action').map((c) => c.name);
  const unknown = names.filter((n) => !actions.includes(n));
  if (unknown.length > 0)
    return {
      problem: `connectors names ${unknown.join(', ')}, which connectors/ does not define as action connectors (${actions.join(', ')})`,
    };
  const key = names.join(',');
  let loading = cache.get(key);
  if (!loading) {
    loading = loadContent(root, { enable: names, only: true });
    cache.set(key, loading);
  }
  const loaded = await loading;
  if (!loaded.content)
    return {
      problem: `with ${names.join(', ')} enabled the content has errors: ${loaded.diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('; ')}`,
    };
  return { compiled: loaded.content.playbooks };
}

function report(
  shown: string,
  test: { readonly line: number; readonly name: string },
  outcome: { readonly passed: boolean; readonly problems: readonly string[] },
  tally: Tally,
): void {
  if (outcome.passed) {
    tally.passed += 1;
    console.log(`ok    ${shown}:${test.line} ${test.name}`);
  } else {
    tally.failed += 1;
    console.log(`FAIL  ${shown}:${test.line} ${test.name}`);
    for (const p of outcome.problems) console.log(`        ${p}`);
  }
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
