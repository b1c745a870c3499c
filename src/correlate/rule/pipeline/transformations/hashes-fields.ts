import { describe } from '../../../../shared/duration.js';
import { parseWildcards, renderSigma } from '../../detection/wildcard.js';
import type { ItemChange, ItemValue, TransformationKind } from '../types.js';

/** pySigma's guess of an algorithm from a bare hash's length. */
const BY_LENGTH: Readonly<Record<number, string>> = {
  32: 'MD5',
  40: 'SHA1',
  64: 'SHA256',
  128: 'SHA512',
};

/**
 * `hashes_fields`: a Sysmon-style `Hashes` value (`SHA256=…,MD5=…` entries, or `SHA1|…`, or a
 * bare hash whose length names its algorithm) becomes one item per algorithm on its own field
 * (`field_prefix` + the algorithm, or only the prefix with `drop_algo_prefix`), any of which
 * may match, with exact values. Only `valid_hash_algos` are kept; an item with none of them
 * fails the rule, as pySigma stops on it. `field_to_parse` (default Hashes, Hash) names the
 * fields it reads.
 */
export const hashesFields: TransformationKind = {
  type: 'hashes_fields',
  keys: ['valid_hash_algos', 'field_prefix', 'drop_algo_prefix', 'field_to_parse'],
  required: ['valid_hash_algos'],
  schema: {
    valid_hash_algos: { type: 'array', items: { type: 'string' }, minItems: 1 },
    field_prefix: { type: 'string' },
    drop_algo_prefix: { type: 'boolean' },
    field_to_parse: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
  renamesFields: false,
  detectionItems: true,
  parse(ctx, item) {
    const {
      valid_hash_algos: algos,
      field_prefix: prefix = '',
      drop_algo_prefix: drop = false,
      field_to_parse: fields = ['Hashes', 'Hash'],
    } = item;
    const strings = (v: unknown): v is string[] =>
      Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
    const problems: [string, string, unknown][] = [];
    if (!strings(algos))
      problems.push([
        'valid_hash_algos',
        'needs "valid_hash_algos", the algorithms to keep (e.g. [MD5, SHA1, SHA256, IMPHASH])',
        algos,
      ]);
    if (typeof prefix !== 'string')
      problems.push(['field_prefix', 'field_prefix must be a string', prefix]);
    if (typeof drop !== 'boolean')
      problems.push(['drop_algo_prefix', 'drop_algo_prefix must be true or false', drop]);
    if (!strings(fields))
      problems.push(['field_to_parse', 'field_to_parse must be a list of field names', fields]);
    for (const [key, problem, got] of problems)
      ctx.sink.error(
        [...ctx.path, key],
        got === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} ${problem}; got ${describe(got)}.`,
      );
    if (problems.length > 0 || !strings(algos) || !strings(fields) || typeof prefix !== 'string')
      return undefined;
    const valid = new Set(algos);
    return {
      kind: 'item',
      apply(d): ItemChange | undefined {
        if (d.field === undefined || !fields.includes(d.field)) return undefined;
        if (!d.values.every((v) => v.kind === 'string')) return undefined;
        const byField = new Map<string, ItemValue[]>();
        for (const v of d.values) {
          const text = renderSigma(v.tokens);
          const parts = text.includes('|') ? text.split('|') : text.split('=');
          let algo: string;
          let hash: string;
          if (parts.length === 2) {
            algo = (parts[0] ?? '').replace(/^\*+/, '').toUpperCase();
            hash = (parts[1] ?? '').replace(/^[*?]+|[*?]+$/g, '');
          } else {
            hash = (parts[0] ?? '').replace(/^[*?]+|[*?]+$/g, '');
            algo = BY_LENGTH[hash.length] ?? '';
          }
          const field = `${prefix}${drop ? '' : algo}`;
          // pySigma leaves out an algorithm it does not keep, and an item with no field name.
          if (!valid.has(algo) || field === '') continue;
          const list = byField.get(field) ?? [];
          list.push({ kind: 'string', tokens: parseWildcards(hash) });
          byField.set(field, list);
        }
        if (byField.size === 0)
          return {
            kind: 'fail',
            message: `No valid hash algorithm found in ${d.field}. Please use one of the following: ${algos.join(', ')}`,
          };
        return {
          kind: 'split',
          items: [...byField].map(([field, values]) => ({ field, values })),
        };
      },
    };
  },
};
