import fc from 'fast-check';
import { expect } from 'vitest';
import { MAX_ERRORS } from '../../../../../src/ingest/normalizers/findings.js';
import type { NormaliseResult } from '../../../../../src/ingest/normalizers/types.js';
import type { AnySourceKind } from '../../../../../src/ingest/sources/source-kind.js';
import { runKind } from '../../../../helpers/source-kind.js';

/** Bodies for a kind: random bytes, random JSON, and every kind of cut of its own samples. */
export function fuzzBodies(samples: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const cut = fc
    .tuple(fc.constantFrom(...samples), fc.nat())
    .map(([sample, at]) => sample.subarray(0, at % (sample.length + 1)));
  const flipped = fc
    .tuple(fc.constantFrom(...samples), fc.nat(), fc.integer({ min: 0, max: 255 }))
    .map(([sample, at, byte]) => {
      const copy = Buffer.from(sample);
      if (copy.length > 0) copy[at % copy.length] = byte;
      return copy;
    });
  return fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    fc.json({ maxDepth: 4 }).map((text) => Buffer.from(text)),
    cut,
    flipped,
  );
}

/** Ok with well-formed events, or located errors within the cap: never a throw. */
export function checkResult(result: NormaliseResult): void {
  if (result.ok) {
    for (const event of result.events) {
      expect(typeof event.id).toBe('string');
      expect(Number.isInteger(event.time)).toBe(true);
      for (const value of Object.values(event.measures)) expect(Number.isFinite(value)).toBe(true);
      for (const value of Object.values(event.labels)) expect(typeof value).toBe('string');
      expect(() => JSON.stringify(event)).not.toThrow();
    }
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  expect(result.errors.length).toBeLessThanOrEqual(MAX_ERRORS);
  for (const error of result.errors) {
    expect(error.path).toMatch(/^(\/[^/]*)*$/);
    expect(error.reason.trim().length).toBeGreaterThan(0);
  }
}

export async function fuzzKind(
  kind: AnySourceKind,
  samples: readonly Buffer[],
  headerSets: readonly Record<string, string>[],
  contentTypes: readonly string[],
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fuzzBodies(samples),
      fc.constantFrom(...headerSets),
      fc.constantFrom(...contentTypes),
      async (body, headers, contentType) => {
        checkResult(await runKind(kind, body, { headers, contentType }));
      },
    ),
    { numRuns: 200 },
  );
}
