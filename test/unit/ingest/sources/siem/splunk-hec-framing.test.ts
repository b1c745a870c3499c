/**
 * The HEC framer measures each object's depth while it looks for the object's end, and a
 * framed object is parsed from the decoded text directly. Both shortcuts must answer exactly
 * as the general path does: findTooDeep for depth, parseJsonBody for values and reasons.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Findings } from '../../../../../src/ingest/normalizers/findings.js';
import { findTooDeep } from '../../../../../src/ingest/normalizers/json-depth.js';
import { parseJsonBody } from '../../../../../src/ingest/normalizers/parse-json-body.js';
import { parseSegment } from '../../../../../src/ingest/sources/splunk-hec/segment-json.js';
import { splitStackedObjects } from '../../../../../src/ingest/sources/splunk-hec/stacked-json.js';

/** Concatenated objects, some nested deep, some broken, with odd spacing between them. */
const body = fc
  .array(
    fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify({ event: v })),
      fc.integer({ min: 1, max: 12 }).map((n) => `${'{"a":['.repeat(n)}1${']}'.repeat(n)}`),
      fc.constantFrom('{"a":"}{"}', '{"a":"\\"{"}', '{"a":1', '{]', ',', 'x', '{"a":[}'),
    ),
    { maxLength: 6 },
  )
  .chain((parts) =>
    fc
      .array(fc.constantFrom('', ' ', '\n', '\r\n', '\t', '\u00a0', '\u2028'), {
        minLength: parts.length,
        maxLength: parts.length,
      })
      .map((gaps) => parts.map((p, i) => `${gaps[i] ?? ''}${p}`).join('')),
  );

function general(text: string, maxDepth: number): unknown {
  const findings = new Findings();
  const parsed = parseJsonBody(Buffer.from(text), findings.root(), {
    maxDepth,
    expected: 'an HEC event object',
  });
  return { parsed, result: findings.result([]) };
}

function quick(segment: ReturnType<typeof splitStackedObjects>[number], maxDepth: number): unknown {
  const findings = new Findings();
  const parsed = parseSegment(segment, findings.root(), maxDepth);
  return { parsed, result: findings.result([]) };
}

describe('HEC framing shortcuts', () => {
  it('measures the depth findTooDeep finds, for every framed object', () => {
    fc.assert(
      fc.property(body, (text) => {
        for (const segment of splitStackedObjects(text)) {
          if (segment.problem !== undefined) {
            expect(segment.depth).toBeUndefined();
            continue;
          }
          const depth = segment.depth ?? -1;
          expect(findTooDeep(segment.text, depth)).toBeUndefined();
          if (depth > 0) expect(findTooDeep(segment.text, depth - 1)).toBeDefined();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('parses each framed object as parseJsonBody does, reasons included', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 8 }), (text, maxDepth) => {
        for (const segment of splitStackedObjects(text)) {
          if (segment.problem === 'stray') continue;
          expect(quick(segment, maxDepth)).toEqual(general(segment.text, maxDepth));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('skips the white space JavaScript knows, and stops at anything else', () => {
    const segments = splitStackedObjects('\u00a0{"a":1}\u2028\ufeff {"b":2}\u200b{"c":3}');
    expect(segments.map((s) => s.text)).toEqual(['{"a":1}', '{"b":2}', '\u200b', '{"c":3}']);
    expect(segments[2]?.problem).toBe('stray');
  });
});
