import { got } from '../../normalizers/json-values.js';
import type { FlatDocument } from './flatten.js';
import type { KnownField } from './known-fields.js';

/** A field by its dotted name, or one of the reader's own fields with its slot (faster). */
export type FieldRef = string | KnownField;

/**
 * Typed reads of a flattened ECS document. Every bad value is reported where the sender put
 * it and remembered in `failed`, so one document's problems all come back together.
 * Elasticsearch stores any field as an array of values, so a one-element array counts as its
 * value; numbers in strings are read as numbers, as Elasticsearch's default `coerce` does.
 */
export class EcsFields {
  #failed = false;

  constructor(readonly flat: FlatDocument) {}

  get failed(): boolean {
    return this.#failed;
  }

  has(name: FieldRef): boolean {
    const value = this.#value(name);
    return value !== undefined && value !== null;
  }

  /** Names of the document's fields under `prefix.` (their full dotted names). */
  namesUnder(prefix: string): string[] {
    return this.flat.namesUnder(prefix);
  }

  /** A single text value (numbers and booleans as text); blank or null = absent. */
  text(name: FieldRef): string | undefined {
    return this.#text(name, this.#value(name));
  }

  /** `text` of a value already looked up (each lookup counts, a hundred per document). */
  #text(name: FieldRef, found: unknown): string | undefined {
    const value = single(found);
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'string') return value.trim() === '' ? undefined : value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.#fail(
      name,
      Array.isArray(value)
        ? `must be one value; got ${got(value)}. Send a single value for this field.`
        : `must be a text value; got ${got(value)}.`,
    );
    return undefined;
  }

  /** Text or a list of scalars joined with "," (ECS multi-valued fields such as `tags`). */
  textList(name: FieldRef): string | undefined {
    const list = this.#value(name);
    if (list === undefined) return undefined;
    if (!Array.isArray(list)) return this.#text(name, list);
    const items: unknown[] = list;
    const parts: string[] = [];
    for (const item of items) {
      if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')
        parts.push(String(item));
      else if (item !== null) {
        this.#fail(name, `must be a list of text values; got ${got(list)}.`);
        return undefined;
      }
    }
    return parts.length === 0 ? undefined : parts.join(',');
  }

  /** The values of a keyword list (`event.category`), lower-cased; a lone value is a list of one. */
  keywords(name: FieldRef): string[] {
    const value = this.#value(name);
    if (value === undefined || value === null) return [];
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.every((v) => typeof v === 'string')) return values.map((v) => v.toLowerCase());
    this.#fail(name, `must be a keyword or a list of keywords; got ${got(value)}.`);
    return [];
  }

  /** A finite number; a numeric string is read as its number. */
  number(name: FieldRef): number | undefined {
    const value = single(this.#value(name));
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
      return Number(value);
    this.#fail(name, `must be a finite number; got ${got(value)}.`);
    return undefined;
  }

  /** Reports a problem with a field at the place the sender wrote it. */
  error(name: FieldRef, reason: string): void {
    this.#fail(name, reason);
  }

  raw(name: FieldRef): unknown {
    return this.#value(name);
  }

  #value(name: FieldRef): unknown {
    return typeof name === 'string' ? this.flat.value(name) : this.flat.known(name);
  }

  #fail(name: FieldRef, reason: string): void {
    const leaf = this.flat.get(typeof name === 'string' ? name : name.name);
    if (leaf !== undefined) leaf.at.error(reason);
    this.#failed = true;
  }
}

function single(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const list: unknown[] = value;
  return list.length === 1 ? list[0] : list.length === 0 ? undefined : value;
}
