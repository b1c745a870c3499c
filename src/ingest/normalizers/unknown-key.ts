import type { Location } from './findings.js';
import { truncate } from './json-values.js';
import { suggest } from '../../shared/shape.js';

/** Rejects a key a strict schema does not know, naming the closest known key (typos). */
export function reportUnknownKey(
  at: Location,
  key: string,
  known: readonly string[],
  what: string,
): void {
  const hint = closest(key, known);
  at.error(
    `${JSON.stringify(truncate(key))} is not a field of ${what}.` +
      (hint !== undefined ? ` Did you mean "${hint}"?` : ` Known fields: ${known.join(', ')}.`),
  );
}

/**
 * The known name a sender most likely meant: the closest by edit distance, else one sharing
 * its first four letters (`failed` → `failure` is too many edits away but obvious).
 */
export function closest(name: string, known: readonly string[]): string | undefined {
  const byEdits = suggest(name, known);
  if (byEdits !== undefined || name.length < 4) return byEdits;
  const stem = name.slice(0, 4).toLowerCase();
  return known.find((candidate) => candidate.toLowerCase().startsWith(stem));
}
