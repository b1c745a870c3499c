import { describe } from '../../../../shared/duration.js';
import type { ItemContext, TransformationKind } from '../types.js';

/**
 * `add_field`, `remove_field` and `set_field`: change the rule's `fields` list (the fields an
 * analyst should see, which backends put in a query's output). Cordon reads that list only
 * where a later rule_attribute condition on `fields` compares it, as pySigma's rule object then
 * holds it; field renames after them rename its entries too.
 */

const fieldList = {
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 } },
  ],
};

/** A field name or a list of them (pySigma's `str | list[str]`), or undefined after reporting. */
function readNames(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
  key: string,
  listOnly: boolean,
): readonly string[] | undefined {
  const value = item[key];
  if (typeof value === 'string' && value !== '' && !listOnly) return [value];
  const bad = Array.isArray(value)
    ? value.findIndex((v) => typeof v !== 'string' || v === '')
    : undefined;
  if (bad === -1) return value as string[];
  ctx.sink.error(
    bad === undefined ? [...ctx.path, key] : [...ctx.path, key, bad],
    value === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
    `${ctx.subject} needs "${key}", ${listOnly ? 'a list of field names' : 'a field name or a list of them'}; got ${describe(bad === undefined ? value : (value as unknown[])[bad])}. Write e.g. "${key}: ${listOnly ? '[Image, CommandLine]' : 'Image'}".`,
  );
  return undefined;
}

export const addField: TransformationKind = {
  type: 'add_field',
  keys: ['field'],
  required: ['field'],
  schema: { field: { ...fieldList, description: 'The field (or fields) appended to `fields`.' } },
  renamesFields: false,
  parse(ctx, item) {
    const names = readNames(ctx, item, 'field', false);
    // Appended as given, repeats and all (pySigma's list append and extend).
    return names && { kind: 'fields', change: (fields) => [...fields, ...names] };
  },
};

export const removeField: TransformationKind = {
  type: 'remove_field',
  keys: ['field'],
  required: ['field'],
  schema: { field: { ...fieldList, description: 'The field (or fields) taken out of `fields`.' } },
  renamesFields: false,
  parse(ctx, item) {
    const names = readNames(ctx, item, 'field', false);
    // pySigma's list.remove: the first occurrence of each name; an absent one is ignored.
    return (
      names && {
        kind: 'fields',
        change: (fields) => {
          const out = [...fields];
          for (const name of names) {
            const at = out.indexOf(name);
            if (at >= 0) out.splice(at, 1);
          }
          return out;
        },
      }
    );
  },
};

export const setField: TransformationKind = {
  type: 'set_field',
  keys: ['fields'],
  required: ['fields'],
  schema: {
    fields: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'The list `fields` becomes.',
    },
  },
  renamesFields: false,
  parse(ctx, item) {
    const names = readNames(ctx, item, 'fields', true);
    return names && { kind: 'fields', change: () => [...names] };
  },
};
