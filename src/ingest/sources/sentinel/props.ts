import type { Location } from '../../normalizers/findings.js';
import { isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';

/** A property found under one of its spellings: its value and where it is. */
export interface Prop {
  readonly value: unknown;
  readonly at: Location;
}

/**
 * Sentinel spells one field differently by channel: PascalCase in Log Analytics tables
 * (`AlertName`, `StartTime`), camelCase in ARM and playbook triggers (`alertDisplayName`,
 * `startTimeUtc`). A Props reads the first of several names, exactly or ignoring case.
 */
export class Props {
  readonly #lower = new Map<string, string>();

  constructor(
    readonly object: JsonObject,
    readonly at: Location,
  ) {
    for (const key of Object.keys(object))
      if (!this.#lower.has(key.toLowerCase())) this.#lower.set(key.toLowerCase(), key);
  }

  get(...names: string[]): Prop | undefined {
    for (const name of names) {
      const key = Object.hasOwn(this.object, name) ? name : this.#lower.get(name.toLowerCase());
      if (key === undefined) continue;
      const value = this.object[key];
      if (value === undefined || value === null) continue;
      return { value, at: this.at.child(key) };
    }
    return undefined;
  }

  text(...names: string[]): string | undefined {
    const found = this.get(...names);
    if (found === undefined) return undefined;
    const v = found.value;
    if (typeof v === 'string') return v === '' ? undefined : v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string'))
      return v.length === 0 ? undefined : v.join(',');
    return undefined;
  }

  child(...names: string[]): Props | undefined {
    const found = this.get(...names);
    return found !== undefined && isJsonObject(found.value)
      ? new Props(found.value, found.at)
      : undefined;
  }
}
