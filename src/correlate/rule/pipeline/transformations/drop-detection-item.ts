import type { TransformationKind } from '../types.js';

/**
 * `drop_detection_item`: removes the detection items its field_name_conditions and
 * detection_item_conditions select, e.g. an `EventID` that a source's event kind already
 * implies. A search left with no item drops out of the condition, as in pySigma's queries.
 */
export const dropDetectionItem: TransformationKind = {
  type: 'drop_detection_item',
  keys: [],
  schema: {},
  renamesFields: false,
  detectionItems: true,
  parse: () => ({ kind: 'item', apply: () => ({ kind: 'drop' }) }),
};
