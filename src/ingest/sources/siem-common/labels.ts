import { RESERVED_LABEL_PREFIX } from '../../normalizers/canonical-maps.js';
import { setOwn } from '../../normalizers/json-values.js';

/**
 * Adds one label, skipping absent and empty values (an empty label only adds noise to rules).
 * A sender's key under Cordon's reserved `cordon.` prefix is kept under `sender.` instead, so
 * a payload cannot forge Cordon's own markers (time clamped, time missing).
 */
export function putLabel(
  labels: Record<string, string>,
  key: string,
  value: string | undefined,
): void {
  if (value === undefined || value === '') return;
  putOwn(labels, key.startsWith(RESERVED_LABEL_PREFIX) ? `sender.${key}` : key, value);
}

/**
 * Sets an own property, as `setOwn` does, but by plain assignment where that is the same
 * thing: only `__proto__` is an accessor on a plain object's prototype. Labels are set for
 * every field of every event, and defineProperty is several times slower than assignment.
 */
export function putOwn<T>(object: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') setOwn(object, key, value);
  else object[key] = value;
}

/** Label values are strings: lists are joined with `,` (Splunk multivalue and ECS arrays alike). */
export function joinList(values: readonly unknown[]): string | undefined {
  const parts = values.filter(
    (v): v is string | number | boolean =>
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
  );
  return parts.length === 0 ? undefined : parts.map(String).join(',');
}

/** A scalar as label text; objects and arrays of objects are not labels (they stay in raw). */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return joinList(value);
  return undefined;
}

/** `Query Period` → `query_period`, `alertsCount` → `alerts_count`: label keys are snake_case. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9.]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}
