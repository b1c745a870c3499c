import { describe } from '../../../../shared/duration.js';
import type { RegexFlag } from '../../detection/regex.js';
import type { ItemValue, TransformationKind } from '../types.js';

const METHODS = ['plain', 'ignore_case_flag', 'ignore_case_brackets'] as const;
type Method = (typeof METHODS)[number];

/**
 * `regex` (`method: plain | ignore_case_flag | ignore_case_brackets`, default brackets): each
 * string value becomes a regular expression of it, wildcards as `.*` and `.`, for backends that
 * match case-insensitively only that way. Anchored at both ends, so a value keeps matching what
 * it matched (pySigma leaves anchoring to the backend); `plain` matches case-sensitively.
 */
export const regexTransformation: TransformationKind = {
  type: 'regex',
  keys: ['method'],
  schema: { method: { enum: [...METHODS] } },
  renamesFields: false,
  detectionItems: true,
  parse(ctx, item) {
    const method = item.method ?? 'ignore_case_brackets';
    if (!METHODS.includes(method as Method)) {
      ctx.sink.error(
        [...ctx.path, 'method'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} method must be one of ${METHODS.join(', ')}; got ${describe(method)}.`,
      );
      return undefined;
    }
    const escape = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const literal = (text: string): string =>
      method === 'ignore_case_brackets'
        ? [...text]
            .map((c) =>
              c.toLowerCase() !== c.toUpperCase()
                ? `[${escape(c.toLowerCase())}${escape(c.toUpperCase())}]`
                : escape(c),
            )
            .join('')
        : escape(text);
    // `s`: a wildcard spans line breaks, as it does in a Sigma string.
    const flags: RegexFlag[] = method === 'ignore_case_flag' ? ['i', 's'] : ['s'];
    return {
      kind: 'item',
      apply(d) {
        if (!d.values.some((v) => v.kind === 'string')) return undefined;
        const values = d.values.map((v): ItemValue => {
          if (v.kind !== 'string') return v;
          const body = v.tokens
            .map((t) => (t.kind === 'star' ? '.*' : t.kind === 'one' ? '.' : literal(t.text)))
            .join('');
          return { kind: 'regex', source: `^(?:${body})$`, flags };
        });
        return { kind: 'values', values };
      },
    };
  },
};
