import { DiagnosticSink, PositionMap } from '../../../shared/yaml.js';
import type { RulePipeline } from '../pipeline/rule-pipeline.js';
import type { WrittenItem } from '../pipeline/types.js';
import { parseSearch } from './parse-search.js';

/**
 * The detection items of search identifiers as the rule writes them (field, and values after
 * the rule's own modifiers), for a pipeline's contains_field and contains_detection_item
 * conditions, which look at the rule before it is read. The searches are read as the rule's
 * reader reads them, with a pipeline that records each item and keeps none; problems are
 * not reported here (reading the rule reports them), and an item whose values have one keeps
 * its field with no values.
 */
export function writtenItems(searches: Readonly<Record<string, unknown>>): WrittenItem[] {
  const items: WrittenItem[] = [];
  const recorder: RulePipeline = {
    logsource: undefined,
    logsourceChangedBy: undefined,
    failure: undefined,
    added: [],
    mapField: (field) => {
      items.push({ field, values: [] });
      return { names: [], by: [] };
    },
    processItem: (field, values) => {
      items.push({ field, values });
      return { kind: 'branches', branches: [], by: [] };
    },
    placeholder: () => ({ kind: 'none' }),
  };
  const ctx = {
    sink: new DiagnosticSink('', new PositionMap()),
    subject: 'Rule',
    pipeline: recorder,
  };
  for (const [name, value] of Object.entries(searches)) parseSearch(ctx, [], name, value);
  return items;
}
