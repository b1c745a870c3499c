import type { Diagnostic } from '../../shared/diagnostics.js';
import { hasErrors } from '../../shared/diagnostics.js';
import { compileRuleSet } from './compile-rules.js';
import { parseRuleSources } from './parse-rules.js';
import { isPipelineFile, parsePipelineSources } from './pipeline/index.js';
import type { RuleSource } from './rule-source.js';
import type { CompiledRuleSet } from './types.js';
import { validateRuleSet } from './validate-rules.js';

export interface BuildResult {
  /** Undefined exactly when some diagnostic is an error. */
  readonly ruleSet: CompiledRuleSet | undefined;
  /** Every problem found, sorted by file, line and column. Warnings never block. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Rule files → compiled rule set: parse each document, check the set as a whole, then compile.
 * Processing pipelines among them (`*.pipeline.yaml`) are read first and applied to each rule.
 * Pure (no I/O, no clock); every problem is reported at once with file:line:column.
 */
export function buildRuleSet(sources: readonly RuleSource[]): BuildResult {
  const ordered = [...sources].sort((a, b) => compare(a.file, b.file));
  const pipelines = parsePipelineSources(ordered.filter((s) => isPipelineFile(s.file)));
  const parsed = parseRuleSources(
    ordered.filter((s) => !isPipelineFile(s.file)),
    pipelines.pipelines,
  );
  const resolved = validateRuleSet(parsed.rules, parsed.skipped);
  const diagnostics = [
    ...pipelines.diagnostics,
    ...parsed.diagnostics,
    ...parsed.sinks.flatMap((s) => s.diagnostics),
  ].sort((a, b) => compare(a.file, b.file) || a.line - b.line || a.column - b.column);
  if (hasErrors(diagnostics)) return { ruleSet: undefined, diagnostics };
  const ruleSet = compileRuleSet(parsed.rules, resolved, ordered);
  return {
    ruleSet: { ...ruleSet, pipelines: pipelines.pipelines.map((p) => p.name) },
    diagnostics,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
