import { ENTITY_FIELDS, GEO_FIELDS, TEXT_FIELDS } from '../../canonical-event.js';
import type { EntityField } from '../../canonical-event.js';
import { isOneOf, RESERVED_LABEL_PREFIX } from '../../normalizers/canonical-maps.js';
import { closest } from '../../normalizers/unknown-key.js';

/** A field of the canonical event a mapping can fill, parsed from its dotted name. */
export type Target =
  | {
      readonly kind: 'top';
      readonly field: 'kind' | 'name' | 'time' | 'severity' | 'outcome' | 'id';
    }
  | { readonly kind: 'entity'; readonly field: EntityField }
  | { readonly kind: 'geo'; readonly field: (typeof GEO_FIELDS)[number] }
  | { readonly kind: 'measures'; readonly field: string }
  | { readonly kind: 'labels'; readonly field: string }
  | { readonly kind: 'text'; readonly field: (typeof TEXT_FIELDS)[number] };

const TOP = ['kind', 'name', 'time', 'severity', 'outcome', 'id'] as const;
const MAP_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;

/** Every fixed target name, for "did you mean" hints. */
export const TARGET_NAMES: readonly string[] = [
  ...TOP,
  ...ENTITY_FIELDS.map((f) => `entity.${f}`),
  ...GEO_FIELDS.map((f) => `entity.geo.${f}`),
  ...TEXT_FIELDS.map((f) => `text.${f}`),
  'measures.<name>',
  'labels.<name>',
];

export function parseTarget(name: string): Target | { readonly reason: string } {
  if (isOneOf(name, TOP)) return { kind: 'top', field: name };
  const [head, ...rest] = name.split('.');
  const tail = rest.join('.');
  if (head === 'entity' && rest[0] === 'geo' && rest.length === 2 && isOneOf(rest[1], GEO_FIELDS))
    return { kind: 'geo', field: rest[1] };
  if (head === 'entity' && isOneOf(tail, ENTITY_FIELDS)) return { kind: 'entity', field: tail };
  if (head === 'text' && isOneOf(tail, TEXT_FIELDS)) return { kind: 'text', field: tail };
  if (head === 'measures' || head === 'labels') {
    if (!MAP_KEY.test(tail))
      return {
        reason: `"${name}": name the ${head === 'labels' ? 'label' : 'measure'} after "${head}." with letters, digits, "_", ".", ":", "/" or "-" (at most 128), e.g. "${head}.${head === 'labels' ? 'monitor_id' : 'drift_score'}".`,
      };
    if (head === 'labels' && tail.startsWith(RESERVED_LABEL_PREFIX))
      return {
        reason: `"${name}": labels under "${RESERVED_LABEL_PREFIX}" are reserved for Cordon; choose another name.`,
      };
    return { kind: head, field: tail };
  }
  const hint = closest(name, TARGET_NAMES);
  return {
    reason: `"${name}" is not a canonical field.${hint !== undefined ? ` Did you mean "${hint}"?` : ''} Map onto one of: ${TARGET_NAMES.join(', ')}.`,
  };
}

export function targetName(target: Target): string {
  switch (target.kind) {
    case 'top':
      return target.field;
    case 'geo':
      return `entity.geo.${target.field}`;
    default:
      return `${target.kind}.${target.field}`;
  }
}
