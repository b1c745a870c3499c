import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { stringifiedHint } from '../llm-common/field-readers.js';
import { labelText } from '../llm-common/raw-cap.js';

/**
 * `error_information` {error_code, error_class, llm_provider, error_message, traceback} →
 * `error_code`, `error_class`, `error_provider`, `error_message` labels (the traceback stays in
 * raw only: it is long and never a rule key). `error_str` fills `error_message` when the
 * structured message is missing. Codes arrive as strings or numbers ("429" or 429).
 * Returns false after reporting a wrong shape.
 */
export function readErrorLabels(
  object: JsonObject,
  at: Location,
  labels: Record<string, string>,
): boolean {
  const info = getOwn(object, 'error_information');
  let ok = true;
  if (isJsonObject(info)) {
    const fields: [string, string][] = [
      ['error_code', 'error_code'],
      ['error_class', 'error_class'],
      ['llm_provider', 'error_provider'],
      ['error_message', 'error_message'],
    ];
    for (const [key, label] of fields) {
      const value = getOwn(info, key);
      if (value === undefined || value === null || value === '') continue;
      if (typeof value === 'string' || typeof value === 'number')
        labels[label] = labelText(String(value));
      else {
        at.child('error_information')
          .child(key)
          .error(`must be a string; got ${got(value)}.`);
        ok = false;
      }
    }
  } else if (info !== undefined && info !== null) {
    at.child('error_information').error(
      `must be an object {error_code, error_class, llm_provider, error_message}; got ${got(info)}.${stringifiedHint(info)}`,
    );
    ok = false;
  }
  const errorStr = getOwn(object, 'error_str');
  if (typeof errorStr === 'string' && errorStr !== '') labels.error_message ??= labelText(errorStr);
  else if (errorStr !== undefined && errorStr !== null && errorStr !== '') {
    at.child('error_str').error(`must be a string; got ${got(errorStr)}.`);
    ok = false;
  }
  return ok;
}

/** Whether the payload reports an error at all (for a missing `status`). */
export function hasError(object: JsonObject): boolean {
  const info = getOwn(object, 'error_information');
  const str = getOwn(object, 'error_str');
  return (
    (isJsonObject(info) && Object.keys(info).length > 0) || (typeof str === 'string' && str !== '')
  );
}
