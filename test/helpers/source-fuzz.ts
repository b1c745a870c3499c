import fc from 'fast-check';
import { expect } from 'vitest';
import type { NormalisedEvent } from '../../src/ingest/canonical-event.js';
import { MAX_ERRORS } from '../../src/ingest/normalizers/findings.js';
import type { NormaliseResult } from '../../src/ingest/normalizers/types.js';
import type { AnySourceKind } from '../../src/ingest/sources/source-kind.js';
import { runKind } from './source-kind.js';
import type { RunOptions } from './source-kind.js';

/**
 * What every source kind must answer to any body: events that can be stored as they are, or
 * errors located by JSON Pointer with a reason, within the cap; a batch's refused items each
 * carry their reasons. `checkEvent` adds what a kind promises beyond that (its id shape).
 */
export function checkResult(
  result: NormaliseResult,
  checkEvent?: (event: NormalisedEvent) => void,
): void {
  if (result.ok) {
    for (const event of result.events) {
      expect(typeof event.id).toBe('string');
      expect(Number.isInteger(event.time)).toBe(true);
      for (const value of Object.values(event.measures)) expect(Number.isFinite(value)).toBe(true);
      for (const value of Object.values(event.labels)) expect(typeof value).toBe('string');
      expect(() => JSON.stringify(event)).not.toThrow();
      checkEvent?.(event);
    }
    for (const item of result.rejected ?? []) expect(item.errors.length).toBeGreaterThan(0);
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  expect(result.errors.length).toBeLessThanOrEqual(MAX_ERRORS);
  for (const error of result.errors) {
    // A JSON Pointer into the body ('' = the body as a whole) and a reason saying what to fix.
    expect(error.path).toMatch(/^(\/[^/]*)*$/);
    expect(error.reason.trim().length).toBeGreaterThan(0);
  }
}

/** Random bytes: not UTF-8, not JSON, not a log line. */
export function randomBytes(maxLength = 300): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes));
}

/** Any JSON document, none of it shaped like the kind's payloads. */
export function randomJson(maxDepth = 4): fc.Arbitrary<Buffer> {
  return fc.jsonValue({ maxDepth }).map((value) => Buffer.from(JSON.stringify(value)));
}

/** A sample cut at any byte (a reset connection, a proxy size limit). */
export function cutsOf(samples: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.nat())
    .map(([sample, at]) => sample.subarray(0, at % (sample.length + 1)));
}

/** A sample with one byte overwritten. */
export function byteFlipsOf(samples: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.nat(), fc.integer({ min: 0, max: 255 }))
    .map(([sample, at, byte]) => {
      const copy = Buffer.from(sample);
      if (copy.length > 0) copy[at % copy.length] = byte;
      return copy;
    });
}

/** A sample's text with a few characters inserted anywhere. */
export function insertsInto(samples: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const texts = samples.map((sample) => sample.toString('utf8'));
  return fc
    .tuple(fc.constantFrom(...texts), fc.nat(), fc.string({ minLength: 1, maxLength: 5 }))
    .map(([text, at, insert]) => {
      const i = at % (text.length + 1);
      return Buffer.from(text.slice(0, i) + insert + text.slice(i));
    });
}

/**
 * A JSON sample with one node (anywhere, the root included) replaced by a random JSON value:
 * the body still parses, so this is what reaches a kind's field readers. Samples that are not
 * one JSON document (NDJSON, log lines) give none; undefined when no sample parses.
 */
export function nodesReplacedIn(samples: readonly Buffer[]): fc.Arbitrary<Buffer> | undefined {
  const parsed = samples.flatMap((sample) => {
    try {
      return [JSON.parse(sample.toString('utf8')) as unknown];
    } catch {
      return [];
    }
  });
  if (parsed.length === 0) return undefined;
  return fc
    .tuple(fc.constantFrom(...parsed), fc.nat(), fc.jsonValue({ maxDepth: 2 }))
    .map(([root, pick, value]) => {
      const all = nodePaths(root);
      const path = all[pick % all.length] ?? [];
      return Buffer.from(JSON.stringify(replaced(root, path, value)));
    });
}

/** Every path (as key lists) to every node of a parsed document. */
function nodePaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...nodePaths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...nodePaths(v, [...prefix, k]));
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
 * Every way the fuzzing below breaks a body: random bytes, random JSON, and the kind's own
 * samples cut, with a byte flipped, with characters inserted and with a node replaced.
 */
export function fuzzBodies(samples: readonly Buffer[]): fc.Arbitrary<Buffer>[] {
  const replacedNodes = nodesReplacedIn(samples);
  return [
    randomBytes(),
    randomJson(),
    cutsOf(samples),
    byteFlipsOf(samples),
    insertsInto(samples),
    ...(replacedNodes === undefined ? [] : [replacedNodes]),
  ];
}

/** Each run sends the body with one of the header sets and one of the content types. */
export function sentWith(
  headerSets: readonly Record<string, string>[],
  contentTypes: readonly string[],
): fc.Arbitrary<RunOptions> {
  return fc.record({
    headers: fc.constantFrom(...headerSets),
    contentType: fc.constantFrom(...contentTypes),
  });
}

export interface FuzzKindOptions {
  /** How the body is sent; an arbitrary picks headers or content types per run. */
  readonly run?: RunOptions | fc.Arbitrary<RunOptions>;
  /** Runs per family of bodies (fuzzBodies). */
  readonly runs?: number;
}

/**
 * Throws each family of broken bodies at a kind, `runs` of each: it must answer every one with
 * events or located errors (checkResult), never throw.
 */
export async function fuzzKind(
  kind: AnySourceKind,
  samples: readonly Buffer[],
  options: FuzzKindOptions = {},
): Promise<void> {
  const runs = options.run instanceof fc.Arbitrary ? options.run : fc.constant(options.run ?? {});
  for (const bodies of fuzzBodies(samples))
    await fc.assert(
      fc.asyncProperty(bodies, runs, async (body, run) => {
        checkResult(await runKind(kind, body, run));
      }),
      { numRuns: options.runs ?? 200 },
    );
}
