import { DiagnosticSink, PositionMap } from '../../../shared/yaml.js';
import type { RulePipeline } from '../pipeline/rule-pipeline.js';
import type { WrittenItem } from '../pipeline/types.js';
import { parseSearch } from './parse-search.js';

/**
 * The detection items of search identifiers as the rule writes them (field, and values after
 * the rule's own modifiers), for a pipeline's contains_field and contains_detection_item
 * conditions, which look at the rule before it is read. The searches are read as the rule's
 * reader reads them, with a pipeline that records each item and keeps none. Problems are not
 * reported here (reading the rule reports them, and refuses it): an item whose values have one
 * is left out. A value with an `expand` placeholder holds a NUL in its place, as pySigma's holds
 * a placeholder part: equal to no value a condition gives.
 */
export function writtenItems(searches: Readonly<Record<string, unknown>>): WrittenItem[] {
  const items: WrittenItem[] = [];
  const recorder: RulePipeline = {
    logsource: undefined,
    logsourceChangedBy: undefined,
    failure: undefined,
    added: [],
    // Called for an item whose values have problems (left out: no processItem follows) and
    // for a field reference's target, which is no item (any path that resolves will do).
    mapField: () => ({ names: ['labels.target'], by: [] }),
    processItem: (field, values) => {
      items.push({ field, values });
      return { kind: 'branches', branches: [], by: [] };
    },
    placeholder: () => ({ kind: 'values', values: [PLACEHELD] }),
  };
  const ctx = {
    sink: new DiagnosticSink('', new PositionMap()),
    subject: 'Rule',
    pipeline: recorder,
  };
  for (const [name, value] of Object.entries(searches)) parseSearch(ctx, [], name, value);
  return items;
}

/** What a placeholder stands for while the items are recorded (a NUL, which no real rule writes). */
const PLACEHELD = '\u0000placeholder\u0000';
