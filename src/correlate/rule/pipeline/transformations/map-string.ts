import { describe } from '../../../../shared/duration.js';
import { isMapping } from '../../../../shared/shape.js';
import { parseWildcards, renderSigma } from '../../detection/wildcard.js';
import type { ItemValue, TransformationKind } from '../types.js';

/**
 * `map_string`: a string value whose Sigma text is a key of `mapping` becomes its value (a
 * list: several values, any of which may match), e.g. event type names to a source's codes.
 */
export const mapString: TransformationKind = {
  type: 'map_string',
  keys: ['mapping'],
  required: ['mapping'],
  schema: {
    mapping: {
      type: 'object',
      additionalProperties: {
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
      },
      description: 'Value → its replacement, or a list of them.',
    },
  },
  renamesFields: false,
  detectionItems: true,
  parse(ctx, item) {
    const mapping = item.mapping;
    const table = new Map<string, readonly string[]>();
    let ok = isMapping(mapping) && Object.keys(mapping).length > 0;
    if (isMapping(mapping)) {
      for (const [from, to] of Object.entries(mapping)) {
        const list = typeof to === 'string' ? [to] : to;
        if (Array.isArray(list) && list.length > 0 && list.every((x) => typeof x === 'string'))
          table.set(from, list);
        else {
          ok = false;
          ctx.sink.error(
            [...ctx.path, 'mapping', from],
            'CORDON_ERR_DEFINITION_TYPE',
            `${ctx.subject} maps "${from}" to something other than a string or a list of strings; got ${describe(to)}. Write e.g. "${from}: other value".`,
          );
        }
      }
    }
    if (!isMapping(mapping) || Object.keys(mapping).length === 0)
      ctx.sink.error(
        [...ctx.path, 'mapping'],
        mapping === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} needs "mapping", values to their replacements; got ${describe(mapping)}. Write e.g. "mapping: { ProcessCreate: process_start }".`,
      );
    if (!ok) return undefined;
    return {
      kind: 'item',
      apply(detectionItem) {
        let changed = false;
        const values = detectionItem.values.flatMap((v): ItemValue[] => {
          const to = v.kind === 'string' ? table.get(renderSigma(v.tokens)) : undefined;
          if (!to) return [v];
          changed = true;
          return to.map((s) => ({ kind: 'string', tokens: parseWildcards(s) }));
        });
        return changed ? { kind: 'values', values } : undefined;
      },
    };
  },
};
