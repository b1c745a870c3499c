import { describe } from '../../../../shared/duration.js';
import type { TransformationKind } from '../types.js';

/**
 * `field_name_prefix` (`prefix: "labels."`) and `field_name_suffix`: the text is added to every
 * field name the item's field_name_conditions let through (all when it has none).
 */
function affix(type: string, key: 'prefix' | 'suffix'): TransformationKind {
  return {
    type,
    keys: [key],
    required: [key],
    schema: { [key]: { type: 'string', minLength: 1, description: `Text added to field names.` } },
    renamesFields: true,
    parse(ctx, item) {
      const text = item[key];
      if (typeof text !== 'string' || text === '') {
        ctx.sink.error(
          [...ctx.path, key],
          text === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
          `${ctx.subject} needs "${key}", the text to add to field names; got ${describe(text)}. Write e.g. "${key}: ${key === 'prefix' ? 'labels.' : '_text'}".`,
        );
        return undefined;
      }
      return {
        kind: 'field',
        rename: (name) => [key === 'prefix' ? text + name : name + text],
      };
    },
  };
}

export const fieldNamePrefix = affix('field_name_prefix', 'prefix');
export const fieldNameSuffix = affix('field_name_suffix', 'suffix');
