import type { Outcome, Severity } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { INVALID } from '../llm-common/field-readers.js';
import type { Read } from '../llm-common/field-readers.js';

/**
 * `status` of a LiteLLM payload or spend row: "success" | "failure". Absent (older LiteLLM)
 * it is inferred from the error fields, else unknown. A failed call is `low`: one is routine
 * (rate limits, provider hiccups); rules count them to find what is not.
 */
export function readStatus(
  object: JsonObject,
  at: Location,
  hasError: boolean,
): Read<{ outcome: Outcome; severity: Severity }> {
  const value = getOwn(object, 'status');
  if (value === 'success') return { outcome: 'success', severity: 'info' };
  if (value === 'failure') return { outcome: 'failure', severity: 'low' };
  if (value === undefined || value === null || value === '')
    return hasError
      ? { outcome: 'failure', severity: 'low' }
      : { outcome: 'unknown', severity: 'info' };
  const lower = typeof value === 'string' ? value.trim().toLowerCase() : '';
  const fix = lower === 'success' || lower === 'failure' ? ` Send "${lower}" in lower case.` : '';
  at.child('status').error(`must be "success" or "failure"; got ${got(value)}.${fix}`);
  return INVALID;
}
