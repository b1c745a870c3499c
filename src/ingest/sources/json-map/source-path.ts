import type { Location } from '../../normalizers/findings.js';
import { getOwn, isJsonObject } from '../../normalizers/json-values.js';

/**
 * Where a value sits in a sender's payload, written as users write paths: `data.user.email`,
 * `alerts[0].labels`, `tags["app.kubernetes.io/name"]` for keys with dots or brackets, and
 * `$.receiver` for the body's top level when the mapping fans out `items:`.
 */
export interface SourcePath {
  readonly text: string;
  /** `body`: from the top of the body (`$.`), not from the item being mapped. */
  readonly root: 'item' | 'body';
  readonly segments: readonly (string | number)[];
}

export type SourcePathParse =
  | { readonly ok: true; readonly path: SourcePath }
  | { readonly ok: false; readonly reason: string };

const NAME = /^[^.[\]"]+/;

export function parseSourcePath(text: string): SourcePathParse {
  const fail = (detail: string): SourcePathParse => ({
    ok: false,
    reason: `${JSON.stringify(text)} is not a path: ${detail} Write names joined by dots, [n] for array positions and ["…"] for keys with dots, e.g. "data.alerts[0].labels".`,
  });
  let rest = text.trim();
  if (rest === '') return fail('it is empty.');
  let root: SourcePath['root'] = 'item';
  if (rest === '$') return fail('"$" alone is the whole body; name a field under it ("$.field").');
  if (rest.startsWith('$.') || rest.startsWith('$[')) {
    root = 'body';
    rest = rest.slice(rest.startsWith('$.') ? 2 : 1);
  }
  const segments: (string | number)[] = [];
  let expectName = true;
  while (rest !== '') {
    if (rest.startsWith('[')) {
      const index = /^\[(\d{1,9})\]/.exec(rest);
      const quoted = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest);
      if (index) {
        segments.push(Number(index[1]));
        rest = rest.slice(index[0].length);
      } else if (quoted) {
        const key = unescapeKey(quoted[1] ?? '');
        if (key === undefined) return fail(`the key "${quoted[1] ?? ''}" has a bad escape.`);
        segments.push(key);
        rest = rest.slice(quoted[0].length);
      } else {
        return fail(`"${rest.slice(0, 20)}" is not [n] or ["key"].`);
      }
      expectName = false;
      continue;
    }
    if (rest.startsWith('.')) {
      if (expectName) return fail('it has an empty name (two dots, or a leading dot).');
      rest = rest.slice(1);
      expectName = true;
      if (rest === '') return fail('it ends with a dot.');
      continue;
    }
    if (!expectName) return fail(`a "." or "[" is missing before "${rest.slice(0, 20)}".`);
    const name = NAME.exec(rest);
    if (!name) return fail(`"${rest.slice(0, 20)}" has a stray quote.`);
    segments.push(name[0]);
    rest = rest.slice(name[0].length);
    expectName = false;
  }
  return { ok: true, path: { text, root, segments } };
}

export interface Found {
  /** undefined when the path leads nowhere (a missing key, a short array, a wrong type). */
  readonly value: unknown;
  /** Where the value is (or would be) in the body, for located errors. */
  readonly at: Location;
}

/** Follows a path through own properties and array positions only (never prototypes). */
export function readSourcePath(
  path: SourcePath,
  item: { readonly value: unknown; readonly at: Location },
  body: { readonly value: unknown; readonly at: Location },
): Found {
  const start = path.root === 'body' ? body : item;
  let value: unknown = start.value;
  let at = start.at;
  for (const segment of path.segments) {
    at = at.child(segment);
    if (typeof segment === 'number')
      value = Array.isArray(value) ? (value[segment] as unknown) : undefined;
    else value = isJsonObject(value) ? getOwn(value, segment) : undefined;
  }
  return { value, at };
}

/** A bracketed key's JSON-style escapes (`\"`, `\\`); undefined if one is not valid JSON. */
function unescapeKey(text: string): string | undefined {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return undefined;
  }
}
