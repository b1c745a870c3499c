import { readCanonicalEvent } from './canonical-input.js';
import { Findings } from './findings.js';
import type { Location } from './findings.js';
import { got } from './json-values.js';
import { parseJsonBody, parseNdjsonBody } from './parse-json-body.js';
import type { NormaliseContext, NormaliseResult, Normaliser } from './types.js';

/** The JSON Lines family: each non-empty line is one event. */
export const NDJSON_CONTENT_TYPES = [
  'application/x-ndjson',
  'application/jsonl',
  'application/json-lines',
] as const;

const EXPECTED =
  'one canonical event object, a JSON array of them, or NDJSON (one object per line)';

/**
 * Events that are already canonical (shippers, scripts, Cordon-to-Cordon forwarding):
 * a JSON object, a JSON array of objects, or NDJSON, validated strictly.
 */
export const genericNormaliser: Normaliser = {
  format: 'generic',
  contentTypes: ['application/json', ...NDJSON_CONTENT_TYPES],
  normalise(body: Buffer, ctx: NormaliseContext): NormaliseResult {
    const findings = new Findings();
    const items = readItems(body, ctx, findings.root());
    for (const { value, at } of items) {
      const event = readCanonicalEvent(value, at, ctx.now);
      if (event !== undefined) findings.emit(event, at);
    }
    return findings.batch();
  },
};

interface Item {
  readonly value: unknown;
  readonly at: Location;
}

function readItems(body: Buffer, ctx: NormaliseContext, root: Location): Item[] {
  if ((NDJSON_CONTENT_TYPES as readonly string[]).includes(ctx.contentType)) {
    const parsed = parseNdjsonBody(body, root, { expected: EXPECTED, maxDepth: ctx.maxDepth });
    if (!parsed.ok) return [];
    return parsed.value.map(({ lineIndex, value }) => ({
      value,
      at: root.batchItem(lineIndex, `line ${lineIndex + 1}: `),
    }));
  }
  const parsed = parseJsonBody(body, root, {
    expected: EXPECTED,
    maxDepth: ctx.maxDepth,
    trailingContentHint:
      'Several JSON documents in one body? Send a JSON array, or NDJSON with Content-Type application/x-ndjson.',
  });
  if (!parsed.ok) return [];
  const value = parsed.value;
  if (Array.isArray(value)) {
    const list: readonly unknown[] = value;
    if (list.length === 0) root.error('is an empty array; send at least one event.');
    return list.map((item, index) => ({ value: item, at: root.batchItem(index) }));
  }
  if (typeof value !== 'object' || value === null) {
    root.error(`must be ${EXPECTED}; got ${got(value)}.`);
    return [];
  }
  return [{ value, at: root }];
}
