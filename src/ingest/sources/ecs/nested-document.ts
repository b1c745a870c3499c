import type { Location } from '../../normalizers/findings.js';
import { isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import type { EcsLeaf, FlatDocument } from './flatten.js';
import { isCurrent, knownFieldSlot, knownValue, walkKnownFields } from './known-fields.js';
import type { KnownField } from './known-fields.js';

/**
 * A document without dotted or empty keys, read in place: field `a.b.c` is the value at
 * `doc.a.b.c` when that is not an object, exactly the field flattenEcs would fold it to.
 * Readers ask for some eighty fields by name and a document holds a few dozen, so looking each
 * up where it sits is cheaper than first copying every field into a map.
 */
export class NestedDocument implements FlatDocument {
  /** The generation of the shared slots holding this document's wanted fields. */
  readonly #gen: number;

  /** Use `NestedDocument.of`: only a document without dotted or empty keys can be read in place. */
  private constructor(
    private readonly doc: JsonObject,
    private readonly at: Location,
    gen: number,
  ) {
    this.#gen = gen;
  }

  /**
   * The document read in place, or undefined when a key at some depth is dotted
   * (`"user.name"`) or empty: only then can two places share a field name, so only then must
   * the document be folded and checked (flattenEcs). One walk decides that and finds the
   * reader's own fields.
   */
  static of(doc: JsonObject, at: Location): NestedDocument | undefined {
    const gen = walkKnownFields(doc);
    return gen === undefined ? undefined : new NestedDocument(doc, at, gen);
  }

  get(name: string): EcsLeaf | undefined {
    const value = this.value(name);
    return value === undefined ? undefined : new PathLeaf(value, this.at, pathOf(name));
  }

  value(name: string): unknown {
    const slot = knownFieldSlot(name);
    if (slot !== undefined && isCurrent(this.#gen)) return knownValue(this.#gen, slot);
    return this.#walk(name);
  }

  known(field: KnownField): unknown {
    return isCurrent(this.#gen) ? knownValue(this.#gen, field.slot) : this.#walk(field.name);
  }

  #walk(name: string): unknown {
    let value: unknown = this.doc;
    for (const key of pathOf(name)) {
      if (!isJsonObject(value)) return undefined;
      const inner = value[key];
      if (inner === undefined || !Object.hasOwn(value, key)) return undefined;
      value = inner;
    }
    return isJsonObject(value) ? undefined : value;
  }

  names(): string[] {
    const names: string[] = [];
    collect(this.doc, '', names);
    return names;
  }

  namesUnder(prefix: string): string[] {
    let value: unknown = this.doc;
    for (const key of pathOf(prefix)) {
      if (!isJsonObject(value) || !Object.hasOwn(value, key)) return [];
      value = value[key];
    }
    const names: string[] = [];
    if (isJsonObject(value)) collect(value, prefix, names);
    return names;
  }
}

/** Field names of the values under `object`, depth first in key order (as flattenEcs). */
function collect(object: JsonObject, prefix: string, out: string[]): void {
  for (const key of Object.keys(object)) {
    const value = object[key];
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (isJsonObject(value)) collect(value, name, out);
    else out.push(name);
  }
}

/** A field's value; its Location (the same chain flattenEcs builds) is made when asked for. */
class PathLeaf implements EcsLeaf {
  #at: Location | undefined;

  constructor(
    readonly value: unknown,
    private readonly root: Location,
    private readonly path: readonly string[],
  ) {}

  get at(): Location {
    if (this.#at === undefined) {
      let at = this.root;
      for (const key of this.path) at = at.child(key);
      this.#at = at;
    }
    return this.#at;
  }
}

/** Most names asked for are the readers' own constants: their paths are split once. */
const PATHS = new Map<string, readonly string[]>();
const MAX_PATHS = 4_096;

function pathOf(name: string): readonly string[] {
  let path = PATHS.get(name);
  if (path === undefined) {
    path = name.split('.');
    // Names from a sender's document (labels.*) are not kept once the table is full.
    if (PATHS.size < MAX_PATHS) PATHS.set(name, path);
  }
  return path;
}
