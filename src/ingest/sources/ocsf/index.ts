import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import { NDJSON_CONTENT_TYPES } from '../../normalizers/generic.js';
import { parseBody } from '../identity-shared/index.js';
import type { Body } from '../identity-shared/index.js';
import type { SourceKind } from '../source-kind.js';
import { readOcsfEvent } from './event.js';

const EXPECTED = 'OCSF events: one JSON object, a JSON array of them, or NDJSON (one per line)';

/**
 * OCSF events (ingest-formats §15.1): Authentication → login, API Activity → audit (or a
 * model call), any other class → audit. Items of a batch are accepted or refused one by one.
 */
export const ocsfKind: SourceKind<undefined> = {
  type: 'ocsf',
  title: 'OCSF events (JSON, array or NDJSON)',
  category: 'identity',
  contentTypes: ['application/json', ...NDJSON_CONTENT_TYPES],
  hecEvent: 'record',
  auth: ['bearer', 'basic', 'header', 'hmac'],
  normalise(request, ctx) {
    const findings = new Findings();
    const root = findings.root();
    const body = parseBody(request, root, EXPECTED, ctx.maxDepth);
    if (body === undefined) return findings.result([]);
    for (const { value, at } of locate(body, root)) {
      const event = readOcsfEvent(value, at, ctx);
      if (event !== undefined) findings.emit(event, at);
    }
    return findings.batch();
  },
};

function locate(body: Body, root: Location): { value: unknown; at: Location }[] {
  if (body.form === 'ndjson')
    return body.lines.map(({ lineIndex, value }) => ({
      value,
      at: root.batchItem(lineIndex, `line ${lineIndex + 1}: `),
    }));
  const value = body.value;
  if (Array.isArray(value)) {
    const list: readonly unknown[] = value;
    if (list.length === 0) root.error('is an empty array; send at least one OCSF event.');
    return list.map((item, index) => ({ value: item, at: root.batchItem(index) }));
  }
  if (!isJsonObject(value)) {
    root.error(`must be ${EXPECTED}; got ${got(value)}.`);
    return [];
  }
  return [{ value, at: root }];
}
