import { readCanonicalEvent } from './canonical-input.js';
import { Findings } from './findings.js';
import type { Location } from './findings.js';
import { RESERVED_LABEL_PREFIX } from './canonical-maps.js';
import { getOwn, got, isJsonObject } from './json-values.js';
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
 * Events that are already canonical (shippers, scripts, Cordon-to-Cordon forwarding, Cordon's
 * own export): a JSON object, a JSON array of objects, or NDJSON, validated strictly.
 */
export const genericNormaliser: Normaliser = {
  format: 'generic',
  contentTypes: ['application/json', ...NDJSON_CONTENT_TYPES],
  normalise(body: Buffer, ctx: NormaliseContext): NormaliseResult {
    const findings = new Findings();
    const items = readItems(body, ctx, findings.root());
    for (const { value, at } of items) {
      const exported = exportedFrom(value, at);
      if (exported === null) continue;
      const event = readCanonicalEvent(value, at, ctx.now, exported !== undefined);
      if (event === undefined) continue;
      findings.emit(
        exported === undefined
          ? event
          : { ...event, labels: { ...event.labels, [EXPORTED_SOURCE_LABEL]: exported } },
        at,
      );
    }
    return findings.batch();
  },
};

/** On an event re-imported from Cordon's own export: the source it first arrived through. */
export const EXPORTED_SOURCE_LABEL = `${RESERVED_LABEL_PREFIX}exported_source`;

/**
 * Cordon's own export (GET /v1/events, the event log) carries `source` and `received`: taken
 * as they are, the old source kept as a label (the event now arrives through this one, which
 * is what deduplication and rules see). undefined = not an export; null = a bad export field.
 */
function exportedFrom(value: unknown, at: Location): string | undefined | null {
  if (!isJsonObject(value)) return undefined;
  const source = getOwn(value, 'source');
  const received = getOwn(value, 'received');
  if (source === undefined && received === undefined) return undefined;
  let ok = true;
  if (typeof source !== 'string' || source === '') {
    at.child('source').error(
      `must be the source name of an exported event (a non-empty string); got ${got(source)}. Remove "source" and "received" to send a new event.`,
    );
    ok = false;
  }
  if (received !== undefined && (typeof received !== 'number' || !Number.isFinite(received))) {
    at.child('received').error(
      `must be the receipt time of an exported event (epoch ms); got ${got(received)}.`,
    );
    ok = false;
  }
  return ok ? (source as string) : null;
}

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
