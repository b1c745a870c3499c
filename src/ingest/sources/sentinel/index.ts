import type { NormalisedEvent } from '../../canonical-event.js';
import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import type { NormaliseContext, NormaliseResult } from '../../normalizers/types.js';
import type { SourceKind } from '../source-kind.js';
import { readIncidentRow, readIncidentTrigger } from './incident.js';
import { readSecurityAlert } from './security-alert.js';

/**
 * Microsoft Sentinel (ingest-formats §3), which has no outbound webhook of its own: a Logic
 * App forwards the incident trigger (`object.properties`), or an export forwards SecurityAlert
 * (or SecurityIncident) rows — one, an array, or an ARM-style `{value: [...]}`. Rows are
 * batch items.
 */
export const sentinelKind: SourceKind<undefined> = {
  type: 'sentinel',
  title: 'Microsoft Sentinel (playbook incident trigger, SecurityAlert rows)',
  category: 'siem',
  contentTypes: ['application/json'],
  auth: ['bearer', 'header'],
  normalise(request, ctx): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    const parsed = parseJsonBody(request.body, root, {
      maxDepth: ctx.maxDepth,
      expected: 'a Sentinel incident trigger body or SecurityAlert rows',
    });
    if (!parsed.ok) return findings.result([]);
    const body = parsed.value;
    if (
      isJsonObject(body) &&
      (getOwn(body, 'object') !== undefined || getOwn(body, 'objectSchemaType') !== undefined)
    ) {
      const event = readIncidentTrigger(body, root, ctx);
      return findings.result(event === undefined ? [] : [event]);
    }
    const list =
      isJsonObject(body) && Array.isArray(getOwn(body, 'value'))
        ? (getOwn(body, 'value') as unknown[])
        : Array.isArray(body)
          ? body
          : undefined;
    if (list === undefined) {
      const event = readRow(body, root, ctx);
      return findings.result(event === undefined ? [] : [event]);
    }
    const listAt = Array.isArray(body) ? root : root.child('value');
    if (list.length === 0) listAt.error('is an empty list; send at least one SecurityAlert row.');
    list.forEach((row, index) => {
      const at = listAt.batchItem(index);
      const event = readRow(row, at, ctx);
      if (event !== undefined) findings.emit(event, at);
    });
    return findings.batch();
  },
};

function readRow(row: unknown, at: Location, ctx: NormaliseContext): NormalisedEvent | undefined {
  if (!isJsonObject(row)) {
    at.error(`must be a SecurityAlert row or an incident (a JSON object); got ${got(row)}.`);
    return undefined;
  }
  if (getOwn(row, 'IncidentName') !== undefined || getOwn(row, 'IncidentNumber') !== undefined)
    return readIncidentRow(row, at, ctx);
  return readSecurityAlert(row, at, ctx);
}
