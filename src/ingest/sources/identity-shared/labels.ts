import { setOwn } from '../../normalizers/json-values.js';

/**
 * Builds an event's `labels` (string values) and `measures` (finite numbers). Empty strings,
 * null and absent values are skipped, so a label's presence means the sender said something.
 */
export class EventMaps {
  readonly labels: Record<string, string> = {};
  readonly measures: Record<string, number> = {};

  /** Strings as sent; numbers and booleans as their JSON text (`64500`, `true`). */
  label(key: string, value: unknown): void {
    if (typeof value === 'string') {
      if (value.trim() !== '') setOwn(this.labels, key, value);
    } else if (
      (typeof value === 'number' && Number.isFinite(value)) ||
      typeof value === 'boolean'
    ) {
      setOwn(this.labels, key, String(value));
    }
  }

  measure(key: string, value: unknown): void {
    if (typeof value === 'number' && Number.isFinite(value)) setOwn(this.measures, key, value);
  }
}

/** `riskLevelDuringSignIn` → `risk_level_during_sign_in`, `LoginTo` → `login_to`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}
