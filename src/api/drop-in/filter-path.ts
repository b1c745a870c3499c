/**
 * Elasticsearch's `filter_path` response filter, as its shippers use it: Filebeat and the other
 * Beats send every `_bulk` request with `filter_path=errors,items.*.error,items.*.status`, and
 * Logstash's default bulk path carries the same, so an answer lists only what they read.
 *
 * The syntax Elasticsearch documents: comma-separated dotted paths; `*` in a name matches any
 * characters of one name (`items.*.status`, `*.err*`), `**` any number of names; a leading `-`
 * excludes a path. Arrays are transparent (a path names fields, never indexes). A field is kept
 * when an include matches it or one of its parents and no exclude does; an object or array left
 * with nothing in it is left out, as Elasticsearch leaves it out.
 */
export interface FilterPath {
  /**
   * What is kept of the value at `path`: `all` of it, `none`, or `some` (its own fields decide,
   * asked one by one).
   */
  keep(path: readonly string[]): 'all' | 'some' | 'none';
}

type Match = 'self' | 'below' | 'none';

interface Pattern {
  readonly names: readonly string[];
}

/** The filter of a `filter_path` query value; undefined for a missing or empty one. */
export function parseFilterPath(value: string | undefined): FilterPath | undefined {
  if (value === undefined) return undefined;
  const includes: Pattern[] = [];
  const excludes: Pattern[] = [];
  for (const raw of value.split(',')) {
    const text = raw.trim();
    const exclude = text.startsWith('-');
    const path = exclude ? text.slice(1) : text;
    if (path === '') continue;
    (exclude ? excludes : includes).push({ names: path.split('.') });
  }
  if (includes.length === 0 && excludes.length === 0) return undefined;
  return {
    keep(path) {
      let below = false;
      for (const p of excludes) {
        const m = match(p.names, path, 0, 0);
        if (m === 'self') return 'none';
        if (m === 'below') below = true;
      }
      let kept: 'all' | 'some' | 'none' = includes.length === 0 ? 'all' : 'none';
      for (const p of includes) {
        const m = match(p.names, path, 0, 0);
        if (m === 'self') {
          kept = 'all';
          break;
        }
        if (m === 'below') kept = 'some';
      }
      // An exclude that reaches below this value leaves only some of it.
      return kept === 'all' && below ? 'some' : kept;
    },
  };
}

/**
 * How `names[i..]` matches `path[j..]`: `self` when the pattern ends at this value or one of
 * its parents (all of it is in), `below` when the path ends first and the pattern may go on
 * into it, `none` otherwise.
 */
function match(names: readonly string[], path: readonly string[], i: number, j: number): Match {
  if (i === names.length) return 'self';
  const name = names[i] as string;
  if (name === '**') {
    const skip = match(names, path, i + 1, j);
    if (skip === 'self' || j === path.length) return skip === 'none' ? 'below' : skip;
    const deeper = match(names, path, i, j + 1);
    return deeper === 'self' || skip === 'none' ? deeper : skip;
  }
  if (j === path.length) return 'below';
  return glob(name, path[j] as string) ? match(names, path, i + 1, j + 1) : 'none';
}

/** `*` matches any run of characters (none included); everything else matches itself. */
function glob(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const parts = pattern.split('*');
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!name.startsWith(first) || name.length < first.length + last.length) return false;
  let at = first.length;
  for (let k = 1; k < parts.length - 1; k += 1) {
    const part = parts[k] as string;
    const found = name.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return name.length - last.length >= at && name.endsWith(last);
}

/**
 * `value` as `filter` leaves it (undefined when nothing of it is kept): what Elasticsearch
 * answers with this filter_path. For answers made as objects; the `_bulk` answer, written as
 * text, asks `keep` itself.
 */
export function filterValue(
  value: unknown,
  filter: FilterPath,
  path: readonly string[] = [],
): unknown {
  const kept = path.length === 0 ? 'some' : filter.keep(path);
  if (kept === 'all') return value;
  if (kept === 'none' || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    const items = value
      .map((item) =>
        item !== null && typeof item === 'object' ? filterValue(item, filter, path) : undefined,
      )
      .filter((item) => item !== undefined);
    return items.length === 0 ? undefined : items;
  }
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [key, child] of Object.entries(value)) {
    const filtered = filterValue(child, filter, [...path, key]);
    if (filtered === undefined) continue;
    out[key] = filtered;
    any = true;
  }
  return any ? out : undefined;
}
