import { describe } from '../../../../shared/duration.js';
import { parseNumber } from '../../detection/number.js';
import { parseWildcards } from '../../detection/wildcard.js';
import type { ItemValue, TransformationKind } from '../types.js';

/**
 * `set_value`: every value of the items it selects becomes `value` (a string, number, boolean
 * or null; `force_type: str | num` makes it one), whatever it was: a regular expression or a
 * comparison too, which are then plain values.
 */
export const setValue: TransformationKind = {
  type: 'set_value',
  keys: ['value', 'force_type'],
  required: ['value'],
  schema: {
    value: { type: ['string', 'number', 'boolean', 'null'] },
    force_type: { enum: ['str', 'num'] },
  },
  renamesFields: false,
  detectionItems: true,
  parse(ctx, item) {
    const { value, force_type: force } = item;
    const fail = (key: string, problem: string, got: unknown): undefined => {
      ctx.sink.error(
        [...ctx.path, key],
        got === undefined && key === 'value' && !('value' in item)
          ? 'CORDON_ERR_DEFINITION_REQUIRED'
          : 'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} ${problem}; got ${describe(got)}.`,
      );
      return undefined;
    };
    if (
      !('value' in item) ||
      !(value === null || ['string', 'number', 'boolean'].includes(typeof value))
    )
      return fail(
        'value',
        'needs "value", a string, number, boolean or null every value becomes',
        value,
      );
    if (force !== undefined && force !== 'str' && force !== 'num')
      return fail('force_type', 'force_type must be "str" or "num"', force);
    if (force !== undefined && (value === null || typeof value === 'boolean'))
      return fail('force_type', `force_type takes a string or number value only`, value);
    let to: ItemValue;
    if (force === 'str') to = { kind: 'string', tokens: parseWildcards(String(value)) };
    else if (force === 'num') {
      const n = typeof value === 'number' ? value : parseNumber(String(value));
      if (n === undefined) return fail('value', 'cannot be made a number (force_type: num)', value);
      to = { kind: 'number', value: n };
    } else if (value === null) to = { kind: 'null' };
    else if (typeof value === 'string') to = { kind: 'string', tokens: parseWildcards(value) };
    else if (typeof value === 'number') to = { kind: 'number', value };
    else to = { kind: 'boolean', value: value as boolean };
    return { kind: 'item', apply: (d) => ({ kind: 'values', values: d.values.map(() => to) }) };
  },
};
