import { describe } from '../../../../shared/duration.js';
import { isStateValue } from '../conditions.js';
import type { TransformationKind } from '../types.js';

/**
 * `set_custom_attribute`: gives the rules it selects a custom attribute, which later items'
 * rule_attribute conditions compare (as pySigma reads custom_attributes for a name its rules do
 * not define). Backends also read them to build queries; Cordon builds none.
 */
export const setCustomAttribute: TransformationKind = {
  type: 'set_custom_attribute',
  keys: ['attribute', 'value'],
  required: ['attribute', 'value'],
  schema: {
    attribute: { type: 'string', minLength: 1, description: 'The attribute name.' },
    value: {
      anyOf: [
        { type: ['string', 'number', 'boolean'] },
        { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
      ],
      description: 'Its value: a string, number or boolean, or a list of them.',
    },
  },
  renamesFields: false,
  parse(ctx, item) {
    const { attribute, value } = item;
    let ok = true;
    if (typeof attribute !== 'string' || attribute === '') {
      ok = false;
      ctx.sink.error(
        [...ctx.path, 'attribute'],
        attribute === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} needs "attribute", the name of the custom attribute it sets; got ${describe(attribute)}. Write e.g. "attribute: team".`,
      );
    }
    const fits = isStateValue(value) || (Array.isArray(value) && value.every(isStateValue));
    if (!fits) {
      ok = false;
      ctx.sink.error(
        [...ctx.path, 'value'],
        value === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} needs "value", a string, number or boolean (or a list of them) it gives the attribute; got ${describe(value)}. Write e.g. "value: ml-platform".`,
      );
    }
    return ok && typeof attribute === 'string' ? { kind: 'custom', attribute, value } : undefined;
  },
};
