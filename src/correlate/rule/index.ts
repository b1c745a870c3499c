/**
 * Rules (`correlations/*.yaml`): Sigma detection and correlation rules, loaded, validated and
 * compiled for the correlation engine.
 */
export { loadRuleSources } from './load-rules.js';
export { buildRuleSet } from './build-rule-set.js';
export type { BuildResult } from './build-rule-set.js';
export type { RuleSource } from './rule-source.js';
export { resolveFieldPath } from '../field-map.js';
export type {
  CompiledCorrelation,
  CompiledDetection,
  CompiledRule,
  CompiledRuleSet,
  GroupField,
  ThresholdOp,
} from './types.js';
