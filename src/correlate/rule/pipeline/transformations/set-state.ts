import { describe } from '../../../../shared/duration.js';
import { isStateValue } from '../conditions.js';
import type { TransformationKind } from '../types.js';

/**
 * `set_state`: gives a key of the pipeline's state a value for the rest of the rule's
 * processing, which later items select by (`processing_state` conditions on rules, fields and
 * detection items). pySigma backends also read the state when they build a query (an index
 * name, a data model); Cordon builds none, so the state only selects items.
 */
export const setState: TransformationKind = {
  type: 'set_state',
  keys: ['key', 'val'],
  required: ['key', 'val'],
  schema: {
    key: { type: 'string', minLength: 1, description: 'The state key.' },
    val: { type: ['string', 'number', 'boolean'], description: 'Its value.' },
  },
  renamesFields: false,
  parse(ctx, item) {
    const { key, val } = item;
    let ok = true;
    if (typeof key !== 'string' || key === '') {
      ok = false;
      ctx.sink.error(
        [...ctx.path, 'key'],
        key === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} needs "key", the name of the state key it sets; got ${describe(key)}. Write e.g. "key: index".`,
      );
    }
    if (!isStateValue(val)) {
      ok = false;
      ctx.sink.error(
        [...ctx.path, 'val'],
        val === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} needs "val", the string, number or boolean it gives the key; got ${describe(val)}. Write e.g. "val: windows".`,
      );
    }
    return ok && typeof key === 'string' && isStateValue(val)
      ? { kind: 'state', key, value: val }
      : undefined;
  },
};
