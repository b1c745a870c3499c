import { describe } from '../../../../shared/duration.js';
import type { ItemContext, TransformationKind } from '../types.js';

const names = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const NAME_FILTER_SCHEMA = { include: names, exclude: names };

/** The placeholder names an item handles: `include` (only these) and `exclude`. */
function nameFilter(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
): ((name: string) => boolean) | undefined {
  const lists: Partial<Record<'include' | 'exclude', ReadonlySet<string>>> = {};
  for (const key of ['include', 'exclude'] as const) {
    const value = item[key];
    if (value === undefined) continue;
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || !list.every((v) => typeof v === 'string' && v !== '')) {
      ctx.sink.error(
        [...ctx.path, key],
        'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} ${key} must list placeholder names; got ${describe(value)}. Write e.g. "${key}: [Admins_Workstations]".`,
      );
      return undefined;
    }
    lists[key] = new Set(list as string[]);
  }
  const { include, exclude } = lists;
  if (include && exclude) {
    ctx.sink.error(
      [...ctx.path, 'exclude'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} has both include and exclude; got both. Keep one of them (as pySigma requires).`,
      true,
    );
    return undefined;
  }
  return (name) => (include === undefined || include.has(name)) && !exclude?.has(name);
}

/** A placeholder transformation: `values` answers for the names its include/exclude let in. */
function placeholderKind(
  type: string,
  values: (
    name: string,
    vars: ReadonlyMap<string, readonly string[]>,
  ) => readonly string[] | 'missing',
): TransformationKind {
  return {
    type,
    keys: ['include', 'exclude'],
    schema: NAME_FILTER_SCHEMA,
    renamesFields: false,
    parse(ctx, item) {
      const handles = nameFilter(ctx, item);
      if (!handles) return undefined;
      return {
        kind: 'placeholder',
        replace: (name, vars) => (handles(name) ? values(name, vars) : undefined),
      };
    },
  };
}

/**
 * `value_placeholders`: a placeholder (`%Admins_Workstations%` in a value with the `expand`
 * modifier) takes the values the pipelines' `vars` give it; a value with several matches any.
 */
export const valuePlaceholders = placeholderKind(
  'value_placeholders',
  (name, vars) => vars.get(name) ?? 'missing',
);

/** `wildcard_placeholders`: a placeholder no earlier item gave values matches anything (`*`). */
export const wildcardPlaceholders = placeholderKind('wildcard_placeholders', () => ['*']);
