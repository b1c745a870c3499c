import type { NormalisedEvent } from '../../canonical-event.js';
import type { EvaluationBudget } from './jsonata-eval.js';
import { mapFields } from './map-fields.js';
import type { Located } from './map-fields.js';
import { mapJsonata } from './map-jsonata.js';
import type { Mapping } from './options.js';

/**
 * Maps one item with a compiled mapping (also used by `elastic-bulk` for its documents).
 * `body` is what `$.` paths read: the whole document the item came from.
 */
export async function mapItem(
  mapping: Mapping,
  item: Located,
  body: Located,
  now: number,
  budget: EvaluationBudget,
): Promise<NormalisedEvent[]> {
  if (mapping.mode === 'jsonata') return mapJsonata(mapping.expression, item, now, budget);
  const event = mapFields(mapping.rules, item, body, now);
  return event === undefined ? [] : [event];
}
