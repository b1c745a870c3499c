import { expect } from 'vitest';
import type { FieldError, NormaliseResult } from '../../../../../src/ingest/normalizers/types.js';

/** Errors of a refused body; fails the test if it was accepted. */
export function errorsOf(result: NormaliseResult): FieldError[] {
  if (result.ok) throw new Error(`expected errors, got ${result.events.length} events`);
  return result.errors;
}

/** The exact set of error paths, and phrases the reasons at each path must contain. */
export function expectErrorsAt(
  errors: readonly FieldError[],
  phrases: Record<string, string | string[]>,
): void {
  expect([...new Set(errors.map((e) => e.path))].sort()).toEqual(Object.keys(phrases).sort());
  for (const [path, wanted] of Object.entries(phrases)) {
    const reasons = errors.filter((e) => e.path === path).map((e) => e.reason);
    for (const phrase of typeof wanted === 'string' ? [wanted] : wanted)
      expect(
        reasons.some((r) => r.includes(phrase)),
        `${path} says "${phrase}": ${reasons.join(' | ')}`,
      ).toBe(true);
  }
}
