import type { ItemValue, TransformationKind } from '../types.js';
import { parseMethod } from './method.js';

const METHODS = ['plain', 'ignore_case_flag', 'ignore_case_brackets'] as const;

/**
 * `regex` (`method: plain | ignore_case_flag | ignore_case_brackets`, default brackets): pySigma
 * makes each string value a regular expression of itself, for backends that match
 * case-insensitively only that way. Here the value keeps matching as the same pattern (a
 * regular expression of its wildcards would backtrack on long event text), whole-value as
 * before, case-sensitively with `plain` and case-insensitively with the other two, whatever
 * the rule's `cased` said, as the expression would. As in pySigma, the string transformations
 * and value conditions after it pass an expression by.
 */
export const regexTransformation: TransformationKind = {
  type: 'regex',
  keys: ['method'],
  schema: { method: { enum: [...METHODS] } },
  renamesFields: false,
  detectionItems: true,
  parse(ctx, item) {
    const method = parseMethod(ctx, item, METHODS, 'ignore_case_brackets');
    if (method === undefined) return undefined;
    const cased = method === 'plain';
    return {
      kind: 'item',
      apply(d) {
        // pySigma leaves an empty string as it is.
        const made = (v: ItemValue): boolean => v.kind === 'string' && v.tokens.length > 0;
        if (!d.values.some(made)) return undefined;
        const values = d.values.map((v): ItemValue =>
          made(v) && v.kind === 'string' ? { kind: 'expression', tokens: v.tokens, cased } : v,
        );
        return { kind: 'values', values };
      },
    };
  },
};
