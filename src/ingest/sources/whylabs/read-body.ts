import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { snakeCaseKey } from '../monitors-common/label-key.js';
import { leftOverMacros, MACROS, macroFieldFor, severityFromLevel } from './macros.js';
import type { MacroField } from './macros.js';

/** What a notification (default body or custom template) told us. */
export interface Notification {
  readonly fields: Partial<Record<MacroField, string>>;
  readonly severity: 'high' | 'medium' | 'low' | undefined;
  /** Other scalar values of the template, as labels. */
  readonly extras: Record<string, string>;
}

/** Templates nest rarely and shallowly; deeper objects stay in raw only. */
const MAX_DEPTH = 3;

/**
 * Walks the body for the macros' values under any of their usual key spellings (first one
 * found wins, top level first), reports macros left unreplaced, and keeps other scalars.
 */
export function readNotification(body: JsonObject, at: Location): Notification {
  const fields: Partial<Record<MacroField, string>> = {};
  const extras: Record<string, string> = {};
  let severity: Notification['severity'];
  const visit = (object: JsonObject, objectAt: Location, depth: number, prefix: string): void => {
    const nested: [JsonObject, Location, string][] = [];
    for (const [key, value] of Object.entries(object)) {
      const valueAt = objectAt.child(key);
      // A nested {"monitor": {"id", "name"}} is read as monitor_id / monitor_name.
      const field = macroFieldFor(key) ?? (prefix === '' ? undefined : macroFieldFor(prefix + key));
      if (typeof value === 'string') {
        const left = leftOverMacros(value);
        reportLeftOver(left, valueAt);
        if (field !== undefined && left.length === 0 && value.trim() !== '')
          fields[field] ??= value;
        else if (field === undefined && left.length === 0)
          extras[snakeCaseKey(prefix + key)] = value;
      } else if (key.toLowerCase() === 'severity' && typeof value === 'number') {
        severity = severityFromLevel(value);
        if (severity === undefined)
          valueAt.warn(`${got(value)} is not a WhyLabs severity (1, 2 or 3); used "medium".`);
        extras.severity = String(value);
      } else if (typeof value === 'number' || typeof value === 'boolean') {
        if (field !== undefined) fields[field] ??= String(value);
        else extras[snakeCaseKey(prefix + key)] = String(value);
      } else if (isJsonObject(value) && depth < MAX_DEPTH) {
        nested.push([value, valueAt, `${prefix}${key}_`]);
      }
    }
    for (const [child, childAt, childPrefix] of nested)
      visit(child, childAt, depth + 1, childPrefix);
  };
  visit(body, at, 0, '');
  return { fields, severity, extras };
}

/**
 * WhyLabs replaces each macro once (a string pattern in `String.replace`): the second
 * occurrence of a macro in a template reaches us as `<[[name]]>`. That is the sender's
 * behaviour, not a broken delivery, so it is a warning; the value is not used.
 */
function reportLeftOver(names: readonly string[], at: Location): void {
  for (const name of names) {
    if (Object.hasOwn(MACROS, name))
      at.warn(
        `holds the macro <[[${name}]]> unreplaced: WhyLabs replaces only the first occurrence of each macro in a body template. ` +
          'Use each macro once in the template; this value was not used.',
      );
    else
      at.warn(
        `holds <[[${name}]]>, which is not a WhyLabs macro (${Object.keys(MACROS).join(', ')}); WhyLabs sends it as written.`,
      );
  }
}
