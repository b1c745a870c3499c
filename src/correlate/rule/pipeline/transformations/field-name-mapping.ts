import { describe } from '../../../../shared/duration.js';
import { isMapping } from '../../../../shared/shape.js';
import type { TransformationKind } from '../types.js';

/**
 * `field_name_mapping`: `mapping: { Image: labels.image }`; a list maps one field to several,
 * any of which may hold the value (pySigma's one-to-many mapping: an OR of the condition on
 * each).
 */
export const fieldNameMapping: TransformationKind = {
  type: 'field_name_mapping',
  keys: ['mapping'],
  required: ['mapping'],
  schema: {
    mapping: {
      type: 'object',
      description: 'Sigma field name → a canonical event path, or a list of them (any of which).',
      additionalProperties: {
        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
      },
    },
  },
  renamesFields: true,
  parse(ctx, item) {
    const mapping = item.mapping;
    if (!isMapping(mapping) || Object.keys(mapping).length === 0) {
      ctx.sink.error(
        [...ctx.path, 'mapping'],
        mapping === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} needs "mapping", a mapping of Sigma field names to canonical event paths; got ${describe(mapping)}. Write e.g. "mapping: { Image: labels.image }".`,
      );
      return undefined;
    }
    const to = new Map<string, readonly string[]>();
    let ok = true;
    for (const [from, target] of Object.entries(mapping)) {
      const targets = typeof target === 'string' ? [target] : target;
      if (
        !Array.isArray(targets) ||
        targets.length === 0 ||
        !targets.every((t): t is string => typeof t === 'string' && t !== '')
      ) {
        ok = false;
        ctx.sink.error(
          [...ctx.path, 'mapping', from],
          'CORDON_ERR_DEFINITION_TYPE',
          `${ctx.subject} maps "${from}" to ${Array.isArray(target) && target.length === 0 ? 'an empty list' : describe(target)}; a field maps to a name or a non-empty list of names. Write e.g. "${from}: labels.${from.toLowerCase()}".`,
        );
        continue;
      }
      to.set(from, targets);
    }
    return ok ? { kind: 'field', rename: (name) => to.get(name) } : undefined;
  },
};
