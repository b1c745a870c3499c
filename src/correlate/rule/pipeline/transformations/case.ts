import type { ItemValue, TransformationKind } from '../types.js';
import { parseMethod } from './method.js';

const METHODS = ['lower', 'upper', 'snake_case'] as const;
type Method = (typeof METHODS)[number];

const CHANGE: Readonly<Record<Method, (text: string) => string>> = {
  lower: (t) => t.toLowerCase(),
  upper: (t) => t.toUpperCase(),
  // pySigma's: an underscore before every capital but a part's first character, then lower case.
  snake_case: (t) => t.replace(/(?<!^)(?=[A-Z])/g, '_').toLowerCase(),
};

/**
 * `case` (`method: lower | upper | snake_case`, default lower): the literal parts of every
 * string value of the items it selects; wildcards stay. A value keeps the rule's `cased`.
 */
export const caseTransformation: TransformationKind = {
  type: 'case',
  keys: ['method'],
  schema: { method: { enum: [...METHODS] } },
  renamesFields: false,
  detectionItems: true,
  parse(ctx, item) {
    const method = parseMethod(ctx, item, METHODS, 'lower');
    if (method === undefined) return undefined;
    const change = CHANGE[method];
    return {
      kind: 'item',
      apply(d) {
        if (!d.values.some((v) => v.kind === 'string')) return undefined;
        const values = d.values.map((v): ItemValue =>
          v.kind !== 'string'
            ? v
            : {
                // pySigma changes the parts in place: a |cased string stays one.
                ...v,
                tokens: v.tokens.map((t) =>
                  t.kind === 'text' ? { kind: 'text', text: change(t.text) } : t,
                ),
              },
        );
        return { kind: 'values', values };
      },
    };
  },
};
