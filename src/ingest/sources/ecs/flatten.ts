import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import { stableStringify } from '../../../shared/hash.js';

/** One value of an ECS document under its dotted field name, and where the sender put it. */
export interface EcsLeaf {
  readonly value: unknown;
  readonly at: Location;
}

/** Field name (`source.geo.city_name`) → value: every spelling of a document folded into one. */
export type FlatDocument = ReadonlyMap<string, EcsLeaf>;

/**
 * Folds an ECS document into dotted field names. Elasticsearch treats `{"user.name": "a"}` and
 * `{"user": {"name": "a"}}` as the same field, and shippers mix both spellings (Elastic's own
 * alert documents do), so both are read. A field spelt twice with different values, or a
 * field that is a value in one spelling and an object in another, is an error naming both
 * places (the first spelling is kept so the rest is still checked): picking one silently would make a rule match the wrong one. Arrays are values
 * (ECS multi-valued fields such as `event.category`); objects inside them are kept whole.
 */
export function flattenEcs(
  doc: Record<string, unknown>,
  at: Location,
): { readonly flat: FlatDocument; readonly ok: boolean } {
  const leaves = new Map<string, EcsLeaf>();
  let ok = true;
  const walk = (object: Record<string, unknown>, prefix: string, here: Location): void => {
    for (const key of Object.keys(object)) {
      const value = object[key];
      const name = prefix === '' ? key : `${prefix}.${key}`;
      const place = here.child(key);
      if (isJsonObject(value)) {
        walk(value, name, place);
        continue;
      }
      const before = leaves.get(name);
      if (before === undefined) {
        leaves.set(name, { value, at: place });
      } else if (stableStringify(before.value) !== stableStringify(value)) {
        place.error(
          `sets "${name}" to ${got(value)}, but ${before.at.path} sets it to ${got(before.value)}. ` +
            'Send the field once, either dotted or nested.',
        );
        ok = false;
      }
    }
  };
  walk(doc, '', at);
  // A value at `user` and fields under `user.` cannot both be: Elasticsearch rejects the mapping.
  const parents = new Map<string, string>();
  for (const name of leaves.keys()) {
    for (let dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
      const parent = name.slice(0, dot);
      if (!parents.has(parent)) parents.set(parent, name);
    }
  }
  for (const [name, leaf] of leaves) {
    const inner = parents.get(name);
    const innerLeaf = inner === undefined ? undefined : leaves.get(inner);
    if (innerLeaf === undefined) continue;
    leaf.at.error(
      `"${name}" is a value here (${got(leaf.value)}), but ${innerLeaf.at.path} sends fields under it. ` +
        `Move the value to a field of its own (for example "${name}.name").`,
    );
    ok = false;
  }
  // The first spelling is kept, so the rest of the document is still checked in this round.
  return { flat: leaves, ok };
}
