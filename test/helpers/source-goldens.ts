import { expect, it } from 'vitest';
import { getSourceKind } from '../../src/ingest/sources/registry.js';
import type { AnySourceKind } from '../../src/ingest/sources/source-kind.js';
import { expectGolden, fixtureBytes, okEvents, runKind } from './source-kind.js';
import type { RunOptions } from './source-kind.js';

/** One sample of a kind and the golden file (under test/fixtures/ingest/golden/) it must give. */
export interface GoldenCase {
  /** Path under test/fixtures/, such as `samples/ingest/okta-systemlog-array.json`. */
  readonly sample: string;
  readonly golden: string;
  /** How it is sent (content type, headers), when not as the kind's first content type. */
  readonly run?: RunOptions;
  /** The test's name for the sample; the sample's path when absent. */
  readonly title?: string;
}

/** The kind is what the registry finds under its connector type. */
export function itIsRegistered(kind: AnySourceKind): void {
  it(`is registered as "${kind.type}"`, () => {
    expect(getSourceKind(kind.type)).toBe(kind);
  });
}

/**
 * A test per sample: the kind accepts it without warnings and gives exactly its golden events
 * (goldens prove that a refactor left behaviour unchanged; see expectGolden to write one).
 */
export function itMapsSamplesToGoldens(kind: AnySourceKind, cases: readonly GoldenCase[]): void {
  it.each(cases.map((c) => [c.title ?? c.sample, c] as const))(
    'maps %s as its golden says',
    async (_title, c) => {
      const result = await runKind(kind, fixtureBytes(c.sample), c.run);
      expect(result.ok && result.warnings).toEqual([]);
      expectGolden(okEvents(result), c.golden);
    },
  );
}
