import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { stableStringify } from '../../../shared/hash.js';

/** One field of an alert document under its full dotted name, and where it was written. */
export interface FlatField {
  readonly value: unknown;
  readonly at: Location;
  /** How many object levels it was nested in: the dotted spelling is the shallower one. */
  readonly depth: number;
}

export type FlatDocument = ReadonlyMap<string, FlatField>;

/**
 * Elastic alert `_source` mixes dotted top-level keys (`"kibana.alert.rule.name"`) with nested
 * ECS objects (`"user": {"name": …}`), and one document may spell a field both ways
 * (ingest-formats §2.2). Both are read into one map of dotted names. Two spellings with the
 * same value are fine; with different values the document contradicts itself, which is
 * reported at the dotted spelling (the one a user is likelier to have added). Arrays are
 * values, not objects to descend into (ancestors, threat).
 */
export function flattenDocument(doc: JsonObject, at: Location): FlatDocument {
  const out = new Map<string, FlatField>();
  walk(doc, '', at, 0, out);
  return out;
}

function walk(
  node: JsonObject,
  prefix: string,
  at: Location,
  depth: number,
  out: Map<string, FlatField>,
): void {
  for (const [key, value] of Object.entries(node)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    const here = at.child(key);
    if (isJsonObject(value) && Object.keys(value).length > 0) {
      walk(value, name, here, depth + 1, out);
      continue;
    }
    const before = out.get(name);
    if (before === undefined) {
      out.set(name, { value, at: here, depth });
      continue;
    }
    if (stableStringify(before.value) === stableStringify(value)) continue;
    const [dotted, other] =
      depth <= before.depth ? [{ at: here, value }, before] : [before, { at: here, value }];
    dotted.at.error(
      `spells "${name}" a second time with another value: ${got(dotted.value)} here, ${got(other.value)} at ${other.at.path}. ` +
        'Send the field once, either dotted or nested.',
    );
  }
}
