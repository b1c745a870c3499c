import fc from 'fast-check';
import { expect } from 'vitest';
import { MAX_ERRORS } from '../../../../../src/ingest/normalizers/findings.js';
import type { NormaliseResult } from '../../../../../src/ingest/normalizers/types.js';
import type { AnySourceKind } from '../../../../../src/ingest/sources/source-kind.js';
import { runKind } from '../../../../helpers/source-kind.js';

const RUNS = 200;

/** Ok with well-formed events, or located errors within the cap; never a throw. */
export function checkResult(result: NormaliseResult): void {
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
 * Random bytes, random JSON (also shaped like the samples) and every kind of truncation of the
 * samples: the kind must answer each with events or located errors, never throw or hang.
 */
export async function fuzzKind(
  kind: AnySourceKind,
  samples: readonly Buffer[],
  contentType?: string,
): Promise<void> {
  const run = async (body: Buffer): Promise<void> => {
    checkResult(await runKind(kind, body, contentType === undefined ? {} : { contentType }));
  };
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), (bytes) => run(Buffer.from(bytes))),
    { numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), (value) =>
      run(Buffer.from(JSON.stringify(value))),
    ),
    { numRuns: RUNS },
  );
  const parsed = samples.flatMap((s) => {
    try {
      return [JSON.parse(s.toString('utf8')) as unknown];
    } catch {
      return [];
    }
  });
  if (parsed.length > 0)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...parsed),
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }),
        fc.jsonValue({ maxDepth: 2 }),
        (base, path, replacement) =>
          run(Buffer.from(JSON.stringify(replaceAt(base, path, replacement)))),
      ),
      { numRuns: RUNS },
    );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...samples), fc.nat(), (sample, cut) =>
      run(sample.subarray(0, cut % (sample.length + 1))),
    ),
    { numRuns: RUNS },
  );
}

/** The sample with the value at a (random, possibly missing) path swapped for another. */
function replaceAt(base: unknown, path: readonly string[], replacement: unknown): unknown {
  const copy = structuredClone(base);
  let node: unknown = copy;
  for (const [i, segment] of path.entries()) {
    if (node === null || typeof node !== 'object') break;
    const keys = Object.keys(node);
    const key = keys.length === 0 ? segment : (keys[segment.length % keys.length] ?? segment);
    if (i === path.length - 1) (node as Record<string, unknown>)[key] = replacement;
    else node = (node as Record<string, unknown>)[key];
  }
  return copy;
}
