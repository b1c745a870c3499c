import { describe } from '../../../../shared/duration.js';
import { isMapping } from '../../../../shared/shape.js';
import type { TransformationKind } from '../types.js';

/**
 * `add_condition`: `conditions: { EventID: 1 }` is ANDed to each rule the item selects (with
 * `negated: true`, its negation), e.g. to tell Sysmon's process creations from its other
 * events once they share one event kind. Its field names go through the renames that come
 * after it, as in pySigma.
 */
export const addCondition: TransformationKind = {
  type: 'add_condition',
  keys: ['conditions', 'negated', 'template', 'name'],
  required: ['conditions'],
  schema: {
    conditions: {
      type: 'object',
      description: 'A Sigma search (field: value or list of values) ANDed to the rule.',
    },
    negated: { type: 'boolean' },
    template: {
      type: 'boolean',
      description: "Values may use $category, $product and $service (the rule's logsource).",
    },
    name: { type: 'string' },
  },
  renamesFields: false,
  parse(ctx, item) {
    const { conditions, negated = false, template = false } = item;
    let ok = true;
    if (!isMapping(conditions) || Object.keys(conditions).length === 0) {
      ok = false;
      ctx.sink.error(
        [...ctx.path, 'conditions'],
        conditions === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} needs "conditions", a Sigma search of fields and values; got ${describe(conditions)}. Write e.g. "conditions: { EventID: 1 }".`,
      );
    }
    for (const [key, value] of [
      ['negated', negated],
      ['template', template],
    ] as const) {
      if (typeof value === 'boolean') continue;
      ok = false;
      ctx.sink.error(
        [...ctx.path, key],
        'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} ${key} must be true or false; got ${describe(value)}.`,
      );
    }
    if (item.name !== undefined && typeof item.name !== 'string') {
      ok = false;
      ctx.sink.error(
        [...ctx.path, 'name'],
        'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} name must be a string; got ${describe(item.name)}.`,
      );
    }
    if (!ok || !isMapping(conditions)) return undefined;
    return {
      kind: 'condition',
      name: typeof item.name === 'string' && item.name !== '' ? item.name : undefined,
      search: conditions,
      negated: negated === true,
      template: template === true,
    };
  },
};
