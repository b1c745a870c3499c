import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import { stableStringify } from '../../../shared/hash.js';
import { NestedDocument } from './nested-document.js';
import type { KnownField } from './known-fields.js';

/** One value of an ECS document under its dotted field name, and where the sender put it. */
export interface EcsLeaf {
  readonly value: unknown;
  readonly at: Location;
}

/** Field name (`source.geo.city_name`) → value: every spelling of a document folded into one. */
export interface FlatDocument {
  get(name: string): EcsLeaf | undefined;
  /** The field's value alone (what `get(name)?.value` is), without making a leaf for it. */
  value(name: string): unknown;
  /** The value of one of the reader's own fields (see known-fields.ts), as `value` gives it. */
  known(field: KnownField): unknown;
  /** Every field's name, in the order the document holds them. */
  names(): string[];
  /** The names of the fields under `prefix.` (their full dotted names), in document order. */
  namesUnder(prefix: string): string[];
}

/**
 * Folds an ECS document into dotted field names. Elasticsearch treats `{"user.name": "a"}` and
 * `{"user": {"name": "a"}}` as the same field, and shippers mix both spellings (Elastic's own
 * alert documents do), so both are read. A field spelt twice with different values, or a
 * field that is a value in one spelling and an object in another, is an error naming both
 * places (the first spelling is kept so the rest is still checked): picking one silently would
 * make a rule match the wrong one. Arrays are values (ECS multi-valued fields such as
 * `event.category`); objects inside them are kept whole.
 *
 * A document with no dotted (or empty) key, as Beats and most shippers write them, has its
 * names one-to-one with its places and nothing to check: it is read in place (NestedDocument)
 * instead of being copied into a map, field by field.
 */
export function flattenEcs(
  doc: Record<string, unknown>,
  at: Location,
): { readonly flat: FlatDocument; readonly ok: boolean } {
  const nested = NestedDocument.of(doc, at);
  if (nested !== undefined) return { flat: nested, ok: true };
  const leaves = new Map<string, EcsLeaf>();
  let ok = true;
  const walk = (object: Record<string, unknown>, prefix: string, here: Place): void => {
    for (const key of Object.keys(object)) {
      const value = object[key];
      const name = prefix === '' ? key : `${prefix}.${key}`;
      if (isJsonObject(value)) {
        walk(value, name, new Leaf(value, here, key));
        continue;
      }
      const before = leaves.get(name);
      if (before === undefined) {
        leaves.set(name, new Leaf(value, here, key));
      } else if (stableStringify(before.value) !== stableStringify(value)) {
        new Leaf(value, here, key).at.error(
          `sets "${name}" to ${got(value)}, but ${before.at.path} sets it to ${got(before.value)}. ` +
            'Send the field once, either dotted or nested.',
        );
        ok = false;
      }
    }
  };
  walk(doc, '', at);
  ok = checkValueParents(leaves) && ok;
  // The first spelling is kept, so the rest of the document is still checked in this round.
  return { flat: new MapDocument(leaves), ok };
}

/** A value at `user` and fields under `user.` cannot both be: Elasticsearch rejects the mapping. */
function checkValueParents(leaves: ReadonlyMap<string, EcsLeaf>): boolean {
  let ok = true;
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
  return ok;
}

/** The fields of a document that mixes spellings, folded into one map. */
class MapDocument implements FlatDocument {
  constructor(private readonly leaves: ReadonlyMap<string, EcsLeaf>) {}

  get(name: string): EcsLeaf | undefined {
    return this.leaves.get(name);
  }

  value(name: string): unknown {
    return this.leaves.get(name)?.value;
  }

  known(field: KnownField): unknown {
    return this.leaves.get(field.name)?.value;
  }

  names(): string[] {
    return [...this.leaves.keys()];
  }

  namesUnder(prefix: string): string[] {
    const start = `${prefix}.`;
    return this.names().filter((name) => name.startsWith(start));
  }
}

type Place = Leaf | Location;

/**
 * A value and the place it was read from. The place's Location is made only when something
 * is reported there: documents are read by the thousand, and almost all of their fields are
 * fine.
 */
class Leaf implements EcsLeaf {
  #at: Location | undefined;

  constructor(
    readonly value: unknown,
    private readonly parent: Place,
    private readonly key: string,
  ) {}

  get at(): Location {
    this.#at ??= (this.parent instanceof Leaf ? this.parent.at : this.parent).child(this.key);
    return this.#at;
  }
}
