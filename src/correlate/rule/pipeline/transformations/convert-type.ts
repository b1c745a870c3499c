import { describe } from '../../../../shared/duration.js';
import { parseNumber } from '../../detection/number.js';
import { literalTokens, renderSigma } from '../../detection/wildcard.js';
import type { ItemChange, ItemValue, TransformationKind } from '../types.js';

/**
 * `convert_type` (`target_type: str | num`): numbers become strings, or strings numbers. A
 * string that is not a number fails the rule (pySigma stops with an error on it), which is
 * then skipped with that reason.
 */
export const convertType: TransformationKind = {
  type: 'convert_type',
  keys: ['target_type'],
  required: ['target_type'],
  schema: { target_type: { enum: ['str', 'num'] } },
  renamesFields: false,
  detectionItems: true,
  parse(ctx, item) {
    const target = item.target_type;
    if (target !== 'str' && target !== 'num') {
      ctx.sink.error(
        [...ctx.path, 'target_type'],
        target === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} needs "target_type", str or num; got ${describe(target)}.`,
      );
      return undefined;
    }
    return {
      kind: 'item',
      apply(d): ItemChange | undefined {
        const from = target === 'str' ? 'number' : 'string';
        if (!d.values.some((v) => v.kind === from)) return undefined;
        const values: ItemValue[] = [];
        for (const v of d.values) {
          if (v.kind === 'number' && target === 'str')
            values.push({ kind: 'string', tokens: literalTokens(String(v.value)) });
          else if (v.kind === 'string' && target === 'num') {
            const text = renderSigma(v.tokens);
            const n = parseNumber(text);
            if (n === undefined)
              return { kind: 'fail', message: `value "${text}" cannot be converted to a number` };
            values.push({ kind: 'number', value: n });
          } else values.push(v);
        }
        return { kind: 'values', values };
      },
    };
  },
};
