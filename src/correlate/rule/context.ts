import type { DiagnosticSink } from '../../shared/yaml.js';
import type { PipelineFailure, RulePipeline } from './pipeline/rule-pipeline.js';

/**
 * What a validator needs to report a problem about one rule document: where to report it (the
 * sink knows the document's positions) and how to name the rule at the start of every message
 * (`Rule "model_extraction_by_query_volume"`).
 */
export interface RuleContext {
  readonly sink: DiagnosticSink;
  readonly subject: string;
  /** What the processing pipelines beside the rules do to this rule (none when absent). */
  readonly pipeline?: RulePipeline;
  /**
   * Told when a pipeline's detection_item_failure or strict_field_mapping_failure refuses one of
   * the rule's detection items: the rule is then skipped, as a rule_failure skips it.
   */
  readonly onItemFailure?: (failure: PipelineFailure) => void;
}

/** `"a", "b" or "c"` for messages. */
export function quoteList(items: readonly string[], last = 'or'): string {
  const quoted = items.map((i) => `"${i}"`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} ${last} ${quoted[quoted.length - 1] ?? ''}`;
}
