/**
 * Fuzzing the LLM source kinds: random bytes, random JSON, sample payloads with fields swapped
 * for random values, and samples cut at every kind of position. Each run must end in events or
 * located errors (JSON Pointers, reasons), never a throw, and what is accepted must be storable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalisedEvent } from '../../../../../src/ingest/canonical-event.js';
import { langfuseKind } from '../../../../../src/ingest/sources/langfuse/index.js';
import { litellmSpendKind } from '../../../../../src/ingest/sources/litellm-spend/index.js';
import { litellmKind } from '../../../../../src/ingest/sources/litellm/index.js';
import type { AnySourceKind } from '../../../../../src/ingest/sources/source-kind.js';
import { checkResult } from '../../../../helpers/source-fuzz.js';
import { fixtureBytes, runKind } from '../../../../helpers/source-kind.js';
import { jsonBodies, mutated, ndjsonBodies } from '../../../fuzz/arbitraries.js';

const RUNS = 200;

/** Past the common checks: no label poses as Cordon's own, entity values are strings or geo. */
function checkEvent(event: NormalisedEvent): void {
  expect(event.id.length).toBeGreaterThan(0);
  for (const key of Object.keys(event.labels))
    expect(key.startsWith('cordon.') && !/^cordon\.time_(missing|clamped_from)$/.test(key)).toBe(
      false,
    );
  for (const value of Object.values(event.entity))
    expect(typeof value === 'string' || typeof value === 'object').toBe(true);
}

function sampleObject(path: string): Record<string, unknown> {
  const value = JSON.parse(fixtureBytes(path).toString('utf8')) as unknown;
  return (Array.isArray(value) ? value[0] : value) as Record<string, unknown>;
}

/** A sample object with up to three of its fields replaced by arbitrary JSON values. */
function perturbed(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(base);
  return fc
    .array(fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 })
    .map((changes) => ({ ...base, ...Object.fromEntries(changes) }));
}

/** The sample's text cut at a random point (a reset connection, a proxy size limit). */
function truncations(path: string): fc.Arbitrary<Buffer> {
  const text = fixtureBytes(path).toString('utf8');
  return fc.nat({ max: text.length }).map((n) => Buffer.from(text.slice(0, n)));
}

const LITELLM = 'samples/ingest/litellm-standard-logging-payload-success.json';
const SPEND = 'samples/ingest/litellm-spendlogs-row.json';
const LANGFUSE = 'samples/ingest/langfuse-ingestion-batch.json';

function langfuseBodies(): fc.Arbitrary<Buffer> {
  const sample = sampleObject(LANGFUSE) as { batch: Record<string, unknown>[] };
  const items = fc.oneof(
    ...sample.batch.map((item) =>
      fc
        .tuple(perturbed(item), perturbed(item.body as Record<string, unknown>))
        .map(([envelope, body]) => ({ ...(envelope as object), body })),
    ),
  );
  return fc.oneof(
    fc.array(items, { maxLength: 5 }).map((batch) => Buffer.from(JSON.stringify({ batch }))),
    jsonBodies(fc.record({ batch: fc.oneof(fc.array(items, { maxLength: 2 }), items) })),
    mutated(fc.constant(fixtureBytes(LANGFUSE).toString('utf8'))).map((t) => Buffer.from(t)),
    truncations(LANGFUSE),
  );
}

const cases: [string, AnySourceKind, fc.Arbitrary<Buffer>][] = [
  [
    'litellm',
    litellmKind,
    fc.oneof(
      jsonBodies(perturbed(sampleObject(LITELLM))),
      ndjsonBodies(perturbed(sampleObject(LITELLM))),
      truncations(LITELLM),
    ),
  ],
  [
    'litellm-spend',
    litellmSpendKind,
    fc.oneof(
      jsonBodies(perturbed(sampleObject(SPEND))),
      ndjsonBodies(perturbed(sampleObject(SPEND))),
      truncations(SPEND),
    ),
  ],
  ['langfuse', langfuseKind, langfuseBodies()],
];

describe.each(cases)('%s kind under fuzzing', (_name, kind, bodies) => {
  it('returns events or located errors for any body, never throwing', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        checkResult(await runKind(kind, body), checkEvent);
        // A later receipt time too: nothing is clamped then, other paths run.
        checkResult(
          await runKind(kind, body, { contentType: 'application/json', now: Date.UTC(2026, 0, 1) }),
          checkEvent,
        );
      }),
      { numRuns: RUNS },
    );
  });
});
