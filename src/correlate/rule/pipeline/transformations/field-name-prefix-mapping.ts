import { describe } from '../../../../shared/duration.js';
import { isMapping } from '../../../../shared/shape.js';
import type { TransformationKind } from '../types.js';

/** `field_name_prefix_mapping`: `mapping: { "winlog.": "labels." }` swaps a name's prefix. */
export const fieldNamePrefixMapping: TransformationKind = {
  type: 'field_name_prefix_mapping',
  keys: ['mapping'],
  required: ['mapping'],
  schema: {
    mapping: {
      type: 'object',
      description: 'A field name prefix → its replacement.',
      additionalProperties: { type: 'string' },
    },
  },
  renamesFields: true,
  parse(ctx, item) {
    const mapping = item.mapping;
    const entries = isMapping(mapping) ? Object.entries(mapping) : [];
    const bad = entries.find(([from, to]) => from === '' || typeof to !== 'string');
    if (entries.length === 0 || bad) {
      ctx.sink.error(
        bad ? [...ctx.path, 'mapping', bad[0]] : [...ctx.path, 'mapping'],
        mapping === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} needs "mapping", a mapping of name prefixes to their replacements; got ${describe(bad ? bad[1] : mapping)}. Write e.g. "mapping: { 'winlog.event_data.': 'labels.' }".`,
      );
      return undefined;
    }
    const prefixes = entries as [string, string][];
    return {
      kind: 'field',
      rename(name) {
        // The first prefix that matches wins, as pySigma takes them in order.
        for (const [from, to] of prefixes)
          if (name.startsWith(from)) return [to + name.slice(from.length)];
        return undefined;
      },
    };
  },
};
