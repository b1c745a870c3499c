import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';

/** Query results of one alert, by refId ("A", "B", "C"): Grafana's `values`, or parsed `valueString`. */
export type RefValues = ReadonlyMap<string, number>;

/**
 * `values` (Grafana 9.1+): refId → number. `null` is Grafana's NaN/no-data and is skipped;
 * any other non-number is reported, since it means the body was not Grafana's own.
 */
export function readValues(value: unknown, at: Location): RefValues | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) {
    at.error(`must be an object of query refId → number (such as {"A": 0.07}); got ${got(value)}.`);
    return undefined;
  }
  const out = new Map<string, number>();
  // Go marshals map keys sorted; sort again so "first" means the same for any sender.
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (v === null) continue;
    if (typeof v === 'number' && Number.isFinite(v)) out.set(key, v);
    else {
      const unquote =
        typeof v === 'string' && Number.isFinite(Number(v)) && v.trim() !== ''
          ? ` Send ${v} without quotes.`
          : '';
      at.child(key).error(`must be a finite number (the query result); got ${got(v)}.${unquote}`);
    }
  }
  return out;
}

/** One `[ var='A' labels={…} value=0.0791 ]` (Grafana 9+) or `[ metric='x' … ]` (Grafana 8) group. */
const VALUE_GROUP = /\[\s*(?:var|metric)='([^']*)'[^\]]*?\bvalue=([^\s\]]+)\s*\]/g;

/**
 * Legacy `valueString` (Grafana 9.0 and older send no `values`). Only its `value=` parts are
 * read; a string with none is kept in raw and reported as a warning, not refused, because
 * the alert itself is still sound.
 */
export function parseValueString(text: string, at: Location): RefValues {
  const out = new Map<string, number>();
  for (const match of text.matchAll(VALUE_GROUP)) {
    const [, ref = '', number = ''] = match;
    const n = Number(number);
    if (Number.isFinite(n) && number !== '' && !out.has(ref)) out.set(ref, n);
  }
  if (out.size === 0 && text.trim() !== '')
    at.warn(
      `has no "[ var='A' … value=<number> ]" group Cordon can read; measures.value is left unset.`,
    );
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `value` = the first refId's value (sorted refIds), `value.<refId>` = each one. */
export function valueMeasures(values: RefValues | undefined): Record<string, number> {
  const measures: Record<string, number> = {};
  if (values === undefined) return measures;
  for (const [ref, n] of values) {
    measures.value ??= n;
    measures[`value.${ref}`] = n;
  }
  return measures;
}
