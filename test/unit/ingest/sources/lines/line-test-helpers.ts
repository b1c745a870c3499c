import { expect } from 'vitest';
import type { NormaliseResult } from '../../../../../src/ingest/normalizers/types.js';
import { fixtureBytes } from '../../../../helpers/source-kind.js';

export function sample(name: string): Buffer {
  return fixtureBytes(`samples/ingest/${name}`);
}

/** The rejected items of a partial batch: index → { path: phrase }. */
export function expectRejected(
  result: NormaliseResult,
  accepted: number,
  phrases: Record<string, string | string[]>,
): void {
  if (!result.ok)
    throw new Error(`expected a partial batch, got:\n${JSON.stringify(result.errors, null, 2)}`);
  expect(result.events).toHaveLength(accepted);
  const errors = (result.rejected ?? []).flatMap((item) => item.errors);
  expect(errors.map((e) => e.path).sort()).toEqual(Object.keys(phrases).sort());
  for (const error of errors)
    for (const phrase of [phrases[error.path] ?? []].flat())
      expect(error.reason, `reason at ${error.path}`).toContain(phrase);
}

/** A body refused whole: exact paths, a phrase of each reason. */
export function expectRefused(
  result: NormaliseResult,
  phrases: Record<string, string | string[]>,
): void {
  if (result.ok) throw new Error(`expected errors, got ${result.events.length} events`);
  expect(result.errors.map((e) => e.path).sort()).toEqual(Object.keys(phrases).sort());
  for (const error of result.errors)
    for (const phrase of [phrases[error.path] ?? []].flat())
      expect(error.reason, `reason at ${error.path}`).toContain(phrase);
}
