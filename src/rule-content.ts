import { resolve } from 'node:path';
import { readSourceWatermarks, type SourceWatermark } from './config/source-watermarks.js';
import { buildRuleSet, loadRuleSources } from './correlate/rule/index.js';
import type { RuleSource } from './correlate/rule/index.js';
import type { CompiledRuleSet } from './correlate/rule/types.js';
import type { Diagnostic } from './shared/diagnostics.js';
import { hasErrors } from './shared/diagnostics.js';
import { readYamlFiles } from './shared/yaml-files.js';

/** What an offline run of the rules needs of an installation's YAML (see loadRuleContent). */
export interface RuleContent {
  readonly rules: CompiledRuleSet;
  /** The rule files the rules were built from (replay workers build their own copy). */
  readonly ruleSources: readonly RuleSource[];
  /** Each source connector's watermark: the engine judges lateness per source as live. */
  readonly connectors: readonly SourceWatermark[];
  /** Warnings (errors make loading fail). */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Loads `correlations/` under `dir`, validated as `loadContent` validates them, and of
 * `connectors/` only each source's watermark (config/source-watermarks.ts): `cordon replay`
 * and `cordon eval` start without loading the connector and playbook modules, which cannot
 * change what the rules find. `cordon validate` checks the rest.
 */
export async function loadRuleContent(
  dir: string,
): Promise<{ content: RuleContent | undefined; diagnostics: Diagnostic[] }> {
  const [ruleSources, connectorSources] = await Promise.all([
    loadRuleSources(resolve(dir, 'correlations')),
    readYamlFiles(resolve(dir, 'connectors')),
  ]);
  const rules = buildRuleSet(ruleSources);
  const connectors = readSourceWatermarks(connectorSources);
  const diagnostics = [...rules.diagnostics, ...connectors.diagnostics];
  if (hasErrors(diagnostics) || !rules.ruleSet) return { content: undefined, diagnostics };
  return {
    content: {
      rules: rules.ruleSet,
      ruleSources,
      connectors: connectors.connectors,
      diagnostics,
    },
    diagnostics,
  };
}
