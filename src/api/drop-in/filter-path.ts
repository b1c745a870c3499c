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
  /**
   * Whether a scalar at `path` is written: an exclude reaching below a scalar names nothing
   * in it, so only an exclude of the path itself (or a parent), or no include reaching it,
   * leaves it out (Elasticsearch keeps scalars under an exclusive filter).
   */
  keepsLeaf(path: readonly string[]): boolean;
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
    // `**.**` means what `**` means; a run of them, kept, made matching polynomial in its
    // length (a filter_path of a few hundred `**.` took minutes per answer).
    const names = path.split('.').filter((n, k, all) => n !== '**' || all[k - 1] !== '**');
    (exclude ? excludes : includes).push({ names });
  }
  if (includes.length === 0 && excludes.length === 0) return undefined;
  // An answer asks about a handful of distinct paths, once per item: each is decided once
  // (a long filter_path costs its length per path, not per item).
  const decided = new Map<string, { kept: 'all' | 'some' | 'none'; leaf: boolean }>();
  const decide = (path: readonly string[]): { kept: 'all' | 'some' | 'none'; leaf: boolean } => {
    const key = path.join('\u0000');
    let d = decided.get(key);
    if (d === undefined) {
      d = decideFresh(includes, excludes, path);
      decided.set(key, d);
    }
    return d;
  };
  return {
    keep: (path) => decide(path).kept,
    keepsLeaf: (path) => decide(path).leaf,
  };
}

function decideFresh(
  includes: readonly Pattern[],
  excludes: readonly Pattern[],
  path: readonly string[],
): { kept: 'all' | 'some' | 'none'; leaf: boolean } {
  let below = false;
  for (const p of excludes) {
    const m = match(p.names, path);
    if (m === 'self') return { kept: 'none', leaf: false };
    if (m === 'below') below = true;
  }
  let kept: 'all' | 'some' | 'none' = includes.length === 0 ? 'all' : 'none';
  for (const p of includes) {
    const m = match(p.names, path);
    if (m === 'self') {
      kept = 'all';
      break;
    }
    if (m === 'below') kept = 'some';
  }
  // An exclude that reaches below this value leaves only some of it (a scalar all of it).
  return { kept: kept === 'all' && below ? 'some' : kept, leaf: kept === 'all' };
}

/**
 * How `names[i..]` matches `path[j..]`: `self` when the pattern ends at this value or one of
 * its parents (all of it is in), `below` when the path ends first and the pattern may go on
 * into it, `none` otherwise.
 */
function match(
  names: readonly string[],
  path: readonly string[],
  i = 0,
  j = 0,
  memo = new Map<number, Match>(),
): Match {
  if (i === names.length) return 'self';
  // Each (i, j) is decided once: with several `**` the ways to split a path between them
  // grow with its length to the power of their number.
  const at = i * (path.length + 1) + j;
  const known = memo.get(at);
  if (known !== undefined) return known;
  const name = names[i] as string;
  let m: Match;
  if (name === '**') {
    const skip = match(names, path, i + 1, j, memo);
    if (skip === 'self' || j === path.length) m = skip === 'none' ? 'below' : skip;
    else {
      const deeper = match(names, path, i, j + 1, memo);
      m = deeper === 'self' || skip === 'none' ? deeper : skip;
    }
  } else if (j === path.length) m = 'below';
  else m = glob(name, path[j] as string) ? match(names, path, i + 1, j + 1, memo) : 'none';
  memo.set(at, m);
  return m;
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
  if (kept === 'none') return undefined;
  if (value === null || typeof value !== 'object')
    return path.length > 0 && filter.keepsLeaf(path) ? value : undefined;
  if (Array.isArray(value)) {
    const items = value
      .map((item) => filterValue(item, filter, path))
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
