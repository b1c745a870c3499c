import fc from 'fast-check';
import { expect } from 'vitest';
import { MAX_ERRORS } from '../../../../../src/ingest/normalizers/findings.js';
import type { NormaliseResult } from '../../../../../src/ingest/normalizers/types.js';
import type { AnySourceKind } from '../../../../../src/ingest/sources/source-kind.js';
import { runKind } from '../../../../helpers/source-kind.js';

/** Every JSON Pointer-ish path (as key lists) to every node of a parsed sample. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function replaced(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: unknown = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] ?? ''] = value;
  return copy;
}

/**
 * Bodies a kind must survive: random bytes, random JSON, truncated samples, and samples with
 * one node (anywhere) replaced by a random JSON value — the last reaches the field readers.
 */
function bodies(samples: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const texts = samples.map((s) => s.toString('utf8'));
  const parsed = texts.map((t) => JSON.parse(t) as unknown);
  const sampleIndex = fc.nat({ max: samples.length - 1 });
  return fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.json().map((t) => Buffer.from(t)),
    fc
      .tuple(sampleIndex, fc.nat())
      .map(([i, cut]) =>
        Buffer.from((texts[i] ?? '').slice(0, cut % ((texts[i] ?? '').length + 1))),
      ),
    fc.tuple(sampleIndex, fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([i, pick, value]) => {
      const all = paths(parsed[i]);
      const path = all[pick % all.length] ?? [];
      return Buffer.from(JSON.stringify(replaced(parsed[i], path, value)));
    }),
  );
}

function check(result: NormaliseResult): void {
  if (result.ok) {
    for (const event of result.events) {
      expect(Number.isInteger(event.time)).toBe(true);
      expect(typeof event.id).toBe('string');
      for (const value of Object.values(event.labels)) expect(typeof value).toBe('string');
      for (const value of Object.values(event.measures)) expect(Number.isFinite(value)).toBe(true);
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

/** Runs `runs` random bodies through the kind: ok or located errors, never a throw. */
export async function fuzzKind(
  kind: AnySourceKind,
  samples: readonly Buffer[],
  contentType?: string,
  runs = 200,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(bodies(samples), async (body) => {
      check(await runKind(kind, body, contentType === undefined ? {} : { contentType }));
    }),
    { numRuns: runs },
  );
}
