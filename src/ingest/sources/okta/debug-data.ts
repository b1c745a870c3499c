import type { Location } from '../../normalizers/findings.js';
import { isJsonObject } from '../../normalizers/json-values.js';
import type { EventMaps } from '../identity-shared/index.js';
import { snakeCase } from '../identity-shared/index.js';

/**
 * `debugContext.debugData` holds strings only, even for booleans ("false"), and Okta writes
 * `risk` and `behaviors` as Java map text (`{level=HIGH, reasons=New Device, New IP}`), not
 * JSON. Each key becomes a snake_case label; risk and behaviors are split into one label per
 * entry (`risk_level`, `behavior_new_geo_location`) so rules can match them directly.
 */
export function addDebugData(value: unknown, at: Location, maps: EventMaps): void {
  if (value === undefined || value === null) return;
  if (!isJsonObject(value)) {
    at.warn('is not an object; debug data was left out.');
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === 'risk' || key === 'behaviors') {
      const prefix = key === 'risk' ? 'risk' : 'behavior';
      const entries = typeof item === 'string' ? parseMapText(item) : undefined;
      if (entries === undefined) maps.label(prefix, item);
      else for (const [k, v] of entries) maps.label(`${prefix}_${snakeCase(k)}`, v);
      continue;
    }
    maps.label(snakeCase(key), item);
  }
}

/**
 * `{a=1, b=x, y}` → [[a, "1"], [b, "x, y"]]: entries are split only at a comma followed by
 * `name=`, because values such as risk reasons contain commas themselves. Undefined when the
 * text is not in braces.
 */
export function parseMapText(text: string): [string, string][] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  const inner = trimmed.slice(1, -1).trim();
  if (inner === '') return [];
  const entries: [string, string][] = [];
  for (const part of inner.split(/,\s*(?=[^,=]+=)/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    entries.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
  }
  return entries;
}
