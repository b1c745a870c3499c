import type { ErrorCode } from './error-codes.js';
import { describe } from './duration.js';
import type { DiagnosticSink, YamlPath } from './yaml.js';

/**
 * Small helpers for validating hand-written YAML: every check reports through a
 * DiagnosticSink (with the node's position) and returns whether the value is usable,
 * so validators keep going and report every problem at once.
 */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectMapping(
  sink: DiagnosticSink,
  path: YamlPath,
  value: unknown,
  what: string,
): value is Record<string, unknown> {
  if (isMapping(value)) return true;
  sink.error(
    path,
    'CORDON_ERR_YAML_NOT_MAPPING',
    `${what} must be a mapping; got ${describe(value)}.`,
  );
  return false;
}

export interface KeySpec {
  readonly required?: readonly string[];
  readonly optional?: readonly string[];
}

/** Reports missing required keys and unknown keys (suggesting the closest known key). */
export function checkKeys(
  sink: DiagnosticSink,
  path: YamlPath,
  value: Record<string, unknown>,
  what: string,
  spec: KeySpec,
): void {
  const required = spec.required ?? [];
  const known = [...required, ...(spec.optional ?? [])];
  for (const key of required) {
    if (value[key] === undefined || value[key] === null) {
      sink.error(
        path,
        'CORDON_ERR_DEFINITION_REQUIRED',
        `${what} is missing required key "${key}". Add it.`,
      );
    }
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const hint = suggest(key, known);
    sink.error(
      [...path, key],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      `${what} has unknown key "${key}".${hint ? ` Did you mean "${hint}"?` : ` Known keys: ${known.join(', ')}.`}`,
      true,
    );
  }
}

export function expectString(
  sink: DiagnosticSink,
  path: YamlPath,
  value: unknown,
  what: string,
  code: ErrorCode = 'CORDON_ERR_DEFINITION_TYPE',
): value is string {
  if (typeof value === 'string' && value.trim() !== '') return true;
  sink.error(path, code, `${what} must be a non-empty string; got ${describe(value)}.`);
  return false;
}

/** Accepts a string or a list of strings; returns the list, or undefined after reporting. */
export function expectStringList(
  sink: DiagnosticSink,
  path: YamlPath,
  value: unknown,
  what: string,
): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (
    Array.isArray(list) &&
    list.length > 0 &&
    list.every((v) => typeof v === 'string' && v !== '')
  ) {
    return list as string[];
  }
  sink.error(
    path,
    'CORDON_ERR_DEFINITION_TYPE',
    `${what} must be a non-empty list of strings; got ${describe(value)}.`,
  );
  return undefined;
}

/** The candidate closest to `name` by edit distance, if it is close enough to be a typo. */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))
    ? best
    : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min(
        (row[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}
