import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import { putLabel, scalarText } from '../siem-common/labels.js';

/**
 * HEC `fields` (indexed fields): a flat object whose values are strings or lists of strings.
 * Each becomes a label under its own name (lists joined with `,`); a nested object is an
 * item error, as HEC itself refuses it. Numbers and booleans are taken as their text.
 */
export function readFields(value: unknown, at: Location): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) {
    at.error(
      `must be a flat object of field name → string (or list of strings); got ${got(value)}.`,
    );
    return undefined;
  }
  const labels: Record<string, string> = {};
  let ok = true;
  for (const [key, v] of Object.entries(value)) {
    const nested =
      isJsonObject(v) || (Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null));
    if (nested) {
      at.child(key).error(
        `must be a string or a list of strings (HEC fields are flat); got ${got(v)}. ` +
          'Flatten it into separate fields ("a.b": "…"), or move it into "event".',
      );
      ok = false;
      continue;
    }
    putLabel(labels, key, scalarText(v));
  }
  return ok ? labels : undefined;
}
