import fc from 'fast-check';
import { expect } from 'vitest';
import { MAX_ERRORS } from '../../../../../src/ingest/normalizers/findings.js';
import type { FieldError, NormaliseResult } from '../../../../../src/ingest/normalizers/types.js';
import type { AnySourceKind } from '../../../../../src/ingest/sources/source-kind.js';
import { fixtureBytes, runKind } from '../../../../helpers/source-kind.js';
import type { RunOptions } from '../../../../helpers/source-kind.js';

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

/** Checks a result is well-formed: events with ids and integer times, or located errors. */
export function checkShape(result: NormaliseResult): void {
  if (result.ok) {
    for (const event of result.events) {
      expect(typeof event.id).toBe('string');
      expect(Number.isInteger(event.time)).toBe(true);
      for (const value of Object.values(event.measures)) expect(Number.isFinite(value)).toBe(true);
      for (const value of Object.values(event.labels)) expect(typeof value).toBe('string');
      expect(() => JSON.stringify(event)).not.toThrow();
    }
    for (const item of result.rejected ?? []) expect(item.errors.length).toBeGreaterThan(0);
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  expect(result.errors.length).toBeLessThanOrEqual(MAX_ERRORS);
  for (const error of result.errors) {
    expect(error.path).toMatch(/^(\/[^/]*)*$/);
    expect(error.reason.trim().length).toBeGreaterThan(0);
  }
}

/**
 * Random bytes, random JSON and every-length truncations of the given samples: the kind
 * must answer each with events or located errors, never throw.
 */
export async function fuzzKind(
  kind: AnySourceKind,
  samples: readonly string[],
  run: RunOptions = {},
): Promise<void> {
  const texts = samples.map((path) => fixtureBytes(path).toString('utf8'));
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value))),
    fc.string({ maxLength: 200 }).map((text) => Buffer.from(text)),
    fc
      .tuple(fc.constantFrom(...texts), fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([text, cut]) => Buffer.from(text.slice(0, Math.floor(text.length * cut)))),
    fc
      .tuple(fc.constantFrom(...texts), fc.nat(), fc.string({ minLength: 1, maxLength: 5 }))
      .map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return Buffer.from(text.slice(0, i) + insert + text.slice(i));
      }),
  );
  await fc.assert(
    fc.asyncProperty(bodies, async (body) => {
      checkShape(await runKind(kind, body, run));
    }),
    { numRuns: 200 },
  );
}
